import Foundation

/// Progress on stderr: a one-line bar redrawn in place when stderr is a terminal; otherwise, when asked for,
/// a plain line every so often (for logs of batch jobs); or nothing.
final class ProgressBar {
    enum Display {
        /// The bar on a terminal, nothing otherwise (so logs stay clean).
        case barOnTerminal
        /// The bar on a terminal, otherwise a line every `seconds`.
        case barOrLines(every: TimeInterval)
        case none
    }

    private let total: Int
    private let label: String
    private let bar: Bool
    private let lineInterval: TimeInterval?
    private let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var failed = 0
    private var lastLine = Date()
    private var lastLineDone = -1
    private var lastDraw = Date.distantPast

    init(total: Int, label: String, display: Display = .barOnTerminal) {
        self.total = total
        self.label = label
        let terminal = isatty(STDERR_FILENO) != 0
        switch display {
        case .barOnTerminal:
            bar = terminal && total > 0
            lineInterval = nil
        case .barOrLines(let seconds):
            bar = terminal && total > 0
            lineInterval = terminal ? nil : seconds
        case .none:
            bar = false
            lineInterval = nil
        }
    }

    /// Records `count` more items finished, `failed` of them without success; safe to call from several threads.
    func advance(by count: Int = 1, failed: Int = 0) {
        lock.lock(); defer { lock.unlock() }
        done = min(total, done + count)
        self.failed += failed
        if bar {
            // Redrawing costs a write; 10 a second is as fast as anyone reads.
            if done == total || Date().timeIntervalSince(lastDraw) >= 0.1 { drawBar() }
        } else if let lineInterval, Date().timeIntervalSince(lastLine) >= lineInterval {
            writeLine()
        }
    }

    /// True when the bar is drawn in place (other lines written meanwhile would tear it).
    var drawsBar: Bool { bar }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if bar {
            drawBar()
            FileHandle.standardError.write(Data("\n".utf8))
        } else if lineInterval != nil, done > 0, done != lastLineDone {
            writeLine()
        }
    }

    private var rate: Double {
        let elapsed = Date().timeIntervalSince(start)
        return elapsed > 0 ? Double(done) / elapsed : 0
    }

    private var eta: String {
        guard rate > 0 else { return "?" }
        return Self.duration(Double(total - done) / rate)
    }

    private var failures: String { failed > 0 ? "  \(failed) failed" : "" }

    private func drawBar() {
        lastDraw = Date()
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r%@ [%@] %d/%d  %.1f/s  eta %@%@ ", label, bar, done, total, rate, eta, failures)
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func writeLine() {
        lastLine = Date()
        lastLineDone = done
        let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
        let line = String(format: "%@: %d/%d (%.1f%%)  %.1f/s  eta %@%@\n", label, done, total, percent, rate, eta, failures)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// 75 → "1m15s"; 4000 → "1h06m".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
