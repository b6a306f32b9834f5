import AttendMath
import AttendModel
import Foundation
import XCTest

/// Each layer's fast forward against a naive one written from its definition.
final class LayerForwardTests: XCTestCase {
    var seed: UInt64 = 12345

    func random(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return (Float(seed >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-4, _ message: String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, message, file: file, line: line)
    }

    func testConvolutionMatchesDefinition() {
        for (cin, cout, batch, h, w, stride) in [(3, 4, 2, 9, 7, 2), (5, 6, 3, 8, 8, 1), (1, 1, 1, 1, 1, 1)] {
            let input = random(cin * batch * h * w), weight = random(cout * cin * 9), bias = random(cout)
            let ho = (h - 1) / stride + 1, wo = (w - 1) / stride + 1
            var fast = [Float](repeating: 0, count: cout * batch * ho * wo), naive = fast
            var columns = [Float](repeating: 0, count: cin * 9 * batch * ho * wo)
            convolutionForward(output: &fast, columns: &columns, input: input, weight: weight, bias: bias,
                               inChannels: cin, outChannels: cout, batch: batch, height: h, width: w, stride: stride)
            convolutionForwardNaive(output: &naive, input: input, weight: weight, bias: bias, inChannels: cin,
                                    outChannels: cout, batch: batch, height: h, width: w, stride: stride)
            assertClose(fast, naive, 1e-4, "conv \(cin)→\(cout) \(h)×\(w) stride \(stride)")
        }
    }

    func testMaxPoolPicksTheBlockMaximumAndDropsOddEdges() {
        let (planes, h, w) = (3, 5, 6)
        let input = random(planes * h * w)
        var output = [Float](repeating: 0, count: planes * 2 * 3)
        var argmax = [Int32](repeating: -1, count: output.count)
        maxPoolForward(output: &output, argmax: &argmax, input: input, planes: planes, height: h, width: w)
        for p in 0..<planes {
            for oy in 0..<2 {
                for ox in 0..<3 {
                    let block = [(0, 0), (0, 1), (1, 0), (1, 1)].map { input[p * h * w + (2 * oy + $0) * w + 2 * ox + $1] }
                    let o = p * 6 + oy * 3 + ox
                    XCTAssertEqual(output[o], block.max()!)
                    XCTAssertEqual(input[p * h * w + Int(argmax[o])], output[o])
                }
            }
        }
    }

    func testLinearMatchesLoops() {
        let (rows, inF, outF) = (3, 5, 4)
        let x = random(rows * inF), w = random(outF * inF), b = random(outF)
        var y = [Float](repeating: 0, count: rows * outF)
        linearForward(output: &y, input: x, weight: w, bias: b, rows: rows, inFeatures: inF, outFeatures: outF)
        var expected = [Float](repeating: 0, count: rows * outF)
        for r in 0..<rows {
            for o in 0..<outF {
                expected[r * outF + o] = b[o] + (0..<inF).reduce(0) { $0 + x[r * inF + $1] * w[o * inF + $1] }
            }
        }
        assertClose(y, expected, 1e-5)
    }

    func testLSTMCellMatchesScalarEquations() {
        let (rows, X, H) = (2, 3, 4)
        let x = random(rows * X), h = random(rows * H), c = random(rows * H)
        let wih = random(4 * H * X), whh = random(4 * H * H), bias = random(4 * H)
        var newH = [Float](repeating: 0, count: rows * H), newC = newH
        var gates = [Float](repeating: 0, count: rows * 4 * H)
        wih.withUnsafeBufferPointer { wi in whh.withUnsafeBufferPointer { wh in bias.withUnsafeBufferPointer { bb in
            lstmCellForward(newHidden: &newH, newCell: &newC, gates: &gates, input: x, hidden: h, cell: c,
                            weights: LSTMWeights(inputWeight: wi.baseAddress!, hiddenWeight: wh.baseAddress!,
                                                 bias: bb.baseAddress!),
                            rows: rows, inputSize: X, hiddenSize: H)
        } } }
        func sig(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        for r in 0..<rows {
            for j in 0..<H {
                func pre(_ gate: Int) -> Double {
                    let row = gate * H + j
                    var s = Double(bias[row])
                    for k in 0..<X { s += Double(wih[row * X + k]) * Double(x[r * X + k]) }
                    for k in 0..<H { s += Double(whh[row * H + k]) * Double(h[r * H + k]) }
                    return s
                }
                let cell = sig(pre(1)) * Double(c[r * H + j]) + sig(pre(0)) * tanh(pre(2))
                XCTAssertEqual(Double(newC[r * H + j]), cell, accuracy: 1e-5)
                XCTAssertEqual(Double(newH[r * H + j]), sig(pre(3)) * tanh(cell), accuracy: 1e-5)
            }
        }
    }

    func testAttentionMatchesScalarEquations() {
        let (rows, L, D, H, A) = (2, 5, 3, 4, 6)
        let annotations = random(rows * L * D), hidden = random(rows * H)
        let wa = random(A * D), ba = random(A), wh = random(A * H), bh = random(A), w = random(A), bw = random(1)
        let wbeta = random(H), bbeta = random(1)
        var projected = [Float](repeating: 0, count: rows * L * A)
        attentionProjectFeatures(projected: &projected, annotations: annotations, weight: wa, bias: ba,
                                 rows: rows * L, featureSize: D, attentionSize: A)
        var gated = [Float](repeating: 0, count: rows * D), context = gated
        var gate = [Float](repeating: 0, count: rows), alpha = [Float](repeating: 0, count: rows * L)
        var activations = [Float](repeating: 0, count: rows * L * A), hp = [Float](repeating: 0, count: rows * A)
        let weights = [wh, bh, w, bw, wbeta, bbeta]
        let pointers = weights.map { array -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: array.count)
            p.initialize(from: array, count: array.count)
            return p
        }
        defer { pointers.forEach { $0.deallocate() } }
        attentionForward(gated: &gated, context: &context, gate: &gate, alpha: &alpha, activations: &activations,
                         hiddenProjection: &hp, annotations: annotations, projected: projected, hidden: hidden,
                         weights: AttentionWeights(hiddenWeight: pointers[0], hiddenBias: pointers[1],
                                                   scoreWeight: pointers[2], scoreBias: pointers[3],
                                                   betaWeight: pointers[4], betaBias: pointers[5]),
                         rows: rows, locations: L, featureSize: D, hiddenSize: H, attentionSize: A)
        for r in 0..<rows {
            var scores = [Double](repeating: 0, count: L)
            for i in 0..<L {
                var e = Double(bw[0])
                for j in 0..<A {
                    var pre = Double(ba[j]) + Double(bh[j])
                    for d in 0..<D { pre += Double(wa[j * D + d]) * Double(annotations[(r * L + i) * D + d]) }
                    for k in 0..<H { pre += Double(wh[j * H + k]) * Double(hidden[r * H + k]) }
                    e += Double(w[j]) * tanh(pre)
                }
                scores[i] = e
            }
            let m = scores.max()!, sum = scores.reduce(0) { $0 + exp($1 - m) }
            let a = scores.map { exp($0 - m) / sum }
            var betaLogit = Double(bbeta[0])
            for k in 0..<H { betaLogit += Double(wbeta[k]) * Double(hidden[r * H + k]) }
            let beta = 1 / (1 + exp(-betaLogit))
            XCTAssertEqual(Double(gate[r]), beta, accuracy: 1e-6)
            for i in 0..<L { XCTAssertEqual(Double(alpha[r * L + i]), a[i], accuracy: 1e-5) }
            for d in 0..<D {
                let z = beta * (0..<L).reduce(0.0) { $0 + a[$1] * Double(annotations[(r * L + $1) * D + d]) }
                XCTAssertEqual(Double(gated[r * D + d]), z, accuracy: 1e-5)
            }
        }
    }
}
