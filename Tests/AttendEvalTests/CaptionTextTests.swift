import AttendEval
import Foundation
import XCTest

/// Caption text without photos: sentences grouped by the photo they describe, in order of first appearance, across
/// files; and the one-line refusals of what is not such a file.
final class CaptionTextTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "attend-captiontext-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func file(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testSentencesAreGroupedByPhotoInOrderOfFirstAppearance() throws {
        let first = try file("a.tsv", "10#0\tA dog runs.\r\n20#0\tTwo cats.\n10#1\tA brown dog #2 runs fast\n\n")
        let second = try file("b.tsv", "10#0\tA bus.\n")
        let text = try CaptionText.load([first, second])
        XCTAssertEqual(text.groups, [["A dog runs.", "A brown dog #2 runs fast"], ["Two cats."], ["A bus."]],
                       "a photo named again in another file is another group")
        XCTAssertEqual(text.files, [first, second])
        XCTAssertEqual(text.sentences.count, 4)
        XCTAssertTrue(try CaptionText.load([]).groups.isEmpty)
    }

    func testWhatIsNotCaptionTextIsRefusedNamingTheFileAndLine() throws {
        let cases: [(String, String)] = [
            ("10#0\tfine\nno tab here\n", "line 2: expected `IMAGE#ID<TAB>sentence`"),
            ("10\tno hash\n", "line 1: expected `IMAGE#ID<TAB>sentence`"),
            ("10#0\t  \n", "line 1: expected `IMAGE#ID<TAB>sentence`"),
            ("\n\n", "no sentences"),
        ]
        for (index, (content, reason)) in cases.enumerated() {
            let path = try file("bad\(index).tsv", content)
            XCTAssertThrowsError(try CaptionText.load([path])) { error in
                XCTAssertEqual("\(error)", "\(path): \(reason)")
            }
        }
        let missing = folder + "/missing.tsv"
        XCTAssertThrowsError(try CaptionText.load([missing])) { XCTAssertEqual("\($0)", "\(missing): no such file") }
    }
}
