import AttendMath

// MARK: - 3×3 convolution, padding 1
//
// Layout (C, B, H, W) for activations; weights (Cout, Cin, 3, 3) = (Cout, Cin·9) row-major, the order
// im2col unrolls the patches in. One matrix product covers the whole batch.

/// output (Cout, B, Ho, Wo) = weight (Cout, Cin·9) · columns + bias.
/// `columns` (Cin·9, B·Ho·Wo) is scratch the caller owns; training keeps it for the backward pass.
public func convolutionForward(output: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
                               input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               inChannels: Int, outChannels: Int, batch: Int, height: Int, width: Int, stride: Int) {
    let positions = batch * convOutputSize(height, stride: stride) * convOutputSize(width, stride: stride)
    im2col3x3(input: input, channels: inChannels, batch: batch, height: height, width: width, stride: stride,
              columns: columns)
    gemm(m: outChannels, n: positions, k: inChannels * 9, a: weight, b: columns, c: output)
    if let bias {
        for o in 0..<outChannels {
            let row = output + o * positions
            let value = bias[o]
            for j in 0..<positions { row[j] += value }
        }
    }
}

/// The same convolution by its definition: the oracle for tests (Double accumulation, no im2col).
public func convolutionForwardNaive(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                    inChannels: Int, outChannels: Int, batch: Int, height: Int, width: Int,
                                    stride: Int) {
    let outHeight = convOutputSize(height, stride: stride), outWidth = convOutputSize(width, stride: stride)
    for o in 0..<outChannels {
        for b in 0..<batch {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    var sum = Double(bias?[o] ?? 0)
                    for c in 0..<inChannels {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = oy * stride + ky - 1, ix = ox * stride + kx - 1
                                if iy < 0 || iy >= height || ix < 0 || ix >= width { continue }
                                sum += Double(weight[((o * inChannels + c) * 3 + ky) * 3 + kx])
                                    * Double(input[((c * batch + b) * height + iy) * width + ix])
                            }
                        }
                    }
                    output[((o * batch + b) * outHeight + oy) * outWidth + ox] = Float(sum)
                }
            }
        }
    }
}
