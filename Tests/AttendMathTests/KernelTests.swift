import AttendMath
import XCTest

final class KernelTests: XCTestCase {
    func randomArray(_ count: Int, seed: inout UInt64) -> [Float] {
        (0..<count).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(seed >> 40) / Float(1 << 24) * 2 - 1
        }
    }

    func testGemmMatchesNaiveForEveryTransposeAndOddSizes() {
        var seed: UInt64 = 1
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 3, 129)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = randomArray(m * k, seed: &seed), b = randomArray(k * n, seed: &seed)
                    var fast = randomArray(m * n, seed: &seed), naive = fast
                    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, b: b,
                         beta: 0.25, c: &fast)
                    gemmNaive(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a,
                              b: b, beta: 0.25, c: &naive)
                    for i in 0..<(m * n) {
                        XCTAssertEqual(fast[i], naive[i], accuracy: 1e-4, "\(m)×\(n)×\(k) tA \(transposeA) tB \(transposeB)")
                    }
                }
            }
        }
    }

    func testCol2imIsTheAdjointOfIm2col() {
        // <im2col(x), y> = <x, col2im(y)> for random x, y: the defining property of the backward pass.
        var seed: UInt64 = 9
        for (c, b, h, w, stride) in [(2, 3, 5, 7, 1), (3, 2, 8, 6, 2), (1, 1, 1, 1, 1), (2, 1, 7, 7, 2)] {
            let outPositions = b * ((h - 1) / stride + 1) * ((w - 1) / stride + 1)
            let x = randomArray(c * b * h * w, seed: &seed), y = randomArray(c * 9 * outPositions, seed: &seed)
            var columns = [Float](repeating: .nan, count: y.count)
            im2col3x3(input: x, channels: c, batch: b, height: h, width: w, stride: stride, columns: &columns)
            var back = [Float](repeating: 0, count: x.count)
            col2im3x3(columns: y, channels: c, batch: b, height: h, width: w, stride: stride, inputGradient: &back)
            let left = zip(columns, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let right = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)))
        }
    }

    func testRowBandsEqualTheSlicesOfTheWholeBatch() {
        // im2col of a band of output rows is the band's slice of the whole batch's columns, and col2im over
        // consecutive bands adds up to col2im of the whole: bands inside an image, across images, at the edges.
        var seed: UInt64 = 4
        let (c, b, h, w) = (2, 4, 5, 6)
        for stride in [1, 2] {
            let (ho, wo) = ((h - 1) / stride + 1, (w - 1) / stride + 1)
            let x = randomArray(c * b * h * w, seed: &seed), y = randomArray(c * 9 * b * ho * wo, seed: &seed)
            var whole = [Float](repeating: .nan, count: c * 9 * b * ho * wo)
            im2col3x3(input: x, channels: c, batch: b, height: h, width: w, stride: stride, columns: &whole)
            var wholeBack = [Float](repeating: 0, count: x.count)
            col2im3x3(columns: y, channels: c, batch: b, height: h, width: w, stride: stride, inputGradient: &wholeBack)
            for bandRows in [1, 2, ho + 1, 7] {
                var bandsBack = [Float](repeating: 0, count: x.count)
                var first = 0
                while first < b * ho {
                    let rows = first..<min(b * ho, first + bandRows), n = rows.count * wo
                    var band = [Float](repeating: .nan, count: c * 9 * n)
                    im2col3x3(input: x, channels: c, batch: b, height: h, width: w, stride: stride, columns: &band,
                              outputRows: rows)
                    var bandY = [Float](repeating: 0, count: c * 9 * n)
                    for tap in 0..<(c * 9) {
                        let slice = (tap * b * ho * wo + first * wo)..<(tap * b * ho * wo + first * wo + n)
                        XCTAssertEqual(Array(band[(tap * n)..<((tap + 1) * n)]), Array(whole[slice]),
                                       "stride \(stride), rows \(rows), tap \(tap)")
                        bandY.replaceSubrange((tap * n)..<((tap + 1) * n), with: y[slice])
                    }
                    col2im3x3(columns: bandY, channels: c, batch: b, height: h, width: w, stride: stride,
                              inputGradient: &bandsBack, outputRows: rows)
                    first = rows.upperBound
                }
                for (u, v) in zip(bandsBack, wholeBack) { XCTAssertEqual(u, v, accuracy: 1e-5) }
            }
        }
    }

    func testSoftmaxAndLogSoftmax() {
        var x: [Float] = [1, 2, 3, 1000, 1000, 1000]
        var logX = x
        softmaxRows(&x, rows: 2, columns: 3)
        logSoftmaxRows(&logX, rows: 2, columns: 3)
        let e = [exp(1.0), exp(2.0), exp(3.0)], s = e.reduce(0, +)
        for j in 0..<3 {
            XCTAssertEqual(Double(x[j]), e[j] / s, accuracy: 1e-6)
            XCTAssertEqual(Double(logX[j]), log(e[j] / s), accuracy: 1e-5)
            XCTAssertEqual(x[3 + j], 1.0 / 3, accuracy: 1e-6)   // no overflow at 1000
        }
    }
}

final class VectorTanhTests: XCTestCase {
    func testTanhVectorMatchesLibmEverywhere() {
        // Dense over the interesting range, plus extremes that must saturate without NaN.
        var x: [Float] = stride(from: -12, through: 12, by: 0.0007).map { Float($0) }
        x += [-100, -88.7, 88.7, 100, 0, -0.0, 1e-8, -1e-8, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var y = x
        tanhVector(&y, count: y.count)
        for (input, output) in zip(x, y) {
            XCTAssertEqual(Double(output), tanh(Double(input)), accuracy: 1e-6, "tanh(\(input))")
        }
    }

    func testVectorisedSigmoidAndExpMatchLibm() {
        var x: [Float] = stride(from: -30, through: 30, by: 0.0011).map { Float($0) }
        x += [-100, -88.7, 88.7, 100, 0, -0.0, 1e-8, -1e-8]
        for input in x {
            XCTAssertEqual(Double(sigmoidApproximate(input)), 1 / (1 + exp(-Double(input))), accuracy: 1e-6, "σ(\(input))")
            XCTAssertEqual(Double(tanhApproximate(input)), tanh(Double(input)), accuracy: 1e-6, "tanh(\(input))")
        }
        // exp relative to the true value where the clamp does not apply (the cross-entropy's e^(x − max) ≤ 1)
        for input in stride(from: Float(-87), through: 0, by: 0.0013) {
            let exact = exp(Double(input))
            XCTAssertEqual(Double(expApproximate(input)) / exact, 1, accuracy: 1e-6, "exp(\(input))")
        }
    }
}
