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
        XCTAssertEqual(bytes[8], 3, "soft-attention models are written as version 3")
        bytes[8] = 6
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "m")) {
            XCTAssertEqual($0 as? ModelFileError, .unsupportedVersion(path: "m", version: 6))
        }
    }

    func testFloat16StorageRoundsEachValueAndHalvesThePayload() throws {
        let half = try ModelFile.encode(model, storage: .float16), full = try ModelFile.encode(model)
        let decoded = try ModelFile.decode(half, path: "m")
        XCTAssertEqual(decoded.parameters, model.parameters.map { Float(Float16($0)) })
        XCTAssertNotEqual(decoded.parameters, model.parameters, "rounding to f16 changes some values")
        XCTAssertLessThan(Double(half.count), 0.6 * Double(full.count))
    }

    /// A version-1 file (the scratch family's numbers in the configuration itself, f32 only), built here from
    /// docs/MODEL_FORMAT.md's layout rather than by ModelFile, reads as the scratch family without a projection.
    func testVersion1FilesStillLoad() throws {
        let v2 = try ModelFile.encode(model)
        let headerLength = Int(v2[12]) | Int(v2[13]) << 8 | Int(v2[14]) << 16 | Int(v2[15]) << 24
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(v2[16..<(16 + headerLength)])) as? [String: Any])
        var config = try XCTUnwrap(header["config"] as? [String: Any])
        let encoder = try XCTUnwrap(config.removeValue(forKey: "encoder") as? [String: Any])
        config.removeValue(forKey: "projectionSize")
        for key in ["imageSize", "channels", "strides", "poolAfter"] { config[key] = encoder[key] }
        header["config"] = config
        let payloadStart = (16 + headerLength + 63) / 64 * 64
        let payload = v2[payloadStart..<(v2.count - 4)]
        let newHeader = Array(try JSONSerialization.data(withJSONObject: header))
        var v1 = Array("ATTENDMF".utf8) + [1, 0, 0, 0] + withUnsafeBytes(of: UInt32(newHeader.count).littleEndian, Array.init)
        v1 += newHeader
        v1 += [UInt8](repeating: 0, count: (16 + newHeader.count + 63) / 64 * 64 - v1.count)
        v1 += payload
        v1 += withUnsafeBytes(of: crc32(v1).littleEndian, Array.init)
        let decoded = try ModelFile.decode(v1, path: "v1.attend")
        XCTAssertEqual(decoded.config, model.config)
        XCTAssertEqual(decoded.parameters, model.parameters)
    }

    func testTheScratchModelShippedAsVersion1Loads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/scratch.attend").path
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(bytes[8], 1, "models/scratch.attend is a version-1 file")
        let scratch = try ModelFile.decode([UInt8](bytes), path: path)
        XCTAssertEqual(scratch.config.encoder.name, "scratch")
        XCTAssertEqual(scratch.config.gridSize, 14)
        XCTAssertEqual(scratch.config.featureSize, 256)
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
