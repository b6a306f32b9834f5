import AttendImage
import AttendModel

// MARK: - ServeConfiguration

/// Everything `attend serve` can be told: where to listen, what to load, and the limits that keep one
/// client from taking the machine.
public struct ServeConfiguration: Sendable {
    /// Loopback by default: exposing the service is a decision (`--host 0.0.0.0` behind a proxy).
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); `CaptionServer.onListening` tells which.
    public var port = 8080
    /// A model file path or a short name (`ModelLocator`); nil for the default.
    public var model: String?
    /// Threads for the matrix products of the model worker, and image-decoding workers beside it.
    public var threads = 2
    /// Largest request body, in bytes. 20 MB holds any phone photo as a JPEG or PNG.
    public var maxBodyBytes = 20 << 20
    /// Largest picture, width × height from its header, checked before any pixel buffer exists.
    /// 50 megapixels: above every phone camera, and its RGB buffer (150 MB) still fits a small pod.
    public var maxPixels = 50_000_000
    /// Bytes of request bodies held in memory at once, over all connections; an upload that would pass it gets 503.
    /// Bodies are read before a request is admitted to the queue, so this, not the queue, bounds their memory.
    public var uploadMemoryBytes = 256 << 20
    /// Requests admitted at once (reading, decoding, waiting for or in the model); the next gets 503.
    public var queueCapacity = 64
    /// Images captioned together in one model batch at most.
    public var maxBatch = 8
    /// How long the model worker waits for more images when others are still being decoded, in ms.
    /// A lone request never waits: the worker only waits while another admitted request is on its way.
    public var batchWaitMilliseconds = 5
    /// Seconds a connection may stay silent (between requests, or a client that stops sending mid-body)
    /// before it is closed.
    public var idleTimeoutSeconds = 30
    /// Connections open at once. At the cap the server accepts no more (the kernel's backlog holds them) until
    /// one closes. Each needs a file descriptor: the server raises its soft open-file limit to fit, up to the
    /// hard limit, and lowers the cap if even that is short.
    public var maxConnections = 2048
    /// Seconds a connection has to send a request's head (line and headers), counted from its start or from the
    /// end of the previous answer, however slowly it trickles them.
    public var headerTimeoutSeconds = 10
    /// Seconds a request has, from its head, to send its whole body, however slowly it trickles it.
    public var requestTimeoutSeconds = 60
    /// Seconds a decoded picture may wait for the model; after that the request is answered 503 (the queue is
    /// not keeping up) rather than captioned late.
    public var queueTimeoutSeconds = 10
    /// How a request that says nothing in its query is decoded (the command's --beam, --max-words…).
    public var captionDefaults = CaptionOptions()
    /// Seconds a 503 tells the client to wait (`Retry-After`).
    public var retryAfterSeconds = 1

    public init() {}

    /// The first problem with the settings, for the command line to report; nil when they are usable.
    public func problem() -> String? {
        if !(0...65535).contains(port) { return "--port must be between 0 and 65535" }
        if threads < 1 { return "--threads must be at least 1" }
        if maxBodyBytes < 1 { return "--max-body-mb must be more than 0" }
        if maxPixels < 1 { return "--max-pixels must be at least 1" }
        if queueCapacity < 1 { return "--queue must be at least 1" }
        if maxBatch < 1 { return "--max-batch must be at least 1" }
        if batchWaitMilliseconds < 0 { return "--batch-wait-ms must be 0 or more" }
        if idleTimeoutSeconds < 1 { return "--idle-timeout must be at least 1 second" }
        if uploadMemoryBytes < maxBodyBytes { return "--upload-memory-mb must be at least --max-body-mb" }
        if maxConnections < 1 { return "--max-connections must be at least 1" }
        if headerTimeoutSeconds < 1 { return "--header-timeout must be at least 1 second" }
        if requestTimeoutSeconds < 1 { return "--request-timeout must be at least 1 second" }
        if queueTimeoutSeconds < 1 { return "--queue-timeout must be at least 1 second" }
        return nil
    }

    /// How uploads are decoded: the pixel limit from `maxPixels`, otherwise as `attend caption` decodes.
    var decodeOptions: DecodeOptions { DecodeOptions(maxPixels: maxPixels) }
}
