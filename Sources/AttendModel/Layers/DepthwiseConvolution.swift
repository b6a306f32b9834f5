import AttendMath

// MARK: - Depthwise convolution (EfficientNet's k×k per-channel filter)
//
// Activations are channels-last, (B, H, W, C): a depthwise tap is then one multiply-add over C contiguous
// channels, which the compiler vectorises, and the 1×1 convolutions around it are plain matrix products over
// (B·H·W, C) rows. Not im2col: a 5×5 depthwise convolution does 25 multiply-adds per value it reads, so it is
// bound by memory traffic, and a column matrix would multiply that traffic by k².
// Padding is TensorFlow's "SAME" (`samePadding`): output side ⌈H / stride⌉, the odd extra row/column at the end.

/// output (B, Ho, Wo, C) = Σ_taps weight (k, k, C) · input (B, H, W, C) + bias (C), then min(max(·, 0), 6) when
/// `relu6`. The weight is tap-major (channels fastest): PyTorch's (C, 1, k, k) transposed.
///
/// Each output value is summed in a register: bias, then the taps in (ky, kx) order, one multiply and one add
/// each, so the result does not depend on the vector width or the number of workers. The row kernel is C
/// (AttendMath's `depthwiseRowsForward` over CAttendShims' `attend_depthwise_row`): it runs 8-lane AVX2 where the
/// CPU has it, which Swift code built for baseline x86-64 cannot (measured on one picture at 224, 2 threads: the
/// 16 depthwise layers took 3.4–3.6 ms as Swift SIMD16 over SSE, see docs/PERFORMANCE.md for the AVX2 figure).
public func depthwiseConvolutionForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu6: Bool,
                                        batch: Int, height: Int, width: Int, channels C: Int, kernel k: Int,
                                        stride: Int) {
    let (outHeight, top) = samePadding(height, kernel: k, stride: stride)
    let (outWidth, left) = samePadding(width, kernel: k, stride: stride)
    depthwiseRowsForward(output: output, input: input, weight: weight, bias: bias, relu6: relu6, batch: batch,
                         height: height, width: width, channels: C, kernel: k, stride: stride, outHeight: outHeight,
                         outWidth: outWidth, top: top, left: left)
}

/// Channels `depthwiseConvolutionBackward` gives a worker at a time: 16 floats are one 64-byte cache line, so two
/// workers never write the same line of the weight or input gradient.
let depthwiseChannelGroup = 16

/// Backward of `depthwiseConvolutionForward` before its ReLU6 (when the forward ran with `relu6: true`, first take
/// the gradient through it with `relu6Backward` on the forward's output), adding into every gradient buffer:
/// inputGradient (B, H, W, C) += Σ_taps weight · outputGradient; weightGradient (k, k, C, tap-major) +=
/// Σ_positions outputGradient · input; biasGradient (C) += Σ_positions outputGradient, with outputGradient
/// (B, Ho, Wo, C). Pass nil for a gradient nobody needs.
public func depthwiseConvolutionBackward(inputGradient: UnsafeMutablePointer<Float>?,
                                         weightGradient: UnsafeMutablePointer<Float>,
                                         biasGradient: UnsafeMutablePointer<Float>?,
                                         outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                         weight: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
                                         channels C: Int, kernel k: Int, stride: Int) {
    let (outHeight, top) = samePadding(height, kernel: k, stride: stride)
    let (outWidth, left) = samePadding(width, kernel: k, stride: stride)
    // Split over channels, not positions: a channel's input, weight and bias gradients depend on that channel
    // alone, so every worker writes its own columns of all three, with no per-worker copies to sum. (Split over
    // output rows, neighbouring rows would add into the same input-gradient rows whenever k > stride, and all into
    // the same weight gradient.) Each worker walks every position in the forward's order, so the sums do not
    // depend on the number of workers.
    let group = depthwiseChannelGroup
    let groups = (C + group - 1) / group
    let workPerGroup = max(batch * outHeight * outWidth * k * k * group, 1)
    parallelFor(groups, minimumPerWorker: max(1, (1 << 16) / workPerGroup)) { groupRange in
        let first = groupRange.lowerBound * group, n = min(C, groupRange.upperBound * group) - first
        for row in 0..<(batch * outHeight) {
            let b = row / outHeight, oy = row % outHeight
            let firstY = max(0, top - oy * stride), lastY = min(k, height + top - oy * stride)
            for ox in 0..<outWidth {
                let g = outputGradient + (row * outWidth + ox) * C + first           // (n) of (B, Ho, Wo, C)
                if let biasGradient {
                    let db = biasGradient + first                                     // (n) of (C)
                    for c in 0..<n { db[c] += g[c] }
                }
                let firstX = max(0, left - ox * stride), lastX = min(k, width + left - ox * stride)
                for ky in firstY..<lastY {
                    let iy = oy * stride - top + ky
                    for kx in firstX..<lastX {
                        let ix = ox * stride - left + kx
                        let position = ((b * height + iy) * width + ix) * C + first, tap = (ky * k + kx) * C + first
                        let x = input + position, dw = weightGradient + tap          // (n) of (B, H, W, C), (k, k, C)
                        if let inputGradient {
                            let dx = inputGradient + position, w = weight + tap      // (n) of (B, H, W, C), (k, k, C)
                            for c in 0..<n {
                                dw[c] += g[c] * x[c]
                                dx[c] += g[c] * w[c]
                            }
                        } else {
                            for c in 0..<n { dw[c] += g[c] * x[c] }
                        }
                    }
                }
            }
        }
    }
}

/// The reference for `depthwiseConvolutionForward`: the definition, Double accumulation, weight (C, k, k) as
/// PyTorch stores it.
public func depthwiseConvolutionForwardNaive(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                             weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu6: Bool,
                                             batch: Int, height: Int, width: Int, channels C: Int, kernel k: Int,
                                             stride: Int) {
    let (outHeight, top) = samePadding(height, kernel: k, stride: stride)
    let (outWidth, left) = samePadding(width, kernel: k, stride: stride)
    for b in 0..<batch {
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                for c in 0..<C {
                    var sum = Double(bias[c])
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let iy = oy * stride - top + ky, ix = ox * stride - left + kx
                            guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                            sum += Double(weight[(c * k + ky) * k + kx]) * Double(input[((b * height + iy) * width + ix) * C + c])
                        }
                    }
                    let value = Float(sum)
                    output[((b * outHeight + oy) * outWidth + ox) * C + c] = relu6 ? min(max(value, 0), 6) : value
                }
            }
        }
    }
}
