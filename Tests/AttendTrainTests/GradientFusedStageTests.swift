import AttendMath
import AttendModel
import XCTest

// The fused batch norm → ReLU → max-pool that training runs after each convolution, against the three
// separate layers it replaces (each checked by finite differences in GradientLayerTests) and against finite
// differences itself; and the chunked convolution against the whole-batch one.

final class GradientFusedStageTests: XCTestCase {
    /// Shapes: C channels, B images, H×W planes (odd sides: the pool drops the last row and column).
    let (C, B, H, W) = (3, 2, 5, 7)

    /// The three layers one after another: output, argmax, mean, inverseStd, running statistics.
    func separateForward(_ x: [Float], scale: [Float], shift: [Float], pool: Bool)
        -> (output: [Float], argmax: [Int32], relu: [Float], mean: [Float], inverseStd: [Float], running: [Float]) {
        let N = B * H * W
        var y = [Float](repeating: 0, count: C * N), mean = [Float](repeating: 0, count: C), inverseStd = mean
        var runningMean = [Float](repeating: 0.5, count: C), runningVar = [Float](repeating: 2, count: C)
        batchNormForwardTraining(output: &y, mean: &mean, inverseStd: &inverseStd, input: x, scale: scale, shift: shift,
                                 runningMean: &runningMean, runningVar: &runningVar, channels: C, count: N)
        reluForward(&y, count: y.count)
        guard pool else { return (y, [], y, mean, inverseStd, runningMean + runningVar) }
        let pooledCount = C * B * (H / 2) * (W / 2)
        var pooled = [Float](repeating: 0, count: pooledCount), argmax = [Int32](repeating: 0, count: pooledCount)
        maxPoolForward(output: &pooled, argmax: &argmax, input: y, planes: C * B, height: H, width: W)
        return (pooled, argmax, y, mean, inverseStd, runningMean + runningVar)
    }

    func fusedForward(_ x: [Float], scale: [Float], shift: [Float], pool: Bool, batchStatistics: Bool = true)
        -> (output: [Float], argmax: [Int32], mean: [Float], inverseStd: [Float], running: [Float]) {
        let outCount = pool ? C * B * (H / 2) * (W / 2) : C * B * H * W
        var output = [Float](repeating: .nan, count: outCount), argmax = [Int32](repeating: -1, count: outCount)
        var mean = [Float](repeating: 0, count: C), inverseStd = mean
        var runningMean = [Float](repeating: 0.5, count: C), runningVar = [Float](repeating: 2, count: C)
        argmax.withUnsafeMutableBufferPointer { index in
            batchNormReLUPoolForward(output: &output, argmax: pool ? index.baseAddress! : nil, mean: &mean,
                                     inverseStd: &inverseStd, input: x, scale: scale, shift: shift,
                                     runningMean: &runningMean, runningVar: &runningVar,
                                     batchStatistics: batchStatistics, channels: C, batch: B, height: H, width: W,
                                     pool: pool)
        }
        return (output, pool ? argmax : [], mean, inverseStd, runningMean + runningVar)
    }

