import AttendModel
import AttendTrain
import XCTest

// The whole training graph's gradient against central differences of its loss, at tiny sizes: every
// trainable tensor, with captions of different lengths (padding), two captions per image, dropout on (the
// same masks every pass: the dropout generator is reseeded before each forward) and the attention penalty.
// Tolerance: step 1e-2, |numeric − analytic| ≤ 2e-2 · max(|numeric|, |analytic|) + 2e-3 (Float forward; the
// conv/BN/ReLU/max-pool path has kinks a step may cross, so the encoder's step is 3e-3).

final class GradientModelTests: XCTestCase {
    static func tinyModel(seed: UInt64 = 3) -> Model {
        var config = ModelConfig()
        // 12 → 6 → 3: a 3×3 grid
        config.encoder = EncoderConfig(ScratchEncoderConfig(imageSize: 12, channels: [4, 5], strides: [2, 1],
                                                            poolAfter: [true, false]))
        config.embeddingSize = 5
        config.hiddenSize = 6
        config.attentionSize = 4
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["red", "circle", "and", "blue"])
        return Model.random(config: config, vocabulary: vocabulary, seed: seed)
    }

    static func tinyBatch(config: ModelConfig) -> TrainingBatch {
        let S = config.imageSize
        let pictures = PictureBatch(values: randomValues(2 * 3 * S * S, scale: 2, seed: 77), count: 2, side: S)
        return TrainingBatch(input: .pictures(pictures), imageCount: 2,
                             captions: [[1, 4, 5, 2], [1, 7, 5, 6, 4, 2], [1, 4, 2], [1, 7, 5, 2]])
    }

    func testWholeModelGradient() {
        let model = Self.tinyModel()
        let pass = TrainingPass(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                options: LossOptions(attentionPenalty: 0.5, dropout: 0.3))
        let batch = Self.tinyBatch(config: model.config)
        let analytic = checkGraphGradients(pass, batch: batch) { $0.name.hasPrefix("encoder.") ? 3e-3 : 1e-2 }
        // The score bias cancels in the softmax, and running statistics get no gradient.
        for spec in model.layout.tensors where !spec.trainable || spec.name == "decoder.att_score.bias" {
            XCTAssertEqual(analytic[spec.offset..<(spec.offset + spec.count)].map(abs).max()!, 0, accuracy: 1e-6,
                           spec.name)
        }
    }

    func testEndedCaptionRowsAreSkippedExactly() {
        // The graph runs each step only on the rows still predicting (images sorted by their longest caption).
        // Without batch statistics or dropout every row's loss stands alone, so the batch's summed loss must equal
        // the sum of each caption trained alone, where no row ever ends early.
        let model = Self.tinyModel()
        let batch = Self.tinyBatch(config: model.config)
        let options = LossOptions(attentionPenalty: 0.5, dropout: 0)
        let whole = TrainingPass(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                 options: options)
        whole.training = false
        let total = whole.forward(batch)
        let single = TrainingPass(model: model, capacity: GraphCapacity(images: 1, captionsPerImage: 1, steps: 6),
                                  options: options)
        single.training = false
        var summed = 0.0, tokens = 0
        for (row, caption) in batch.captions.enumerated() {
            let image = row / 2
            let loss = single.forward(TrainingBatch(input: .pictures(batch.pictures.reordered([image])), imageCount: 1,
                                                    captions: [caption]))
            summed += Double(loss.total) * Double(loss.tokens)
            tokens += loss.tokens
        }
        XCTAssertEqual(total.tokens, tokens)
        XCTAssertEqual(Double(total.total) * Double(total.tokens), summed, accuracy: 1e-4 * abs(summed))
    }

    func testImageOrderWithinABatchChangesNothing() {
        // The pass orders images by their longest caption itself, before the encoder's batch statistics: a batch
        // given in the other order trains the same.
        let model = Self.tinyModel()
        let batch = Self.tinyBatch(config: model.config)
        let swapped = TrainingBatch(input: .pictures(batch.pictures.reordered([1, 0])), imageCount: 2,
                                    captions: Array(batch.captions[2...]) + Array(batch.captions[..<2]))
        var results: [(Float, [Float])] = []
        for input in [batch, swapped] {
            let pass = TrainingPass(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                    options: LossOptions(attentionPenalty: 0.5, dropout: 0.3))
            let graph = pass.graph
            graph.reseedDropout(11)
            let loss = pass.forward(input)
            graph.zeroGradients()
            pass.backward()
            results.append((loss.total, Array(UnsafeBufferPointer(start: graph.gradients, count: model.layout.count))))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
    }
}
