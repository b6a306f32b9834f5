import Foundation

// MARK: - Stopwatch

/// Wall time on the monotonic clock: the one way attend times its phases (training, encoder stages, benchmarks).
public struct Stopwatch: Sendable {
    private var start: UInt64

    public init() { start = DispatchTime.now().uptimeNanoseconds }

    /// Seconds since the start (or the last `lap`).
    public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Seconds since the start (or the last `lap`), and starts again from now.
    public mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { start = now }
        return Double(now - start) / 1e9
    }
}
