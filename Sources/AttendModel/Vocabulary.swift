// MARK: - Vocabulary and tokenisation

/// The words a model can read and write, in id order.
///
/// Ids 0–3 are the special tokens `<pad>`, `<start>`, `<end>`, `<unk>`; then the words that occur at least
/// `minimumCount` times in the training captions, most frequent first (ties alphabetical), so the order is
/// a pure function of the training captions.
public struct Vocabulary: Equatable, Sendable {
    public static let specialTokens = ["<pad>", "<start>", "<end>", "<unk>"]
    public static let pad = 0, start = 1, end = 2, unknown = 3
    /// The words a repeated pair may end in (the repetition rule, `CaptionOptions.noRepeatNgram`): English function
    /// words (articles, prepositions, conjunctions, auxiliaries) and colours, which captions rightly repeat: "a man
    /// on a bike on a road", "a red circle and a red square". A pair ending in any other word is what a decoding
    /// loop repeats: "a bike on a bike", "a white dog is playing with a white dog".
    public static let repeatableWords = [
        "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "into", "onto", "with", "by", "for", "from",
        "over", "under", "near", "through", "down", "up", "across", "along", "behind", "while", "is", "are", "its",
        "his", "her", "their",
        "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray", "grey",
    ]

    public let words: [String]
    private let index: [String: Int]

    public init(words: [String]) {
        precondition(Array(words.prefix(4)) == Vocabulary.specialTokens, "a vocabulary starts with the special tokens")
        self.words = words
        var index: [String: Int] = [:]
        for (id, word) in words.enumerated() { index[word] = id }
        precondition(index.count == words.count, "vocabulary words must be distinct")
        self.index = index
    }

    /// Builds the vocabulary of a set of training captions (raw text; tokenised here): the words seen at least
    /// `minimumCount` times, most frequent first (ties alphabetical).
    public init(trainingCaptions: [String], minimumCount: Int = 5) {
        self.init(trainingCaptions: trainingCaptions, minimumCount: minimumCount, text: [], textMinimumCount: 0)
    }

    /// The vocabulary of the training captions widened by text without pictures and by required words (the caption
    /// words of a classifier's classes), so the decoder can write what the text or the classifier knows: the words
    /// seen `minimumCount` times in the captions or `textMinimumCount` times in the text, ordered by their count in
    /// both (most frequent first, ties alphabetical), then the required words' tokens that neither kept, alphabetical.
    public init(trainingCaptions: [String], minimumCount: Int, text: [String], textMinimumCount: Int,
                required: [String] = []) {
        func count(_ sentences: [String]) -> [String: Int] {
            var counts: [String: Int] = [:]
            for sentence in sentences {
                for token in Vocabulary.tokenize(sentence) { counts[token, default: 0] += 1 }
            }
            return counts
        }
        let captionCounts = count(trainingCaptions), textCounts = count(text)
        let total = captionCounts.merging(textCounts, uniquingKeysWith: +)
        let kept = total.filter { word, _ in
            !Vocabulary.specialTokens.contains(word)
                && ((captionCounts[word] ?? 0) >= minimumCount || (textCounts[word] ?? 0) >= max(textMinimumCount, 1))
        }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map(\.key)
        let added = Set(required.flatMap(Vocabulary.tokenize)).subtracting(kept)
            .subtracting(Vocabulary.specialTokens).sorted()
        self.init(words: Vocabulary.specialTokens + kept + added)
    }

    public var count: Int { words.count }

    public func id(of word: String) -> Int { index[word] ?? Vocabulary.unknown }

    public func word(_ id: Int) -> String { words[id] }

    /// `<start>` w1 … wn `<end>` as ids; unknown words map to `<unk>`.
    public func encode(_ caption: String) -> [Int] {
        [Vocabulary.start] + Vocabulary.tokenize(caption).map(id(of:)) + [Vocabulary.end]
    }

    /// The words of `ids`, stopping at `<end>` and leaving out `<start>` and `<pad>`.
    public func decode(_ ids: [Int]) -> [String] {
        var result: [String] = []
        for id in ids {
            if id == Vocabulary.end { break }
            if id == Vocabulary.start || id == Vocabulary.pad { continue }
            result.append(words[id])
        }
        return result
    }

    /// The tokenisation rule for captions: lowercase; every character that is not a letter, a digit, a
    /// hyphen or an apostrophe becomes a space; split on spaces; hyphens and apostrophes left at either
    /// end of a token are trimmed ("t-shirt" and "man's" stay whole, "-" and "'" alone vanish).
    public static func tokenize(_ caption: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        func flush() {
            let trimmed = current.trimmingEdges { $0 == "-" || $0 == "'" }
            if !trimmed.isEmpty { tokens.append(trimmed) }
            current = ""
        }
        for character in caption.lowercased() {
            if character.isLetter || character.isNumber || character == "-" || character == "'" {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }
}

extension String {
    fileprivate func trimmingEdges(where shouldTrim: (Character) -> Bool) -> String {
        var slice = Substring(self)
        while let first = slice.first, shouldTrim(first) { slice = slice.dropFirst() }
        while let last = slice.last, shouldTrim(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
