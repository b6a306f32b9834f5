import AttendUpload

// MARK: - upload: the service's request body

extension FuzzTarget {
    /// `UploadReader` as `attend serve` runs it for `POST /v1/caption`, without the network. Input: one byte
    /// choosing the chunk size the body arrives in (1–256 bytes), the Content-Type line, the Content-Length line,
    /// then the body. The limit is 4 KiB, so the size checks are reached too.
    static let upload = FuzzTarget(
        name: "upload",
        summary: "UploadReader (Content-Type, Content-Length, multipart/form-data, size limit)",
        run: { input in
            guard let chunkByte = input.first else { return }
            let rest = input.dropFirst()
            guard let typeEnd = rest.firstIndex(of: 10) else { return }
            guard let lengthEnd = rest[(typeEnd + 1)...].firstIndex(of: 10) else { return }
            let contentType = String(decoding: rest[..<typeEnd], as: UTF8.self)
            let contentLength = String(decoding: rest[(typeEnd + 1)..<lengthEnd], as: UTF8.self)
            let body = rest[(lengthEnd + 1)...]
            let maxBytes = 4096
            guard var reader = try? UploadReader(contentType: contentType.isEmpty ? nil : contentType,
                                                 contentLength: contentLength.isEmpty ? nil : contentLength,
                                                 maxBytes: maxBytes) else { return }
            let chunkSize = Int(chunkByte) + 1
            var start = body.startIndex
            while start < body.endIndex {
                let end = min(start + chunkSize, body.endIndex)
                do { try reader.append(body[start..<end]) } catch { return }
                start = end
            }
            guard let upload = try? reader.finish() else { return }
            precondition(upload.bytes.count <= maxBytes, "never more than the limit")
        },
        seeds: {
            let image = Array("\u{89}PNG\r\n\u{1A}\n fake image bytes".utf8)
            func request(_ chunk: UInt8, _ type: String, _ length: String, _ body: [UInt8]) -> [UInt8] {
                [chunk] + Array("\(type)\n\(length)\n".utf8) + body
            }
            let form = Array("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\n".utf8)
                + Array("Content-Disposition: form-data; name=\"image\"; filename=\"photo.png\"\r\n".utf8)
                + Array("Content-Type: image/png\r\n\r\n".utf8) + image + Array("\r\n--XyZ--\r\n".utf8)
            return [
                request(255, "image/png", "\(image.count)", image),
                request(3, "image/jpeg", "", image),
                request(0, "", "", image),
                request(16, "multipart/form-data; boundary=XyZ", "\(form.count)", form),
                request(7, "multipart/form-data; boundary=\"XyZ\"", "", form),
                request(255, "application/octet-stream", "5000", image),
                request(255, "text/plain", "", image),
            ]
        })
}
