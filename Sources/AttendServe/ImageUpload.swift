import Hummingbird

// MARK: - ImageUpload

/// The image bytes of a `POST /v1/caption` or `/v1/overlay`: the raw body, or the field `image` of a
/// form upload. Read into memory only (an upload is never written to disk), and only up to the limit.
struct ImageUpload: Sendable {
    var bytes: [UInt8]
    /// The file name a form upload gave, else "-" (the caption JSON's `path`, as stdin would be).
    var name: String

    /// Content-Types whose body is the image itself; which format it is, the content decides.
    static let rawTypes: Set<String> = ["image/jpeg", "image/jpg", "image/pjpeg", "image/png", "application/octet-stream"]
    static let formType = "multipart/form-data"

    /// Reads the body of `request`, refusing it (413) as soon as it is known to be over `maxBytes`:
    /// from its Content-Length before a byte is read, else while it streams in.
    static func read(_ request: Request, maxBytes: Int) async throws -> ImageUpload {
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        let isForm = mediaType == formType
        guard isForm || rawTypes.contains(mediaType) else {
            throw ServeError.unsupportedType("unsupported Content-Type '\(mediaType)': send image/jpeg, image/png, "
                + "application/octet-stream, or multipart/form-data with the field 'image'")
        }
        // A form's own framing is small next to the image: a few hundred bytes of headers and boundaries.
        let limit = isForm ? maxBytes + (16 << 10) : maxBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw ServeError.bodyTooLarge(maxBytes: maxBytes)
        }
        var body: [UInt8] = []
        do {
            for try await chunk in request.body {
                guard body.count + chunk.readableBytes <= limit else { throw ServeError.bodyTooLarge(maxBytes: maxBytes) }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as ServeError {
            throw error
        } catch {
            // The client went away or broke the framing mid-body: its fault, and no one is left to answer.
            throw ServeError.badRequest("the request body could not be read: \(error)")
        }
        guard isForm else { return ImageUpload(bytes: body, name: "-") }
        guard let boundary = Multipart.boundary(contentType: contentType) else {
            throw ServeError.badRequest("multipart/form-data without a boundary parameter")
        }
        let field = try Multipart.field("image", in: body, boundary: boundary)
        guard field.bytes.count <= maxBytes else { throw ServeError.bodyTooLarge(maxBytes: maxBytes) }
        return ImageUpload(bytes: field.bytes, name: field.fileName ?? "-")
    }
}
