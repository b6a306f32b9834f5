import Hummingbird
import NIOCore

// MARK: - ServeRequestContext

/// Hummingbird's basic request context plus the connection, so that a refused upload can be cut off.
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// After an answer that leaves the body unread (413), Hummingbird would read and discard the rest before
    /// the next request: gigabytes, if the client insists. The answer said `Connection: close`; a second later
    /// the connection is closed. Not at once: closing with the client's data still arriving resets the
    /// connection, and a client still sending could lose the answer it has not read yet (a lingering close).
    func closeSoon() {
        let channel = channel
        channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    }
}
