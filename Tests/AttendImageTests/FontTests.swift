import XCTest
import AttendImage

final class FontTests: XCTestCase {

    // MARK: - Glyph table

    func testTheRequiredCharactersHaveGlyphs() {
        let required = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            + ".,;:!?'\"-_()[]/<>=+%&#@* "
        for character in required {
            XCTAssertTrue(BitmapFont.hasGlyph(character), "no glyph for \(character)")
        }
        XCTAssertFalse(BitmapFont.hasGlyph("é"))
        XCTAssertFalse(BitmapFont.hasGlyph("\n"))
    }

    func testEveryGlyphIsDistinct() {
        let characters = BitmapFont.characters
        var seen: [[UInt8]: String] = [BitmapFont.placeholder: "the placeholder"]
        for character in characters {
            let rows = BitmapFont.rows(for: character)
            XCTAssertEqual(rows.count, BitmapFont.glyphHeight)
            XCTAssertTrue(rows.allSatisfy { $0 < 1 << BitmapFont.glyphWidth }, "\(character) is too wide")
            if let other = seen[rows] {
                XCTFail("\(character) looks the same as \(other)")
            }
            seen[rows] = String(character)
            XCTAssertEqual(rows.contains { $0 != 0 }, character != " ", "only the space has no ink: \(character)")
        }
        XCTAssertGreaterThanOrEqual(characters.count, 26 + 26 + 10 + 25)
    }

    func testLookalikesDifferInAtLeastTwoPixels() {
        // The pairs a reader most easily confuses must stay apart at scale 1.
        let pairs: [(Character, Character)] = [("O", "0"), ("I", "l"), ("l", "1"), ("I", "1"), ("S", "5"),
                                               ("B", "8"), ("g", "q"), ("g", "y"), (".", ","), ("-", "_"),
                                               ("'", "\""), (":", ";"), ("Z", "2")]
        for (a, b) in pairs {
            let differing = zip(BitmapFont.rows(for: a), BitmapFont.rows(for: b))
                .map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +)
            XCTAssertGreaterThanOrEqual(differing, 2, "\(a) and \(b)")
        }
    }

    func testUnknownCharactersUseThePlaceholder() {
        XCTAssertEqual(BitmapFont.rows(for: "€"), BitmapFont.placeholder)
        // The placeholder is a hollow box: full top and bottom rows, sides only in between.
        XCTAssertEqual(BitmapFont.placeholder[0], 0b11111)
        XCTAssertEqual(BitmapFont.placeholder[1], 0b10001)
        XCTAssertEqual(BitmapFont.placeholder[6], 0b11111)
    }

    // MARK: - Width

    func testTextWidthFormula() {
        XCTAssertEqual(textWidth("", scale: 3), 0)
        XCTAssertEqual(textWidth("a", scale: 1), 5)
        XCTAssertEqual(textWidth("ab", scale: 1), 11)
        XCTAssertEqual(textWidth("hello", scale: 2), (5 * 6 - 1) * 2)
        XCTAssertEqual(textWidth("a red circle", scale: 3), (12 * 6 - 1) * 3)
        XCTAssertEqual(textWidth("né", scale: 1), 11, "width counts characters, not bytes")
        XCTAssertEqual(textHeight(scale: 2), 18)
    }

    /// For text whose first and last glyphs touch their cell's left and right edges, the ink spans
    /// exactly textWidth.
    func testInkSpansTextWidth() {
        for scale in 1...3 {
            for text in ["HM", "MW a N", "W"] {
                var canvas = RGBImage(width: 200, height: 40)
                drawText(text, into: &canvas, x: 10, y: 5, scale: scale, colour: (255, 255, 255))
                var minX = Int.max, maxX = Int.min, minY = Int.max, maxY = Int.min
                for y in 0..<canvas.height {
                    for x in 0..<canvas.width where canvas.pixels[3 * (y * canvas.width + x)] != 0 {
                        minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                    }
                }
                XCTAssertEqual(minX, 10)
                XCTAssertEqual(maxX + 1 - minX, textWidth(text, scale: scale), "\(text) at \(scale)")
                XCTAssertEqual(minY, 5)
                XCTAssertEqual(maxY + 1 - minY, 7 * scale, "capitals are 7 font pixels tall")
            }
        }
    }
}
