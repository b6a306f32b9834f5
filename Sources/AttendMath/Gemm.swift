import COpenBLAS

// MARK: - Matrix product
//
// Every matrix here is row-major Float. `gemm` is the one door to BLAS in the whole package; `gemmNaive` is its
// independent reference (Double accumulation, three loops) for tests and for checking a new BLAS build.

/// C (m, n) = alpha · op(A) (m, k) · op(B) (k, n) + beta · C.
///
/// - `transposeA`: A is stored (k, m) and used transposed; otherwise stored (m, k). Likewise `transposeB`.
/// - `lda`, `ldb`, `ldc`: row strides of the stored matrices (default: their stored widths).
@inlinable
public func gemm(transposeA: Bool = false, transposeB: Bool = false,
                 m: Int, n: Int, k: Int,
                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                 b: UnsafePointer<Float>, ldb: Int? = nil,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm dimensions must be non-negative")
    if m == 0 || n == 0 { return }
    let lda = lda ?? (transposeA ? m : k)
    let ldb = ldb ?? (transposeB ? k : n)
    let ldc = ldc ?? n
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The reference for `gemm`: same contract, plain loops, Double accumulation.
public func gemmNaive(transposeA: Bool = false, transposeB: Bool = false,
                      m: Int, n: Int, k: Int,
                      alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                      b: UnsafePointer<Float>, ldb: Int? = nil,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    let lda = lda ?? (transposeA ? m : k)
    let ldb = ldb ?? (transposeB ? k : n)
    let ldc = ldc ?? n
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let aValue = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bValue = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(aValue) * Double(bValue)
            }
            let previous = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * sum + previous)
        }
    }
}

/// y (m) = alpha · op(A) · x + beta · y, with A stored (m, n) row-major (or used transposed: y has n entries).
@inlinable
public func gemv(transposeA: Bool = false, m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>,
                 x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
    if m == 0 || n == 0 { return }
    cblas_sgemv(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
                a, Int32(n), x, 1, beta, y, 1)
}
