import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs stay clean).
final class ProgressBar {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private let lock = NSLock()
    private var done = 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
        enabled = isatty(STDERR_FILENO) != 0 && total > 0
    }

    /// Records `count` more items finished; safe to call from several threads.
    func advance(by count: Int = 1) {
        lock.lock(); defer { lock.unlock() }
        done = min(total, done + count)
        draw()
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw() {
        guard enabled else { return }
        let width = 30
        let filled = width * done / total
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r%@ [%@] %d/%d  %.1f/s  eta %.0fs ", label, bar, done, total, rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
