import Foundation
import NIOCore
import NIOHTTPTypes

// MARK: - RequestDeadlines
//
// Hummingbird's idle timeout restarts at every piece of a request it reads, so a client that sends its body a
// byte every few seconds holds a connection, a place in the queue and the body read so far for as long as it
// likes, and one that trickles its header lines holds a connection until the idle timeout. These deadlines
// count from fixed points instead, whatever the client sends:
//   header: from the connection's start, or the end of the previous answer, until a request's head is in;
//   request: from the head until the request's last body byte is in.
// While a request is being answered (captioned, drawn, sent) no deadline runs: that is the server's time.
// A deadline that passes closes the connection: no answer, nothing more read. The handler also counts the
// connections open, for /metrics.

final class RequestDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headerTimeout: TimeAmount
    private let requestTimeout: TimeAmount
    private let metrics: ServeMetrics
    /// Whether this connection is counted as open in the metrics.
    private var counted = false
    /// Between a request's head and its end.
    private var readingRequest = false
    /// Heads read whose answers are not finished (more than one when requests are pipelined).
    private var unanswered = 0
    private var deadline: Scheduled<Void>?

    init(headerSeconds: Int, requestSeconds: Int, metrics: ServeMetrics) {
        headerTimeout = .seconds(Int64(headerSeconds))
        requestTimeout = .seconds(Int64(requestSeconds))
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { closed() }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    private func opened(_ context: ChannelHandlerContext) {
        if !counted { metrics.recordConnection(opened: true) }
        counted = true
        schedule(context)
    }

    private func closed() {
        cancel()
        if counted { metrics.recordConnection(opened: false) }
        counted = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            unanswered += 1
            schedule(context)
        case .body:
            break
        case .end:
            readingRequest = false
            schedule(context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(unanswered - 1, 0)
            schedule(context)
        }
        context.write(data, promise: promise)
    }

    /// The deadline the connection's state calls for, replacing the one before.
    private func schedule(_ context: ChannelHandlerContext) {
        cancel()
        let timeout: TimeAmount
        if readingRequest {
            timeout = requestTimeout
        } else if unanswered == 0 {
            timeout = headerTimeout
        } else {
            return   // answering: the server's time, not the client's
        }
        let channel = context.channel, metrics = metrics
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            metrics.recordDeadlineClose()
            channel.close(promise: nil)
        }
    }

    private func cancel() {
        deadline?.cancel()
        deadline = nil
    }
}

// MARK: - Open files

/// Raises this process's soft limit on open files towards what `connections` connections need (one descriptor
/// each, plus `reserve` for the model, the listener, logs and threads), as far as the hard limit allows: systemd
/// starts a service with a soft limit of 1,024 and a hard one of 524,288, leaving the raise to the program.
/// Returns how many connections fit under the limit now in force.
func reserveOpenFiles(connections: Int, reserve: Int = 64) -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return connections }
    let wanted = rlim_t(connections + reserve)
    // RLIM_INFINITY is the largest rlim_t, so the comparisons need no case of their own.
    if limit.rlim_cur < wanted {
        var raised = limit
        raised.rlim_cur = min(wanted, limit.rlim_max)
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
    }
    return max(1, min(connections, Int(clamping: limit.rlim_cur) - reserve))
}
