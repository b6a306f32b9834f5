import AttendMath

// MARK: - Linear layer
//
// Weights are stored (out, in), PyTorch's convention, so output = input · weightᵀ + bias.

/// Up to this many rows, a linear layer runs as one gemv per row.
let smallBatchRows = 4

/// output (N, out) = input (N, in) · weight (out, in)ᵀ + bias (out). `accumulate` adds into output instead.
public func linearForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          rows: Int, inFeatures: Int, outFeatures: Int, accumulate: Bool = false) {
    if rows <= smallBatchRows {
        // A beam step has 1–4 rows: sgemm would spend its time packing the weight matrix, while gemv
        // streams it once per row (measured 1.8× faster for 3 × 2048 × 512 on this machine).
        for r in 0..<rows {
            gemv(m: outFeatures, n: inFeatures, a: weight, x: input + r * inFeatures, beta: accumulate ? 1 : 0,
                 y: output + r * outFeatures)
        }
    } else {
        gemm(transposeB: true, m: rows, n: outFeatures, k: inFeatures, a: input, b: weight,
             beta: accumulate ? 1 : 0, c: output)
    }
    if let bias { addBiasRows(output, bias: bias, rows: rows, columns: outFeatures) }
}

/// Backward of `linearForward`, adding into every gradient buffer:
/// weightGradient (out, in) += outputGradientᵀ · input; biasGradient (out) += Σ_rows outputGradient;
/// inputGradient (N, in) += outputGradient · weight. Pass nil for a gradient nobody needs.
public func linearBackward(inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>,
                           biasGradient: UnsafeMutablePointer<Float>?, outputGradient: UnsafePointer<Float>,
                           input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           rows: Int, inFeatures: Int, outFeatures: Int) {
    gemm(transposeA: true, m: outFeatures, n: inFeatures, k: rows, a: outputGradient, b: input,
         beta: 1, c: weightGradient)
    if let biasGradient {
        for r in 0..<rows {
            let row = outputGradient + r * outFeatures
            for j in 0..<outFeatures { biasGradient[j] += row[j] }
        }
    }
    if let inputGradient {
        gemm(m: rows, n: inFeatures, k: outFeatures, a: outputGradient, b: weight, beta: 1, c: inputGradient)
    }
}
