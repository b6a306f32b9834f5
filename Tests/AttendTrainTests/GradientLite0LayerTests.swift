import AttendMath
import AttendModel
import XCTest

// EfficientNet-Lite0's layers for fine-tuning, against central differences of loss = Σ output · P (P random):
// the depthwise convolution (channels-last, TensorFlow "SAME" padding), ReLU6, and a whole MBConv block with its
// residual. Tolerance unless stated: step 1e-2, |numeric − analytic| ≤ 1e-2 · max(|numeric|, |analytic|) + 1e-3.
//
// Letters: B batch, H × W input side, Ho × Wo output side, C channels, k kernel side, N = B·H·W rows.

final class GradientLite0LayerTests: XCTestCase {
    struct DepthwiseShape {
        let kernel, stride, height, width, channels: Int
        let batch = 2
        var outHeight: Int { samePadding(height, kernel: kernel, stride: stride).output }
        var outWidth: Int { samePadding(width, kernel: kernel, stride: stride).output }
        var inputCount: Int { batch * height * width * channels }
        var outputCount: Int { batch * outHeight * outWidth * channels }
        var name: String { "k\(kernel) s\(stride) \(height)×\(width)×\(channels)" }
    }

    /// Both kernels and strides on an odd and an even side (SAME padding with the extra row or column at the end,
    /// or none: 5 and 6 at stride 2 pad 2 and 1 for k = 3, 4 and 3 for k = 5), 5 channels (less than the
    /// backward's 16-channel group); then 40 = 16 + 16 + 8 channels at sides with enough work for the backward to
    /// split its groups over two workers.
    static let shapes: [DepthwiseShape] = [3, 5].flatMap { k in
        [1, 2].flatMap { s in
            [(5, 6), (6, 6)].map { DepthwiseShape(kernel: k, stride: s, height: $0.0, width: $0.1, channels: 5) }
        }
    } + [DepthwiseShape(kernel: 5, stride: 1, height: 14, width: 14, channels: 40),
         DepthwiseShape(kernel: 3, stride: 1, height: 14, width: 13, channels: 40),
         DepthwiseShape(kernel: 5, stride: 2, height: 15, width: 16, channels: 40)]

    /// PyTorch's (C, 1, k, k) → the fast kernel's tap-major (k, k, C).
    static func tapMajor(_ weight: [Float], channels C: Int, kernel k: Int) -> [Float] {
        var result = [Float](repeating: 0, count: weight.count)
        for c in 0..<C { for t in 0..<(k * k) { result[t * C + c] = weight[c * k * k + t] } }
        return result
    }

    static func depthwise(_ x: [Float], _ w: [Float], _ b: [Float], _ shape: DepthwiseShape, relu6: Bool) -> [Float] {
        var y = [Float](repeating: 0, count: shape.outputCount)   // (B, Ho, Wo, C)
        depthwiseConvolutionForward(output: &y, input: x, weight: w, bias: b, relu6: relu6, batch: shape.batch,
                                    height: shape.height, width: shape.width, channels: shape.channels,
                                    kernel: shape.kernel, stride: shape.stride)
        return y
    }

    // MARK: Depthwise convolution

