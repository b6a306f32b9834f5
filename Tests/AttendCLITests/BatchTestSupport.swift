import AttendImage
import Foundation
import XCTest

// MARK: - What the `attend batch` tests share: folders of generated images, a tiny model, the binary

/// A fresh temporary folder, removed after the test.
func batchScratchFolder(_ test: XCTestCase, _ name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("attend-batch-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    test.addTeardownBlock {
        try? FileManager.default.removeItem(atPath: folder)
    }
    return folder
}

/// A seeded random model of the tiny configuration (64 × 64 input): fast, and its captions depend on the pixels.
/// It goes into a subfolder, which a batch of `folder` without --recursive does not enter.
func batchTinyModel(in folder: String) throws -> String {
    try FileManager.default.createDirectory(atPath: folder + "/model", withIntermediateDirectories: true)
    let path = folder + "/model/tiny.attend"
    let run = try attend(["random-model", "--config", "tiny", "--vocabulary-size", "40", "--seed", "7", "--out", path])
    XCTAssertEqual(run.status, 0, run.stderr)
    return path
}

/// A picture that differs with `seed`, so that different files get different captions.
func batchPicture(seed: Int, width: Int = 48, height: Int = 40) -> RGBImage {
    var image = RGBImage(width: width, height: height)
    var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    func next() -> UInt8 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state >> 32)
    }
    let (r0, g0, b0) = (Int(next()), Int(next()), Int(next()))
    for y in 0..<height {
        for x in 0..<width {
            let i = 3 * (y * width + x)
            image.pixels[i] = UInt8((r0 + 5 * x) % 256)
            image.pixels[i + 1] = UInt8((g0 + 7 * y) % 256)
            image.pixels[i + 2] = UInt8((b0 + 3 * (x ^ y)) % 256)
        }
    }
    return image
}

func writeJPEG(_ image: RGBImage, to path: String) throws {
    let bytes = try JPEGWriter.encode(pixels: image.pixels, width: image.width, height: image.height, components: 3)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func writePNG(_ image: RGBImage, to path: String) throws {
    try PNGWriter.write(image, to: path)
}

/// One JSONL record as the tests read it, independently of the product's reader.
struct BatchLine: Decodable, Equatable {
    var path: String
    var caption: String?
    var logprob: Float?
    var ms: Double?
    var error: String?
    var overlay: String?
}

/// Every line of a JSONL file, each required to parse.
func readBatchLines(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [BatchLine] {
    text.split(separator: "\n").compactMap { row in
        do {
            return try JSONDecoder().decode(BatchLine.self, from: Data(row.utf8))
        } catch {
            XCTFail("not a JSON record: \(row)", file: file, line: line)
            return nil
        }
    }
}

func readBatchFile(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [BatchLine] {
    readBatchLines(try String(contentsOfFile: path, encoding: .utf8), file: file, line: line)
}
