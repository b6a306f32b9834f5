import AttendModel
import Foundation
import XCTest

/// The Swift forward pass against scripts/reference_forward.py (numpy, float64, written from
/// docs/MODEL_FORMAT.md alone), for each encoder family: the scratch CNN (`tiny`) and EfficientNet-Lite0 at 72 px
/// with its stride-16 grid projected (`lite0-tiny`, random weights: every depthwise kernel size and stride, SAME
/// padding on odd sides, residuals). Grid features and logits within 1e-4 relative; word ids exactly.
final class ReferenceForwardTests: XCTestCase {
    static let fixtureNames = ["reference_tiny", "reference_lite0_tiny"]

    struct Fixture: Decodable {
        struct Image: Decodable {
            var features: [Double]
            var greedy_ids: [Int]
            var greedy_logits: [[Double]]
            var greedy_alphas: [[Double]]
            var greedy_betas: [Double]
            var beam3_ids: [Int]
            var beam3_score: Double
        }
        var config_name: String
        var seed: UInt64
        var vocabulary_size: Int
        var model_crc32: UInt32
        var batch: Int
        var max_words: Int
        var images: [Image]
    }

    func loadFixtures() throws -> [Fixture] {
        try Self.fixtureNames.map { name in
            let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
            return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        }
    }

    /// The inputs the script generates: value of flat index i of (B, 3, S, S).
    static func inputImages(batch: Int, size: Int) -> [Float] {
        (0..<(batch * 3 * size * size)).map { i in Float(Double((i * 7919) % 1013) / 506.5 - 1.0) }
    }

    /// max |a − b| / max |b|: the relative error of a whole tensor.
    func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        let scale = max(b.map(abs).max() ?? 0, 1e-12)
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    func testModelIsTheOneTheReferenceRead() throws {
        for fixture in try loadFixtures() {
        let model = Model.referenceRandom(configName: fixture.config_name, vocabularySize: fixture.vocabulary_size,
                                          seed: fixture.seed)
        let bytes = try ModelFile.encode(model)
        let crc = bytes.suffix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        XCTAssertEqual(crc, fixture.model_crc32, "Model.random or the file format changed: regenerate the fixture")
        }
    }

    func testEncoderFeaturesMatchReference() throws {
        for fixture in try loadFixtures() {
        let model = Model.referenceRandom(configName: fixture.config_name, vocabularySize: fixture.vocabulary_size,
                                          seed: fixture.seed)
        let captioner = Captioner(model: model)
        let images = Self.inputImages(batch: fixture.batch, size: model.config.imageSize)
        let features = images.withUnsafeBufferPointer {
            captioner.encoder.encode(images: $0.baseAddress!, batch: fixture.batch)
        }
        let perImage = model.config.locations * model.config.gridChannels
        for (b, image) in fixture.images.enumerated() {
            let error = relativeError(Array(features[(b * perImage)..<((b + 1) * perImage)]), image.features)
            XCTAssertLessThan(error, 1e-4, "\(fixture.config_name) image \(b) grid")
        }
        }
    }

    func testDecoderStepsMatchReferenceLogitsAttentionAndBeta() throws {
        for fixture in try loadFixtures() {
        let model = Model.referenceRandom(configName: fixture.config_name, vocabularySize: fixture.vocabulary_size,
                                          seed: fixture.seed)
        let captioner = Captioner(model: model)
        let annotations = fixture.images.flatMap { $0.features.map(Float.init) }
        let prepared = captioner.decoder.prepare(grid: annotations, images: fixture.batch)
        var previous = [Int32](repeating: 1, count: fixture.batch)
        var hidden = prepared.hidden, cell = prepared.cell
        var output = captioner.decoder.makeStepOutput(rows: fixture.batch)
        let (L, V) = (model.config.locations, model.config.vocabularySize)
        let steps = fixture.images.map(\.greedy_ids.count).min()!
        for t in 0..<steps {
            captioner.decoder.step(previous: previous, hidden: hidden, cell: cell,
                                   sourceRow: (0..<fixture.batch).map(Int32.init), prepared: prepared,
                                   output: &output)
            for (b, image) in fixture.images.enumerated() {
                XCTAssertLessThan(relativeError(Array(output.logits[(b * V)..<((b + 1) * V)]), image.greedy_logits[t]),
                                  1e-4, "image \(b) step \(t) logits")
                XCTAssertLessThan(relativeError(Array(output.alpha[(b * L)..<((b + 1) * L)]), image.greedy_alphas[t]),
                                  1e-4, "image \(b) step \(t) attention")
                XCTAssertEqual(Double(output.beta[b]), image.greedy_betas[t], accuracy: 1e-5)
                previous[b] = Int32(image.greedy_ids[t])   // teacher-force the reference's words
            }
            hidden = output.hidden
            cell = output.cell
        }
        }
    }

    func testGreedyAndBeamWordsMatchReferenceExactly() throws {
        for fixture in try loadFixtures() {
        let model = Model.referenceRandom(configName: fixture.config_name, vocabularySize: fixture.vocabulary_size,
                                          seed: fixture.seed)
        let captioner = Captioner(model: model)
        let images = Self.inputImages(batch: fixture.batch, size: model.config.imageSize)
        // The reference bans only <pad> and <start>: no repetition rule.
        let greedy = captioner.caption(images: images, count: fixture.batch,
                                       options: CaptionOptions(beamSize: 1, maxWords: fixture.max_words,
                                                               noRepeatNgram: 0, allowUnknown: true))
        // The reference ranks finished hypotheses by their mean log-probability per token: α = 1.
        let beam = captioner.caption(images: images, count: fixture.batch,
                                     options: CaptionOptions(beamSize: 3, maxWords: fixture.max_words,
                                                             noRepeatNgram: 0, lengthExponent: 1, allowUnknown: true))
        for (b, image) in fixture.images.enumerated() {
            let greedyIds = greedy[b].tokens.map(\.id) + (greedy[b].end.map { [$0.id] } ?? [])
            XCTAssertEqual(greedyIds, image.greedy_ids, "image \(b) greedy")
            let beamIds = beam[b].tokens.map(\.id) + (beam[b].end.map { [$0.id] } ?? [])
            XCTAssertEqual(beamIds, image.beam3_ids, "image \(b) beam 3")
            XCTAssertEqual(Double(beam[b].normalizedScore), image.beam3_score, accuracy: 1e-4 * abs(image.beam3_score))
            for token in beam[b].tokens {
                XCTAssertEqual(token.attention.reduce(0, +), 1, accuracy: 1e-5, "attention sums to 1")
                XCTAssertEqual(token.attention.count, model.config.locations)
            }
        }
        }
    }
}
