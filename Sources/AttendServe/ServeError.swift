import AttendImage
import HTTPTypes

// MARK: - ServeError

/// What a client can do wrong, or what the service refuses under load: each case is one HTTP status
/// and one line of text, answered as `{"error": "..."}`. A programming mistake is never one of these
/// (it is a precondition), so nothing a client sends can turn into a 500.
enum ServeError: Error, Equatable, CustomStringConvertible {
    /// 400: the bytes are not a whole, valid JPEG or PNG (empty, truncated, corrupt), or a bad query.
    case badRequest(String)
    /// 404: no such route.
    case notFound(path: String)
    /// 405: the route exists, for other methods.
    case methodNotAllowed(method: String, allowed: [String])
    /// 413: the body is over `--max-body-mb` (said by Content-Length, or counted while it arrived).
    case bodyTooLarge(maxBytes: Int)
    /// 415: the Content-Type, or the content itself, is not a JPEG or PNG.
    case unsupportedType(String)
    /// 422: a valid picture, over `--max-pixels`.
    case tooManyPixels(String)
    /// 503: the queue is full, or memory ran out; try again after `retryAfter` seconds.
    case unavailable(String, retryAfter: Int)

    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: return .badRequest
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .bodyTooLarge: return .contentTooLarge
        case .unsupportedType: return .unsupportedMediaType
        case .tooManyPixels: return .unprocessableContent
        case .unavailable: return .serviceUnavailable
        }
    }

    var description: String {
        switch self {
        case .badRequest(let reason): return reason
        case .notFound(let path): return "no such route: \(path) (see GET / and docs/openapi.yaml)"
        case .methodNotAllowed(let method, let allowed):
            return "\(method) is not allowed here; use \(allowed.joined(separator: " or "))"
        case .bodyTooLarge(let maxBytes):
            return "body too large: the limit is \(maxBytes) bytes (attend serve --max-body-mb)"
        case .unsupportedType(let what): return what
        case .tooManyPixels(let what): return what
        case .unavailable(let reason, _): return reason
        }
    }

    /// Headers the status calls for: `Allow` on a 405, `Retry-After` on a 503.
    var headers: HTTPFields {
        switch self {
        case .methodNotAllowed(_, let allowed): return [.allow: allowed.joined(separator: ", ")]
        case .unavailable(_, let seconds): return [.retryAfter: String(seconds)]
        default: return [:]
        }
    }

    /// The status a decoding failure deserves: the client sent something that is not a usable picture.
    init(_ error: ImageError) {
        switch error {
        case .unsupportedFormat: self = .unsupportedType(error.description)
        case .tooLarge: self = .tooManyPixels(error.description.replacingOccurrences(
            of: "(raise it with --max-pixels)", with: "(the server's --max-pixels)"))
        case .fileTooLarge: self = .tooManyPixels(error.description.replacingOccurrences(
            of: "raise it with --max-pixels", with: "the server's --max-pixels"))
        case .empty: self = .badRequest("empty body: send the image's bytes")
        case .io, .corrupt, .truncated: self = .badRequest(error.description)
        case .outOfMemory: self = .unavailable("out of memory while decoding; retry shortly", retryAfter: 1)
        }
    }
}
