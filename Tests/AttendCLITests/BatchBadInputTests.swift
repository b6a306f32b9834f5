import AttendImage
import Foundation
import XCTest

/// A folder of good images mixed with every kind of bad file: each good image is captioned, each bad file
/// gets one error record saying why, the run exits 1, and nothing else is lost.
final class BatchBadInputTests: XCTestCase {
    func testEveryGoodImageCaptionedEveryBadOneAnErrorRecord() throws {
        let folder = try batchScratchFolder(self, "bad")
        let model = try batchTinyModel(in: folder)
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos + "/nested/deeper", withIntermediateDirectories: true)

        // Good: 24 × 20 pictures (480 pixels), under the --max-pixels 2000 of this run.
        var good: [String] = []
        for (i, name) in ["g1.jpg", "g2.png", "nested/g3.JPG", "nested/deeper/g4"].enumerated() {
            let picture = batchPicture(seed: 100 + i, width: 24, height: 20)
            if i % 2 == 0 { try writeJPEG(picture, to: photos + "/" + name) } else { try writePNG(picture, to: photos + "/" + name) }
            good.append(photos + "/" + name)
        }
        let jpeg = try JPEGWriter.encode(pixels: batchPicture(seed: 9, width: 24, height: 20).pixels,
                                         width: 24, height: 20, components: 3)
        // Bad, and the words their record must contain.
        var bad: [String: String] = [:]
        func put(_ name: String, _ bytes: [UInt8], expect: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: photos + "/" + name))
            bad[photos + "/" + name] = expect
        }
        try put("empty.jpg", [], expect: "empty file")
        try put("truncated.jpg", Array(jpeg.prefix(jpeg.count / 2)), expect: "truncated JPEG")
        var corrupt = Array(try PNGWriter.encode(batchPicture(seed: 10, width: 24, height: 20)))
        for i in 40..<corrupt.count - 12 { corrupt[i] ^= 0x5A }       // the image data scrambled, CRCs broken
        try put("corrupt.png", corrupt, expect: "corrupt PNG")
        try put("notes.txt", Array("a shopping list\n".utf8), expect: "unsupported format: text")
        try put("animation.gif", Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 20), expect: "GIF")
        let large = try PNGWriter.encode(batchPicture(seed: 11, width: 60, height: 50))   // 3000 pixels
        try put("nested/large.png", Array(large), expect: "image too large")
        // A symbolic link back to a folder being walked, and a link to itself.
        try FileManager.default.createSymbolicLink(atPath: photos + "/nested/loop", withDestinationPath: "..")
        bad[photos + "/nested/loop"] = "symbolic link loop"
        try FileManager.default.createSymbolicLink(atPath: photos + "/self", withDestinationPath: "self")
        bad[photos + "/self"] = "symbolic link loop"
        try FileManager.default.createSymbolicLink(atPath: photos + "/dangling.jpg", withDestinationPath: "nowhere.jpg")
        bad[photos + "/dangling.jpg"] = "broken symbolic link"
        // A FIFO would block a reader forever: it must be reported, never opened.
        XCTAssertEqual(mkfifo(photos + "/pipe", 0o644), 0)
        bad[photos + "/pipe"] = "not a regular file"
        // Permission denied: root reads everything, so this case only runs for other users.
        let isRoot = getuid() == 0
        if !isRoot {
            try writePNG(batchPicture(seed: 12, width: 24, height: 20), to: photos + "/locked.png")
            chmod(photos + "/locked.png", 0)
            bad[photos + "/locked.png"] = "permission denied"
        } else {
            print("BatchBadInputTests: running as root, which reads any file: the permission-denied case is skipped")
        }

        let out = folder + "/out.jsonl"
        let run = try attend(["batch", photos, "-r", "--model", model, "--out", out, "--max-pixels", "2000",
                              "--batch", "2", "--workers", "3"], environment: [:])
        XCTAssertEqual(run.status, 1, run.stderr)
        let records = try readBatchFile(out)
        XCTAssertEqual(records.count, good.count + bad.count, records.map(\.path).joined(separator: "\n"))
        XCTAssertEqual(Set(records.map(\.path)).count, records.count, "one record per file")
        for path in good {
            let record = try XCTUnwrap(records.first { $0.path == path }, path)
            XCTAssertNil(record.error, "\(path): \(record.error ?? "")")
            XCTAssertFalse((record.caption ?? "").isEmpty, path)
        }
        for (path, expected) in bad {
            let record = try XCTUnwrap(records.first { $0.path == path }, path)
            XCTAssertNil(record.caption, path)
            XCTAssertTrue(record.error?.contains(expected) ?? false, "\(path): \(record.error ?? "no error")")
        }
        XCTAssertTrue(run.stderr.contains("\(good.count) captioned, \(bad.count) failed"), run.stderr)
        XCTAssertEqual(records.map(\.path), records.map(\.path).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) },
                       "sorted order (the names here sort the same way per folder and overall)")

        // The same run resumed has nothing left to do, and still exits 1: those files are still not captioned.
        let again = try attend(["batch", photos, "-r", "--model", model, "--out", out, "--max-pixels", "2000", "--resume"],
                               environment: [:])
        XCTAssertEqual(again.status, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("0 captioned, 0 failed, \(good.count + bad.count) skipped"), again.stderr)
        XCTAssertEqual(try readBatchFile(out).count, records.count)
    }
}
