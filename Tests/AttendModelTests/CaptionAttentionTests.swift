import XCTest
import Attend
import AttendImage
import AttendModel

/// The overlay draws what beam search produced: the same words, maps and β, <end> included.
final class CaptionAttentionTests: XCTestCase {

    func testWordAttentionsAreTheCaptionsTokensThenEnd() {
        let model = Model.referenceRandom(configName: "tiny", vocabularySize: 30, seed: 7)
        let captioner = Captioner(model: model)
        let side = model.config.imageSize
        var generator = SeededGenerator(seed: 3)
        let image = (0..<(3 * side * side)).map { _ in generator.nextNormal() }
        let caption = captioner.caption(images: image, count: 1, options: CaptionOptions(beamSize: 2, maxWords: 6))[0]
        let words = caption.wordAttentions
        let tokens = caption.tokens + (caption.end.map { [$0] } ?? [])
        XCTAssertFalse(words.isEmpty)
        XCTAssertEqual(words.map(\.word), tokens.map(\.word))
        XCTAssertEqual(words.map(\.attention), tokens.map(\.attention))
        XCTAssertEqual(words.map(\.beta), tokens.map(\.beta))
        XCTAssertEqual(words.last?.word == "<end>", caption.finished)
        let grid = model.config.gridSize
        for word in words {
            XCTAssertEqual(word.attention.count, grid * grid)
            XCTAssertEqual(word.attention.reduce(0, +), 1, accuracy: 1e-4)
        }

        let sheet = AttentionSheet(caption: caption, picture: RGBImage(width: 96, height: 64, fill: (90, 90, 90)),
                                   grid: grid)
        XCTAssertEqual(sheet.title, caption.text)
        XCTAssertEqual(sheet.layout().tiles.count, words.count + 1)
    }
}
