import AttendImage
import AttendModel
import Foundation
import XCTest

/// What the model-file target's findings now get: a clear error, where the loader trapped on an overflow or
/// asked for hundreds of gigabytes (docs/RELIABILITY.md). The inputs are the committed regression files, whose
/// first byte is the harness's flag and whose checksum is already right.
final class ModelFileRegressionTests: XCTestCase {
    private func decode(_ name: String) throws -> Model {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Regressions/model-file/\(name)")
        return try ModelFile.decode(Array(try Data(contentsOf: url).dropFirst()), path: name)
    }

    private func assertRefused(_ name: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(name), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
        }
    }

    /// Was: arithmetic overflow adding the tensor's offset and length.
    func testTensorOffsetNearIntMaxIsTruncated() {
        assertRefused("tensor-offset-near-int-max", "model file is truncated: tensor encoder.stage1.conv.weight needs bytes 9223372036854775800")
    }

    /// Was: arithmetic overflow building the parameter layout of a 10¹²-wide LSTM.
    func testHiddenSizeOf10To12IsRefused() {
        assertRefused("hidden-size-10-to-12", "header is invalid: hiddenSize 1000000000000 is over 65536")
    }

    /// Was: a 58 GB allocation for the parameters (an LSTM 60,000 wide) before any tensor was looked at.
    func testHiddenSize60000InASmallFileIsTruncated() {
        assertRefused("hidden-size-60000-in-a-small-file", "parameters, more than 0 bytes of tensors can hold")
    }
}

/// The image target's slow input: not a bug, but the kind of amplification a decoder must keep cheap.
final class ImageRegressionTests: XCTestCase {
    /// A 510-byte JPEG that declares a 40 × 8984 CMYK picture. libFuzzer's 1 s wall-clock timeout flagged it in
    /// the ASan build on a loaded machine; it costs well under a second of CPU, the limit the replay holds it to.
    func testCMYKPictureFromFiveHundredBytesDecodesWhole() throws {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Regressions/image/cmyk-40x8984-in-510-bytes")
        let file = Array(try Data(contentsOf: url).dropFirst())   // the first byte is the harness's flag
        XCTAssertEqual(file.count, 510)
        let info = try ImageDecoder.info(file)
        XCTAssertEqual([info.width, info.height], [40, 8984])
        let decoded = try ImageDecoder.decode(file)
        XCTAssertEqual([decoded.image.width, decoded.image.height], [40, 8984])
    }

    /// A 278-byte progressive JPEG declaring 40 × 64,349, flagged like the one above (5 s wall-clock): refused as
    /// truncated by default, and with `allowTruncated` a whole grey picture with the warning, cheaply.
    func testProgressiveTruncatedPictureFromTwoHundredBytes() throws {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Regressions/image/progressive-40x64349-in-278-bytes")
        let file = Array(try Data(contentsOf: url).dropFirst())
        XCTAssertThrowsError(try ImageDecoder.decode(file)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        let decoded = try ImageDecoder.decode(file, options: DecodeOptions(allowTruncated: true))
        XCTAssertEqual([decoded.image.width, decoded.image.height], [40, 64349])
        XCTAssertTrue(decoded.warnings.contains { $0.contains("truncated") }, "\(decoded.warnings)")
    }
}
