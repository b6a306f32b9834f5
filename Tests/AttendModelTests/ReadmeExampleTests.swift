import Attend
import Foundation
import XCTest

/// The library example of README.md, compiled and run here. `testReadmeShowsThisExample` keeps the two
/// copies identical.
final class ReadmeExampleTests: XCTestCase {
    func readmeExample() throws -> [String] {
        var printed: [String] = []
        func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        FileManager.default.changeCurrentDirectoryPath(root)
        // README example begins
        let captioner = try ImageCaptioner(model: "shapes")   // a path, a name in models/, or nil for the default
        let caption = try captioner.caption(file: "samples/scene-02.png")
        print(caption.text)
        for token in caption.tokens {
            // attention: the G×G grid's weights (row-major, summing to 1); beta: the gate β_t
            print(token.word, token.logProbability, token.beta, token.attention.count)
        }
        // README example ends
        return printed
    }

    func testReadmeExampleCaptionsTheSample() throws {
        let printed = try readmeExample()
        XCTAssertEqual(printed.first, "a purple triangle and a green square")
        XCTAssertEqual(printed.count, 1 + 7, "seven words")
        XCTAssertTrue(printed[1].hasPrefix("a "), printed[1])
        XCTAssertTrue(printed[1].hasSuffix(" 64"), "8×8 grid: \(printed[1])")
    }

    func testReadmeShowsThisExample() throws {
        let here = try String(contentsOfFile: #filePath, encoding: .utf8)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = here.range(of: "// README example begins\n")!, end = here.range(of: "        // README example ends")!
        let example = here[begin.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.count >= 8 ? String($0.dropFirst(8)) : String($0) }.joined(separator: "\n")
        XCTAssertTrue(readme.contains(example), "README.md must contain the example exactly:\n\(example)")
    }
}
