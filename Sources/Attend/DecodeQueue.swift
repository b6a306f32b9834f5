import Foundation

// MARK: - Decoding on worker threads, handed over in order, in bounded memory

/// Pulls entries from a source, decodes them on `workers` threads, and hands them out in the source's
/// order. At most `capacity` entries are taken and not yet handed out, so memory does not grow with the
/// number of entries however slow the consumer is; a slow file delays its successors' hand-out, never
/// their decoding.
public final class DecodeQueue<Decoded>: @unchecked Sendable {
    public struct Item {
        /// Position in the source's order, from 0.
        public var sequence: Int
        public var entry: WalkEntry
        public var result: Result<Decoded, BatchFailure>
        /// Wall time the worker spent on it.
        public var seconds: Double
    }

    private let condition = NSCondition()
    private let tickets: DispatchSemaphore
    private let source: () -> WalkEntry?
    private let decode: (WalkEntry) -> Result<Decoded, BatchFailure>
    private var taken = 0             // entries handed to workers
    private var handedOut = 0         // entries handed to the consumer
    private var ready: [Int: Item] = [:]
    private var exhausted = false
    private var stopped = false
    private var running: Int

    /// `source` is called under a lock, from the workers. `decode` runs on the workers, concurrently.
    public init(workers: Int, capacity: Int, source: @escaping () -> WalkEntry?,
                decode: @escaping (WalkEntry) -> Result<Decoded, BatchFailure>) {
        precondition(workers >= 1 && capacity >= workers, "at least one worker, and room for each")
        tickets = DispatchSemaphore(value: capacity)
        self.source = source
        self.decode = decode
        running = workers
        for index in 0..<workers {
            let thread = Thread { [self] in work() }
            thread.name = "attend-decode-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// The next item in order; nil once the source is exhausted (or `stop()` was called) and every item taken
    /// was handed out. Blocks while the next item is being decoded.
    public func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let item = ready.removeValue(forKey: handedOut) {
                handedOut += 1
                tickets.signal()
                return item
            }
            if running == 0 && handedOut >= taken { return nil }
            condition.wait()
        }
    }

    /// Takes no more entries from the source; what was taken is still decoded and handed out.
    public func stop() {
        condition.lock()
        stopped = true
        condition.unlock()
    }

    /// How many entries the workers took from the source so far.
    public var takenCount: Int {
        condition.lock(); defer { condition.unlock() }
        return taken
    }

    private func work() {
        while true {
            tickets.wait()
            condition.lock()
            let entry = stopped || exhausted ? nil : source()
            if entry == nil { exhausted = true }
            let sequence = taken
            if entry != nil { taken += 1 }
            condition.unlock()
            guard let entry else {
                tickets.signal()
                break
            }
            let start = DispatchTime.now().uptimeNanoseconds
            let result: Result<Decoded, BatchFailure>
            if let problem = entry.problem {
                result = .failure(BatchFailure(problem))
            } else {
                result = autoreleasepool { decode(entry) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            condition.lock()
            ready[sequence] = Item(sequence: sequence, entry: entry, result: result, seconds: seconds)
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}

/// Why one image has no caption: one line for its error record.
public struct BatchFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

#if !canImport(ObjectiveC)
@inline(__always) func autoreleasepool<T>(_ body: () -> T) -> T { body() }
#endif
