import Foundation
import XCTest
@testable import AttendEval

/// Small cases whose values can be worked out by hand.
final class MetricHandCheckTests: XCTestCase {
    func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

    func testIdenticalSentencesScoreFullBLEUAndROUGE() {
        let s = scoreCaptions(predictions: ["a": "a dog runs on the grass ."],
                              references: ["a": ["a dog runs on the grass ."]])
        // Not exactly 100: the toolkit adds 1e-9 to every n-gram count in the denominator.
        for b in s.bleu { XCTAssertEqual(b, 100, accuracy: 1e-6) }
        XCTAssertEqual(s.rougeL, 100, accuracy: 1e-9)
        // One image: idf = log(1) - log(1) = 0, so every tf-idf vector is zero and CIDEr-D is 0.
        XCTAssertEqual(s.ciderD, 0)
    }

    func testBrevityPenaltyUsesClosestReferenceLength() {
        // Candidate of 4 words, all matching; references of 6 and 9 words: closest is 6.
        var stats = BLEUStatistics(candidate: words("a b c d"), references: [words("a b c d e f"), words("a b c d e f g h i")])
        XCTAssertEqual(stats.referenceLength, 6)
        let bleu = corpusBLEU(stats)
        XCTAssertEqual(bleu[0], exp(1 - 6.0 / 4.0), accuracy: 1e-9)
        // A tie (3 and 5 around 4) takes the shorter reference, so there is no penalty.
        stats = BLEUStatistics(candidate: words("a b c d"), references: [words("a b c"), words("a b c d e")])
        XCTAssertEqual(stats.referenceLength, 3)
        XCTAssertEqual(corpusBLEU(stats)[0], 1, accuracy: 1e-9)
    }

    func testClippedMatchesAndSmoothing() {
        // "the the the" against "the cat": 1-gram matches clipped to 1 of 3; no 2-gram matches.
        let stats = BLEUStatistics(candidate: words("the the the"), references: [words("the cat")])
        XCTAssertEqual(stats.matches, [1, 0, 0, 0])
        XCTAssertEqual(stats.guesses, [3, 2, 1, 0])
        let bleu = corpusBLEU(stats)
        XCTAssertEqual(bleu[0], (1 + 1e-15) / (3 + 1e-9), accuracy: 1e-12)
        // Zero 2-gram matches: the product carries 1e-15 / 2, so BLEU-2 is tiny but not zero.
        XCTAssertEqual(bleu[1], ((1 + 1e-15) / (3 + 1e-9) * (1e-15 / (2 + 1e-9))).squareRoot(), accuracy: 1e-20)
        XCTAssertGreaterThan(bleu[1], 0)
    }

    func testCorpusBLEUIsNotAnAverageOfSentenceScores() {
        let s = scoreCaptions(predictions: ["1": "a b c d", "2": "x y"],
                              references: ["1": ["a b c d"], "2": ["p q"]])
        // Totals: 1-gram matches 4 of 6, candidate length 6 = reference length 6.
        XCTAssertEqual(s.bleu[0], 100 * 4.0 / 6.0, accuracy: 1e-6)
    }

    func testEmptyCaptionScoresZero() {
        let s = scoreCaptions(predictions: ["1": "", "2": "a cat"], references: ["1": ["a dog"], "2": ["a cat"]])
        XCTAssertEqual(rougeL(candidate: [], references: [words("a dog")]), 0)
        XCTAssertEqual(s.rougeL, 50, accuracy: 1e-9)
    }

    func testROUGELHandComputed() {
        // LCS("a b c d", "a c d e f") = 3: precision 3/4, recall 3/5.
        let p = 0.75, r = 0.6, b2 = 1.2 * 1.2
        XCTAssertEqual(rougeL(candidate: words("a b c d"), references: [words("a c d e f")]),
                       (1 + b2) * p * r / (r + b2 * p), accuracy: 1e-12)
    }

    func testCIDErDOfExactCopyWithUniqueWords() {
        // Two images with disjoint vocabularies: every n-gram has df 1, idf log 2; a copy of the only
        // reference has cosine 1 for each order and no length penalty, so 10 per image.
        let scores = ciderD(candidates: [words("a b c d e"), words("v w x y z")],
                            references: [[words("a b c d e")], [words("v w x y z")]])
        XCTAssertEqual(scores[0], 10, accuracy: 1e-9)
        XCTAssertEqual(scores[1], 10, accuracy: 1e-9)
    }

    func testCIDErDLengthPenalty() {
        // Candidate "a b c" against reference "a b c d e f g h i" (other image keeps idf > 0).
        let scores = ciderD(candidates: [words("a b c"), words("z")],
                            references: [[words("a b c d e f g h i")], [words("z")]])
        // Lengths counted as 2-grams: 2 and 8, delta 6: penalty exp(-36 / 72).
        let idf = log(2.0)
        var expected = 0.0
        for (n, refGrams, candGrams) in [(1, 9, 3), (2, 8, 2), (3, 7, 1), (4, 6, 0)] {
            _ = n
            guard candGrams > 0 else { continue }
            expected += Double(candGrams) * idf * idf / ((Double(candGrams).squareRoot() * idf) * (Double(refGrams).squareRoot() * idf))
        }
        expected = expected / 4 * exp(-36.0 / 72.0) * 10
        XCTAssertEqual(scores[0], expected, accuracy: 1e-9)
    }
}
