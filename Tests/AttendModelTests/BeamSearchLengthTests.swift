import XCTest
import AttendModel

/// The length exponent α only ranks the hypotheses the beam kept: α = 0 returns the one with the highest
/// total log-probability, α = 1 the one with the highest mean per token (<end> included).
final class BeamSearchLengthTests: XCTestCase {

    func testLengthExponentRanksTheSameHypotheses() {
        var model = Model.referenceRandom(configName: "tiny", vocabularySize: 30, seed: 11)
        // <end> made likely enough that beams finish at different lengths.
        model.parameters[model.layout.outBias.offset + Vocabulary.end] += 2.5
        let captioner = Captioner(model: model)
        let side = model.config.imageSize, images = 24
        var generator = SeededGenerator(seed: 4)
        let pictures = (0..<(images * 3 * side * side)).map { _ in generator.nextNormal() }
        func captions(_ α: Float) -> [Caption] {
            captioner.caption(images: pictures, count: images,
                              options: CaptionOptions(beamSize: 4, maxWords: 8, lengthExponent: α))
        }
        let total = captions(0), mean = captions(1)
        func tokens(_ caption: Caption) -> Float { Float(caption.tokens.count + (caption.end == nil ? 0 : 1)) }
        var differing = 0
        for (short, long) in zip(total, mean) {
            XCTAssertGreaterThanOrEqual(short.logProbability, long.logProbability - 1e-5)
            XCTAssertGreaterThanOrEqual(long.logProbability / tokens(long), short.logProbability / tokens(short) - 1e-5)
            XCTAssertEqual(short.normalizedScore, short.logProbability, accuracy: 1e-5, "α = 0: the total")
            XCTAssertEqual(long.normalizedScore, long.logProbability / tokens(long), accuracy: 1e-5, "α = 1: the mean")
            if short.text != long.text { differing += 1 }
        }
        XCTAssertGreaterThan(differing, 0, "on \(images) pictures some winner must change with α")
        XCTAssertLessThanOrEqual(total.map(tokens).reduce(0, +), mean.map(tokens).reduce(0, +),
                                 "ranking by the total favours short captions")
    }
}
