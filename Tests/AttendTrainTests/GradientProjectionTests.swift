import AttendMath
import AttendModel
@testable import AttendTrain
import XCTest

// The projection before the decoder (LayerNorm → linear → ReLU) and the training graph around it, against central
// differences (GradientChecking.swift): the layer alone, a decoder trained on cached grids of a frozen
// EfficientNet-Lite0, and a scratch encoder trained through a projection.

final class GradientProjectionTests: XCTestCase {
    func testProjectionLayer() {
        let (N, C, P) = (4, 6, 5)
        var grid = randomValues(N * C, scale: 2, seed: 21), scale = randomValues(C, seed: 22).map { $0 + 1.5 }
        var shift = randomValues(C, seed: 23), weight = randomValues(P * C, seed: 24), bias = randomValues(P, seed: 25)
        let p = randomValues(N * P, seed: 26)
        func loss(_ grid: [Float], _ scale: [Float], _ shift: [Float], _ weight: [Float], _ bias: [Float]) -> Double {
            var output = [Float](repeating: 0, count: N * P), normalized = [Float](repeating: 0, count: N * C)
            var scaled = normalized, inverseStd = [Float](repeating: 0, count: N)
            projectionForward(output: &output, normalized: &normalized, scaled: &scaled, inverseStd: &inverseStd,
                              grid: grid, weights: ProjectionWeights(normScale: scale, normShift: shift, weight: weight,
                                                                     bias: bias),
                              rows: N, channels: C, outFeatures: P)
            return projected(output, p)
        }
        var output = [Float](repeating: 0, count: N * P), normalized = [Float](repeating: 0, count: N * C)
        var scaled = normalized, inverseStd = [Float](repeating: 0, count: N)
        let weights = ProjectionWeights(normScale: scale, normShift: shift, weight: weight, bias: bias)
        projectionForward(output: &output, normalized: &normalized, scaled: &scaled, inverseStd: &inverseStd,
                          grid: grid, weights: weights, rows: N, channels: C, outFeatures: P)
        XCTAssertTrue(output.contains(0) && output.contains { $0 > 0 }, "the ReLU is exercised on both sides")
        var dGrid = [Float](repeating: 0, count: N * C), dScale = [Float](repeating: 0, count: C), dShift = dScale
        var dWeight = [Float](repeating: 0, count: P * C), dBias = [Float](repeating: 0, count: P)
        var outputGradient = p, scratch = [Float](repeating: 0, count: N * C)
        projectionBackward(gridGradient: &dGrid,
                           gradients: ProjectionGradients(normScale: &dScale, normShift: &dShift, weight: &dWeight,
                                                          bias: &dBias),
                           normalizedGradient: &scratch, outputGradient: &outputGradient, output: output,
                           normalized: normalized, scaled: scaled, inverseStd: inverseStd, weights: weights, rows: N,
                           channels: C, outFeatures: P)
        let tolerance = GradientTolerance(step: 3e-3, relative: 1e-2, absolute: 1e-3)
        checkGradient("grid", values: &grid, analytic: dGrid, tolerance: tolerance) { loss($0, scale, shift, weight, bias) }
        checkGradient("norm scale", values: &scale, analytic: dScale, tolerance: tolerance) { loss(grid, $0, shift, weight, bias) }
        checkGradient("norm shift", values: &shift, analytic: dShift, tolerance: tolerance) { loss(grid, scale, $0, weight, bias) }
        checkGradient("weight", values: &weight, analytic: dWeight, tolerance: tolerance) { loss(grid, scale, shift, $0, bias) }
        checkGradient("bias", values: &bias, analytic: dBias, tolerance: tolerance) { loss(grid, scale, shift, weight, $0) }
    }

    /// The graph of `model` (2 images × 2 captions, dropout and grid dropout on) against central differences.
    func checkGraph(_ model: Model, _ batch: TrainingBatch, steps: Int, file: StaticString = #filePath,
                    line: UInt = #line) -> [Float] {
        let pass = TrainingPass(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: steps),
                                options: LossOptions(attentionPenalty: 0.5, dropout: 0.3, gridDropout: 0.2))
        // The projection's ReLU and the encoder's kinks are crossed by a 1e-2 step: smaller steps there.
        return checkGraphGradients(pass, batch: batch, coordinates: 10, file: file, line: line) { spec in
            spec.name.hasPrefix("decoder.project") ? 1e-3 : spec.name.hasPrefix("encoder.") ? 3e-3 : 1e-2
        }
    }

    func testDecoderOnCachedGridsOfAFrozenEncoder() {
        let model = smallLite0Captioner(imageSize: 32, tap: .block10, seed: 4)   // 32 px: a 2×2 grid of 112 channels
        let config = model.config
        let (L, C) = (config.locations, config.gridChannels)
        let batch = TrainingBatch(input: .grids(randomValues(2 * L * C, scale: 3, seed: 31)), imageCount: 2,
                                  captions: [[1, 4, 5, 2], [1, 7, 5, 6, 4, 2], [1, 4, 2], [1, 7, 5, 2]])
        let analytic = checkGraph(model, batch, steps: 6)
        for spec in model.layout.tensors where spec.name.hasPrefix("encoder.") {
            XCTAssertEqual(analytic[spec.offset..<(spec.offset + spec.count)].map(abs).max()!, 0, spec.name)
        }
    }

    func testScratchEncoderTrainedThroughAProjection() {
        var config = ModelConfig(encoder: EncoderConfig(ScratchEncoderConfig(imageSize: 12, channels: [4, 5], strides: [2, 1],
                                                                             poolAfter: [true, false])),
                                 projectionSize: 3)
        config.embeddingSize = 5
        config.hiddenSize = 6
        config.attentionSize = 4
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["red", "circle", "and", "blue"])
        let model = Model.random(config: config, vocabulary: vocabulary, seed: 5, randomizeAll: true)
        // The pictures these values made when the graph read them channel-major, (3, B, S, S), now (B, 3, S, S).
        let channelMajor = randomValues(3 * 2 * 12 * 12, scale: 2, seed: 77), plane = 12 * 12
        var values = channelMajor
        for b in 0..<2 { for c in 0..<3 { for i in 0..<plane { values[(b * 3 + c) * plane + i] = channelMajor[(c * 2 + b) * plane + i] } } }
        let pictures = PictureBatch(values: values, count: 2, side: 12)
        let batch = TrainingBatch(input: .pictures(pictures), imageCount: 2,
                                  captions: [[1, 4, 5, 2], [1, 7, 5, 6, 4, 2], [1, 4, 2], [1, 7, 5, 2]])
        _ = checkGraph(model, batch, steps: 6)
    }
}
