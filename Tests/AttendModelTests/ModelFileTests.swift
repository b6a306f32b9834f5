import AttendModel
import Foundation
import XCTest

final class ModelFileTests: XCTestCase {
    let model = Model.referenceRandom(configName: "tiny", vocabularySize: 24, seed: 3)

    func testRoundTripKeepsEverything() throws {
        var model = self.model
        model.metadata["trained_by"] = "a test"
        let decoded = try ModelFile.decode(try ModelFile.encode(model), path: "m.attend")
        XCTAssertEqual(decoded.config, model.config)
        XCTAssertEqual(decoded.vocabulary, model.vocabulary)
        XCTAssertEqual(decoded.parameters, model.parameters)
        XCTAssertEqual(decoded.metadata, model.metadata)
    }

    func testWriteAndReadThroughTheFileSystem() throws {
        let path = NSTemporaryDirectory() + "attend-modelfile-\(getpid()).attend"
        defer { unlink(path) }
        try ModelFile.write(model, to: path)
        XCTAssertEqual(try ModelFile.read(path: path).parameters, model.parameters)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
    }

    func testTruncatedFilesAreTruncationErrors() throws {
        let bytes = try ModelFile.encode(model)
        for length in [0, 5, 12, 19, 200, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try ModelFile.decode(Array(bytes.prefix(length)), path: "t.attend")) { error in
                guard let error = error as? ModelFileError else { return XCTFail("\(error)") }
                switch error {
                case .truncated, .checksumMismatch, .badHeader: break
                default: XCTFail("length \(length): \(error)")
                }
                XCTAssertTrue(error.description.hasPrefix("t.attend: "), error.description)
            }
        }
        XCTAssertThrowsError(try ModelFile.decode(Array(bytes.prefix(bytes.count / 2)), path: "t.attend")) {
            XCTAssertTrue("\($0)".contains("truncated"), "\($0)")
        }
    }

    func testWrongMagicAndVersion() throws {
        var bytes = try ModelFile.encode(model)
        bytes[0] = UInt8(ascii: "X")
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "m")) {
            XCTAssertEqual($0 as? ModelFileError, .wrongMagic(path: "m"))
        }
        bytes = try ModelFile.encode(model)
        bytes[8] = 2
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "m")) {
            XCTAssertEqual($0 as? ModelFileError, .unsupportedVersion(path: "m", version: 2))
        }
    }

    func testFlippedPayloadBitFailsTheChecksum() throws {
        var bytes = try ModelFile.encode(model)
        bytes[bytes.count - 100] ^= 0x10
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "m")) { error in
            guard case .checksumMismatch = error as? ModelFileError else { return XCTFail("\(error)") }
        }
    }

    func testShapeMismatchNamesTheTensor() throws {
        // Rewrite the header so one tensor claims another shape, then fix the checksum.
        var bytes = try ModelFile.encode(model)
        let headerLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        var header = String(decoding: bytes[16..<(16 + headerLength)], as: UTF8.self)
        let original = "\"name\":\"decoder.beta.weight\",\"offset\""
        XCTAssertTrue(header.contains(original))
        // Same header length: shape [32] → [23].
        let range = header.range(of: "\"name\":\"decoder.beta.weight\"")!
        let tail = header[range.upperBound...]
        let shapeRange = tail.range(of: "\"shape\":[32]")!
        header.replaceSubrange(shapeRange, with: "\"shape\":[23]")
        bytes.replaceSubrange(16..<(16 + headerLength), with: Array(header.utf8))
        let crc = crc32(bytes.dropLast(4))
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "m")) { error in
            XCTAssertEqual(error as? ModelFileError,
                           .tensorMismatch(path: "m", tensor: "decoder.beta.weight", reason: "shape [23], expected [32]"))
        }
    }

    /// A bitwise CRC-32, independent of zlib's table-driven one.
    func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
