import Attend
import AttendImage
import AttendModel
import Foundation
import ServiceLifecycle

// MARK: - CaptionBatcher

/// The model worker: one thread owns the captioner and captions the pictures of concurrent requests
/// together, in batches of up to `maxBatch`.
///
/// Batching without slowing a lone request: when the worker finds work, it waits (at most
/// `batchWait`) for more only while another admitted request is still on its way (its body being read
/// or its image decoded). A request alone in the service is captioned the moment its picture is ready.
///
/// It also admits requests: at most `capacity` are in the service at once (reading, decoding, waiting
/// for or in the model, rendering); the next is refused with 503 at once rather than queued without
/// bound. As a `Service` it stops after the HTTP server (services stop in reverse order): by then no
/// request is in flight, and the worker ends once its queue is empty.
final class CaptionBatcher: Service, @unchecked Sendable {
    /// An admitted request's place in the service, for as long as the body given to `admitted` runs.
    final class Ticket: @unchecked Sendable {
        fileprivate var submitted = false
    }

    private struct Job {
        var pixels: RGBImage
        var options: CaptionOptions
        /// When the picture joined the queue (DispatchTime's nanoseconds).
        var queued: UInt64
        /// Whether its client has gone (the connection closed): then no one waits for the caption.
        var abandoned: @Sendable () -> Bool
        /// nil: dropped from the queue uncaptioned.
        var done: CheckedContinuation<Caption?, Never>
    }

    let captioner: ImageCaptioner
    let capacity: Int
    let maxBatch: Int
    private let batchWait: TimeInterval
    /// Longest a picture waits for the model before its request is refused, in nanoseconds.
    private let queueTimeout: UInt64
    private let metrics: ServeMetrics

    private let condition = NSCondition()   // guards everything below
    private var pending: [Job] = []
    private var admitted = 0                // requests in the service
    private var arriving = 0                // admitted, picture not yet handed to the model
    private var stopping = false
    private var workerFinished = false
    private var exited: CheckedContinuation<Void, Never>?

    init(captioner: ImageCaptioner, capacity: Int, maxBatch: Int, batchWaitMilliseconds: Int, queueTimeoutSeconds: Int,
         metrics: ServeMetrics) {
        precondition(capacity >= 1 && maxBatch >= 1 && batchWaitMilliseconds >= 0 && queueTimeoutSeconds >= 1,
                     "limits are positive")
        self.queueTimeout = UInt64(queueTimeoutSeconds) * 1_000_000_000
        self.captioner = captioner
        self.capacity = capacity
        self.maxBatch = maxBatch
        self.batchWait = TimeInterval(batchWaitMilliseconds) / 1000
        self.metrics = metrics
    }

    // MARK: - Admission

    /// Requests in the service now: what `/metrics` calls the queue depth.
    var depth: Int { condition.withLock { admitted } }
    /// Pictures waiting for the model.
    var waiting: Int { condition.withLock { pending.count } }

    /// Runs `body` as an admitted request, or throws 503 when `capacity` requests are already in.
    func admitted<T>(retryAfter: Int, _ body: (Ticket) async throws -> T) async throws -> T {
        let refusal: String? = condition.withLock {
            if stopping { return "the service is stopping" }
            if admitted >= capacity { return "the captioning queue is full (\(capacity) requests); retry shortly" }
            admitted += 1
            arriving += 1
            return nil
        }
        if let refusal { throw ServeError.unavailable(refusal, retryAfter: retryAfter) }
        let ticket = Ticket()
        defer { finish(ticket) }
        return try await body(ticket)
    }

    private func finish(_ ticket: Ticket) {
        condition.withLock {
            admitted -= 1
            if !ticket.submitted { arriving -= 1 }
            condition.broadcast()   // the worker may be waiting for this request's picture
        }
    }

    // MARK: - Captioning

    /// Captions one picture at the model's input size, in whatever batch the worker forms. A picture that waits
    /// longer than the queue timeout is refused (503), and one whose client has gone (`abandoned`) is dropped
    /// before the model spends anything on it.
    func caption(_ pixels: RGBImage, options: CaptionOptions, ticket: Ticket, retryAfter: Int,
                 abandoned: @escaping @Sendable () -> Bool) async throws -> Caption {
        precondition(pixels.width == captioner.input.size && pixels.height == captioner.input.size,
                     "pixels are at the model's input size")
        let caption = await withCheckedContinuation { done in
            condition.withLock {
                precondition(!ticket.submitted, "one picture per request")
                ticket.submitted = true
                arriving -= 1
                pending.append(Job(pixels: pixels, options: options, queued: DispatchTime.now().uptimeNanoseconds,
                                   abandoned: abandoned, done: done))
                condition.broadcast()
            }
        }
        guard let caption else {
            throw ServeError.unavailable("the picture waited over \(queueTimeout / 1_000_000_000) s for the model "
                                         + "(attend serve --queue-timeout); retry shortly", retryAfter: retryAfter)
        }
        return caption
    }

    /// The worker's loop: wait for work, gather a batch, caption it, hand the captions back.
    private func work() {
        condition.lock()
        while true {
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty { break }   // stopping, and nothing left
            let deadline = Date(timeIntervalSinceNow: batchWait)
            while pending.count < maxBatch && arriving > 0 && !stopping {
                if !condition.wait(until: deadline) { break }
            }
            let batch = takeBatch()
            if batch.isEmpty { continue }   // every job taken was dropped
            condition.unlock()
            let start = DispatchTime.now().uptimeNanoseconds
            let captions = captioner.caption(pixels: batch.map(\.pixels), options: batch[0].options)
            metrics.recordBatch(size: batch.count,
                                seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            for (job, caption) in zip(batch, captions) { job.done.resume(returning: caption) }
            condition.lock()
        }
        workerFinished = true
        let exited = exited
        condition.unlock()
        exited?.resume()
    }

    /// Up to `maxBatch` pending jobs decoded alike (one batch runs one beam width, word limit and α),
    /// oldest first, after dropping the jobs whose client has gone or whose wait is over the queue timeout
    /// (answered nil). Called with the lock held.
    private func takeBatch() -> [Job] {
        let now = DispatchTime.now().uptimeNanoseconds
        var live: [Job] = []
        for job in pending {
            let reason = job.abandoned() ? "gone" : (now - job.queued > queueTimeout ? "timeout" : nil)
            if let reason {
                metrics.recordDropped(reason: reason)
                job.done.resume(returning: nil)
            } else {
                live.append(job)
            }
        }
        guard let options = live.first?.options else {
            pending = []
            return []
        }
        var batch: [Job] = [], rest: [Job] = []
        for job in live {
            if batch.count < maxBatch && job.options == options { batch.append(job) } else { rest.append(job) }
        }
        pending = rest
        return batch
    }

    // MARK: - Service

    /// Starts the worker, waits for the service group's shutdown, then lets the worker empty its queue.
    func run() async throws {
        let thread = Thread { [self] in work() }
        thread.name = "attend-model"
        thread.stackSize = 16 << 20   // what BatchRunner gives the threads that run the model
        thread.start()
        try? await gracefulShutdown()   // returns on shutdown, throws on cancellation: both mean stop
        await withCheckedContinuation { (exited: CheckedContinuation<Void, Never>) in
            condition.withLock {
                stopping = true
                condition.broadcast()
                if workerFinished { exited.resume() } else { self.exited = exited }
            }
        }
    }
}
