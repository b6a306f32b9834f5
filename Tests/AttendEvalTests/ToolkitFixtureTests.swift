import Foundation
import XCTest
@testable import AttendEval

/// Agreement with the official COCO caption toolkit on the committed fixture (scripts/make_eval_fixture.py):
/// every sentence's tokens, and every metric within 0.01 on the 0-100 scale.
final class ToolkitFixtureTests: XCTestCase {
    struct Item: Decodable {
        var image: String
        var references: [String]
        var prediction: String
        var referenceTokens: [String]
        var predictionTokens: String
    }
    struct Subset: Decodable {
        var name: String
        var images: [String]
        var bleu: [Double]
        var rougeL: Double
        var ciderD: Double
        var perImageRougeL: [String: Double]
        var perImageCiderD: [String: Double]
    }
    struct Fixture: Decodable {
        var items: [Item]
        var subsets: [Subset]
    }

    static let tolerance = 0.01

    func loadFixture() throws -> Fixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "caption_metrics", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testFixtureIsLargeAndVaried() throws {
        let fixture = try loadFixture()
        XCTAssertGreaterThanOrEqual(fixture.items.count, 300)
        XCTAssertEqual(Set(fixture.items.map(\.references.count)), [1, 2, 3, 4, 5])
        XCTAssertTrue(fixture.items.contains { $0.prediction.isEmpty })
    }

    func testTokenizerMatchesStanfordOnEverySentence() throws {
        let fixture = try loadFixture()
        var mismatches: [String] = []
        for item in fixture.items {
            for (raw, expected) in zip([item.prediction] + item.references, [item.predictionTokens] + item.referenceTokens) {
                let got = ptbTokenize(raw).joined(separator: " ")
                if got != expected { mismatches.append("\(raw)\n   toolkit: \(expected)\n   swift:   \(got)") }
            }
        }
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) sentences differ:\n" + mismatches.prefix(20).joined(separator: "\n"))
    }

    func testScoresMatchToolkitOnEverySubset() throws {
        let fixture = try loadFixture()
        let byImage = Dictionary(uniqueKeysWithValues: fixture.items.map { ($0.image, $0) })
        for subset in fixture.subsets {
            let predictions = Dictionary(uniqueKeysWithValues: subset.images.map { ($0, byImage[$0]!.prediction) })
            let references = Dictionary(uniqueKeysWithValues: subset.images.map { ($0, byImage[$0]!.references) })
            let scores = scoreCaptions(predictions: predictions, references: references)
            let diffs = zip(scores.bleu, subset.bleu).map { abs($0 - $1) }
            for (k, d) in diffs.enumerated() {
                XCTAssertLessThanOrEqual(d, Self.tolerance, "\(subset.name) BLEU-\(k + 1): swift \(scores.bleu[k]) toolkit \(subset.bleu[k])")
            }
            XCTAssertEqual(scores.rougeL, subset.rougeL, accuracy: Self.tolerance, "\(subset.name) ROUGE-L")
            XCTAssertEqual(scores.ciderD, subset.ciderD, accuracy: Self.tolerance, "\(subset.name) CIDEr-D")
            print(String(format: "fixture %@: max|swift-toolkit| BLEU %.2e ROUGE-L %.2e CIDEr-D %.2e", subset.name,
                         diffs.max()!, abs(scores.rougeL - subset.rougeL), abs(scores.ciderD - subset.ciderD)))
        }
    }

    func testPerImageRougeAndCiderMatchToolkit() throws {
        let fixture = try loadFixture()
        let byImage = Dictionary(uniqueKeysWithValues: fixture.items.map { ($0.image, $0) })
        for subset in fixture.subsets {
            let candidates = subset.images.map { ptbTokenize(byImage[$0]!.prediction) }
            let references = subset.images.map { byImage[$0]!.references.map(ptbTokenize) }
            let cider = ciderD(candidates: candidates, references: references)
            for (i, image) in subset.images.enumerated() {
                XCTAssertEqual(cider[i] * 100, subset.perImageCiderD[image]!, accuracy: 1e-6, "\(subset.name) \(image) CIDEr-D")
                XCTAssertEqual(rougeL(candidate: candidates[i], references: references[i]) * 100,
                               subset.perImageRougeL[image]!, accuracy: 1e-9, "\(subset.name) \(image) ROUGE-L")
            }
        }
    }
}
