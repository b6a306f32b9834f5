import COpenBLAS
import CAttendShims

// MARK: - Threads and CPU kernels

public enum BLAS {
    /// Sets how many threads OpenBLAS uses for each product (the CLI's `--threads`).
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be positive")
        openblas_set_num_threads(Int32(count))
        setParallelWorkers(count)
    }

    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The OpenBLAS kernel family in use ("Haswell", "SkylakeX", …).
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
