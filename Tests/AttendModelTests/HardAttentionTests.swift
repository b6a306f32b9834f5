import AttendModel
import Foundation
import XCTest

// Hard attention at inference and in the model file: the mechanism is recorded only for hard models (soft models'
// bytes stay as they were), the expectation captions as soft attention does, argmax and drawn locations take the
// context from one cell, and drawn captions depend on the picture alone.

final class HardAttentionTests: XCTestCase {
    let soft = Model.referenceRandom(configName: "tiny", vocabularySize: 24, seed: 3)
    var hard: Model { soft.with(attention: .hard) }

    /// Grids (N, L, C) for the tiny configuration, seeded.
    func grids(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(count * soft.config.locations * soft.config.gridChannels)).map { _ in 2 * generator.nextUnitFloat() }
    }

    // MARK: - Model file

    func testSoftModelsAreWrittenAsBeforeAndHardOnesAsVersion4() throws {
        let softBytes = try ModelFile.encode(soft)
        XCTAssertEqual(softBytes[8], 3)
        XCTAssertFalse(String(decoding: softBytes.prefix(2000), as: UTF8.self).contains("\"attention\""),
                       "a soft model's header has no attention record")
        XCTAssertEqual(try ModelFile.encode(try ModelFile.decode(softBytes, path: "s")), softBytes,
                       "a soft model reads and writes back byte for byte")

        let hardBytes = try ModelFile.encode(hard)
        XCTAssertEqual(hardBytes[8], 4)
        XCTAssertTrue(String(decoding: hardBytes.prefix(2000), as: UTF8.self).contains("\"attention\":\"hard\""))
        let decoded = try ModelFile.decode(hardBytes, path: "h")
        XCTAssertEqual(decoded.config.attention, .hard)
        XCTAssertEqual(decoded.parameters, soft.parameters)
        XCTAssertEqual(try ModelFile.encode(decoded), hardBytes)
    }

    func testHardAttentionInAVersion3FileIsRefused() throws {
        var bytes = try ModelFile.encode(hard)
        bytes[8] = 3
        let crc = crc32(bytes.dropLast(4))
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "h")) { error in
            XCTAssertTrue("\(error)".contains("hard attention needs format version 4"), "\(error)")
        }
    }

    // MARK: - Decoding

    func testTheExpectationCaptionsAsSoftAttentionAndShowsTheMostProbableCell() {
        let grid = grids(3, seed: 8), options = CaptionOptions(beamSize: 3, maxWords: 8)
        let softCaptions = Captioner(model: soft).caption(grid: grid, count: 3, options: options)
        let hardCaptions = Captioner(model: hard).caption(grid: grid, count: 3, options: options)
        for (s, h) in zip(softCaptions, hardCaptions) {
            XCTAssertEqual(s.words, h.words)
            XCTAssertEqual(s.logProbability, h.logProbability)
            XCTAssertEqual(s.tokens.map(\.attention), h.tokens.map(\.attention))
            XCTAssertTrue(s.tokens.allSatisfy { $0.location == nil }, "a soft model chooses no location")
            for token in h.tokens {
                XCTAssertEqual(token.location, token.attention.indices.max { token.attention[$0] < token.attention[$1] })
            }
        }
    }

    func testArgmaxTakesTheMostProbableCellsAnnotation() {
        let grid = grids(2, seed: 9)
        var options = CaptionOptions(beamSize: 2, maxWords: 8)
        options.hardInference = .argmax
        let captions = Captioner(model: hard).caption(grid: grid, count: 2, options: options)
        let expected = Captioner(model: hard).caption(grid: grid, count: 2, options: CaptionOptions(beamSize: 2, maxWords: 8))
        for caption in captions {
            for token in caption.tokens {
                XCTAssertEqual(token.location, token.attention.indices.max { token.attention[$0] < token.attention[$1] })
            }
        }
        XCTAssertNotEqual(captions.map(\.logProbability), expected.map(\.logProbability),
                          "one cell's annotation is another context than the expectation")
    }

    /// A step told to take cell s sees exactly a_s: the same as the expectation over a grid whose every cell is a_s.
    func testAGivenLocationIsThatCellsAnnotation() {
        let decoder = InferenceDecoder(model: hard)
        let prepared = decoder.prepare(grid: grids(1, seed: 10), images: 1)
        let (L, D) = (hard.config.locations, hard.config.featureSize)
        let softDecoder = InferenceDecoder(model: soft)
        for s in [0, 5, L - 1] {
            var chosen = decoder.makeStepOutput(rows: 1)
            decoder.step(previous: [Int32(Vocabulary.start)], hidden: prepared.hidden, cell: prepared.cell, sourceRow: [0],
                         prepared: prepared, context: .locations([Int32(s)]), output: &chosen)
            var flat = prepared
            let cell = Array(prepared.annotations[(s * D)..<((s + 1) * D)])
            flat.annotations = (0..<L).flatMap { _ in cell }
            var expected = softDecoder.makeStepOutput(rows: 1)
            softDecoder.step(previous: [Int32(Vocabulary.start)], hidden: prepared.hidden, cell: prepared.cell,
                             sourceRow: [0], prepared: flat, output: &expected)
            XCTAssertEqual(chosen.location, [Int32(s)])
            for (a, b) in zip(chosen.logits, expected.logits) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
    }

    /// Drawn locations are seeded by each picture's grid: a picture's caption is the same alone or batched with
    /// others, and every drawn location is a cell α gives weight to.
    func testDrawnLocationsDependOnThePictureAlone() {
        let grid = grids(3, seed: 11), cell = hard.config.locations * hard.config.gridChannels
        var options = CaptionOptions(beamSize: 2, maxWords: 8)
        options.hardInference = .sample
        let captioner = Captioner(model: hard)
        let together = captioner.caption(grid: grid, count: 3, options: options)
        for image in 0..<3 {   // the same draws: the same words and cells (values to the products' rounding)
            let alone = captioner.caption(grid: Array(grid[(image * cell)..<((image + 1) * cell)]), count: 1, options: options)
            XCTAssertEqual(alone[0].words, together[image].words)
            XCTAssertEqual(alone[0].tokens.map(\.location), together[image].tokens.map(\.location))
            XCTAssertEqual(alone[0].logProbability, together[image].logProbability, accuracy: 1e-4)
        }
        let locations = together.flatMap { $0.tokens.compactMap(\.location) }
        XCTAssertFalse(locations.isEmpty)
        for caption in together {
            for token in caption.tokens { XCTAssertGreaterThan(token.attention[token.location!], 0) }
        }
    }

    func testDrawsFollowAlpha() {
        // α = (0.1, 0, 0.6, 0.3): u below 0.1 takes 0, below 0.7 takes 2, else 3; a negative u the expectation.
        let alpha: [Float] = [0.1, 0, 0.6, 0.3]
        let draws: [Float] = [0, 0.0999, 0.1, 0.69, 0.7001, 0.99999, -1]
        var chosen = [Int32](repeating: 9, count: draws.count)
        let alphas = (0..<draws.count).flatMap { _ in alpha }
        hardAttentionSample(chosen: &chosen, alpha: alphas, draws: draws, rows: draws.count, locations: 4)
        XCTAssertEqual(chosen, [0, 0, 2, 2, 3, 3, -1])
    }

    private func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
