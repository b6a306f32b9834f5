import AttendMath

// MARK: - 3×3 convolution, padding 1
//
// Layout (C, B, H, W) for activations; weights (Cout, Cin, 3, 3) = (Cout, Cin·9) row-major, the order
// im2col unrolls the patches in. Each matrix product covers a band of output rows that may span images.

/// Output rows (of Wo positions) whose unrolled patches (Cin·9, n·Wo) fit the budget (at least one row). A
/// convolution works through its batch in bands of this many rows: at batch 32 the first 112×112 stage's
/// whole-batch columns would be 462 MB, written to memory and read back twice a step. Measured on the training
/// step (2 threads): budgets of 1M–4M floats ran alike; 256K floats was 10% slower and 64K 50% slower, the
/// matrix products too narrow for BLAS.
public func convolutionRowsPerChunk(inChannels: Int, outputWidth: Int, budgetFloats: Int = 1 << 21) -> Int {
    max(1, budgetFloats / max(1, inChannels * 9 * outputWidth))
}

/// output (Cout, B, Ho, Wo) = weight (Cout, Cin·9) · im2col(input) + bias, then max(·, 0) when `relu`.
/// `columns` (Cin·9, n·Wo) is scratch the caller owns for n = `rowsPerChunk` output rows (default: all B·Ho).
public func convolutionForward(output: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>,
                               input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               relu: Bool = false, inChannels: Int, outChannels: Int, batch: Int, height: Int,
                               width: Int, stride: Int, rowsPerChunk: Int? = nil) {
    let outHeight = convOutputSize(height, stride: stride), outWidth = convOutputSize(width, stride: stride)
    let positions = batch * outHeight * outWidth
    forEachChunk(rows: batch * outHeight, rowsPerChunk: rowsPerChunk) { rows in
        im2col3x3(input: input, channels: inChannels, batch: batch, height: height, width: width, stride: stride,
                  columns: columns, outputRows: rows)
        // output[:, rows] (Cout, n·Wo), row stride B·Ho·Wo
        gemm(m: outChannels, n: rows.count * outWidth, k: inChannels * 9, a: weight, b: columns,
             c: output + rows.lowerBound * outWidth, ldc: positions)
    }
    if bias != nil || relu {
        parallelFor(outChannels) { channelRange in for o in channelRange {
            let row = output + o * positions
            let value = bias?[o] ?? 0
            if relu {
                for j in 0..<positions { row[j] = max(row[j] + value, 0) }
            } else {
                for j in 0..<positions { row[j] += value }
            }
        } }
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

/// Backward of `convolutionForward` without ReLU (bias-free or not), adding into the gradients:
/// weightGradient (Cout, Cin·9) += outputGradient (Cout, B·Ho·Wo) · columnsᵀ, biasGradient (Cout) += row sums,
/// inputGradient (Cin, B, H, W) += col2im(weightᵀ · outputGradient).
/// The columns are recomputed from `input`, `rowsPerChunk` output rows at a time, into `columns` (Cin·9, n·Wo),
/// scratch the caller owns, so training need not keep every stage's unrolled patches; `columnsGradient` is
/// scratch of the same size. A nil inputGradient (the first stage: nobody needs the picture's gradient) skips
/// that product.
public func convolutionBackward(inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>,
                                biasGradient: UnsafeMutablePointer<Float>?, columns: UnsafeMutablePointer<Float>,
                                columnsGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                inChannels: Int, outChannels: Int, batch: Int, height: Int, width: Int, stride: Int,
                                rowsPerChunk: Int? = nil) {
    let outHeight = convOutputSize(height, stride: stride), outWidth = convOutputSize(width, stride: stride)
    let positions = batch * outHeight * outWidth
    let K = inChannels * 9
    forEachChunk(rows: batch * outHeight, rowsPerChunk: rowsPerChunk) { rows in
        im2col3x3(input: input, channels: inChannels, batch: batch, height: height, width: width, stride: stride,
                  columns: columns, outputRows: rows)
        // outputGradient[:, rows] (Cout, n·Wo), row stride B·Ho·Wo
        let chunkGradient = outputGradient + rows.lowerBound * outWidth
        gemm(transposeB: true, m: outChannels, n: K, k: rows.count * outWidth, a: chunkGradient, lda: positions,
             b: columns, beta: 1, c: weightGradient)
        if let inputGradient {
            gemm(transposeA: true, m: K, n: rows.count * outWidth, k: outChannels, a: weight, b: chunkGradient,
                 ldb: positions, c: columnsGradient)
            col2im3x3(columns: columnsGradient, channels: inChannels, batch: batch, height: height, width: width,
                      stride: stride, inputGradient: inputGradient, outputRows: rows)
        }
    }
    if let biasGradient {
        for o in 0..<outChannels {
            let row = outputGradient + o * positions
            var sum: Float = 0
            for j in 0..<positions { sum += row[j] }
            biasGradient[o] += sum
        }
    }
}

/// body(rows) for consecutive ranges of at most `rowsPerChunk` (default: all) of [0, rows).
func forEachChunk(rows: Int, rowsPerChunk: Int?, _ body: (Range<Int>) -> Void) {
    let chunk = rowsPerChunk ?? rows
    precondition(chunk >= 1, "a chunk holds at least one row")
    var first = 0
    while first < rows {
        body(first..<min(rows, first + chunk))
        first += chunk
    }
}
