import Dispatch

// MARK: - Splitting a loop over the cores
//
// The element-wise layers of training (im2col, col2im, batch norm, pooling, ReLU) run between matrix products;
// single-threaded, they left the second core idle while OpenBLAS's worker spun waiting. They split their
// outermost loop (channels or planes: every range writes its own slice) over as many workers as BLAS uses.

/// Workers for `parallelFor`: follows `BLAS.setThreadCount`, so one `--threads` governs both.
nonisolated(unsafe) public private(set) var parallelWorkers = 2

func setParallelWorkers(_ count: Int) { parallelWorkers = max(1, count) }

/// Runs body over [0, count) split into contiguous ranges, one per worker; returns when all are done.
/// Ranges must write disjoint memory. Small loops (under `minimumPerWorker` items a worker) stay on this thread.
public func parallelFor(_ count: Int, minimumPerWorker: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = min(parallelWorkers, count / max(minimumPerWorker, 1))
    if workers <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        let start = count * worker / workers, end = count * (worker + 1) / workers
        if start < end { body(start..<end) }
    }
}
