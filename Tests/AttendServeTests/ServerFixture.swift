import Attend
import AttendServe
import Foundation
import XCTest

// MARK: - A server on a free port, in this process

/// A `CaptionServer` on port 0 (the kernel picks a free one) with the small synthetic-scenes model,
/// stopped by cancelling its task.
final class ServerFixture: @unchecked Sendable {
    let port: Int
    let captioner: ImageCaptioner
    private let task: Task<Void, Error>

    /// Limits small enough to reach cheaply: 1 MB bodies, 1 megapixel.
    static func testConfiguration() -> ServeConfiguration {
        var configuration = ServeConfiguration()
        configuration.port = 0
        configuration.maxBodyBytes = 1 << 20
        configuration.maxPixels = 1_000_000
        configuration.idleTimeoutSeconds = 2
        configuration.captionDefaults.beamSize = 2
        return configuration
    }

    init(configuration: ServeConfiguration = ServerFixture.testConfiguration()) throws {
        captioner = try ImageCaptioner(model: "shapes")
        let server = CaptionServer(configuration: configuration, captioner: captioner)
        let listening = DispatchSemaphore(value: 0)
        let bound = PortBox()
        task = Task {
            try await server.run(handlingSignals: false) { port in
                bound.port = port
                listening.signal()
            }
        }
        guard listening.wait(timeout: .now() + 30) == .success, let port = bound.port else {
            task.cancel()
            throw XCTSkip("the test server did not start within 30 s")
        }
        self.port = port
    }

    func stop() {
        task.cancel()
    }
}

private final class PortBox: @unchecked Sendable {
    var port: Int?
}

// MARK: - Inputs

/// The repository's folders, from this file's place in it.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let scenePath = root.appendingPathComponent("samples/scene-01.png").path
    static var scene: [UInt8] { Array(FileManager.default.contents(atPath: scenePath)!) }

    /// A valid PNG header claiming `width` × `height`, with almost no data: a decompression bomb's shape.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + data
            return be(UInt32(data.count)) + typed + be(crc32(typed))
        }
        let ihdr = be(width) + be(height) + [8, 2, 0, 0, 0]
        // The start of a zlib stream: rows that would never end.
        let idat: [UInt8] = [0x78, 0x9C] + [UInt8](repeating: 0, count: 16)
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat)
            + chunk("IEND", [])
    }

    /// A baseline JPEG's markers up to its scan (SOI, SOF0 claiming `width` × `height`, SOS), then no data.
    static func jpegHeader(width: UInt16, height: UInt16) -> [UInt8] {
        [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, UInt8(height >> 8), UInt8(height & 255), UInt8(width >> 8),
         UInt8(width & 255), 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
         0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    /// A multipart/form-data body with one file field.
    static func multipart(field: String, fileName: String, bytes: [UInt8], boundary: String = "attendTestBoundary42")
        -> (contentType: String, body: [UInt8]) {
        let head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\n"
            + "Content-Type: image/png\r\n\r\n"
        let body = Array(head.utf8) + bytes + Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}
