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
        config.imageSize = 12
        config.channels = [4, 5]
        config.strides = [2, 1]
        config.poolAfter = [true, false]   // 12 → 6 → 3: a 3×3 grid
        config.embeddingSize = 5
        config.hiddenSize = 6
        config.attentionSize = 4
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["red", "circle", "and", "blue"])
        return Model.random(config: config, vocabulary: vocabulary, seed: seed)
    }

    static func tinyBatch(config: ModelConfig) -> TrainingBatch {
        let S = config.imageSize
        return TrainingBatch(images: randomValues(3 * 2 * S * S, scale: 2, seed: 77), imageCount: 2,
                             captions: [[1, 4, 5, 2], [1, 7, 5, 6, 4, 2], [1, 4, 2], [1, 7, 5, 2]])
    }

    func testWholeModelGradient() {
        let model = Self.tinyModel()
        let graph = TrainingGraph(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                  options: LossOptions(attentionPenalty: 0.5, dropout: 0.3))
        let batch = Self.tinyBatch(config: model.config)
        func loss() -> Double {
            graph.reseedDropout(11)
            return Double(graph.forward(batch).total)
        }
        _ = loss()
        graph.zeroGradients()
        graph.backward()
        let analytic = Array(UnsafeBufferPointer(start: graph.gradients, count: model.layout.count))
        for spec in model.layout.tensors where spec.trainable && spec.name != "decoder.att_score.bias" {
            var values = Array(UnsafeBufferPointer(start: graph.parameters + spec.offset, count: spec.count))
            let isEncoder = spec.name.hasPrefix("encoder.")
            let tolerance = GradientTolerance(step: isEncoder ? 3e-3 : 1e-2, relative: 2e-2, absolute: 2e-3)
            checkGradient(spec.name, values: &values, analytic: Array(analytic[spec.offset..<(spec.offset + spec.count)]),
                          tolerance: tolerance, coordinates: 12) { values in
                (graph.parameters + spec.offset).update(from: values, count: spec.count)
                return loss()
            }
            (graph.parameters + spec.offset).update(from: values, count: spec.count)
        }
        // The score bias cancels in the softmax, and running statistics get no gradient.
        for spec in model.layout.tensors where !spec.trainable || spec.name == "decoder.att_score.bias" {
            XCTAssertEqual(analytic[spec.offset..<(spec.offset + spec.count)].map(abs).max()!, 0, accuracy: 1e-6,
                           spec.name)
        }
    }
}
