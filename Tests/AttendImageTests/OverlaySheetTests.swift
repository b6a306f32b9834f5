import Foundation
import XCTest
@testable import AttendImage

/// The sheet's layout: one tile per word in a wrapping grid, the overlays where the layout says, labels
/// inside their cells, and the sizes and names the command relies on.
final class OverlaySheetTests: XCTestCase {

    // MARK: - Layout

    func testOneWordCaptionIsOneRow() {
        let sheet = makeSheet(words: ["dog", "<end>"], width: 224, height: 160)
        let layout = sheet.layout()
        XCTAssertEqual(layout.columns, 3)
        XCTAssertEqual(layout.rows, 1)
        XCTAssertEqual(layout.tiles.count, 3)
        let drawn = sheet.render()
        XCTAssertEqual(drawn.width, layout.width)
        XCTAssertEqual(drawn.height, layout.height)
        dump(drawn, "one-word")
    }

    func testTwentyWordCaptionWrapsIntoRows() {
        let words = (0..<20).map { "word\($0)" } + ["<end>"]
        let sheet = makeSheet(words: words, width: 224, height: 168)
        let layout = sheet.layout()
        XCTAssertEqual(layout.tiles.count, 22)
        XCTAssertEqual(layout.columns, 5)
        XCTAssertEqual(layout.rows, 5)
        // Tiles do not overlap and stay inside the sheet.
        for (i, a) in layout.tiles.enumerated() {
            XCTAssertGreaterThanOrEqual(a.x, 0)
            XCTAssertLessThanOrEqual(a.x + 224, layout.width)
            XCTAssertLessThanOrEqual(a.y + 168, layout.height)
            for b in layout.tiles[(i + 1)...] {
                XCTAssertTrue(abs(a.x - b.x) >= 224 || abs(a.y - b.y) >= 168, "tiles \(a) and \(b) overlap")
            }
        }
        XCTAssertGreaterThan(layout.titleLines.count, 1, "a long caption wraps its title")
        dump(sheet.render(), "twenty-words")
    }

    /// Each word's tile on the sheet is exactly that word's overlay, and the first tile the picture itself.
    func testTilesHoldTheirWordsOverlays() {
        let sheet = makeSheet(words: ["a", "red", "circle", "<end>"], width: 120, height: 90)
        let drawn = sheet.render()
        let layout = sheet.layout()
        let expected = [sheet.picture] + sheet.overlays()
        for (tile, (x, y)) in zip(expected, layout.tiles) {
            XCTAssertEqual(crop(drawn, x: x, y: y, width: tile.width, height: tile.height), tile)
        }
        // Overlays differ from word to word (their maps peak in different cells).
        XCTAssertNotEqual(expected[1], expected[2])
    }

    /// The word is printed under its tile, within the cell, in dark ink; a word too long for the cell is
    /// drawn smaller or shortened, never into the neighbouring tile.
    func testLabelsStayInTheirCells() {
        let long = "supercalifragilisticexpialidocious-and-more"
        let sheet = makeSheet(words: ["dog", long, "<end>"], width: 112, height: 112)
        let drawn = sheet.render()
        let layout = sheet.layout()
        for cell in 1..<layout.tiles.count {
            let (x, y) = layout.tiles[cell]
            let below = crop(drawn, x: x, y: y + 112, width: 112, height: 40)
            XCTAssertTrue(inkPixels(below) > 20, "no label under tile \(cell)")
        }
        // The gap between tile 2 (the long word) and tile 3 holds no ink.
        let gapX = layout.tiles[2].x + 112
        let gap = crop(drawn, x: gapX, y: layout.tiles[2].y, width: layout.tiles[3].x - gapX, height: 150)
        XCTAssertEqual(inkPixels(gap), 0)
        dump(drawn, "long-word")
    }

    func testPerWordFigure() {
        let sheet = makeSheet(words: ["a", "dog", "<end>"], width: 200, height: 150)
        let figure = sheet.renderWord(1)
        XCTAssertGreaterThan(figure.width, 200)
        XCTAssertGreaterThan(figure.height, 150)
        // The overlay is inside the figure.
        let overlay = sheet.overlays()[1]
        var found = false
        for y in 0...(figure.height - 150) where !found {
            for x in 0...(figure.width - 200) where crop(figure, x: x, y: y, width: 200, height: 150) == overlay {
                found = true
                break
            }
        }
        XCTAssertTrue(found)
        dump(figure, "per-word")
    }

    func testPortraitAndTinyPictures() {
        let portrait = makeSheet(words: ["a", "man", "standing", "<end>"], width: 120, height: 224)
        XCTAssertEqual(portrait.layout().columns, 5)
        dump(portrait.render(), "portrait")
        let tiny = makeSheet(words: ["a", "<end>"], width: 24, height: 12, grid: 4)
        let drawn = tiny.render()
        XCTAssertEqual(drawn.width, tiny.layout().width)
        let spotlight = makeSheet(words: ["a", "red", "circle", "<end>"], width: 224, height: 224, style: .spotlight)
        dump(spotlight.render(), "spotlight")
    }

