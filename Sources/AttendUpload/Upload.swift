// MARK: - Upload
//
// What the body of a `POST /v1/caption` or `/v1/overlay` becomes: the image's bytes and the name the client
// gave. Content type, multipart/form-data framing and the size limit, with no network and no HTTP server in
// this module, so the same code the service runs is what `attend-fuzz upload` feeds with arbitrary requests.

/// A refused upload. The service answers each with its status: 415, 413, 400.
public enum UploadError: Error, Equatable, CustomStringConvertible {
    /// 415: a Content-Type that is neither an image nor a form.
    case unsupportedType(String)
    /// 413: more than `maxBytes` of image, said by Content-Length or counted as the body arrived.
    case tooLarge(maxBytes: Int)
    /// 400: a form that breaks its own framing, or has no field `image`.
    case malformed(String)

    public var description: String {
        switch self {
        case .unsupportedType(let reason), .malformed(let reason): return reason
        case .tooLarge(let maxBytes): return "body too large: the limit is \(maxBytes) bytes"
        }
    }
}

/// The image bytes of an upload: the raw body, or the field `image` of a form.
public struct ImageUpload: Sendable, Equatable {
    public var bytes: [UInt8]
    /// The file name a form upload gave, else "-" (the caption JSON's `path`, as stdin would be).
    public var name: String

    public init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }
}

// MARK: - UploadReader

/// Collects one request body as it streams in, refusing it as soon as it is known to be too large: from its
/// Content-Length before a byte is read (`init`), else at the chunk that crosses the limit (`append`).
public struct UploadReader: Sendable {
    /// Content-Types whose body is the image itself; which format it is, the content decides.
    public static let rawTypes: Set<String> = ["image/jpeg", "image/jpg", "image/pjpeg", "image/png",
                                               "application/octet-stream"]
    public static let formType = "multipart/form-data"
    /// A form's own framing is small next to the image: a few hundred bytes of headers and boundaries.
    public static let formOverhead = 16 << 10

    public let maxBytes: Int
    /// The form's boundary; nil for a raw body.
    let boundary: String?
    /// Most body bytes accepted: `maxBytes`, plus `formOverhead` for a form.
    let limit: Int
    public private(set) var body: [UInt8] = []

    /// Checks the request's headers: `contentType` (absent means raw bytes) and the declared length, if any.
    public init(contentType: String?, contentLength: String?, maxBytes: Int) throws {
        precondition(maxBytes >= 1, "the limit is positive")
        let contentType = contentType ?? "application/octet-stream"
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        if mediaType == Self.formType {
            guard let boundary = Multipart.boundary(contentType: contentType) else {
                throw UploadError.malformed("multipart/form-data without a boundary parameter")
            }
            self.boundary = boundary
        } else {
            guard Self.rawTypes.contains(mediaType) else {
                throw UploadError.unsupportedType("unsupported Content-Type '\(mediaType.prefix(100))': send image/jpeg, "
                    + "image/png, application/octet-stream, or multipart/form-data with the field 'image'")
            }
            boundary = nil
        }
        self.maxBytes = maxBytes
        limit = boundary == nil ? maxBytes : maxBytes + Self.formOverhead
        if let declared = contentLength.flatMap({ Int($0) }), declared > limit { throw UploadError.tooLarge(maxBytes: maxBytes) }
    }

    /// Adds the next piece of the body.
    public mutating func append<Bytes: Collection>(_ chunk: Bytes) throws where Bytes.Element == UInt8 {
        guard chunk.count <= limit - body.count else { throw UploadError.tooLarge(maxBytes: maxBytes) }
        body.append(contentsOf: chunk)
    }

    /// The image, once the whole body is in.
    public func finish() throws -> ImageUpload {
        guard let boundary else { return ImageUpload(bytes: body, name: "-") }
        let field = try Multipart.field("image", in: body, boundary: boundary)
        guard field.bytes.count <= maxBytes else { throw UploadError.tooLarge(maxBytes: maxBytes) }
        return ImageUpload(bytes: field.bytes, name: field.fileName ?? "-")
    }
}
