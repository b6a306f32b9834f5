import Hummingbird
import NIOCore

// MARK: - ServeRequestContext

/// Hummingbird's basic request context plus the connection, so that a refused upload can stop being read.
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// After an answer that leaves the body unread (413), Hummingbird would read and discard the rest before
    /// the next request: gigabytes, if the client insists. Closing the input side ends that at once; the
    /// answer is still written, then the connection closes.
    func stopReading() {
        channel.close(mode: .input, promise: nil)
    }
}
