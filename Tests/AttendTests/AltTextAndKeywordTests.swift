import Attend
import AttendImage
import Foundation
import XCTest

/// Alt text, keywords and the HTML patch, on hand-written cases.
final class AltTextAndKeywordTests: XCTestCase {
    func testAltTextIsASentenceWithoutPictureOf() {
        XCTAssertEqual(AltText.format("a picture of a dog running on the grass"), "A dog running on the grass.")
        XCTAssertEqual(AltText.format("two children play in the snow a picture of"), "Two children play in the snow.")
        XCTAssertEqual(AltText.format("an image of a photo of a red car ."), "A red car.")
        XCTAssertEqual(AltText.format("a man rides a bike"), "A man rides a bike.")
        XCTAssertEqual(AltText.format("a picture of"), "A picture of.", "never emptied to nothing")
        XCTAssertEqual(AltText.format(""), "")
    }

    func testKeywordsAreTheCaptionsObjectWordsThenLabels() {
        XCTAssertEqual(CaptionKeywords.keywords(caption: "two dogs play with a ball on the grass"), ["dog", "ball", "grass"])
        XCTAssertEqual(CaptionKeywords.keywords(caption: "a group of people and children on the beach"),
                       ["person", "child", "beach"])
        XCTAssertEqual(CaptionKeywords.keywords(caption: "a dog and another dog"), ["dog"], "each once")
        XCTAssertEqual(CaptionKeywords.keywords(caption: "a dog runs", labels: ["Golden Retriever", "dog"]),
                       ["dog", "golden retriever"], "labels after the caption's words, lower-cased, once")
        XCTAssertEqual(CaptionKeywords.keywords(caption: "is running quickly"), [])
    }

    // MARK: - The HTML patch

    private let page = """
        <html><head><style>img { border: 0 } /* <img src="style.jpg"> */</style></head>
        <body>
        <!-- <img src="commented.jpg"> -->
        <p>1 < 2 <img src="a.jpg"></p>
        <img alt="already described" src="b.jpg">
        <IMG SRC='c d.jpg' ALT="">
        <img src="https://example.com/e.jpg">
        <img src="data:image/png;base64,AAAA">
        <img src="/root.jpg">
        <img
          src="sub/f.jpg?v=2" width=10>
        </body></html>
        """

    func testFindsLocalImagesWithoutAlt() {
        let images = HTMLAltPatch.imagesWithoutAlt(in: Array(page.utf8))
        XCTAssertEqual(images.map(\.source), ["a.jpg", "c d.jpg", "https://example.com/e.jpg",
                                              "data:image/png;base64,AAAA", "/root.jpg", "sub/f.jpg?v=2"])
        XCTAssertEqual(images.map(\.line), [4, 6, 7, 8, 9, 10])
        XCTAssertEqual(images.map { HTMLAltPatch.localFile(source: $0.source, page: "site/index.html") },
                       ["site/a.jpg", "site/c d.jpg", nil, nil, nil, "site/sub/f.jpg"])
    }

    /// The edited page differs from the original only by the alt attributes; the diff, applied by patch(1),
    /// gives the same bytes.
    func testEditsKeepEverythingElseAndTheDiffApplies() throws {
        let bytes = Array(page.utf8)
        let images = HTMLAltPatch.imagesWithoutAlt(in: bytes).filter { !$0.source.contains(":") && !$0.source.hasPrefix("/") }
        let edits = HTMLAltPatch.edits(images.map { ($0, "A \"quoted\" <caption> & more.") })
        let edited = String(decoding: TextPatch.applied(edits, to: bytes), as: UTF8.self)
        let alt = "alt=\"A &quot;quoted&quot; &lt;caption&gt; &amp; more.\""
        XCTAssertEqual(edited, page.replacingOccurrences(of: "<img src=\"a.jpg\">", with: "<img \(alt) src=\"a.jpg\">")
            .replacingOccurrences(of: "ALT=\"\"", with: alt)
            .replacingOccurrences(of: "<img\n  src=\"sub", with: "<img \(alt)\n  src=\"sub"))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attend-alt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/index.html"))
        let diff = TextPatch.unifiedDiff(edits, to: bytes, path: "index.html", context: 1)
        try Data(diff.utf8).write(to: URL(fileURLWithPath: folder + "/alt.patch"))
        let patch = Process()
        patch.executableURL = URL(fileURLWithPath: "/usr/bin/patch")
        patch.arguments = ["-p1", "-s", "-i", "alt.patch"]
        patch.currentDirectoryURL = URL(fileURLWithPath: folder)
        try patch.run()
        patch.waitUntilExit()
        XCTAssertEqual(patch.terminationStatus, 0, diff)
        XCTAssertEqual(try String(contentsOfFile: folder + "/index.html", encoding: .utf8), edited, diff)
        XCTAssertEqual(diff.components(separatedBy: "\n@@").count, 3, "two hunks: lines 4–6 together, 10 apart\n\(diff)")
    }
}
