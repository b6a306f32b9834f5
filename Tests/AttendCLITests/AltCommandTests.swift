import Foundation
import XCTest

/// `attend alt` and `attend caption --format alt` through the built binary, with the tiny model.
final class AltCommandTests: XCTestCase {
    /// The caption --format alt prints is the plain caption as a sentence.
    func testCaptionFormatAlt() throws {
        let folder = try batchScratchFolder(self, "alt-caption")
        let model = try batchTinyModel(in: folder)
        let photo = folder + "/p.jpg"
        try writeJPEG(batchPicture(seed: 3), to: photo)
        let plain = try attend(["caption", "--model", model, photo])
        let alt = try attend(["caption", "--model", model, "--format", "alt", photo])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(alt.status, 0, alt.stderr)
        let words = plain.stdout.trimmingCharacters(in: .newlines)
        let expected = words.prefix(1).uppercased() + words.dropFirst() + "."
        XCTAssertEqual(alt.stdout, expected + "\n")
        XCTAssertEqual(try attend(["caption", "--model", model, "--format", "alt", "--json", photo]).status, 64)
    }

    /// A page: the patch adds alt text to the local images without it (and nothing else), applies with patch(1),
    /// and gives the same bytes as --write; the captions are the images' alt-format captions.
    func testPatchAndWriteAgree() throws {
        let folder = try batchScratchFolder(self, "alt-page")
        let model = try batchTinyModel(in: folder)
        let site = folder + "/site"
        try FileManager.default.createDirectory(atPath: site + "/img", withIntermediateDirectories: true)
        try writeJPEG(batchPicture(seed: 11), to: site + "/img/a.jpg")
        try writePNG(batchPicture(seed: 12), to: site + "/img/b.png")
        let page = "<!doctype html>\r\n<p>Hello</p>\r\n<img src=\"img/a.jpg\">\r\n<img src=\"img/b.png\" alt=\"kept\">\r\n"
            + "<img src='img/b.png' alt=''>\r\n<img src=\"https://example.com/x.jpg\">\r\n<img src=\"img/missing.jpg\">"
        let path = site + "/index.html"
        try Data(page.utf8).write(to: URL(fileURLWithPath: path))

        let patch = try attend(["alt", "--model", model, path])
        XCTAssertEqual(patch.status, 1, "the missing image fails: \(patch.stderr)")
        XCTAssertTrue(patch.stderr.contains("index.html:7") && patch.stderr.contains("missing.jpg"), patch.stderr)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), page, "a patch leaves the page alone")
        let a = try attend(["caption", "--model", model, "--format", "alt", site + "/img/a.jpg"]).stdout
            .trimmingCharacters(in: .newlines)
        let b = try attend(["caption", "--model", model, "--format", "alt", site + "/img/b.png"]).stdout
            .trimmingCharacters(in: .newlines)
        let expected = page.replacingOccurrences(of: "<img src=\"img/a.jpg\">", with: "<img alt=\"\(a)\" src=\"img/a.jpg\">")
            .replacingOccurrences(of: "alt=''", with: "alt=\"\(b)\"")

        let copy = folder + "/copy"
        try FileManager.default.createDirectory(atPath: copy + "/" + site, withIntermediateDirectories: true)
        try Data(page.utf8).write(to: URL(fileURLWithPath: copy + "/" + path))
        try Data(patch.stdoutData).write(to: URL(fileURLWithPath: copy + "/alt.patch"))
        let apply = Process()
        apply.executableURL = URL(fileURLWithPath: "/usr/bin/patch")
        apply.arguments = ["-p1", "-s", "-i", "alt.patch"]
        apply.currentDirectoryURL = URL(fileURLWithPath: copy)
        try apply.run()
        apply.waitUntilExit()
        XCTAssertEqual(apply.terminationStatus, 0, patch.stdout)
        XCTAssertEqual(try String(contentsOfFile: copy + "/" + path, encoding: .utf8), expected, patch.stdout)

        let write = try attend(["alt", "--model", model, "--write", site])
        XCTAssertEqual(write.status, 1, write.stderr)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), expected)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: site).sorted(), ["img", "index.html"])
    }
}
