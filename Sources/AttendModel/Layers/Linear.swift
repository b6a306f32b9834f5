import AttendMath

// MARK: - Linear layer
//
// Weights are stored (out, in), PyTorch's convention, so output = input · weightᵀ + bias.

/// output (N, out) = input (N, in) · weight (out, in)ᵀ + bias (out). `accumulate` adds into output instead.
public func linearForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          rows: Int, inFeatures: Int, outFeatures: Int, accumulate: Bool = false) {
    gemm(transposeB: true, m: rows, n: outFeatures, k: inFeatures, a: input, b: weight,
         beta: accumulate ? 1 : 0, c: output)
    if let bias { addBiasRows(output, bias: bias, rows: rows, columns: outFeatures) }
}
