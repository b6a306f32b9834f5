import Foundation
import XCTest
@testable import AttendEval

/// A tiny Flickr8k-layout folder made in a temporary directory (image files are empty placeholders).
func makeTinyCorpus(missingSplitFile: Bool = false) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("attend-eval-\(UUID().uuidString)")
    let images = root.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    for name in ["a.jpg", "b.jpg", "c.jpg", "d.jpg"] {
        FileManager.default.createFile(atPath: images.appendingPathComponent(name).path, contents: Data())
    }
    let captions = """
        a.jpg#0\tA dog runs on the grass .
        a.jpg#1\tThe dog's running .
        b.jpg#0\tA cat sits on a fence .
        gone.jpg#0\tThis image is missing .
        gone.jpg#1\tSo is this one .
        c.jpg#0\tTwo children play in the snow .
        d.jpg#0\tA man rides a bike .
        """
    try captions.write(to: root.appendingPathComponent(CaptionCorpus.captionFileName), atomically: true, encoding: .utf8)
    try "a.jpg\nb.jpg\n".write(to: root.appendingPathComponent(CaptionCorpus.splitFileName("train")), atomically: true, encoding: .utf8)
    try "c.jpg\ngone.jpg\n".write(to: root.appendingPathComponent(CaptionCorpus.splitFileName("dev")), atomically: true, encoding: .utf8)
    if !missingSplitFile {
        try "d.jpg\na.jpg\n".write(to: root.appendingPathComponent(CaptionCorpus.splitFileName("test")), atomically: true, encoding: .utf8)
    }
    return root.path
}

final class CaptionCorpusTests: XCTestCase {
    func testLoadsCaptionsSplitsAndCountsMissingImages() throws {
        let corpus = try CaptionCorpus.load(directory: try makeTinyCorpus())
        XCTAssertEqual(corpus.missingImageCaptions, 2)
        XCTAssertEqual(corpus.references("a.jpg"), ["A dog runs on the grass .", "The dog's running ."])
        XCTAssertEqual(corpus.split("test"), ["d.jpg", "a.jpg"])
        XCTAssertEqual(corpus.split("dev"), ["c.jpg"])
        XCTAssertEqual(corpus.missingSplitImages, 1)
        XCTAssertTrue(corpus.imagePath("a.jpg").hasSuffix("/images/a.jpg"))
    }

    func testMissingSplitFileIsNamed() throws {
        let dir = try makeTinyCorpus(missingSplitFile: true)
        XCTAssertThrowsError(try CaptionCorpus.load(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("Flickr_8k.testImages.txt"), "\(error)")
        }
    }

    func testMissingFolderIsNamed() {
        XCTAssertThrowsError(try CaptionCorpus.load(directory: "/nonexistent/flickr")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/flickr/images"), "\(error)")
        }
    }
}

final class PredictionFileTests: XCTestCase {
    let known: Set<String> = ["1000_ab.jpg", "2000_cd.jpg"]

    func read(_ text: String) throws -> (PredictionFormat, [String: String]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pred-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let file = try PredictionFile.read(path: path)
        return (file.format, try file.captionsByImage(knownImages: known, path: path))
    }

    func testDetectsTheThreeFormatsByContent() throws {
        let expected = ["1000_ab.jpg": "a dog .", "2000_cd.jpg": "a cat ."]
        var (format, captions) = try read("/x/y/1000_ab.jpg\ta dog .\nimages/2000_cd.jpg\ta cat .\n")
        XCTAssertEqual(format, .tsv); XCTAssertEqual(captions, expected)
        (format, captions) = try read("{\"image\": \"1000_ab\", \"caption\": \"a dog .\"}\n{\"image\": \"2000_cd.jpg\", \"caption\": \"a cat .\"}\n")
        XCTAssertEqual(format, .jsonLines); XCTAssertEqual(captions, expected)
        (format, captions) = try read(" [{\"image_id\": \"1000_ab\", \"caption\": \"a dog .\"}, {\"image_id\": \"2000_cd\", \"caption\": \"a cat .\"}]")
        XCTAssertEqual(format, .cocoResults); XCTAssertEqual(captions, expected)
    }

    func testUnknownAndDuplicateImagesAreErrors() {
        XCTAssertThrowsError(try read("zzz.jpg\ta dog .\n")) { XCTAssertTrue("\($0)".contains("zzz.jpg")) }
        XCTAssertThrowsError(try read("1000_ab.jpg\ta\n1000_ab\tb\n")) { XCTAssertTrue("\($0)".contains("more than one")) }
        XCTAssertThrowsError(try read("1000_ab.jpg a dog\n")) { XCTAssertTrue("\($0)".contains(":1:")) }
    }

    func testCOCOExportRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coco-\(UUID().uuidString)").path
        try COCOExport.write(directory: dir, predictions: ["1000_ab.jpg": "a dog ."],
                             references: ["1000_ab.jpg": ["A dog runs .", "A brown dog ."]])
        let results = try PredictionFile.read(path: dir + "/results.json")
        XCTAssertEqual(try results.captionsByImage(knownImages: known, path: "results.json"), ["1000_ab.jpg": "a dog ."])
        let annotations = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/annotations.json"))) as! [String: Any]
        XCTAssertEqual(annotations["type"] as? String, "captions")
        XCTAssertEqual((annotations["annotations"] as! [[String: Any]]).map { $0["caption"] as! String }, ["A dog runs .", "A brown dog ."])
        XCTAssertEqual((annotations["images"] as! [[String: Any]]).map { $0["id"] as! String }, ["1000_ab"])
    }

    func testStatistics() {
        let s = CaptionStatistics(predictions: ["a": "a dog .", "b": "a dog", "c": "a cat"],
                                  references: ["a": ["a dog runs"], "b": ["x"], "c": ["y z"]])
        XCTAssertEqual(s.distinctShare, 2.0 / 3.0, accuracy: 1e-12)  // "a dog ." and "a dog" tokenise alike
        XCTAssertEqual(s.vocabularyUsed, 3)
        XCTAssertEqual(s.meanPredictionLength, 2)
        XCTAssertEqual(s.meanReferenceLength, 2)
    }
}