    func testDepthwiseForwardMatchesNaive() {
        var clampedLow = 0, clampedHigh = 0
        for (i, shape) in Self.shapes.enumerated() {
            let (C, k) = (shape.channels, shape.kernel)
            let seed = UInt64(100 + 10 * i)
            // Inputs ×3 so that, with ReLU6, outputs clamp at both ends.
            let x = randomValues(shape.inputCount, scale: 3, seed: seed)                  // (B, H, W, C)
            let wTorch = randomValues(C * k * k, seed: seed + 1)                          // (C, 1, k, k)
            let b = randomValues(C, seed: seed + 2)                                       // (C)
            let w = Self.tapMajor(wTorch, channels: C, kernel: k)                         // (k, k, C)
            for relu6 in [false, true] {
                let fast = Self.depthwise(x, w, b, shape, relu6: relu6)
                var reference = [Float](repeating: 0, count: shape.outputCount)           // (B, Ho, Wo, C)
                depthwiseConvolutionForwardNaive(output: &reference, input: x, weight: wTorch, bias: b, relu6: relu6,
                                                 batch: shape.batch, height: shape.height, width: shape.width,
                                                 channels: C, kernel: k, stride: shape.stride)
                let worst = zip(fast, reference).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5, "\(shape.name) relu6 \(relu6): fast and naive differ by \(worst)")
                if relu6 {
                    clampedLow += reference.filter { $0 == 0 }.count
                    clampedHigh += reference.filter { $0 == 6 }.count
                }
            }
        }
        XCTAssertGreaterThan(clampedLow, 0, "no output clamped at 0: the ReLU6 comparison would be vacuous")
        XCTAssertGreaterThan(clampedHigh, 0, "no output clamped at 6: the ReLU6 comparison would be vacuous")
    }

    func testDepthwiseBackward() {
        for (i, shape) in Self.shapes.enumerated() {
            let (C, k) = (shape.channels, shape.kernel)
            let seed = UInt64(200 + 10 * i)
            var x = randomValues(shape.inputCount, seed: seed)                            // (B, H, W, C)
            var w = randomValues(k * k * C, seed: seed + 1)                               // (k, k, C)
            var b = randomValues(C, seed: seed + 2)                                       // (C)
            let p = randomValues(shape.outputCount, seed: seed + 3)                       // (B, Ho, Wo, C)
            func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
                projected(Self.depthwise(x, w, b, shape, relu6: false), p)
            }
            let gradients = zeroBuffers([x.count, w.count, b.count]) { d in
                depthwiseConvolutionBackward(inputGradient: d[0], weightGradient: d[1], biasGradient: d[2],
                                             outputGradient: p, input: x, weight: w, batch: shape.batch,
                                             height: shape.height, width: shape.width, channels: C, kernel: k,
                                             stride: shape.stride)
            }
            let (dx, dw, db) = (gradients[0], gradients[1], gradients[2])
            // The small shapes are checked at every coordinate: each padded border row and column is in there.
            checkGradient("depthwise input, \(shape.name)", values: &x, analytic: dx,
                          coordinates: shape.channels < 16 ? x.count : 150) { loss($0, w, b) }
            checkGradient("depthwise weight, \(shape.name)", values: &w, analytic: dw,
                          coordinates: shape.channels < 16 ? w.count : 150) { loss(x, $0, b) }
            checkGradient("depthwise bias, \(shape.name)", values: &b, analytic: db) { loss(x, w, $0) }

            // Without the input and bias gradients, the weight gradient is the same, and it adds: into dw it
            // makes 2 · dw.
            var twice = dw
            depthwiseConvolutionBackward(inputGradient: nil, weightGradient: &twice, biasGradient: nil,
                                         outputGradient: p, input: x, weight: w, batch: shape.batch,
                                         height: shape.height, width: shape.width, channels: C, kernel: k,
                                         stride: shape.stride)
            let drift = zip(twice, dw).map { abs($0 - 2 * $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThan(drift, 1e-5, "\(shape.name): the weight-only backward adds a different gradient")
        }
    }

    // MARK: ReLU6

    func testReLU6Backward() {
        // −1.225 … 7.725 in steps of 0.05, shuffled: every value is ≥ 0.025 from 0 and from 6, so the ±1e-2
        // steps cross no kink, and some lie below 0, between, and above 6.
        let n = 180
        var x = (0..<n).map { Float(($0 * 37) % n) * 0.05 - 1.225 }
        let p = randomValues(n, seed: 300)
        func loss(_ x: [Float]) -> Double {
            var y = x
            relu6Forward(&y, count: n)
            return projected(y, p)
        }
        var y = x
        relu6Forward(&y, count: n)
        var dx = [Float](repeating: 0, count: n)
        relu6Backward(inputGradient: &dx, outputGradient: p, output: y, count: n)
        checkGradient("ReLU6 input", values: &x, analytic: dx, coordinates: n) { loss($0) }
        for i in 0..<n {
            XCTAssertEqual(y[i], min(max(x[i], 0), 6))
            XCTAssertEqual(dx[i], x[i] > 0 && x[i] < 6 ? p[i] : 0, "ReLU6 gradient at x = \(x[i])")
        }
        XCTAssertTrue(x.contains { $0 < 0 } && x.contains { $0 > 6 } && x.contains { $0 > 0 && $0 < 6 })

        // Exactly at a clamp the gradient is 0; it adds into what is there.
        var d: [Float] = [1, 1, 1, 1]
        relu6Backward(inputGradient: &d, outputGradient: [2, 2, 2, 2], output: [0, 6, 3, 5.999], count: 4)
        XCTAssertEqual(d, [1, 1, 3, 3])
    }

    // MARK: MBConv block

    /// A stride-1 MBConv block's tensors, batch norms folded: the same layout holds the gradients.
    struct BlockParameters {
        var expandWeight: [Float]      // (M, C)
        var expandBias: [Float]        // (M)
        var depthwiseWeight: [Float]   // (k, k, M)
        var depthwiseBias: [Float]     // (M)
        var projectWeight: [Float]     // (C, M)
        var projectBias: [Float]       // (C)

        static let tensors: [(String, WritableKeyPath<BlockParameters, [Float]>)] = [
            ("expand weight", \.expandWeight), ("expand bias", \.expandBias),
            ("depthwise weight", \.depthwiseWeight), ("depthwise bias", \.depthwiseBias),
            ("project weight", \.projectWeight), ("project bias", \.projectBias),
        ]
    }

    struct BlockShape {
        let kernel: Int
        let batch = 2, height = 5, width = 6, channels = 4, mid = 24
        var rows: Int { batch * height * width }
    }

    /// The activations of one block's forward; `output` = projection + input.
    struct BlockActivations {
        var expanded: [Float]          // (N, M) after ReLU6
        var filtered: [Float]          // (N, M) after the depthwise convolution and its ReLU6
        var output: [Float]            // (N, C)

        /// Which piece of ReLU6 each of its values is on: −1 clamped at 0, +1 clamped at 6, 0 passed through.
        var pattern: ReLU6Pattern {
            func sides(_ y: [Float]) -> [Int8] { y.map { $0 <= 0 ? -1 : ($0 >= 6 ? 1 : 0) } }
            return ReLU6Pattern(expanded: sides(expanded), filtered: sides(filtered))
        }
    }

    struct ReLU6Pattern: Equatable {
        var expanded: [Int8]           // (N, M)
        var filtered: [Int8]           // (N, M)

        /// ReLU6 held on the piece `sides` gives for each value: 0, the value, or 6.
        static func apply(_ y: inout [Float], _ sides: [Int8]) {
            for i in y.indices where sides[i] != 0 { y[i] = sides[i] < 0 ? 0 : 6 }
        }
    }

    /// expand 1×1 + ReLU6 → depthwise k×k + ReLU6 → project 1×1 → + x. With `frozen`, each ReLU6 stays on the
    /// piece the pattern gives instead of choosing it from its input: the block's function on that linear piece.
    static func blockForward(_ x: [Float], _ q: BlockParameters, _ s: BlockShape,
                             frozen: ReLU6Pattern? = nil) -> BlockActivations {
        let (N, C, M) = (s.rows, s.channels, s.mid)
        var expanded = [Float](repeating: 0, count: N * M)                                // (N, M)
        linearForward(output: &expanded, input: x, weight: q.expandWeight, bias: q.expandBias, rows: N,
                      inFeatures: C, outFeatures: M)
        if let frozen { ReLU6Pattern.apply(&expanded, frozen.expanded) } else { relu6Forward(&expanded, count: N * M) }
        var filtered = [Float](repeating: 0, count: N * M)                                // (N, M)
        depthwiseConvolutionForward(output: &filtered, input: expanded, weight: q.depthwiseWeight,
                                    bias: q.depthwiseBias, relu6: frozen == nil, batch: s.batch, height: s.height,
                                    width: s.width, channels: M, kernel: s.kernel, stride: 1)
        if let frozen { ReLU6Pattern.apply(&filtered, frozen.filtered) }
        var output = [Float](repeating: 0, count: N * C)                                  // (N, C)
        linearForward(output: &output, input: filtered, weight: q.projectWeight, bias: q.projectBias, rows: N,
                      inFeatures: M, outFeatures: C)
        for i in 0..<(N * C) { output[i] += x[i] }
        return BlockActivations(expanded: expanded, filtered: filtered, output: output)
    }

    /// The block's backward, layer by layer in reverse of `blockForward`: returns (input gradient, parameter
    /// gradients) for output gradient `p` (N, C).
    static func blockBackward(_ p: [Float], _ x: [Float], _ q: BlockParameters, _ a: BlockActivations,
                              _ s: BlockShape) -> ([Float], BlockParameters) {
        let (N, C, M, k) = (s.rows, s.channels, s.mid, s.kernel)
        func zeros(_ count: Int) -> [Float] { [Float](repeating: 0, count: count) }
        var g = BlockParameters(expandWeight: zeros(M * C), expandBias: zeros(M), depthwiseWeight: zeros(k * k * M),
                                depthwiseBias: zeros(M), projectWeight: zeros(C * M), projectBias: zeros(C))
        var dx = p                                                                        // (N, C): the residual
        var dFiltered = [Float](repeating: 0, count: N * M)                               // (N, M)
        linearBackward(inputGradient: &dFiltered, weightGradient: &g.projectWeight, biasGradient: &g.projectBias,
                       outputGradient: p, input: a.filtered, weight: q.projectWeight, rows: N, inFeatures: M,
                       outFeatures: C)
        var dFilteredBefore = [Float](repeating: 0, count: N * M)                         // (N, M) before ReLU6
        relu6Backward(inputGradient: &dFilteredBefore, outputGradient: dFiltered, output: a.filtered, count: N * M)
        var dExpanded = [Float](repeating: 0, count: N * M)                               // (N, M)
        depthwiseConvolutionBackward(inputGradient: &dExpanded, weightGradient: &g.depthwiseWeight,
                                     biasGradient: &g.depthwiseBias, outputGradient: dFilteredBefore,
                                     input: a.expanded, weight: q.depthwiseWeight, batch: s.batch, height: s.height,
                                     width: s.width, channels: M, kernel: k, stride: 1)
        var dExpandedBefore = [Float](repeating: 0, count: N * M)                         // (N, M) before ReLU6
        relu6Backward(inputGradient: &dExpandedBefore, outputGradient: dExpanded, output: a.expanded, count: N * M)
        linearBackward(inputGradient: &dx, weightGradient: &g.expandWeight, biasGradient: &g.expandBias,
                       outputGradient: dExpandedBefore, input: x, weight: q.expandWeight, rows: N, inFeatures: C,
                       outFeatures: M)
        return (dx, g)
    }

    /// expand 1×1 → ReLU6 → depthwise k×k → ReLU6 → project 1×1 → + input, checked whole: the input's gradient
    /// runs both through the block and around it.
    func testMBConvBlockWithResidual() {
        // 2 × 1440 ReLU6 inputs: with random data some always lie within a step's reach of 0 or 6 (a depthwise
        // weight's step moves a whole channel by up to 6 · step), and a central difference across a kink averages
        // two slopes. Smaller steps drown in the Float forward's rounding (at 1e-3 it is ~1e-3, the tolerance).
        // So the differences are taken with each ReLU6 held on the piece it is on at the unperturbed point: the
        // block's own function on that linear piece, whose gradient there is the block's. That the real ReLU6s
        // pick those pieces, and pass gradient exactly there, is `testReLU6Backward`'s job and the analytic side's.
        for (kernel, seed) in [(3, UInt64(400)), (5, UInt64(500))] {
            let s = BlockShape(kernel: kernel)
            let (N, C, M, k) = (s.rows, s.channels, s.mid, s.kernel)
            var x = randomValues(N * C, seed: seed)                                       // (N, C)
            // Expansion biases around 3 and depthwise weights ±1.5 / k spread the ReLU6 inputs over both kinks.
            let q = BlockParameters(expandWeight: randomValues(M * C, scale: 1.5, seed: seed + 1),
                                    expandBias: randomValues(M, scale: 3.5, seed: seed + 2).map { $0 + 3 },
                                    depthwiseWeight: randomValues(k * k * M, scale: 1.5 / Float(k), seed: seed + 3),
                                    depthwiseBias: randomValues(M, scale: 2, seed: seed + 4).map { $0 + 1 },
                                    projectWeight: randomValues(C * M, scale: 0.3, seed: seed + 5),
                                    projectBias: randomValues(C, seed: seed + 6))
            let p = randomValues(N * C, seed: seed + 7)                                   // (N, C)
            let activations = Self.blockForward(x, q, s)
            let pattern = activations.pattern
            let name = "MBConv k\(k)"
            // Both ReLU6s must pass gradient for most values and clamp some at each end, or they are not tested.
            for (label, values) in [("expansion", activations.expanded), ("depthwise", activations.filtered)] {
                let below = values.filter { $0 <= 0 }.count, above = values.filter { $0 >= 6 }.count
                XCTAssertTrue(below > 0 && above > 0 && below + above < values.count / 2,
                              "\(name) \(label) ReLU6: \(below) at 0, \(above) at 6 of \(values.count)")
            }
            XCTAssertEqual(Self.blockForward(x, q, s, frozen: pattern).output, activations.output,
                           "\(name): the frozen pattern is the block's own at the unperturbed point")

            func loss(_ x: [Float], _ q: BlockParameters) -> Double {
                projected(Self.blockForward(x, q, s, frozen: pattern).output, p)
            }
            let (dx, g) = Self.blockBackward(p, x, q, activations, s)
            checkGradient("\(name) input", values: &x, analytic: dx, coordinates: 120) { loss($0, q) }
            for (tensor, path) in BlockParameters.tensors {
                var values = q[keyPath: path]
                checkGradient("\(name) \(tensor)", values: &values, analytic: g[keyPath: path],
                              coordinates: 120) { v in
                    var perturbed = q
                    perturbed[keyPath: path] = v
                    return loss(x, perturbed)
                }
            }
        }
    }
}
