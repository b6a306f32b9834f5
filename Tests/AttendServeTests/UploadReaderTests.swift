import AttendUpload
import XCTest

/// The upload path without the network: what each Content-Type, length and form gives.
final class UploadReaderTests: XCTestCase {
    private let image = Array("\u{89}PNG\r\n\u{1A}\n-the-image-".utf8)

    private func read(_ contentType: String?, length: String? = nil, body: [UInt8], chunk: Int = 3,
                      maxBytes: Int = 64) throws -> ImageUpload {
        var reader = try UploadReader(contentType: contentType, contentLength: length, maxBytes: maxBytes)
        for start in stride(from: 0, to: body.count, by: chunk) {
            try reader.append(body[start..<min(start + chunk, body.count)])
        }
        return try reader.finish()
    }

    private func form(_ parts: [(disposition: String, bytes: [UInt8])], boundary: String = "b0und") -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; \(part.disposition)\r\n\r\n".utf8) + part.bytes
                + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }

    func testRawBodyIsTheImage() throws {
        for type in [nil, "image/png", "IMAGE/JPEG; charset=x", "application/octet-stream"] {
            XCTAssertEqual(try read(type, body: image), ImageUpload(bytes: image, name: "-"), String(describing: type))
        }
    }

    func testFormFieldImageWithItsFileName() throws {
        let body = form([("name=\"other\"", Array("x".utf8)), ("name=\"image\"; filename=\"cat.png\"", image)])
        XCTAssertEqual(try read("multipart/form-data; boundary=\"b0und\"", body: body, maxBytes: 64),
                       ImageUpload(bytes: image, name: "cat.png"))
    }

    func testRefusals() {
        XCTAssertThrowsError(try read("text/plain", body: image)) {
            guard case UploadError.unsupportedType(let reason) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("'text/plain'"), reason)
        }
        XCTAssertThrowsError(try read("image/png", length: "65", body: [])) {
            XCTAssertEqual($0 as? UploadError, .tooLarge(maxBytes: 64))
        }
        XCTAssertThrowsError(try read("image/png", body: [UInt8](repeating: 1, count: 65))) {
            XCTAssertEqual($0 as? UploadError, .tooLarge(maxBytes: 64))
        }
        XCTAssertNoThrow(try read("image/png", length: "64", body: [UInt8](repeating: 1, count: 64)))
        XCTAssertThrowsError(try read("multipart/form-data", body: image)) {
            XCTAssertEqual($0 as? UploadError, .malformed("multipart/form-data without a boundary parameter"))
        }
        let noImage = form([("name=\"picture\"", image)])
        XCTAssertThrowsError(try read("multipart/form-data; boundary=b0und", body: noImage)) {
            guard case UploadError.malformed(let reason) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("no field 'image'"), reason)
        }
        let unclosed = Array(form([("name=\"image\"", image)]).dropLast(12))
        XCTAssertThrowsError(try read("multipart/form-data; boundary=b0und", body: unclosed)) {
            XCTAssertEqual($0 as? UploadError, .malformed("multipart body ends before its closing boundary"))
        }
        // A form may carry framing beyond the limit, but not an image beyond it.
        let big = form([("name=\"image\"", [UInt8](repeating: 7, count: 65))])
        XCTAssertThrowsError(try read("multipart/form-data; boundary=b0und", body: big)) {
            XCTAssertEqual($0 as? UploadError, .tooLarge(maxBytes: 64))
        }
    }
}
