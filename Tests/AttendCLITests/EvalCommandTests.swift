import Foundation
import XCTest

/// Runs the built `attend` binary: `attend eval` on a tiny generated Flickr8k-layout folder.
final class EvalCommandTests: XCTestCase {
    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let run = try attend(arguments)
        return (run.status, run.stdout, run.stderr)
    }

    func makeCorpus() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("attend-cli-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        var lines: [String] = []
        for (i, caption) in ["a dog runs on the grass .", "a cat sits on a fence .", "two children play in the snow ."].enumerated() {
            FileManager.default.createFile(atPath: root.appendingPathComponent("images/im\(i).jpg").path, contents: Data())
            lines.append("im\(i).jpg#0\t\(caption)")
            lines.append("im\(i).jpg#1\tA picture .")
        }
        try lines.joined(separator: "\n").write(to: root.appendingPathComponent("Flickr8k.token.txt"), atomically: true, encoding: .utf8)
        for split in ["train", "dev"] {
            try "".write(to: root.appendingPathComponent("Flickr_8k.\(split)Images.txt"), atomically: true, encoding: .utf8)
        }
        try "im0.jpg\nim1.jpg\nim2.jpg\n".write(to: root.appendingPathComponent("Flickr_8k.testImages.txt"), atomically: true, encoding: .utf8)
        return root
    }

    func testScoresPredictionsAsJSONAndWritesCOCO() throws {
        let corpus = try makeCorpus()
        let predictions = corpus.appendingPathComponent("pred.tsv").path
        try "/elsewhere/im0.jpg\ta dog runs on the grass .\nim1\ta cat sits on a fence .\nim2.jpg\ttwo children play in the snow .\n"
            .write(toFile: predictions, atomically: true, encoding: .utf8)
        let coco = corpus.appendingPathComponent("coco").path
        let r = try run(["eval", "--data", corpus.path, "--predictions", predictions, "--json", "--write-coco", coco])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let scores = report["scores"] as! [String: Any]
        // Every prediction copies a reference: BLEU-1 is 100 up to the toolkit's 1e-9 smoothing.
        XCTAssertEqual((scores["bleu"] as! [Double])[0], 100, accuracy: 1e-6)
        let stats = report["statistics"] as! [String: Any]
        XCTAssertEqual(stats["distinctShare"] as! Double, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: coco + "/results.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: coco + "/annotations.json"))
    }

    func testTableAndLimit() throws {
        let corpus = try makeCorpus()
        let predictions = corpus.appendingPathComponent("pred.jsonl").path
        try "{\"image\": \"im0.jpg\", \"caption\": \"a dog\"}\n{\"image\": \"im1.jpg\", \"caption\": \"a dog\"}\n"
            .write(toFile: predictions, atomically: true, encoding: .utf8)
        let r = try run(["eval", "--data", corpus.path, "--predictions", predictions, "--limit", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("test (1 images)"), r.out)
        XCTAssertTrue(r.out.contains("CIDEr-D"), r.out)
    }

    func testErrorsNameTheCause() throws {
        let corpus = try makeCorpus()
        var r = try run(["eval", "--data", corpus.path, "--model", corpus.appendingPathComponent("missing.attend").path])
        XCTAssertEqual(r.status, 2, "the model failed to load")
        XCTAssertTrue(r.err.contains("missing.attend") && r.err.contains("no such file"), r.err)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        r = try run(["eval", "--data", corpus.path, "--model", root.appendingPathComponent("models/shapes.attend").path])
        XCTAssertEqual(r.status, 1, "the corpus's images are empty files")
        XCTAssertTrue(r.err.contains("im0.jpg"), r.err)
        r = try run(["eval", "--data", corpus.appendingPathComponent("nope").path, "--predictions", "x"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("nope/images"), r.err)
        r = try run(["eval", "--data", corpus.path, "--split", "val"])
        XCTAssertNotEqual(r.status, 0)
    }

    /// The model path end to end: the shipped shapes model captions a generated synthetic-scenes split, and the
    /// scenes' boxes give the attention-pointing score.
    func testCaptionsASyntheticSplitWithTheModelAndScoresPointing() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let model = root.appendingPathComponent("models/shapes.attend").path
        let scenes = FileManager.default.temporaryDirectory.appendingPathComponent("attend-eval-synth-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scenes) }
        let synth = try run(["synth", "--out", scenes, "--count", "200", "--seed", "31", "--captions", "1"])
        XCTAssertEqual(synth.status, 0, synth.err)
        let r = try run(["eval", "--data", scenes, "--split", "test", "--model", model, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let pointing = try XCTUnwrap(report["pointing"] as? [String: Any], "boxes.json present: pointing reported")
        XCTAssertGreaterThan(pointing["words"] as! Int, 20)
        XCTAssertGreaterThan(pointing["rate"] as! Double, 0.7)
        XCTAssertLessThan(pointing["chanceRate"] as! Double, 0.35)
        let bleu = (report["scores"] as! [String: Any])["bleu"] as! [Double]
        XCTAssertGreaterThan(bleu[3], 80, "the shapes model captions its own kind of scene nearly perfectly")
    }
}
