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

/// Backward of `convolutionForward` (bias-free or not), adding into the gradients:
/// weightGradient (Cout, Cin·9) += outputGradient (Cout, B·Ho·Wo) · columnsᵀ, biasGradient (Cout) += row sums,
/// inputGradient (Cin, B, H, W) += col2im(weightᵀ · outputGradient).
/// The columns are recomputed from `input` into `columns` (Cin·9, B·Ho·Wo), scratch the caller owns, so
/// training need not keep every stage's unrolled patches; `columnsGradient` is scratch of the same size.
/// A nil inputGradient (the first stage: nobody needs the picture's gradient) skips that product.
public func convolutionBackward(inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>,
                                biasGradient: UnsafeMutablePointer<Float>?, columns: UnsafeMutablePointer<Float>,
                                columnsGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                inChannels: Int, outChannels: Int, batch: Int, height: Int, width: Int, stride: Int) {
    let positions = batch * convOutputSize(height, stride: stride) * convOutputSize(width, stride: stride)
    let K = inChannels * 9
    im2col3x3(input: input, channels: inChannels, batch: batch, height: height, width: width, stride: stride,
              columns: columns)
    gemm(transposeB: true, m: outChannels, n: K, k: positions, a: outputGradient, b: columns,
         beta: 1, c: weightGradient)
    if let biasGradient {
        for o in 0..<outChannels {
            let row = outputGradient + o * positions
            var sum: Float = 0
            for j in 0..<positions { sum += row[j] }
            biasGradient[o] += sum
        }
    }
    if let inputGradient {
        gemm(transposeA: true, m: K, n: positions, k: outChannels, a: weight, b: outputGradient,
             c: columnsGradient)
        col2im3x3(columns: columnsGradient, channels: inChannels, batch: batch, height: height, width: width,
                  stride: stride, inputGradient: inputGradient)
    }
}
