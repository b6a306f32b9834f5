import Foundation
import XCTest

/// `attend eval` and `attend train` on the COCO and Karpathy fixtures of Tests/AttendEvalTests/Fixtures: the flags,
/// CHAIR in the table, the JSON and the COCO export, and the one-line errors with their exit status.
final class EvalFormatsCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/AttendEvalTests/Fixtures")
    let cocoFile = fixtures.appendingPathComponent("coco/captions_tiny.json").path
    let cocoImages = fixtures.appendingPathComponent("coco/images").path
    let shapes = root.appendingPathComponent("models/shapes.attend").path

    func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attend-cli-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// COCO results keyed by COCO image id; CHAIR as worked by hand in ObjectHallucinationTests (the same captions):
    /// 20 % of 10 mentions, 2 of 3 captions, 6 of 7 objects recalled.
    func testCOCOPredictionsReportCHAIRInJSONTableAndExport() throws {
        let folder = try scratch()
        let predictions = folder.appendingPathComponent("results.json").path
        try """
            [{"image_id": 1, "caption": "a dog eats a hot dog on a table"},
             {"image_id": 2, "caption": "a teddy bear and a bear on a bed with a phone"},
             {"image_id": 3, "caption": "two men ride bicycles past a stoplight"}]
            """.write(toFile: predictions, atomically: true, encoding: .utf8)
        let export = folder.appendingPathComponent("coco").path
        var run = try attend(["eval", "--coco", cocoFile, "--images", cocoImages, "--predictions", predictions, "--json",
                              "--write-coco", export])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["split"] as? String, "all")
        let chair = try XCTUnwrap(report["hallucination"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(chair["chairI"] as? Double), 20, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(chair["chairS"] as? Double), 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(chair["objectRecall"] as? Double), 600.0 / 7, accuracy: 1e-9)
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/hallucination.json")))
        XCTAssertEqual((written as? [String: Any])?["mentions"] as? Int, 10)

        run = try attend(["eval", "--coco", cocoFile, "--images", cocoImages, "--predictions", predictions])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("all (3 images)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("20.0 % of 10 object mentions"), run.stdout)
        XCTAssertTrue(run.stdout.contains("66.7 % of 3 captions"), run.stdout)
        XCTAssertTrue(run.stdout.contains("85.7 % of 7 objects"), run.stdout)
    }

    /// The model path: the shapes model captions the fixture's photos read through the COCO and Karpathy readers.
    func testCaptionsCOCOAndKarpathySetsWithTheModel() throws {
        var run = try attend(["eval", "--coco", cocoFile, "--images", cocoImages, "--model", shapes, "--beam", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("all (3 images)") && run.stdout.contains("CHAIRi"), run.stdout)
        run = try attend(["eval", "--karpathy", Self.fixtures.appendingPathComponent("karpathy/dataset_tiny.json").path,
                          "--images", Self.fixtures.appendingPathComponent("karpathy/images").path, "--split", "dev",
                          "--model", shapes, "--beam", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("dev (1 images)"), run.stdout)
    }

    func testErrorsNameTheFileAndTheCause() throws {
        let folder = try scratch()
        var run = try attend(["eval", "--coco", folder.appendingPathComponent("gone.json").path, "--images", cocoImages])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("gone.json: no such file"), run.stderr)

        let broken = folder.appendingPathComponent("broken.json").path
        try "{\"images\": [".write(toFile: broken, atomically: true, encoding: .utf8)
        run = try attend(["eval", "--coco", broken, "--images", cocoImages])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("broken.json: not valid JSON"), run.stderr)

        run = try attend(["eval", "--coco", cocoFile, "--images", folder.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains(folder.appendingPathComponent("000000000001.png").path + ": no such image"),
                      run.stderr)

        run = try attend(["eval", "--coco", cocoFile, "--images", cocoImages, "--split", "test", "--model", shapes])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("has no test split; its splits: all"), run.stderr)

        run = try attend(["eval", "--coco", cocoFile])
        XCTAssertEqual(run.status, 64, "usage error: --coco needs --images")
        XCTAssertTrue(run.stderr.contains("--images"), run.stderr)
        run = try attend(["eval", "--coco", cocoFile, "--images", cocoImages, "--data", folder.path])
        XCTAssertEqual(run.status, 64, "usage error: two sources")
    }

    /// `attend train --coco`: the whole file trains; there is no dev split, so the last weights are written.
    func testTrainsOnACOCOFile() throws {
        let out = try scratch().appendingPathComponent("coco.attend").path
        let run = try attend(["train", "--coco", cocoFile, "--images", cocoImages, "--config", "tiny", "--epochs", "2",
                              "--batch", "3", "--threads", "1", "--out", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out), run.stderr)
        XCTAssertTrue(run.stderr.contains("stopped: finished"), run.stderr)
    }
}
