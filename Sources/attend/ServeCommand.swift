import ArgumentParser
import AttendServe
import Dispatch
import Foundation
import Logging

/// `attend serve`: caption images over HTTP, and the page that shows where each word looked.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve captions over HTTP (POST /v1/caption, /v1/overlay) and a page to explore each word's attention.",
        discussion: """
            Open http://127.0.0.1:8080 for the page; the API is in docs/SERVE.md and docs/openapi.yaml. One line \
            per request (method, path, status, bytes, milliseconds) goes to standard error. SIGTERM or Ctrl-C \
            stops listening, answers the requests in flight, then exits 0. --beam, --max-words and \
            --length-alpha are the defaults of requests that do not set them.
            Exit status: 0 stopped by a signal, 1 could not listen, 2 the model could not be loaded, 64 usage error.
            """)

    @Option(help: "Address to listen on (loopback by default; 0.0.0.0 for every interface, e.g. in a container).")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0: any free port).")
    var port = 8080

    @Option(help: ArgumentHelp("Largest request body, in megabytes.", valueName: "mb"))
    var maxBodyMb: Double = 20

    @Option(help: ArgumentHelp("Largest picture, width × height from its header.", valueName: "n"))
    var maxPixels = ServeConfiguration().maxPixels

    @Option(help: ArgumentHelp("Requests in the service at once; more are refused with 503.", valueName: "n"))
    var queue = ServeConfiguration().queueCapacity

    @Option(help: ArgumentHelp("Images captioned together in one model batch at most.", valueName: "n"))
    var maxBatch = ServeConfiguration().maxBatch

    @Option(help: ArgumentHelp("Milliseconds the model waits for more images while other requests are still decoding.",
                               valueName: "ms"))
    var batchWaitMs = ServeConfiguration().batchWaitMilliseconds

    @Option(help: ArgumentHelp("Seconds a silent connection is kept open.", valueName: "s"))
    var idleTimeout = ServeConfiguration().idleTimeoutSeconds

    @Option(help: ArgumentHelp("Megabytes of uploads held in memory at once, over all connections.", valueName: "mb"))
    var uploadMemoryMb: Double = 256

    @Option(help: ArgumentHelp("Connections open at once; more wait unaccepted until one closes.", valueName: "n"))
    var maxConnections = ServeConfiguration().maxConnections

    @Option(help: ArgumentHelp("Seconds a connection has to send a request's head, however slowly.", valueName: "s"))
    var headerTimeout = ServeConfiguration().headerTimeoutSeconds

    @Option(help: ArgumentHelp("Seconds a request has, from its head, to send its whole body.", valueName: "s"))
    var requestTimeout = ServeConfiguration().requestTimeoutSeconds

    @Option(help: ArgumentHelp("Seconds a picture may wait for the model before the request gets 503.", valueName: "s"))
    var queueTimeout = ServeConfiguration().queueTimeoutSeconds

    @OptionGroup var modelOptions: ModelOptions

    var serveConfiguration: ServeConfiguration {
        var configuration = ServeConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.model = modelOptions.model
        configuration.threads = modelOptions.threads
        configuration.maxBodyBytes = Int((maxBodyMb * 1_048_576).rounded())
        configuration.maxPixels = maxPixels
        configuration.queueCapacity = queue
        configuration.maxBatch = maxBatch
        configuration.batchWaitMilliseconds = batchWaitMs
        configuration.idleTimeoutSeconds = idleTimeout
        configuration.maxConnections = maxConnections
        configuration.uploadMemoryBytes = Int((uploadMemoryMb * 1_048_576).rounded())
        configuration.headerTimeoutSeconds = headerTimeout
        configuration.requestTimeoutSeconds = requestTimeout
        configuration.queueTimeoutSeconds = queueTimeout
        configuration.captionDefaults = modelOptions.captionOptions
        return configuration
    }

    func validate() throws {
        try modelOptions.validate()
        guard maxBodyMb.isFinite && maxBodyMb > 0 else { throw ValidationError("--max-body-mb must be more than 0") }
        guard uploadMemoryMb.isFinite && uploadMemoryMb > 0 else { throw ValidationError("--upload-memory-mb must be more than 0") }
        if let problem = serveConfiguration.problem() { throw ValidationError(problem) }
    }

    func run() throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let captioner = try modelOptions.loadCaptioner()
        var logger = Logger(label: "attend.serve")
        // LOG_LEVEL=debug shows the server's own connection events; warning silences the request log.
        if let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) {
            logger.logLevel = level
        }
        let server = CaptionServer(configuration: serveConfiguration, captioner: captioner, logger: logger)
        // The command line is synchronous: the server runs on Swift's concurrency threads while this one waits.
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do { try await server.run(handlingSignals: true) } catch { failure.error = error }
            finished.signal()
        }
        finished.wait()
        if let error = failure.error {
            printError("attend: cannot serve on \(host):\(port): \(error)")
            throw ExitCode.failure
        }
    }
}

/// The server task's error, read once the task has signalled.
private final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}
