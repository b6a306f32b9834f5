import Attend
import AttendImage
import AttendModel
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
        health = ByteBuffer(bytes: Self.healthJSON(batcher.captioner, configuration: configuration))
    }

    func register(on router: Router<ServeRequestContext>) {
        router.get("/") { _, _ in Self.page }
        router.get("/healthz") { _, _ in Response(status: .ok, headers: Self.json, body: ResponseBody(byteBuffer: health)) }
        router.get("/metrics") { _, _ in metricsResponse() }
        router.post("/v1/caption") { request, _ in try await caption(request) }
        router.post("/v1/overlay") { request, _ in try await overlay(request) }
    }

    // MARK: - Captions and sheets

    func caption(_ request: Request) async throws -> Response {
        try await captioned(request) { upload, _, caption, _ in
            let line = CaptionJSON(path: upload.name, caption: caption, gridSize: batcher.captioner.gridSize).line()
            return Response(status: .ok, headers: Self.json, body: ResponseBody(byteBuffer: ByteBuffer(string: line)))
        }
    }

    func overlay(_ request: Request) async throws -> Response {
        try await captioned(request) { _, image, caption, query in
            let grid = batcher.captioner.gridSize
            let png = try await workers.runIfActive {
                try AttentionSheet(caption: caption, upright: image.decoded.image, grid: grid, style: query.style).png()
            }
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
        }
    }

    /// What both POST routes do before answering: parse the query, take a place in the queue, read the
    /// upload, decode it beside the model, caption it in the next batch; then `answer` while still admitted.
    private func captioned(
        _ request: Request,
        answer: (ImageUpload, ModelImage, Caption, CaptionQuery) async throws -> Response
    ) async throws -> Response {
        let query = try CaptionQuery(request.uri.queryParameters, defaults: configuration.captionDefaults)
        return try await batcher.admitted(retryAfter: configuration.retryAfterSeconds) { ticket in
            let upload = try await ImageUpload.read(request, maxBytes: configuration.maxBodyBytes)
            let image = try await decode(upload)
            let caption = await batcher.caption(image.pixels, options: query.options, ticket: ticket)
            return try await answer(upload, image, caption, query)
        }
    }

    /// Decodes an upload on a worker thread into the model's input; a bad picture becomes its 4xx.
    private func decode(_ upload: ImageUpload) async throws -> ModelImage {
        let input = batcher.captioner.input, options = configuration.decodeOptions
        do {
            return try await workers.runIfActive { try input.load(upload.bytes, options: options) }
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
            var config: ModelConfig
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
        }
        let health = Health(
            model: URL(fileURLWithPath: captioner.modelPath).deletingPathExtension().lastPathComponent,
            path: captioner.modelPath, config: captioner.captioner.config, grid: captioner.gridSize,
            vocabulary: captioner.vocabulary.count, metadata: captioner.captioner.model.metadata,
            limits: Limits(max_body_bytes: configuration.maxBodyBytes, max_pixels: configuration.maxPixels,
                           queue: configuration.queueCapacity, max_batch: configuration.maxBatch))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(health)) ?? Data(#"{"status":"ok"}"#.utf8))
    }
}
