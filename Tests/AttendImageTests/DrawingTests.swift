import XCTest
import AttendImage

final class DrawingTests: XCTestCase {
    private let white: (UInt8, UInt8, UInt8) = (255, 255, 255)

    private func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
        let base = 3 * (y * image.width + x)
        return Array(image.pixels[base..<(base + 3)])
    }

    /// A canvas whose every pixel is different, so a misplaced copy cannot go unnoticed.
    private func pattern(width: Int, height: Int, salt: Int) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                pixels += [UInt8((x * 7 + salt) % 256), UInt8((y * 13 + salt) % 256), UInt8((x + y + salt) % 256)]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    // MARK: - Text

    /// "H" at scale 2: the strokes of an H, where they belong, and nothing else.
    func testRenderedWordPixelsAreWhereExpected() {
        var canvas = RGBImage(width: 40, height: 30)
        drawText("HI", into: &canvas, x: 3, y: 4, scale: 2, colour: (200, 100, 50))
        // H occupies x 3..<13, y 4..<18: both uprights and the crossbar on font row 3.
        for fontRow in 0..<7 {
            for fontColumn in 0..<5 {
                let ink = fontColumn == 0 || fontColumn == 4 || fontRow == 3
                for dy in 0..<2 {
                    for dx in 0..<2 {
                        let p = pixel(canvas, 3 + 2 * fontColumn + dx, 4 + 2 * fontRow + dy)
                        XCTAssertEqual(p, ink ? [200, 100, 50] : [0, 0, 0], "H font pixel (\(fontColumn), \(fontRow))")
                    }
                }
            }
        }
        // I starts one advance (6 font pixels = 12 pixels) later: its stem is font column 2.
        XCTAssertEqual(pixel(canvas, 15 + 4, 4 + 2 * 3), [200, 100, 50])
        XCTAssertEqual(pixel(canvas, 15, 4 + 2 * 3), [0, 0, 0])
        XCTAssertEqual(pixel(canvas, 15 + 2, 4), [200, 100, 50], "top serif of I starts at font column 1")
        XCTAssertEqual(pixel(canvas, 15, 4), [0, 0, 0])
        // The blank column between the glyphs stays paper.
        for y in 0..<30 {
            XCTAssertEqual(pixel(canvas, 13, y), [0, 0, 0])
            XCTAssertEqual(pixel(canvas, 14, y), [0, 0, 0])
        }
    }

    func testTextIsClippedAtEveryBorder() {
        let text = "Clip me: 42!"
        let scale = 2
        // Reference: the whole text on a canvas large enough, with a 40-pixel margin.
        var big = RGBImage(width: textWidth(text, scale: scale) + 80, height: textHeight(scale: scale) + 80)
        drawText(text, into: &big, x: 40, y: 40, scale: scale, colour: white)
        // A small canvas placed at every kind of overhang must show the matching crop of the reference.
        for (x, y) in [(-7, -5), (20, -9), (-30, 3), (100, 2), (5, 10), (-1000, -1000)] {
            var small = RGBImage(width: 64, height: 16)
            drawText(text, into: &small, x: x, y: y, scale: scale, colour: white)
            for sy in 0..<small.height {
                for sx in 0..<small.width {
                    let bx = sx - x + 40, by = sy - y + 40
                    let inside = bx >= 0 && by >= 0 && bx < big.width && by < big.height
                    let expected = inside ? pixel(big, bx, by) : [0, 0, 0]
                    XCTAssertEqual(pixel(small, sx, sy), expected, "at (\(sx), \(sy)) drawing at (\(x), \(y))")
                }
            }
        }
        var small = RGBImage(width: 8, height: 8)
        for (x, y) in [(Int.max, 0), (Int.min, Int.min), (Int.max - 3, Int.max - 3), (0, Int.min + 1)] {
            drawText(text, into: &small, x: x, y: y, scale: 3, colour: white)
        }
        XCTAssertEqual(small, RGBImage(width: 8, height: 8), "text far outside leaves the picture untouched")
    }

    // MARK: - Rectangles

    func testFillRectClips() {
        var image = RGBImage(width: 10, height: 6)
        fillRect(into: &image, x: -3, y: 4, width: 5, height: 100, colour: white)
        for y in 0..<6 {
            for x in 0..<10 {
                XCTAssertEqual(pixel(image, x, y), (x < 2 && y >= 4) ? [255, 255, 255] : [0, 0, 0], "(\(x), \(y))")
            }
        }
        let before = image
        fillRect(into: &image, x: Int.min, y: Int.min, width: Int.max, height: 3, colour: white)
        fillRect(into: &image, x: 10, y: 0, width: 5, height: 5, colour: white)
        fillRect(into: &image, x: 2, y: 2, width: 0, height: 5, colour: white)
        fillRect(into: &image, x: Int.max, y: Int.max, width: Int.max, height: Int.max, colour: white)
        XCTAssertEqual(image, before)
    }

    func testStrokeRectDrawsTheOutlineOnly() {
        var image = RGBImage(width: 12, height: 12)
        strokeRect(into: &image, x: 2, y: 3, width: 6, height: 5, thickness: 1, colour: white)
        for y in 0..<12 {
            for x in 0..<12 {
                let onEdge = (x == 2 || x == 7) && (3...7).contains(y) || (y == 3 || y == 7) && (2...7).contains(x)
                XCTAssertEqual(pixel(image, x, y) == [255, 255, 255], onEdge, "(\(x), \(y))")
            }
        }
        strokeRect(into: &image, x: -50, y: -50, width: 200, height: 200, thickness: 3, colour: (9, 9, 9))
    }

    // MARK: - Blit

    func testBlitCopiesAndClips() {
        let source = pattern(width: 5, height: 4, salt: 50)
        for (ox, oy) in [(0, 0), (3, 2), (-2, -1), (6, 5), (-5, 0), (8, 8), (Int.min, 0), (Int.max, Int.max)] {
            let background = pattern(width: 8, height: 7, salt: 1)
            var destination = background
            blit(source, into: &destination, x: ox, y: oy)
            for y in 0..<7 {
                for x in 0..<8 {
                    let (sx, sy) = (x.subtractingReportingOverflow(ox), y.subtractingReportingOverflow(oy))
                    let fromSource = !sx.overflow && !sy.overflow
                        && (0..<5).contains(sx.partialValue) && (0..<4).contains(sy.partialValue)
                    let expected = fromSource ? pixel(source, sx.partialValue, sy.partialValue) : pixel(background, x, y)
                    XCTAssertEqual(pixel(destination, x, y), expected, "(\(x), \(y)) blitting at (\(ox), \(oy))")
                }
            }
        }
    }
}
