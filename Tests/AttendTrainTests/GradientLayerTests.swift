import AttendMath
import AttendModel
import XCTest

// Each layer's backward against central differences of loss = Σ output · P (P random), layer by layer.
// Tolerance unless stated: step 1e-2, |numeric − analytic| ≤ 1e-2 · max(|numeric|, |analytic|) + 1e-3.

final class GradientLayerTests: XCTestCase {
    // MARK: Linear, embedding

    func testLinear() {
        let (N, I, O) = (3, 5, 4)
        var x = randomValues(N * I, seed: 1), w = randomValues(O * I, seed: 2), b = randomValues(O, seed: 3)
        let p = randomValues(N * O, seed: 4)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var y = [Float](repeating: 0, count: N * O)
            linearForward(output: &y, input: x, weight: w, bias: b, rows: N, inFeatures: I, outFeatures: O)
            return projected(y, p)
        }
        var dx = [Float](repeating: 0, count: N * I), dw = [Float](repeating: 0, count: O * I)
        var db = [Float](repeating: 0, count: O)
        linearBackward(inputGradient: &dx, weightGradient: &dw, biasGradient: &db, outputGradient: p, input: x,
                       weight: w, rows: N, inFeatures: I, outFeatures: O)
        checkGradient("linear input", values: &x, analytic: dx) { loss($0, w, b) }
        checkGradient("linear weight", values: &w, analytic: dw) { loss(x, $0, b) }
        checkGradient("linear bias", values: &b, analytic: db) { loss(x, w, $0) }
    }

    func testEmbedding() {
        let (V, E) = (6, 3)
        let ids: [Int32] = [2, 5, 2, 0]
        var table = randomValues(V * E, seed: 5)
        let p = randomValues(ids.count * E, seed: 6)
        var dTable = [Float](repeating: 0, count: V * E)
        embeddingBackward(tableGradient: &dTable, outputGradient: p, ids: ids, rows: ids.count, embeddingSize: E)
        checkGradient("embedding table", values: &table, analytic: dTable) { table in
            var y = [Float](repeating: 0, count: ids.count * E)
            embeddingForward(output: &y, ids: ids, table: table, rows: ids.count, embeddingSize: E)
            return projected(y, p)
        }
        XCTAssertEqual(dTable[2 * E], p[0] + p[2 * E], accuracy: 1e-6, "a repeated id sums its rows")
    }

    // MARK: Encoder layers

    func testConvolution() {
        for stride in [1, 2] {
            let (C, O, B, H, W) = (3, 4, 2, 5, 6)
            let (Ho, Wo) = (convOutputSize(H, stride: stride), convOutputSize(W, stride: stride))
            var x = randomValues(C * B * H * W, seed: 7), w = randomValues(O * C * 9, scale: 0.5, seed: 8)
            let p = randomValues(O * B * Ho * Wo, seed: 9)
            func loss(_ x: [Float], _ w: [Float]) -> Double {
                var y = [Float](repeating: 0, count: O * B * Ho * Wo)
                var columns = [Float](repeating: 0, count: C * 9 * B * Ho * Wo)
                convolutionForward(output: &y, columns: &columns, input: x, weight: w, bias: nil, inChannels: C,
                                   outChannels: O, batch: B, height: H, width: W, stride: stride)
                return projected(y, p)
            }
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
            var columns = [Float](repeating: 0, count: C * 9 * B * Ho * Wo), dColumns = columns
            convolutionBackward(inputGradient: &dx, weightGradient: &dw, biasGradient: nil, columns: &columns,
                                columnsGradient: &dColumns, outputGradient: p, input: x, weight: w, inChannels: C,
                                outChannels: O, batch: B, height: H, width: W, stride: stride)
            checkGradient("conv input, stride \(stride)", values: &x, analytic: dx, coordinates: 80) { loss($0, w) }
            checkGradient("conv weight, stride \(stride)", values: &w, analytic: dw, coordinates: 80) { loss(x, $0) }
        }
    }

    func testBatchNorm() {
        let (C, N) = (3, 10)
        var x = randomValues(C * N, scale: 2, seed: 10), scale = randomValues(C, seed: 11), shift = randomValues(C, seed: 12)
        let p = randomValues(C * N, seed: 13)
        var mean = [Float](repeating: 0, count: C), inverseStd = mean
        func loss(_ x: [Float], _ scale: [Float], _ shift: [Float]) -> Double {
            var y = [Float](repeating: 0, count: C * N), m = mean, s = mean
            var runningMean = [Float](repeating: 0, count: C), runningVar = runningMean
            batchNormForwardTraining(output: &y, mean: &m, inverseStd: &s, input: x, scale: scale, shift: shift,
                                     runningMean: &runningMean, runningVar: &runningVar, channels: C, count: N)
            return projected(y, p)
        }
        var y = [Float](repeating: 0, count: C * N), runningMean = mean, runningVar = [Float](repeating: 1, count: C)
        batchNormForwardTraining(output: &y, mean: &mean, inverseStd: &inverseStd, input: x, scale: scale, shift: shift,
                                 runningMean: &runningMean, runningVar: &runningVar, channels: C, count: N)
        var dx = [Float](repeating: 0, count: C * N), dScale = [Float](repeating: 0, count: C), dShift = dScale
        batchNormBackward(inputGradient: &dx, scaleGradient: &dScale, shiftGradient: &dShift, outputGradient: p,
                          input: x, mean: mean, inverseStd: inverseStd, scale: scale, channels: C, count: N)
        let fine = GradientTolerance(step: 1e-3, relative: 1e-2, absolute: 2e-3)
        checkGradient("batch norm input", values: &x, analytic: dx, tolerance: fine) { loss($0, scale, shift) }
        checkGradient("batch norm scale", values: &scale, analytic: dScale, tolerance: fine) { loss(x, $0, shift) }
        checkGradient("batch norm shift", values: &shift, analytic: dShift, tolerance: fine) { loss(x, scale, $0) }
        // Running averages: momentum 0.1 of the batch mean and unbiased variance.
        let mu = x[0..<N].reduce(0, +) / Float(N)
        XCTAssertEqual(runningMean[0], 0.1 * mu, accuracy: 1e-5)
    }

    func testReLUAndMaxPool() {
        // Values kept ≥ 0.05 away from 0 and from each other, so the ±1e-2 steps cross no kink.
        let (P, H, W) = (2, 4, 6)
        var x = (0..<(P * H * W)).map { Float(($0 * 37) % (P * H * W)) * 0.05 - 1.2 }
        let p = randomValues(P * (H / 2) * (W / 2), seed: 14)
        func loss(_ x: [Float]) -> Double {
            var y = x
            reluForward(&y, count: y.count)
            var pooledOut = [Float](repeating: 0, count: p.count)
            maxPoolForward(output: &pooledOut, argmax: nil, input: y, planes: P, height: H, width: W)
            return projected(pooledOut, p)
        }
        var relu = x
        reluForward(&relu, count: relu.count)
        var pooledOut = [Float](repeating: 0, count: p.count), argmax = [Int32](repeating: 0, count: p.count)
        maxPoolForward(output: &pooledOut, argmax: &argmax, input: relu, planes: P, height: H, width: W)
        var dRelu = [Float](repeating: 0, count: x.count), dx = dRelu
        maxPoolBackward(inputGradient: &dRelu, outputGradient: p, argmax: argmax, planes: P, height: H, width: W)
        reluBackward(inputGradient: &dx, outputGradient: dRelu, output: relu, count: x.count)
        checkGradient("ReLU + max-pool input", values: &x, analytic: dx, coordinates: 100) { loss($0) }
    }

    // MARK: Losses

    func testCrossEntropyMasksPadding() {
        let (R, V) = (4, 7)
        var logits = randomValues(R * V, scale: 3, seed: 15)
        let targets: [Int32] = [3, Int32(Vocabulary.pad), 6, 1]
        var losses = [Float](repeating: 0, count: R), probabilities = [Float](repeating: 0, count: R * V)
        let counted = crossEntropyForward(losses: &losses, probabilities: &probabilities, logits: logits,
                                          targets: targets, rows: R, vocabularySize: V)
        XCTAssertEqual(counted, 3)
        XCTAssertEqual(losses[1], 0)
        var dLogits = [Float](repeating: 0, count: R * V)
        crossEntropyBackward(logitsGradient: &dLogits, probabilities: probabilities, targets: targets, scale: 0.5,
                             rows: R, vocabularySize: V)
        XCTAssertEqual(dLogits[V..<(2 * V)].map(abs).max(), 0, "a <pad> row has no gradient")
        checkGradient("cross-entropy logits", values: &logits, analytic: dLogits) { logits in
            var l = [Float](repeating: 0, count: R), q = [Float](repeating: 0, count: R * V)
            crossEntropyForward(losses: &l, probabilities: &q, logits: logits, targets: targets, rows: R, vocabularySize: V)
            return 0.5 * l.reduce(0) { $0 + Double($1) }
        }
    }

    func testCrossEntropyForwardMatchesDoubleReference() {
        // Rows past the parallel split (minimum 8 a worker) and a vocabulary past the 4,096-value sum blocks.
        let (R, V) = (19, 5_003)
        let logits = randomValues(R * V, scale: 6, seed: 16)
        let targets: [Int32] = (0..<R).map { $0 % 5 == 2 ? Int32(Vocabulary.pad) : Int32(($0 * 977) % V) }
        var losses = [Float](repeating: -1, count: R), probabilities = [Float](repeating: 0, count: R * V)
        let counted = crossEntropyForward(losses: &losses, probabilities: &probabilities, logits: logits,
                                          targets: targets, rows: R, vocabularySize: V)
        XCTAssertEqual(counted, targets.filter { $0 != Int32(Vocabulary.pad) }.count)
        for r in 0..<R {
            let row = logits[(r * V)..<((r + 1) * V)].map(Double.init), maximum = row.max()!
            let sum = row.reduce(0) { $0 + exp($1 - maximum) }
            for j in stride(from: 0, to: V, by: 97) {
                XCTAssertEqual(Double(probabilities[r * V + j]), exp(row[j] - maximum) / sum,
                               accuracy: 1e-6 * exp(row[j] - maximum) / sum + 1e-12)
            }
            let expected = targets[r] == Int32(Vocabulary.pad) ? 0 : maximum + log(sum) - row[Int(targets[r])]
            XCTAssertEqual(Double(losses[r]), expected, accuracy: 1e-5 * max(1, abs(expected)), "row \(r)")
        }
    }

    func testAttentionPenalty() {
        // α (T, R, L) from a softmax; step 2 of row 1 is not counted (its target is <pad>).
        let (T, R, L) = (3, 2, 4)
        let scores = randomValues(T * R * L, scale: 2, seed: 16)
        let counts: [Bool] = [true, true, true, true, true, false]   // (T, R)
        let lambda: Float = 0.7
        func alphas(_ scores: [Float]) -> [Float] {
            var a = scores
            softmaxRows(&a, rows: T * R, columns: L)
            return a
        }
        func coverage(_ a: [Float]) -> [Float] {
            var c = [Float](repeating: 0, count: R * L)
            for t in 0..<T { for r in 0..<R where counts[t * R + r] { for i in 0..<L { c[r * L + i] += a[(t * R + r) * L + i] } } }
            return c
        }
        var a = alphas(scores)
        let cov = coverage(a)
        var dAlpha = [Float](repeating: 0, count: T * R * L)
        for t in 0..<T {
            dAlpha.withUnsafeMutableBufferPointer { d in
                counts.withUnsafeBufferPointer { c in
                    attentionPenaltyBackward(alphaGradient: d.baseAddress! + t * R * L, coverage: cov, weight: lambda,
                                             scale: 1, counts: c.baseAddress! + t * R, rows: R, locations: L)
                }
            }
        }
        checkGradient("attention penalty α", values: &a, analytic: dAlpha) { a in
            Double(attentionPenaltyForward(coverage: coverage(a), weight: lambda, rows: R, locations: L))
        }
        XCTAssertEqual(Double(attentionPenaltyForward(coverage: [1, 1, 0, 3], weight: 2, rows: 1, locations: 4)),
                       2 * (0 + 0 + 1 + 4), accuracy: 1e-6)
    }
}
