import Attend
import AttendImage
import AttendModel
import AttendUpload
import Foundation
import Hummingbird
import NIOPosix

// MARK: - CaptionRoutes

/// The handlers: caption, sheet, health, metrics, page. Decoding and drawing run on `workers`, the model
/// on the batcher's thread, so an event loop never does image work.
struct CaptionRoutes: Sendable {
    let configuration: ServeConfiguration
    let batcher: CaptionBatcher
    let workers: NIOThreadPool
    let metrics: ServeMetrics
    /// Bytes of uploads held in memory at once (`--upload-memory-mb`).
    let uploads: UploadBudget
    /// The answer to `GET /healthz`, fixed once the model is loaded.
    let health: ByteBuffer

    /// Every route and its methods: the router's table, and how a wrong method is told from a wrong path.
    static let table: [String: [HTTPRequest.Method]] = [
        "/": [.get], "/healthz": [.get], "/metrics": [.get], "/v1/caption": [.post], "/v1/overlay": [.post],
    ]

    init(configuration: ServeConfiguration, batcher: CaptionBatcher, workers: NIOThreadPool, metrics: ServeMetrics) {
        self.configuration = configuration
        self.batcher = batcher
        self.workers = workers
        self.metrics = metrics
        uploads = UploadBudget(capacity: configuration.uploadMemoryBytes)
        health = ByteBuffer(bytes: Self.healthJSON(batcher.captioner, configuration: configuration))
    }

    func register(on router: Router<ServeRequestContext>) {
        router.get("/") { _, _ in Self.page }
        router.get("/healthz") { _, _ in Response(status: .ok, headers: Self.json, body: ResponseBody(byteBuffer: health)) }
        router.get("/metrics") { _, _ in metricsResponse() }
        router.post("/v1/caption") { request, context in try await caption(request, context: context) }
        router.post("/v1/overlay") { request, context in try await overlay(request, context: context) }
    }

    // MARK: - Captions and sheets

    func caption(_ request: Request, context: ServeRequestContext) async throws -> Response {
        try await captioned(request, context: context, forSheet: false) { prepared, caption, _ in
            let line = CaptionJSON(path: prepared.name, caption: caption, gridSize: batcher.captioner.gridSize).line()
            return Response(status: .ok, headers: Self.json, body: ResponseBody(byteBuffer: ByteBuffer(string: line)))
        }
    }

    func overlay(_ request: Request, context: ServeRequestContext) async throws -> Response {
        try await captioned(request, context: context, forSheet: true) { prepared, caption, query in
            let grid = batcher.captioner.gridSize
            let png = try await workers.runIfActive {
                try AttentionSheet(caption: caption, picture: prepared.display!, grid: grid, style: query.style).png()
            }
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
        }
    }

    /// What both POST routes do before answering: parse the query, read the upload (its bytes counted against
    /// `--upload-memory-mb`), take a place in the queue, decode the upload beside the model, caption it in the
    /// next batch; then `answer` while still admitted. The body is read before admission, so a client trickling
    /// its upload holds its connection (until `--request-timeout`), never a place in the queue. A client that
    /// closes its connection while its picture waits for the model is dropped from the queue.
    private func captioned(
        _ request: Request, context: ServeRequestContext, forSheet: Bool,
        answer: (Prepared, Caption, CaptionQuery) async throws -> Response
    ) async throws -> Response {
        let query = try CaptionQuery(request.uri.queryParameters, defaults: configuration.captionDefaults)
        let channel = context.channel, retryAfter = configuration.retryAfterSeconds
        let read = try await ImageUpload.read(request, maxBytes: configuration.maxBodyBytes, budget: uploads,
                                              retryAfter: retryAfter)
        var upload: ImageUpload? = read.upload
        var held = read.reserved
        defer { uploads.release(held) }
        return try await batcher.admitted(retryAfter: retryAfter) { ticket in
            let prepared = try await prepare(upload!, forSheet: forSheet)
            upload = nil   // the photo's bytes are done with: only the model's input waits in the queue
            uploads.release(held)
            held = 0
            let caption = try await batcher.caption(prepared.pixels, options: query.options, ticket: ticket,
                                                    retryAfter: retryAfter, abandoned: { !channel.isActive })
            return try await answer(prepared, caption, query)
        }
    }

    /// A request's picture made ready for the model. Only this is kept while the request waits for its batch:
    /// the upload's bytes and the full-size decode are gone by then, so a queued request holds the model's
    /// 224 × 224 input (and a sheet-sized copy for /v1/overlay), not its photo.
    private struct Prepared: Sendable {
        var name: String
        var pixels: RGBImage
        var display: RGBImage?
    }

    /// Decodes the upload on a worker thread; a bad picture becomes its 4xx.
    private func prepare(_ upload: ImageUpload, forSheet: Bool) async throws -> Prepared {
        let input = batcher.captioner.input, options = configuration.decodeOptions
        do {
            return try await workers.runIfActive {
                let image = try input.load(upload.bytes, options: options)
                return Prepared(name: upload.name, pixels: image.pixels,
                                display: forSheet ? AttentionSheet.displayPicture(image.decoded.image) : nil)
            }
        } catch let error as ImageError {
            throw ServeError(error)
        }
    }

    // MARK: - Health, metrics, page

    private func metricsResponse() -> Response {
        let text = metrics.exposition(gauges: [
            ("attend_queue_depth", "Requests in the service now (reading, decoding, waiting for or in the model).",
             Double(batcher.depth)),
            ("attend_queue_capacity", "Requests admitted at once (--queue); more are refused with 503.",
             Double(batcher.capacity)),
            ("attend_model_waiting", "Pictures decoded and waiting for the model.", Double(batcher.waiting)),
        ])
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private static let json: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]

    private static let page = Response(
        status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: ServePage.html)))

    /// The model's name, file and configuration, and the service's limits.
    static func healthJSON(_ captioner: ImageCaptioner, configuration: ServeConfiguration) -> [UInt8] {
        struct Health: Encodable {
            var status = "ok"
            var model: String
            var path: String
            /// The model's own description (its layout varies with the encoder; `input` and `grid` do not).
            var config: ModelConfig
            /// Side of the square picture the model sees, in pixels.
            var input: Int
            var grid: Int
            var vocabulary: Int
            var metadata: [String: String]
            var limits: Limits
        }
        struct Limits: Encodable {
            var max_body_bytes: Int
            var max_pixels: Int
            var queue: Int
            var max_batch: Int
            var upload_memory_bytes: Int
            var max_connections: Int
            var header_timeout_seconds: Int
            var request_timeout_seconds: Int
            var queue_timeout_seconds: Int
        }
        let health = Health(
            model: URL(fileURLWithPath: captioner.modelPath).deletingPathExtension().lastPathComponent,
            path: captioner.modelPath, config: captioner.captioner.config, input: captioner.input.size,
            grid: captioner.gridSize,
            vocabulary: captioner.vocabulary.count, metadata: captioner.captioner.model.metadata,
            limits: Limits(max_body_bytes: configuration.maxBodyBytes, max_pixels: configuration.maxPixels,
                           queue: configuration.queueCapacity, max_batch: configuration.maxBatch,
                           upload_memory_bytes: configuration.uploadMemoryBytes,
                           max_connections: configuration.maxConnections,
                           header_timeout_seconds: configuration.headerTimeoutSeconds,
                           request_timeout_seconds: configuration.requestTimeoutSeconds,
                           queue_timeout_seconds: configuration.queueTimeoutSeconds))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(health)) ?? Data(#"{"status":"ok"}"#.utf8))
    }
}
