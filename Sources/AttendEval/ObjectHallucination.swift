// Object hallucination (Rohrbach et al. 2018, "Object Hallucination in Image Captioning"), with the objects that a
// photo's reference captions name as the truth, over COCO's 80 categories (COCOObjectWords.swift):
//   a mention      a category a caption names, counted once per caption however many of its words name it
//   hallucinated   a mention of a category that none of the photo's references names
//   CHAIRi         hallucinated mentions / all mentions
//   CHAIRs         captions with at least one hallucinated mention / all captions
//   object recall  categories named by two or more of a photo's references that the caption names / such categories
// All three are pooled over the whole set (sums over the photos, then one division), on the 0–100 scale.

// MARK: - Object words

/// The phrases that name COCO's object categories, and the matcher that finds them in a caption.
public struct ObjectWords: Sendable {
    /// The categories in table order.
    public let categories: [String]
    /// Phrase (words joined by one space, singular or plural) -> its category; "" for a phrase that names none.
    let categoryOfPhrase: [String: String]
    /// The most words a phrase has.
    let longestPhrase: Int

    /// COCO's 80 categories, from the project's own table.
    public static let coco = try! ObjectWords(table: cocoObjectTable)

    /// Reads the table format of COCOObjectWords.swift; refuses a name listed under two categories. A listed name
    /// wins over a generated plural that happens to spell it.
    public init(table: String) throws {
        var categories: [String] = []
        var listed: [String: String] = [:], plurals: [String: String] = [:]
        for line in table.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw ObjectWordsError.malformedLine(String(line)) }
            let label = line[..<colon].trimmingCharacters(in: .whitespaces)
            let category = label == "-" ? "" : label
            if !category.isEmpty { categories.append(category) }
            for name in line[line.index(after: colon)...].split(separator: ",") {
                let words = name.split(separator: " ").map { $0.lowercased() }
                guard let last = words.last else { throw ObjectWordsError.malformedLine(String(line)) }
                let phrase = words.joined(separator: " ")
                if let other = listed[phrase], other != category {
                    throw ObjectWordsError.twoCategories(phrase: phrase, other.isEmpty ? "-" : other, label)
                }
                listed[phrase] = category
                plurals[(words.dropLast() + [Self.plural(last)]).joined(separator: " ")] = category
            }
        }
        self.categories = categories
        categoryOfPhrase = plurals.merging(listed) { _, listed in listed }
        longestPhrase = categoryOfPhrase.keys.map { $0.split(separator: " ").count }.max() ?? 1
    }

    /// The one-word names of `category`, singular and plural, sorted ("man", "men", "people", …): the words a
    /// decoder writes one token at a time.
    public func singleWords(of category: String) -> [String] {
        categoryOfPhrase.filter { $0.value == category && !$0.key.contains(" ") }.keys.sorted()
    }

    /// The regular English plural: "dogs", "buses", "benches", "ponies".
    static func plural(_ word: String) -> String {
        if ["s", "x", "z", "ch", "sh"].contains(where: word.hasSuffix) { return word + "es" }
        if word.hasSuffix("y"), let before = word.dropLast().last, !"aeiou".contains(before) {
            return word.dropLast() + "ies"
        }
        return word + "s"
    }

    /// The categories a caption names, in order of first mention, each once. Words are the toolkit's tokens
    /// (ptbTokenize: lowercased, "man's" → "man 's"), hyphenated ones split ("hot-dog" → "hot dog"); at each
    /// position the longest listed phrase is taken.
    public func objects(in caption: String) -> [String] {
        let words = ptbTokenize(caption).flatMap { $0.split(separator: "-").map(String.init) }
        var found: [String] = []
        var i = 0
        while i < words.count {
            var matched = 1
            for length in stride(from: min(longestPhrase, words.count - i), through: 1, by: -1) {
                if let category = categoryOfPhrase[words[i..<(i + length)].joined(separator: " ")] {
                    if !category.isEmpty && !found.contains(category) { found.append(category) }
                    matched = length
                    break
                }
            }
            i += matched
        }
        return found
    }
}

public enum ObjectWordsError: Error, CustomStringConvertible {
    case malformedLine(String)
    case twoCategories(phrase: String, String, String)

    public var description: String {
        switch self {
        case .malformedLine(let line): return "object table: expected `category: name, name, ...`, not \(line)"
        case .twoCategories(let phrase, let a, let b): return "object table: \"\(phrase)\" is listed under \(a) and \(b)"
        }
    }
}

// MARK: - Scores

/// CHAIRi, CHAIRs and object recall of a set of captions, with the counts they are made of.
public struct HallucinationScores: Codable, Equatable {
    /// Hallucinated mentions / all mentions, 0–100.
    public var chairI: Double
    /// Captions with a hallucinated mention / all captions, 0–100.
    public var chairS: Double
    /// Objects named by ≥ 2 references that the caption names / such objects, 0–100.
    public var objectRecall: Double
    public var mentions: Int
    public var hallucinatedMentions: Int
    public var captions: Int
    public var hallucinatingCaptions: Int
    /// Objects named by two or more references, summed over the photos.
    public var salientObjects: Int
    public var salientObjectsNamed: Int
    /// How often each hallucinated category was written, most frequent first (ties alphabetical).
    public var hallucinatedCategories: [CategoryCount]

    public struct CategoryCount: Codable, Equatable {
        public var category: String
        public var count: Int
    }
}

/// Scores `predictions` (image -> caption) against the objects their `references` (image -> captions) name.
public func scoreHallucination(predictions: [String: String], references: [String: [String]],
                               objectWords: ObjectWords = .coco) -> HallucinationScores {
    var mentions = 0, hallucinated = 0, hallucinating = 0, salient = 0, salientNamed = 0
    var counts: [String: Int] = [:]
    for (image, caption) in predictions {
        let named = objectWords.objects(in: caption)
        var votes: [String: Int] = [:]   // category -> how many references name it
        for reference in references[image] ?? [] {
            for category in objectWords.objects(in: reference) { votes[category, default: 0] += 1 }
        }
        let wrong = named.filter { votes[$0] == nil }
        mentions += named.count
        hallucinated += wrong.count
        if !wrong.isEmpty { hallucinating += 1 }
        for category in wrong { counts[category, default: 0] += 1 }
        let salientHere = votes.filter { $0.value >= 2 }.keys
        salient += salientHere.count
        salientNamed += salientHere.filter(named.contains).count
    }
    func percent(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : 100 * Double(part) / Double(whole) }
    return HallucinationScores(
        chairI: percent(hallucinated, mentions), chairS: percent(hallucinating, predictions.count),
        objectRecall: percent(salientNamed, salient), mentions: mentions, hallucinatedMentions: hallucinated,
        captions: predictions.count, hallucinatingCaptions: hallucinating, salientObjects: salient,
        salientObjectsNamed: salientNamed,
        hallucinatedCategories: counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { .init(category: $0.key, count: $0.value) })
}
