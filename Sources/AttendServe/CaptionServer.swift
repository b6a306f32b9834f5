import Attend
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

// MARK: - CaptionServer

/// `attend serve`: the HTTP service around one loaded captioner.
///
/// ```swift
/// let server = CaptionServer(configuration: ServeConfiguration(), captioner: try ImageCaptioner())
/// try await server.run(handlingSignals: true)     // until SIGTERM or Ctrl-C, then in-flight requests finish
/// ```
public final class CaptionServer: Sendable {
    public let configuration: ServeConfiguration
    public let captioner: ImageCaptioner
    private let logger: Logger

    public init(configuration: ServeConfiguration, captioner: ImageCaptioner,
                logger: Logger = Logger(label: "attend.serve")) {
        precondition(configuration.problem() == nil, configuration.problem() ?? "")
        self.configuration = configuration
        self.captioner = captioner
        self.logger = logger
    }

    /// Listens until stopped: by SIGTERM or SIGINT when `handlingSignals` (the command line), else by
    /// cancelling the task (tests). Either way the listener closes first, requests in flight are answered,
    /// then the model worker ends. `onListening` gets the bound port (the real one when asked for port 0).
    public func run(handlingSignals: Bool, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let metrics = ServeMetrics(maxBatch: configuration.maxBatch)
        let batcher = CaptionBatcher(captioner: captioner, capacity: configuration.queueCapacity,
                                     maxBatch: configuration.maxBatch,
                                     batchWaitMilliseconds: configuration.batchWaitMilliseconds,
                                     queueTimeoutSeconds: configuration.queueTimeoutSeconds, metrics: metrics)
        let workers = NIOThreadPool(numberOfThreads: configuration.threads)
        workers.start()
        defer { workers.shutdownGracefully { _ in } }

        let router = Router(context: ServeRequestContext.self)
        router.add(middleware: ServeMiddleware(routes: CaptionRoutes.table, metrics: metrics, logger: logger))
        CaptionRoutes(configuration: configuration, batcher: batcher, workers: workers, metrics: metrics)
            .register(on: router)

        let logger = logger, configuration = configuration
        let connections = reserveOpenFiles(connections: configuration.maxConnections)
        if connections < configuration.maxConnections {
            logger.warning("the open-file limit leaves room for \(connections) connections, not --max-connections \(configuration.maxConnections)")
        }
        let (header, whole) = (configuration.headerTimeoutSeconds, configuration.requestTimeoutSeconds)
        let app = Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [RequestDeadlines(headerSeconds: header, requestSeconds: whole, metrics: metrics)],
                idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "attend",
                availableConnectionsDelegate: MaximumAvailableConnections(connections, logger: logger)),
            services: [batcher],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.notice("listening on http://\(configuration.host):\(port)")
                await onListening(port)
            },
            logger: logger)
        if handlingSignals {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } else {
            try await app.run()
        }
        logger.notice("stopped")
    }
}
