import XCTest
@testable import AttendModel

/// Constrained beam search against brute force: on a tiny model with a beam wide enough to keep every hypothesis,
/// the search must return exactly the caption that enumerating every word sequence finds (the best by mean
/// log-probability among the captions that meet the most constraints, finished ones first); with a narrow beam it
/// must still meet every constraint that fits in the word limit. The repetition rule is checked the same way: the
/// search equals the best of the enumerated captions that repeat no n-gram, except one ending in a function word.
final class ConstrainedSearchTests: XCTestCase {
    // 4 special tokens and 5 words, ids 4...8.
    var model = ConstrainedSearchTests.tinyModel(functionWordID: 4)

    /// The same weights whatever the words; the word at `functionWordID` is "a", a function word that may end a
    /// repeated n-gram.
    static func tinyModel(functionWordID: Int) -> Model {
        var words = (4..<9).map { "w\($0 - 4)" }
        words[functionWordID - 4] = "a"
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + words)
        return Model.random(config: ModelConfig.named("tiny")!, vocabulary: vocabulary, seed: 5, randomizeAll: true)
    }
    let maxWords = 3

    /// log p of each token of `ids` (+ <end> when `finished`) for image 0, one teacher-forced step at a time.
    func logProbabilities(_ ids: [Int32], decoder: InferenceDecoder, prepared: InferenceDecoder.Prepared,
                          finished: Bool) -> Float {
        var hidden = prepared.hidden, cell = prepared.cell
        var previous = Int32(Vocabulary.start), total: Float = 0
        for word in ids + (finished ? [Int32(Vocabulary.end)] : []) {
            var output = decoder.makeStepOutput(rows: 1)
            decoder.step(previous: [previous], hidden: hidden, cell: cell, sourceRow: [0], prepared: prepared,
                         output: &output)
            let maximum = output.logits.max()!
            let logSum = maximum + log(output.logits.map { exp($0 - maximum) }.reduce(0, +))
            total += output.logits[Int(word)] - logSum
            hidden = output.hidden
            cell = output.cell
            previous = word
        }
        return total
    }

    /// Every caption of at most `maxWords` tokens: finished ones (words then <end>), and unfinished ones of
    /// `maxWords` words.
    func everyCaption(banned: Set<Int32>, maxWords: Int) -> [(ids: [Int32], finished: Bool)] {
        let words = (4..<Int32(model.config.vocabularySize)).filter { !banned.contains($0) }
        var result: [(ids: [Int32], finished: Bool)] = [([], true)]
        var frontier: [[Int32]] = [[]]
        for length in 1...maxWords {
            frontier = frontier.flatMap { prefix in words.map { prefix + [$0] } }
            for ids in frontier where length < maxWords { result.append((ids, true)) }
            if length == maxWords { result += frontier.map { ($0, false) } }
        }
        return result
    }

    func metCount(_ ids: [Int32], _ required: [[[Int32]]]) -> Int {
        required.filter { phrases in
            phrases.contains { phrase in
                ids.count >= phrase.count && (0...(ids.count - phrase.count)).contains { Array(ids[$0..<($0 + phrase.count)]) == phrase }
            }
        }.count
    }

    /// True when some n-gram of `ids` occurs twice and does not end in one of `repeatable`.
    func repeatsNgram(_ ids: [Int32], n: Int, repeatable: Set<Int32>) -> Bool {
        guard n > 0, ids.count > n else { return false }
        let grams = (0...(ids.count - n)).map { Array(ids[$0..<($0 + n)]) }.filter { !repeatable.contains($0.last!) }
        return Set(grams.map { $0.map(String.init).joined(separator: " ") }).count < grams.count
    }

    /// True when some word of `ids` directly follows itself.
    func stutters(_ ids: [Int32]) -> Bool {
        zip(ids, ids.dropFirst()).contains { $0 == $1 }
    }

    /// The caption the search must return: of every caption (none repeating an n-gram of `noRepeatNgram` words, and,
    /// with the rule on, none where a word directly follows itself, "a" included),
    /// those meeting the most constraints; of these the finished ones if any; the best by mean log-probability per
    /// token (<end> included).
    func bruteForce(_ rules: DecodingConstraints, picture: [Float], maxWords: Int = 3,
                    noRepeatNgram: Int = 0, stutterRule: Bool = true) -> (ids: [Int32], finished: Bool) {
        let captioner = Captioner(model: model)
        let grid = picture.withUnsafeBufferPointer { captioner.encoder.encode(images: $0.baseAddress!, batch: 1) }
        let prepared = captioner.decoder.prepare(grid: grid, images: 1)
        let all = everyCaption(banned: rules.banned, maxWords: maxWords)
            .filter { !repeatsNgram($0.ids, n: noRepeatNgram, repeatable: [Int32(model.vocabulary.id(of: "a"))]) }
            .filter { noRepeatNgram == 0 || !stutterRule || !stutters($0.ids) }
        let most = all.map { metCount($0.ids, rules.required) }.max()!
        let meeting = all.filter { metCount($0.ids, rules.required) == most }
        let ended = meeting.filter(\.finished)
        func mean(_ c: (ids: [Int32], finished: Bool)) -> Float {
            logProbabilities(c.ids, decoder: captioner.decoder, prepared: prepared, finished: c.finished)
                / Float(c.ids.count + (c.finished ? 1 : 0))
        }
        return (ended.isEmpty ? meeting : ended).max { mean($0) < mean($1) }!
    }

    func search(_ rules: DecodingConstraints, picture: [Float], beam: Int, maxWords: Int,
                noRepeatNgram: Int = 0) -> Caption {
        let captioner = Captioner(model: model)
        let grid = picture.withUnsafeBufferPointer { captioner.encoder.encode(images: $0.baseAddress!, batch: 1) }
        let prepared = captioner.decoder.prepare(grid: grid, images: 1)
        return beamSearch(decoder: captioner.decoder, prepared: prepared, images: 1, vocabulary: model.vocabulary,
                          options: CaptionOptions(beamSize: beam, maxWords: maxWords, noRepeatNgram: noRepeatNgram,
                                                  lengthExponent: 1),
                          constraints: [rules])[0]
    }

    func pictures(_ count: Int) -> [[Float]] {
        let plane = 3 * model.config.imageSize * model.config.imageSize
        var generator = SeededGenerator(seed: 9)
        return (0..<count).map { _ in (0..<plane).map { _ in generator.nextNormal() } }
    }

    let cases: [DecodingConstraints] = [
        DecodingConstraints(),                                                   // the plain search
        DecodingConstraints(required: [[[6]]]),                                  // one word
        DecodingConstraints(required: [[[5]], [[7], [8]]]),                      // two, one of them disjunctive
        DecodingConstraints(required: [[[4, 8]]]),                               // a two-word phrase
        DecodingConstraints(required: [[[4]], [[5]], [[6]]]),                    // more than fit before <end>
        DecodingConstraints(required: [[[7]]], banned: [4, 8]),                  // with banned words
    ]

    func testWideBeamEqualsBruteForce() {
        for (p, picture) in pictures(3).enumerated() {
            for rules in cases {
                let found = search(rules, picture: picture, beam: 400, maxWords: maxWords)
                let best = bruteForce(rules, picture: picture)
                XCTAssertEqual(found.tokens.map { Int32($0.id) }, best.ids,
                               "picture \(p), constraints \(rules.required), banned \(rules.banned)")
                XCTAssertEqual(found.finished, best.finished)
            }
        }
    }

    /// With "a" at id 4 the rule changes captions; at id 8, the word these pictures' captions repeat, the best
    /// captions repeat it, and without the stutter clause some would write it twice in a row.
    func testRepetitionRuleEqualsBruteForce() {
        var changed = 0, repeatingFunctionWord = 0, stutterForbidden = 0
        for functionWordID in [4, 8] {
            model = Self.tinyModel(functionWordID: functionWordID)
            for (p, picture) in pictures(3).enumerated() {
                for n in [1, 2] {
                    for rules in [DecodingConstraints(), DecodingConstraints(required: [[[6]]])] {
                        let found = search(rules, picture: picture, beam: 2_000, maxWords: 4, noRepeatNgram: n)
                        let best = bruteForce(rules, picture: picture, maxWords: 4, noRepeatNgram: n)
                        XCTAssertEqual(found.tokens.map { Int32($0.id) }, best.ids,
                                       "a = \(functionWordID), picture \(p), n \(n), \(rules.required)")
                        XCTAssertEqual(found.finished, best.finished)
                        if best.ids != bruteForce(rules, picture: picture, maxWords: 4).ids { changed += 1 }
                        if repeatsNgram(best.ids, n: n, repeatable: []) { repeatingFunctionWord += 1 }
                        let withoutStutterClause = bruteForce(rules, picture: picture, maxWords: 4, noRepeatNgram: n,
                                                              stutterRule: false)
                        if stutters(withoutStutterClause.ids) { stutterForbidden += 1 }
                    }
                }
            }
        }
        XCTAssertGreaterThan(changed, 0, "the rule changes no caption of these pictures: the check proves nothing")
        XCTAssertGreaterThan(repeatingFunctionWord, 0, "no caption repeats the function word: untested")
        XCTAssertGreaterThan(stutterForbidden, 0, "no best caption stutters without the clause: untested")
    }

    func testNarrowBeamMeetsEveryConstraintThatFits() {
        let rules = DecodingConstraints(required: [[[6]], [[4, 8]], [[5], [7]]], banned: [])
        for picture in pictures(6) {
            for beam in [1, 2, 3] {
                let caption = search(rules, picture: picture, beam: beam, maxWords: 8)
                let ids = caption.tokens.map { Int32($0.id) }
                XCTAssertEqual(metCount(ids, rules.required), 3, "beam \(beam): \(ids)")
            }
        }
    }

    func testBannedWordsAreNeverWritten() {
        let rules = DecodingConstraints(required: [], banned: [4, 5, 6])
        for picture in pictures(6) {
            let ids = search(rules, picture: picture, beam: 3, maxWords: 8).tokens.map { Int32($0.id) }
            XCTAssertTrue(ids.allSatisfy { !rules.banned.contains($0) }, "\(ids)")
        }
    }
}
