import AttendMath
import AttendModel
@testable import AttendTrain
import XCTest

// Fine-tuning EfficientNet-Lite's top blocks (LiteFineTuning.swift) against central differences
// (GradientChecking.swift): the batch-norm fold's backward alone, then the fine-tuned top and the decoder graph
// together — the grids the top computes go through the graph, and the graph's grid gradient (handed back in the
// batch's image order) through the top. Its forward must also be the inference encoder's.

final class GradientFineTuningTests: XCTestCase {
    func testFoldBatchNormBackward() {
        let (C, K) = (5, 7)
        var weight = randomValues(C * K, seed: 1), scale = randomValues(C, seed: 2).map { $0 + 1.5 }
        var shift = randomValues(C, seed: 3)
        let mean = randomValues(C, seed: 4), variance = randomValues(C, seed: 5).map { $0 + 1.2 }
        let p = randomValues(C * K, seed: 6), q = randomValues(C, seed: 7)   // loss = Σ W_f · p + Σ b_f · q
        func loss(_ weight: [Float], _ scale: [Float], _ shift: [Float]) -> Double {
            var folded = weight
            let bias = foldBatchNorm(weight: &folded, outChannels: C, fanIn: K, scale: scale, shift: shift,
                                     runningMean: mean, runningVar: variance, epsilon: 1e-3)
            return projected(folded, p) + projected(bias, q)
        }
        var dWeight = [Float](repeating: 0, count: C * K), dScale = [Float](repeating: 0, count: C), dShift = dScale
        foldBatchNormBackward(weightGradient: &dWeight, scaleGradient: &dScale, shiftGradient: &dShift,
                              foldedWeightGradient: p, foldedBiasGradient: q, weight: weight, outChannels: C, fanIn: K,
                              scale: scale, runningMean: mean, runningVar: variance, epsilon: 1e-3)
        let tolerance = GradientTolerance(step: 1e-2, relative: 1e-3, absolute: 1e-4)   // linear in each: exact up to rounding
        checkGradient("weight", values: &weight, analytic: dWeight, tolerance: tolerance) { loss($0, scale, shift) }
        checkGradient("scale", values: &scale, analytic: dScale, tolerance: tolerance) { loss(weight, $0, shift) }
        checkGradient("shift", values: &shift, analytic: dShift, tolerance: tolerance) { loss(weight, scale, $0) }
    }

    static func lite0(_ imageSize: Int, _ tap: LiteTap) -> EncoderConfig {
        EncoderConfig(Lite0EncoderConfig(imageSize: imageSize, tap: tap))
    }

    /// Lite0 at each tap, and Lite2 (other widths, 21 blocks) at its head.
    func testForwardIsTheInferenceEncoders() {
        for (encoder, blocks) in [(Self.lite0(48, .head), 3), (Self.lite0(48, .block10), 2),
                                  (Self.lite0(48, .expansion11), 0), (EncoderConfig(Lite2EncoderConfig(imageSize: 48)), 4)] {
            let model = smallCaptioner(encoder, seed: 8)
            let tap = "\(encoder.name) \(encoder.outputChannels) channels"
            let pictures = PictureBatch(values: randomValues(3 * 3 * 48 * 48, seed: 9), count: 3, side: 48)
            let top = model.trainableEncoder(fineTunedBlocks: blocks, pictures: 3)!
            var parameters = model.parameters
            let grid = parameters.withUnsafeMutableBufferPointer { top.forward(pictures, parameters: $0.baseAddress!) }
            let expected = pictures.values.withUnsafeBufferPointer {
                makeGridEncoder(model: model).encode(images: $0.baseAddress!, batch: 3)
            }
            XCTAssertEqual(grid.count, expected.count, "\(tap)")
            let scale = expected.map(abs).max()!
            XCTAssertGreaterThan(scale, 0, "\(tap): a grid of zeros tests nothing")
            let worst = zip(grid, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(tap) with \(blocks) trained blocks")
        }
    }

    /// The loss of the top and the graph; gradients of every tensor the top trains, against central differences.
    func checkFineTuning(_ encoder: EncoderConfig, blocks: Int, seed: UInt64) {
        let model = smallCaptioner(encoder, seed: seed), S = encoder.imageSize, tap = encoder.name
        let pass = TrainingPass(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                options: LossOptions(attentionPenalty: 0.5, dropout: 0.3, gridDropout: 0.2),
                                fineTunedBlocks: blocks)
        let graph = pass.graph
        let pictures = PictureBatch(values: randomValues(2 * 3 * S * S, scale: 2, seed: seed + 1), count: 2, side: S)
        // The second image has the longer caption, so the pass trains the batch's images swapped.
        let batch = TrainingBatch(input: .pictures(pictures), imageCount: 2,
                                  captions: [[1, 4, 2], [1, 7, 5, 2], [1, 7, 5, 6, 4, 2], [1, 4, 5, 2]])
        XCTAssertEqual(pass.encode(batch).order, [1, 0], "the test must cross the reordering")
        func loss() -> Double {
            graph.reseedDropout(11)
            return Double(pass.forward(batch).total)
        }
        _ = loss()
        graph.zeroGradients()
        pass.backward()
        let analytic = Array(UnsafeBufferPointer(start: graph.gradients, count: graph.layout.count))
        let trained = pass.encoder!.trainedTensorNames
        let convolutionAtTap = (model.layout.encoder as! LiteLayout).last != nil
        XCTAssertEqual(trained.count, 3 * (3 * blocks + (convolutionAtTap ? 1 : 0)), "weight, γ and β of each convolution")
        for spec in graph.layout.encoderTensors {
            let values = analytic[spec.offset..<(spec.offset + spec.count)]
            if !trained.contains(spec.name) {
                XCTAssertEqual(values.map(abs).max()!, 0, "\(spec.name) is frozen: no gradient")
                continue
            }
            var parameters = Array(UnsafeBufferPointer(start: graph.parameters + spec.offset, count: spec.count))
            checkGradient("\(tap) \(spec.name)", values: &parameters, analytic: Array(values),
                          tolerance: GradientTolerance(step: 3e-3, relative: 2e-2, absolute: 2e-3), coordinates: 16) {
                (graph.parameters + spec.offset).update(from: $0, count: spec.count)
                return loss()
            }
            (graph.parameters + spec.offset).update(from: parameters, count: spec.count)
        }
    }

    func testTopBlocksAndHead() { checkFineTuning(Self.lite0(64, .head), blocks: 2, seed: 20) }

    /// Block 10's output has no convolution after it; blocks 9 and 10 are stride 1 with a residual.
    func testTopBlocksBelowABlockTap() { checkFineTuning(Self.lite0(32, .block10), blocks: 2, seed: 30) }

    /// EfficientNet-Lite2's top: block 19 (208 channels, a residual), block 20 (208 → 352) and the head (352 → 1280).
    func testLite2TopBlocksAndHead() { checkFineTuning(EncoderConfig(Lite2EncoderConfig(imageSize: 64)), blocks: 2, seed: 40) }
}
