import AttendModel
import XCTest

/// `<unk>` is never written unless asked for: where the model would write it, the next best word stands.
final class UnknownWordTests: XCTestCase {
    func testUnknownIsBannedByDefaultAndAllowedOnRequest() {
        var model = Model.referenceRandom(configName: "tiny", vocabularySize: 30, seed: 12)
        model.parameters[model.layout.outBias.offset + Vocabulary.unknown] += 8   // <unk> everywhere the model may
        let captioner = Captioner(model: model)
        let side = model.config.imageSize, images = 6
        var generator = SeededGenerator(seed: 5)
        let pictures = (0..<(images * 3 * side * side)).map { _ in generator.nextNormal() }
        for beam in [1, 3] {
            let banned = captioner.caption(images: pictures, count: images, options: CaptionOptions(beamSize: beam))
            let allowed = captioner.caption(images: pictures, count: images,
                                            options: CaptionOptions(beamSize: beam, allowUnknown: true))
            XCTAssertTrue(banned.allSatisfy { !$0.tokens.isEmpty && !$0.tokens.contains { $0.id == Vocabulary.unknown } },
                          "beam \(beam): \(banned.map(\.text))")
            XCTAssertTrue(allowed.allSatisfy { $0.tokens.contains { $0.id == Vocabulary.unknown } },
                          "beam \(beam): \(allowed.map(\.text))")
        }
    }
}
