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
        try await captioned(request, forSheet: false) { prepared, caption, _ in
            let line = CaptionJSON(path: prepared.name, caption: caption, gridSize: batcher.captioner.gridSize).line()
            return Response(status: .ok, headers: Self.json, body: ResponseBody(byteBuffer: ByteBuffer(string: line)))
        }
    }

    func overlay(_ request: Request) async throws -> Response {
        try await captioned(request, forSheet: true) { prepared, caption, query in
            let grid = batcher.captioner.gridSize
            let png = try await workers.runIfActive {
                try AttentionSheet(caption: caption, picture: prepared.display!, grid: grid, style: query.style).png()
            }
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
        }
    }

    /// What both POST routes do before answering: parse the query, take a place in the queue, read and
    /// decode the upload beside the model, caption it in the next batch; then `answer` while still admitted.
    private func captioned(
        _ request: Request, forSheet: Bool,
        answer: (Prepared, Caption, CaptionQuery) async throws -> Response
    ) async throws -> Response {
        let query = try CaptionQuery(request.uri.queryParameters, defaults: configuration.captionDefaults)
        return try await batcher.admitted(retryAfter: configuration.retryAfterSeconds) { ticket in
            let prepared = try await prepare(request, forSheet: forSheet)
            let caption = await batcher.caption(prepared.pixels, options: query.options, ticket: ticket)
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

    /// Reads the upload, then decodes it on a worker thread; a bad picture becomes its 4xx.
    private func prepare(_ request: Request, forSheet: Bool) async throws -> Prepared {
        let upload = try await ImageUpload.read(request, maxBytes: configuration.maxBodyBytes)
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
        }
        let health = Health(
            model: URL(fileURLWithPath: captioner.modelPath).deletingPathExtension().lastPathComponent,
            path: captioner.modelPath, config: captioner.captioner.config, input: captioner.input.size,
            grid: captioner.gridSize,
            vocabulary: captioner.vocabulary.count, metadata: captioner.captioner.model.metadata,
            limits: Limits(max_body_bytes: configuration.maxBodyBytes, max_pixels: configuration.maxPixels,
                           queue: configuration.queueCapacity, max_batch: configuration.maxBatch))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(health)) ?? Data(#"{"status":"ok"}"#.utf8))
    }
}
