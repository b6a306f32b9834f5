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
public func depthwiseConvolutionForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu6: Bool,
                                        batch: Int, height: Int, width: Int, channels C: Int, kernel k: Int,
                                        stride: Int) {
    let (outHeight, top) = samePadding(height, kernel: k, stride: stride)
    let (outWidth, left) = samePadding(width, kernel: k, stride: stride)
    parallelFor(batch * outHeight, minimumPerWorker: 2) { rows in
        for row in rows {
            let b = row / outHeight, oy = row % outHeight
            // Kernel rows that fall inside the picture for this output row.
            let firstY = max(0, top - oy * stride), lastY = min(k, height + top - oy * stride)
            for ox in 0..<outWidth {
                let out = output + (row * outWidth + ox) * C
                out.update(from: bias, count: C)
                let firstX = max(0, left - ox * stride), lastX = min(k, width + left - ox * stride)
                for ky in firstY..<lastY {
                    let iy = oy * stride - top + ky
                    for kx in firstX..<lastX {
                        let ix = ox * stride - left + kx
                        let x = input + ((b * height + iy) * width + ix) * C, w = weight + (ky * k + kx) * C
                        for c in 0..<C { out[c] += w[c] * x[c] }
                    }
                }
                if relu6 { for c in 0..<C { out[c] = min(max(out[c], 0), 6) } }
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
