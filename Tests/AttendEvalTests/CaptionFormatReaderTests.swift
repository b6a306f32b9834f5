import Foundation
import XCTest
@testable import AttendEval

/// The COCO and Karpathy readers on the hand-written fixtures (Fixtures/README.md), and the one-line errors of the
/// files a user can get wrong.
final class CaptionFormatReaderTests: XCTestCase {
    static var fixtures: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }
    var cocoFile: String { Self.fixtures.appendingPathComponent("coco/captions_tiny.json").path }
    var cocoImages: String { Self.fixtures.appendingPathComponent("coco/images").path }
    var karpathyFile: String { Self.fixtures.appendingPathComponent("karpathy/dataset_tiny.json").path }
    var karpathyImages: String { Self.fixtures.appendingPathComponent("karpathy/images").path }

    // MARK: - COCO

    func testCOCOFileIsOneSetWithRawCaptionsInFileOrder() throws {
        let corpus = try CaptionCorpus.load(.coco(annotations: cocoFile, images: cocoImages))
        XCTAssertEqual(corpus.splitNamesPresent, ["all"])
        XCTAssertEqual(corpus.split("all"), ["000000000001.png", "000000000002.png", "000000000003.png"])
        XCTAssertEqual(corpus.defaultEvaluationSplit, "all")
        XCTAssertEqual(corpus.trainingSplit, "all")
        XCTAssertNil(corpus.devSplit)
        // Raw text, as written (the string id "3" names the same image as the number 3).
        XCTAssertEqual(corpus.references("000000000003.png"), [
            "A man rides a bike past a traffic light.", "a cyclist waits at the traffic lights",
            "People on bicycles in the city."])
        XCTAssertEqual(corpus.references("000000000001.png").first, "A Hot-Dog on a plate, next to a cup of coffee.")
        XCTAssertEqual(corpus.aliases["2"], "000000000002.png")
        XCTAssertTrue(FileManager.default.fileExists(atPath: corpus.imagePath("000000000002.png")))
    }

    func testCOCOResultsKeyedByImageIDMatchTheirFiles() throws {
        let corpus = try CaptionCorpus.load(.coco(annotations: cocoFile, images: cocoImages))
        let path = try temporaryFile("[{\"image_id\": 2, \"caption\": \"a bear\"}, {\"image_id\": 3, \"caption\": \"a man\"}]")
        let captions = try PredictionFile.read(path: path)
            .captionsByImage(knownImages: Set(corpus.captions.keys), aliases: corpus.aliases, path: path)
        XCTAssertEqual(captions, ["000000000002.png": "a bear", "000000000003.png": "a man"])
    }

    // MARK: - Karpathy

    func testKarpathySplitsPathsAndRawText() throws {
        let corpus = try CaptionCorpus.load(.karpathy(file: karpathyFile, images: karpathyImages))
        // restval trains with train; val is dev.
        XCTAssertEqual(corpus.split("train"), ["COCO_train2014_000000000011.png", "COCO_train2014_000000000012.png"])
        XCTAssertEqual(corpus.split("dev"), ["COCO_val2014_000000000021.png"])
        XCTAssertEqual(corpus.split("test"), ["COCO_val2014_000000000022.png"])
        XCTAssertEqual(corpus.defaultEvaluationSplit, "test")
        XCTAssertEqual(corpus.devSplit, "dev")
        // "raw" is kept as written (Karpathy's "tokens" differ: "dog's", no capitals); tokens only without raw.
        XCTAssertEqual(corpus.references("COCO_train2014_000000000011.png"), ["A Dog's ball, on the GRASS.", "A red ball"])
        XCTAssertEqual(corpus.references("COCO_train2014_000000000012.png"), ["two cats asleep"])
        XCTAssertTrue(corpus.imagePath("COCO_val2014_000000000021.png").hasSuffix("/images/val2014/COCO_val2014_000000000021.png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: corpus.imagePath("COCO_val2014_000000000021.png")))
        XCTAssertEqual(corpus.aliases["22"], "COCO_val2014_000000000022.png")
    }

    // MARK: - Errors a user can cause

    func testMissingFileIsNamed() {
        assertError(.coco(annotations: "/nonexistent/captions.json", images: cocoImages),
                    ["/nonexistent/captions.json", "no such file"])
        assertError(.karpathy(file: "/nonexistent/dataset_coco.json", images: karpathyImages),
                    ["/nonexistent/dataset_coco.json", "no such file"])
    }

    func testMalformedJSONIsNamed() throws {
        let truncated = try temporaryFile("{\"images\": [{\"id\": 1, ")
        assertError(.coco(annotations: truncated, images: cocoImages), [truncated, "not valid JSON"])
        assertError(.karpathy(file: truncated, images: karpathyImages), [truncated, "not valid JSON"])
        let other = try temporaryFile("{\"type\": \"instances\"}")
        assertError(.coco(annotations: other, images: cocoImages), [other, "not a COCO caption annotation file", "\"images\""])
        let unlisted = try temporaryFile("""
            {"images": [{"id": 1, "file_name": "000000000001.png"}], "annotations": [{"image_id": 1, "caption": "a"},
             {"image_id": 9, "caption": "b"}]}
            """)
        assertError(.coco(annotations: unlisted, images: cocoImages), [unlisted, "annotations[1]", "image 9"])
        let badSplit = try temporaryFile("""
            {"images": [{"filename": "x.png", "split": "holdout", "sentences": [{"raw": "a"}]}]}
            """)
        assertError(.karpathy(file: badSplit, images: karpathyImages), [badSplit, "x.png", "split"])
    }

    func testListedImageThatIsMissingIsNamed() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("attend-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        assertError(.coco(annotations: cocoFile, images: empty.path),
                    [empty.appendingPathComponent("000000000001.png").path, cocoFile, "3 of its 3"])
        assertError(.karpathy(file: karpathyFile, images: cocoImages),
                    ["train2014/COCO_train2014_000000000011.png", karpathyFile, "4 of its 4"])
        assertError(.coco(annotations: cocoFile, images: "/nonexistent/images"), ["/nonexistent/images", "no such image folder"])
    }

    func testImageWithoutCaptionsIsNamed() throws {
        let coco = try temporaryFile("""
            {"images": [{"id": 1, "file_name": "000000000001.png"}, {"id": 2, "file_name": "000000000002.png"}],
             "annotations": [{"image_id": 1, "caption": "a"}]}
            """)
        assertError(.coco(annotations: coco, images: cocoImages), [coco, "000000000002.png", "no captions"])
        let karpathy = try temporaryFile("""
            {"images": [{"filename": "x.png", "split": "test", "sentences": []}]}
            """)
        assertError(.karpathy(file: karpathy, images: karpathyImages), [karpathy, "x.png", "no captions"])
    }

    func testTwoImagesOfOneNameAreRefused() throws {
        let coco = try temporaryFile("""
            {"images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "a.png"}], "annotations": []}
            """)
        assertError(.coco(annotations: coco, images: cocoImages), [coco, "two images are named a.png"])
    }

    // MARK: - Helpers

    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("attend-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Loading `source` fails with one line that contains every one of `parts`.
    func assertError(_ source: CaptionSource, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CaptionCorpus.load(source), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
            for part in parts { XCTAssertTrue(message.contains(part), "\(message) lacks \(part)", file: file, line: line) }
        }
    }
}
