import Foundation

// MARK: - Descriptions without their photos
//
// Text for the language side of a captioner: sentences that describe photos which are not at hand (Flickr30k's and
// COCO's, say), one a line as `IMAGE#ID<TAB>sentence`, the layout of Flickr8k.token.txt. The sentences of one IMAGE
// stay together as a group, as a photo's references do, so training can draw several captions of one scene.

public struct CaptionText: Sendable {
    /// Per described photo, in order of first appearance: its sentences, raw (tokenised where they are used).
    public private(set) var groups: [[String]] = []
    /// The files read, in order.
    public private(set) var files: [String] = []

    public init() {}

    /// Every sentence, group after group.
    public var sentences: [String] { groups.flatMap { $0 } }

    /// Reads `paths` in order; a photo named in two files is two groups.
    public static func load(_ paths: [String]) throws -> CaptionText {
        var text = CaptionText()
        for path in paths { try text.append(contentsOf: path) }
        return text
    }

    /// Adds the groups of the file at `path`.
    public mutating func append(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw CaptionCorpusError.missingFile(path) }
        guard let content = String(data: data, encoding: .utf8) else {
            throw CaptionCorpusError.malformed(file: path, reason: "not UTF-8 text")
        }
        var groupOf: [Substring: Int] = [:]
        let first = groups.count
        for (index, line) in content.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let tab = line.firstIndex(of: "\t"), let hash = line[..<tab].lastIndex(of: "#"),
                  hash > line.startIndex, !line[line.index(after: tab)...].allSatisfy(\.isWhitespace) else {
                throw CaptionCorpusError.malformed(file: path, reason: "line \(index + 1): expected `IMAGE#ID<TAB>sentence`")
            }
            let image = line[..<hash], sentence = String(line[line.index(after: tab)...])
            if let group = groupOf[image] {
                groups[group].append(sentence)
            } else {
                groupOf[image] = groups.count
                groups.append([sentence])
            }
        }
        if groups.count == first { throw CaptionCorpusError.malformed(file: path, reason: "no sentences") }
        files.append(path)
    }
}
