import CAttendShims
import Foundation

// MARK: - Choosing OpenBLAS's kernels before it loads
//
// Debian's OpenBLAS 0.3.21 picks its AVX2 ("Haswell") kernels on CPUs with AVX-512, although its SkylakeX
// kernels run sgemm 1.7–1.9× faster there. It reads OPENBLAS_CORETYPE once, when the library loads — before
// any Swift code runs — so the only way to choose is to set the variable and exec ourselves again. The
// SkylakeX kernels crash a CPU without AVX-512, hence the CPU check. A user's own OPENBLAS_CORETYPE wins,
// and ATTEND_KEEP_BLAS_CORE=1 turns this off.

enum BLASKernels {
    static func selectFastestBeforeLoading() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["ATTEND_KEEP_BLAS_CORE"] == nil,
              attend_cpu_has_avx512() == 1 else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        var arguments = CommandLine.unsafeArgv
        _ = execv("/proc/self/exe", &arguments[0])
        // exec failed (no /proc, say): carry on with the kernels already loaded.
    }
}
