import Foundation

// MARK: - ImageNet classes and the caption words that name them
//
// data/imagenet-words.tsv (made by scripts/make_class_table.py from WordNet and reviewed by hand) says, for each
// class of the encoder's ImageNet classifier, the plain caption word that names it ("Egyptian cat" → "cat",
// the 118 dog breeds → "dog", "espresso" → "coffee"), or nothing, and the other caption words that name the same
// thing ("dogs", "puppy"), and the broad kind of thing the class is ("animal"), when it is one that grounding judges
// as a whole (Grounding.swift). The table travels inside the model file with the classifier (docs/MODEL_FORMAT.md).

/// One classifier output and the caption words for it.
public struct ImageNetClass: Codable, Equatable, Sendable {
    /// The class's name ("Egyptian cat").
    public var name: String
    /// The caption word or phrase that names it ("cat", "space shuttle"); nil when no plain word does.
    public var word: String?
    /// Other words a caption may use for the same thing ("cats"), never empty strings.
    public var also: [String]
    /// The broad kind of thing the class is ("animal"); nil when it is none of the table's kinds.
    public var kind: String?

    public init(name: String, word: String?, also: [String] = [], kind: String? = nil) {
        self.name = name
        self.word = word
        self.also = also
        self.kind = kind
    }
}

extension ImageNetClass {
    /// Why this entry cannot be used, or nil: names and words must be non-empty, words lowercase caption tokens.
    func problem() -> String? {
        if name.isEmpty { return "empty class name" }
        for phrase in [word].compactMap({ $0 }) + also {
            if phrase.isEmpty || Vocabulary.tokenize(phrase).joined(separator: " ") != phrase {
                return "word \"\(phrase)\" is not lowercase caption tokens"
            }
        }
        if word == nil && !also.isEmpty { return "other words without a word" }
        if kind == "" { return "empty kind" }
        return nil
    }
}

public enum ClassTableError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)
    case wrongCount(path: String, count: Int, expected: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read class table: \(reason)"
        case let .badLine(path, line, reason): return "\(path):\(line): \(reason)"
        case let .wrongCount(path, count, expected):
            return "\(path): class table has \(count) classes, the classifier has \(expected)"
        }
    }
}

public enum ClassTable {
    /// Parses the table's text: `index<TAB>wnid<TAB>class<TAB>word<TAB>also<TAB>kind` lines in index order from 0;
    /// `#` lines are comments. `expected`: the classifier's class count, when known.
    public static func parse(_ text: String, path: String, expected: Int? = nil) throws -> [ImageNetClass] {
        var classes: [ImageNetClass] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let lineNumber = number + 1
            guard fields.count == 6 else {
                throw ClassTableError.badLine(path: path, line: lineNumber,
                                              reason: "\(fields.count) tab-separated fields, expected 6")
            }
            guard Int(fields[0]) == classes.count else {
                throw ClassTableError.badLine(path: path, line: lineNumber,
                                              reason: "class index \(fields[0]), expected \(classes.count)")
            }
            let entry = ImageNetClass(name: fields[2], word: fields[3].isEmpty ? nil : fields[3],
                                      also: fields[4].split(separator: ",").map(String.init),
                                      kind: fields[5].isEmpty ? nil : fields[5])
            if let problem = entry.problem() {
                throw ClassTableError.badLine(path: path, line: lineNumber, reason: problem)
            }
            classes.append(entry)
        }
        if let expected, classes.count != expected {
            throw ClassTableError.wrongCount(path: path, count: classes.count, expected: expected)
        }
        return classes
    }

    public static func read(path: String, expected: Int? = nil) throws -> [ImageNetClass] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClassTableError.unreadable(path: path, reason: "no such file or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ClassTableError.unreadable(path: path, reason: "not UTF-8 text")
        }
        return try parse(text, path: path, expected: expected)
    }
}
