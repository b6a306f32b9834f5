// MARK: - multipart/form-data

/// The one part of a `multipart/form-data` body (RFC 7578) a form upload needs: the bytes of a named
/// field, found without copying anything but that field.
///
/// Only what browsers and curl send is read: CRLF line ends, `Content-Disposition: form-data; name="…"`.
/// A body that breaks the format is a client's mistake (`UploadError.malformed`), never a crash.
public enum Multipart {
    /// The boundary of a `multipart/form-data; boundary=…` Content-Type, quoted or not.
    public static func boundary(contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingSpaces()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1–70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// The field `name` of `body`: its bytes and the file name the client gave, if any.
    public static func field(_ name: String, in body: [UInt8], boundary: String) throws -> (bytes: [UInt8], fileName: String?) {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard var cursor = find(delimiter, in: body, from: 0) else {
            throw UploadError.malformed("multipart body without its boundary")
        }
        cursor += delimiter.count
        while true {
            // After a delimiter: "--" closes the body, CRLF opens a part.
            if body[cursor...].starts(with: Array("--".utf8)) { break }
            guard body[cursor...].starts(with: [13, 10]) else { throw UploadError.malformed("malformed multipart body") }
            let headersStart = cursor + 2
            guard let headersEnd = find([13, 10, 13, 10], in: body, from: headersStart) else {
                throw UploadError.malformed("malformed multipart body: a part's headers do not end")
            }
            let contentStart = headersEnd + 4
            guard let contentEnd = find(separator, in: body, from: contentStart) else {
                throw UploadError.malformed("multipart body ends before its closing boundary")
            }
            let headers = String(decoding: body[headersStart..<headersEnd], as: UTF8.self)
            if let disposition = formData(headers), disposition.name == name {
                return (Array(body[contentStart..<contentEnd]), disposition.fileName)
            }
            cursor = contentEnd + separator.count
        }
        throw UploadError.malformed("multipart body has no field '\(name)': send the image as the field 'image'")
    }

    /// `name` and `filename` of a part's `Content-Disposition: form-data` header.
    private static func formData(_ headers: String) -> (name: String, fileName: String?)? {
        for line in headers.split(separator: "\r\n") {
            let header = line.split(separator: ":", maxSplits: 1)
            guard header.count == 2, header[0].trimmingSpaces().lowercased() == "content-disposition" else { continue }
            var name: String?, fileName: String?
            for parameter in header[1].split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let value = pair[1].trimmingSpaces().trimmingQuotes()
                switch pair[0].trimmingSpaces().lowercased() {
                case "name": name = value
                case "filename": fileName = value
                default: break
                }
            }
            return name.map { ($0, fileName) }
        }
        return nil
    }

    /// The first index at or after `start` where `needle` occurs in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count - start >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    func trimmingQuotes() -> String {
        count >= 2 && hasPrefix("\"") && hasSuffix("\"") ? String(dropFirst().dropLast()) : String(self)
    }
}
