import Foundation

// MARK: - ServeMetrics

/// What `GET /metrics` reports, in the Prometheus text format (version 0.0.4): requests and errors by
/// route, method and status, request latency, the model's batch sizes and time, and (read when scraped)
/// the queue's depth.
///
/// Labels are bounded: `route` is one of the service's routes or "unmatched", never the raw path, so a
/// scanner probing random URLs cannot grow the series without end.
final class ServeMetrics: @unchecked Sendable {
    /// Seconds: a 224 × 224 greedy caption takes ~0.05 s, a beam-3 one ~0.15 s, a sheet ~0.3 s.
    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct RequestKey: Hashable, Comparable {
        var route: String
        var method: String
        var status: Int

        static func < (a: Self, b: Self) -> Bool {
            (a.route, a.method, a.status) < (b.route, b.method, b.status)
        }
    }

    private let lock = NSLock()
    private var requests: [RequestKey: Int] = [:]
    private var latency: [String: Histogram] = [:]
    private var batchSizes: Histogram
    private var batchSeconds = Histogram(bounds: ServeMetrics.latencyBuckets)
    private var images = 0
    /// Pictures taken out of the model's queue unseen, by reason: "timeout" (over --queue-timeout), "gone"
    /// (the client closed its connection).
    private var dropped: [String: Int] = [:]
    /// Connections closed by a deadline (--header-timeout, --request-timeout).
    private var deadlineCloses = 0
    /// Connections open now.
    private var connections = 0

    init(maxBatch: Int) {
        // 1, 2, 4, … up to the largest batch the worker forms.
        batchSizes = Histogram(bounds: sequence(first: 1.0) { $0 * 2 }.prefix { $0 < Double(maxBatch) } + [Double(maxBatch)])
    }

    // MARK: - Recording

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        lock.withLock {
            requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            latency[route, default: Histogram(bounds: Self.latencyBuckets)].observe(seconds)
        }
    }

    func recordBatch(size: Int, seconds: Double) {
        lock.withLock {
            batchSizes.observe(Double(size))
            batchSeconds.observe(seconds)
            images += size
        }
    }

    func recordDropped(reason: String) { lock.withLock { dropped[reason, default: 0] += 1 } }

    func recordDeadlineClose() { lock.withLock { deadlineCloses += 1 } }

    func recordConnection(opened: Bool) { lock.withLock { connections += opened ? 1 : -1 } }

    // MARK: - Exposition

    /// The text a scrape reads; `gauges` are read now (name, help, value).
    func exposition(gauges: [(name: String, help: String, value: Double)]) -> String {
        lock.lock()
        defer { lock.unlock() }
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        header("attend_http_requests_total", "counter", "HTTP requests answered, by route, method and status.")
        for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
            out += "attend_http_requests_total{route=\"\(key.route)\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)\n"
        }
        header("attend_http_errors_total", "counter", "HTTP requests answered with a 4xx or 5xx status, by route and status.")
        var errors: [String: Int] = [:]
        for (key, count) in requests where key.status >= 400 { errors["route=\"\(key.route)\",status=\"\(key.status)\"", default: 0] += count }
        for (labels, count) in errors.sorted(by: { $0.key < $1.key }) { out += "attend_http_errors_total{\(labels)} \(count)\n" }
        header("attend_http_request_duration_seconds", "histogram", "Time from request head to response, by route.")
        for (route, histogram) in latency.sorted(by: { $0.key < $1.key }) {
            out += histogram.lines(name: "attend_http_request_duration_seconds", labels: "route=\"\(route)\"")
        }
        header("attend_model_batch_size", "histogram", "Images captioned together in one model batch.")
        out += batchSizes.lines(name: "attend_model_batch_size", labels: nil)
        header("attend_model_batch_duration_seconds", "histogram", "Time the model took for one batch.")
        out += batchSeconds.lines(name: "attend_model_batch_duration_seconds", labels: nil)
        header("attend_images_captioned_total", "counter", "Images the model captioned.")
        out += "attend_images_captioned_total \(images)\n"
        header("attend_model_dropped_total", "counter",
               "Pictures removed from the model's queue uncaptioned: waited over --queue-timeout, or their client left.")
        for reason in ["gone", "timeout"] { out += "attend_model_dropped_total{reason=\"\(reason)\"} \(dropped[reason] ?? 0)\n" }
        header("attend_connections_deadline_closed_total", "counter",
               "Connections closed because a request's head or body did not arrive in time.")
        out += "attend_connections_deadline_closed_total \(deadlineCloses)\n"
        header("attend_connections_open", "gauge", "HTTP connections open now (at most --max-connections).")
        out += "attend_connections_open \(connections)\n"
        for gauge in gauges {
            header(gauge.name, "gauge", gauge.help)
            out += "\(gauge.name) \(format(gauge.value))\n"
        }
        return out
    }
}

// MARK: - Histogram

/// Cumulative buckets as Prometheus reads them: `le` is an upper bound, `+Inf` counts everything.
struct Histogram {
    let bounds: [Double]
    private(set) var counts: [Int]
    private(set) var sum = 0.0
    private(set) var count = 0

    init(bounds: [Double]) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds increase")
        self.bounds = bounds
        counts = [Int](repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        if let bucket = bounds.firstIndex(where: { value <= $0 }) { counts[bucket] += 1 }
        sum += value
        count += 1
    }

    func lines(name: String, labels: String?) -> String {
        let prefix = labels.map { $0 + "," } ?? ""
        var out = "", cumulative = 0
        for (bound, n) in zip(bounds, counts) {
            cumulative += n
            out += "\(name)_bucket{\(prefix)le=\"\(format(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(count)\n"
        let suffix = labels.map { "{\($0)}" } ?? ""
        out += "\(name)_sum\(suffix) \(format(sum))\n\(name)_count\(suffix) \(count)\n"
        return out
    }
}

/// 1 → "1", 0.25 → "0.25": Prometheus reads either, people read the short one.
private func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