    func testForwardEqualsTheSeparateLayers() {
        let x = randomValues(C * B * H * W, scale: 2, seed: 40)
        let scale = randomValues(C, seed: 41), shift = randomValues(C, seed: 42)
        for pool in [true, false] {
            let separate = separateForward(x, scale: scale, shift: shift, pool: pool)
            let fused = fusedForward(x, scale: scale, shift: shift, pool: pool)
            XCTAssertEqual(fused.argmax, separate.argmax, "pool \(pool): argmax")
            for (name, a, b) in [("output", fused.output, separate.output), ("mean", fused.mean, separate.mean),
                                 ("inverseStd", fused.inverseStd, separate.inverseStd),
                                 ("running statistics", fused.running, separate.running)] {
                XCTAssertEqual(a.count, b.count)
                for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-5 * max(1, abs(v)), "pool \(pool): \(name)") }
            }
            XCTAssertTrue(fused.output.contains { $0 > 0 } && fused.output.contains { $0 == 0 },
                          "the ReLU is exercised on both sides")
        }
    }

    func testValidationUsesTheRunningStatisticsAndLeavesThemAlone() {
        let x = randomValues(C * B * H * W, scale: 2, seed: 43)
        let scale = randomValues(C, seed: 44), shift = randomValues(C, seed: 45)
        let fused = fusedForward(x, scale: scale, shift: shift, pool: false, batchStatistics: false)
        XCTAssertEqual(fused.running, [Float](repeating: 0.5, count: C) + [Float](repeating: 2, count: C))
        for c in 0..<C {
            for i in 0..<(B * H * W) {
                let expected = max(scale[c] * (x[c * B * H * W + i] - 0.5) / (2 + batchNormEpsilon).squareRoot() + shift[c], 0)
                XCTAssertEqual(fused.output[c * B * H * W + i], expected, accuracy: 1e-5)
            }
        }
    }

    func testBackwardEqualsTheSeparateLayersAndFiniteDifferences() {
        let N = B * H * W
        var x = randomValues(C * N, scale: 2, seed: 46), scale = randomValues(C, seed: 47)
        var shift = randomValues(C, seed: 48)
        for pool in [true, false] {
            let outCount = pool ? C * B * (H / 2) * (W / 2) : C * N
            let p = randomValues(outCount, seed: 49)
            let separate = separateForward(x, scale: scale, shift: shift, pool: pool)
            // Separate layers backward: pool → ReLU → batch norm.
            var dRelu = [Float](repeating: 0, count: C * N), dNormalised = dRelu
            if pool {
                maxPoolBackward(inputGradient: &dRelu, outputGradient: p, argmax: separate.argmax, planes: C * B,
                                height: H, width: W)
            } else {
                dRelu = p
            }
            reluBackward(inputGradient: &dNormalised, outputGradient: dRelu, output: separate.relu, count: C * N)
            var dxSeparate = [Float](repeating: 0, count: C * N), dScaleSeparate = [Float](repeating: 0, count: C)
            var dShiftSeparate = dScaleSeparate
            batchNormBackward(inputGradient: &dxSeparate, scaleGradient: &dScaleSeparate, shiftGradient: &dShiftSeparate,
                              outputGradient: dNormalised, input: x, mean: separate.mean,
                              inverseStd: separate.inverseStd, scale: scale, channels: C, count: N)
            // Fused, with inputGradient full of garbage: it is overwritten, not added into.
            let fused = fusedForward(x, scale: scale, shift: shift, pool: pool)
            var dx = [Float](repeating: 7, count: C * N), dScale = [Float](repeating: 0, count: C), dShift = dScale
            fused.argmax.withUnsafeBufferPointer { index in
                batchNormReLUPoolBackward(inputGradient: &dx, scaleGradient: &dScale, shiftGradient: &dShift,
                                          outputGradient: p, output: fused.output,
                                          argmax: pool ? index.baseAddress! : nil, input: x, mean: fused.mean,
                                          inverseStd: fused.inverseStd, scale: scale, channels: C, batch: B,
                                          height: H, width: W, pool: pool)
            }
            for (name, a, b) in [("input", dx, dxSeparate), ("scale", dScale, dScaleSeparate),
                                 ("shift", dShift, dShiftSeparate)] {
                for (u, v) in zip(a, b) {
                    XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(v)), "pool \(pool): \(name) gradient")
                }
            }
            func loss(_ x: [Float], _ scale: [Float], _ shift: [Float]) -> Double {
                projected(fusedForward(x, scale: scale, shift: shift, pool: pool).output, p)
            }
            // Steps small enough to cross no ReLU or pool kink at these values.
            let fine = GradientTolerance(step: 1e-3, relative: 1e-2, absolute: 2e-3)
            checkGradient("fused input, pool \(pool)", values: &x, analytic: dx, tolerance: fine) { loss($0, scale, shift) }
            checkGradient("fused scale, pool \(pool)", values: &scale, analytic: dScale, tolerance: fine) { loss(x, $0, shift) }
            checkGradient("fused shift, pool \(pool)", values: &shift, analytic: dShift, tolerance: fine) { loss(x, scale, $0) }
        }
    }

    func testChunkedConvolutionEqualsTheWholeBatch() {
        let (Cin, Cout, batch, side) = (3, 4, 5, 6)
        for stride in [1, 2] {
            let outSide = convOutputSize(side, stride: stride), positions = batch * outSide * outSide
            let x = randomValues(Cin * batch * side * side, seed: 50), w = randomValues(Cout * Cin * 9, seed: 51)
            let bias = randomValues(Cout, seed: 52), p = randomValues(Cout * positions, seed: 53)
            func run(_ chunk: Int) -> (output: [Float], dx: [Float], dw: [Float]) {
                var output = [Float](repeating: .nan, count: Cout * positions)
                var columns = [Float](repeating: .nan, count: Cin * 9 * chunk * outSide), dColumns = columns
                convolutionForward(output: &output, columns: &columns, input: x, weight: w, bias: bias, relu: true,
                                   inChannels: Cin, outChannels: Cout, batch: batch, height: side, width: side,
                                   stride: stride, rowsPerChunk: chunk)
                var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
                convolutionBackward(inputGradient: &dx, weightGradient: &dw, biasGradient: nil, columns: &columns,
                                    columnsGradient: &dColumns, outputGradient: p, input: x, weight: w,
                                    inChannels: Cin, outChannels: Cout, batch: batch, height: side, width: side,
                                    stride: stride, rowsPerChunk: chunk)
                return (output, dx, dw)
            }
            var naive = [Float](repeating: 0, count: Cout * positions)
            convolutionForwardNaive(output: &naive, input: x, weight: w, bias: bias, inChannels: Cin, outChannels: Cout,
                                    batch: batch, height: side, width: side, stride: stride)
            let whole = run(batch * outSide)
            for (u, v) in zip(whole.output, naive) { XCTAssertEqual(u, max(v, 0), accuracy: 1e-4, "conv + ReLU") }
            for chunk in [1, 2, 4, 7] {   // rows of Wo: bands within an image, across images, a short last one
                let chunked = run(chunk)
                for (name, a, b) in [("output", chunked.output, whole.output), ("input gradient", chunked.dx, whole.dx),
                                     ("weight gradient", chunked.dw, whole.dw)] {
                    for (u, v) in zip(a, b) {
                        XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(v)), "stride \(stride), chunk \(chunk): \(name)")
                    }
                }
            }
        }
    }
}