    // MARK: - Sizes and names

    func testDisplaySizeKeepsTheAspectRatio() {
        XCTAssertTrue(AttentionSheet.displaySize(width: 4000, height: 3000, tile: 224) == (224, 168))
        XCTAssertTrue(AttentionSheet.displaySize(width: 3000, height: 4000, tile: 224) == (168, 224))
        XCTAssertTrue(AttentionSheet.displaySize(width: 8, height: 8, tile: 224) == (224, 224))
        XCTAssertTrue(AttentionSheet.displaySize(width: 10000, height: 10, tile: 224) == (224, 1))
    }

    func testWordFileNames() {
        XCTAssertEqual(AttentionSheet.wordFileName(index: 0, word: "a"), "01-a.png")
        XCTAssertEqual(AttentionSheet.wordFileName(index: 11, word: "<end>"), "12-end.png")
        XCTAssertEqual(AttentionSheet.wordFileName(index: 2, word: "t-shirt"), "03-t-shirt.png")
        XCTAssertEqual(AttentionSheet.wordFileName(index: 3, word: "man's"), "04-mans.png")
        XCTAssertEqual(AttentionSheet.wordFileName(index: 4, word: "../x/"), "05-x.png")
        XCTAssertEqual(AttentionSheet.wordFileName(index: 5, word: "é"), "06-word.png")
    }

    func testWrapAndFit() {
        XCTAssertEqual(wrap("a dog runs on the grass", width: 6 * 9 - 1, scale: 1), ["a dog", "runs on", "the grass"])
        XCTAssertEqual(wrap("abcdefghij", width: 6 * 4 - 1, scale: 1), ["abcd", "efgh", "ij"])
        XCTAssertEqual(fit("dog", width: 100, scales: [2, 1]).scale, 2)
        let shortened = fit("a-very-long-word", width: 40, scales: [2, 1])
        XCTAssertTrue(shortened.text.hasSuffix(".."))
        XCTAssertLessThanOrEqual(textWidth(shortened.text, scale: shortened.scale), 40)
    }

    // MARK: - Helpers

    /// A sheet over a synthetic picture (a gradient with a dark disc) where word i attends to cell
    /// (i·3 mod G, i·5 mod G).
    private func makeSheet(words: [String], width: Int, height: Int, grid: Int = 8,
                           style: OverlayStyle = .heat) -> AttentionSheet {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = 3 * (y * width + x)
                let dx = Double(x) / Double(width) - 0.4, dy = Double(y) / Double(height) - 0.6
                let disc = dx * dx + dy * dy < 0.04
                pixels[i] = disc ? 200 : UInt8(90 + 100 * x / width)
                pixels[i + 1] = disc ? 60 : UInt8(120 + 80 * y / height)
                pixels[i + 2] = disc ? 40 : 170
            }
        }
        let picture = RGBImage(width: width, height: height, pixels: pixels)
        let attentions = words.indices.map { i -> WordAttention in
            var weights = [Float](repeating: 0.2 / Float(grid * grid), count: grid * grid)
            weights[((i * 3) % grid) * grid + (i * 5) % grid] += 0.8
            return WordAttention(word: words[i], attention: weights, beta: Float(i % 5) / 4)
        }
        return AttentionSheet(title: words.filter { $0 != "<end>" }.joined(separator: " "), picture: picture,
                              grid: grid, words: attentions, style: style)
    }

    /// The rectangle at (x, y), cut down to the part inside `image`.
    private func crop(_ image: RGBImage, x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        let width = min(width, image.width - x), height = min(height, image.height - y)
        var out = RGBImage(width: width, height: height)
        for row in 0..<height {
            for k in 0..<(3 * width) {
                out.pixels[3 * row * width + k] = image.pixels[3 * ((y + row) * image.width + x) + k]
            }
        }
        return out
    }

    /// Pixels darker than the paper.
    private func inkPixels(_ image: RGBImage) -> Int {
        (0..<(image.width * image.height)).filter { image.pixels[3 * $0] < 128 }.count
    }

    /// Writes `image` as a PPM into $ATTEND_OVERLAY_DUMP, when set, to look at.
    private func dump(_ image: RGBImage, _ name: String) {
        guard let folder = ProcessInfo.processInfo.environment["ATTEND_OVERLAY_DUMP"] else { return }
        let header = Array("P6\n\(image.width) \(image.height)\n255\n".utf8)
        FileManager.default.createFile(atPath: "\(folder)/\(name).ppm", contents: Data(header + image.pixels))
    }
}
