import Foundation
import Hummingbird
import Logging

// MARK: - ServeMiddleware

/// Wraps every request, matched or not: turns errors into `{"error": "…"}` answers with their status,
/// logs one line per request (method, path, status, bytes, milliseconds) and counts it in the metrics.
struct ServeMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext

    let routes: [String: [HTTPRequest.Method]]
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
    let metrics: ServeMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let path = request.uri.path
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as ServeError {
            response = Self.answer(error)
        } catch let error as HTTPError where error.status == .notFound {
            response = Self.answer(routes[path].map { allowed in
                ServeError.methodNotAllowed(method: request.method.rawValue, allowed: allowed.map(\.rawValue))
            } ?? .notFound(path: String(path.prefix(200))))
        } catch let error as HTTPError {
            // Hummingbird's own refusals (none are expected from these routes): keep their status.
            response = Self.answer(status: error.status, message: error.body ?? error.status.reasonPhrase)
        } catch {
            // A bug, not a client's doing: say so, keep serving, and leave the details in the log.
            logger.error("internal error on \(request.method) \(path): \(error)")
            response = Self.answer(status: .internalServerError, message: "internal error")
        }
        if response.status == .contentTooLarge { context.closeSoon() }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        // Labels from a fixed set: a client choosing paths or method names cannot grow the metrics.
        let route = routes[path] != nil ? path : "unmatched"
        let method = Self.methods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        metrics.recordRequest(route: route, method: method, status: response.status.code, seconds: milliseconds / 1000)
        let bytes = response.body.contentLength.map(String.init) ?? "-"
        logger.info("\(request.method) \(path.prefix(200)) \(response.status.code) \(bytes) \(String(format: "%.1f", milliseconds))ms")
        return response
    }

    /// The JSON answer to a refused request.
    static func answer(_ error: ServeError) -> Response {
        var response = answer(status: error.status, message: error.description)
        response.headers.append(contentsOf: error.headers)
        if error.status == .contentTooLarge {
            // The rest of an oversized body is not worth reading: ask the client to close.
            response.headers[.connection] = "close"
        }
        return response
    }

    static func answer(status: HTTPResponse.Status, message: String) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let body = (try? encoder.encode(["error": message])) ?? Data(#"{"error":"?"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
