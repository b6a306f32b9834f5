import AttendImage
import XCTest

/// Every PNG colour type and bit depth, interlaced or not, decoded to the values the PNG
/// specification gives (computed independently in `PNGFixture.expectedRGB`).
final class PNGDecodeTests: XCTestCase {
    private func check(_ fixture: PNGFixture, background: RGBColor = .white, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        do {
            let decoded = try ImageDecoder.decode(fixture.encode(), options: DecodeOptions(background: background))
            XCTAssertEqual(decoded.image.width, fixture.width, label, file: file, line: line)
            XCTAssertEqual(decoded.image.height, fixture.height, label, file: file, line: line)
            XCTAssertEqual(decoded.image.pixels, fixture.expectedRGB(background: background), label, file: file, line: line)
            XCTAssertEqual(decoded.info.format, .png, label, file: file, line: line)
            XCTAssertEqual(decoded.info.bitDepth, fixture.bitDepth, label, file: file, line: line)
            XCTAssertEqual(decoded.info.channels, fixture.channels, label, file: file, line: line)
            XCTAssertEqual(decoded.info.interlaced, fixture.interlaced, label, file: file, line: line)
        } catch {
            XCTFail("\(label): \(error)", file: file, line: line)
        }
    }

    func testEveryColourTypeAndBitDepthInterlacedOrNot() {
        let combinations: [(colorType: Int, depths: [Int])] = [
            (0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16]),
        ]
        // Odd sizes: 13 × 11 leaves partial bytes at low depths and partial Adam7 blocks.
        for (colorType, depths) in combinations {
            for depth in depths {
                for interlaced in [false, true] {
                    let maxValue = (1 << depth) - 1
                    var fixture = PNGFixture(width: 13, height: 11, colorType: colorType, bitDepth: depth,
                                             interlaced: interlaced) { x, y, c in
                        colorType == 3 ? (x + 3 * y) % (maxValue + 1) % 16 : (x * 37 + y * 91 + c * 53) * 977 % (maxValue + 1)
                    }
                    if colorType == 3 {
                        fixture.palette = (0..<min(16, maxValue + 1)).map { ($0 * 16, 255 - $0 * 13, ($0 * 71) % 256) }
                    }
                    check(fixture, "colour type \(colorType), \(depth)-bit, interlaced \(interlaced)")
                }
            }
        }
    }

    func testSixteenBitSamplesRoundToNearestNotTheHighByte() throws {
        // All 65,536 values once: 256 × 256 grey.
        let fixture = PNGFixture(width: 256, height: 256, colorType: 0, bitDepth: 16) { x, y, _ in y * 256 + x }
        let decoded = try ImageDecoder.decode(fixture.encode())
        for v in [0, 128, 129, 257, 32767, 32768, 65407, 65408, 65535] {
            let expected = UInt8((v * 255 + 32767) / 65535)
            XCTAssertEqual(decoded.image.pixels[3 * v], expected, "16-bit \(v)")
        }
        XCTAssertEqual(decoded.image.pixels, fixture.expectedRGB())
        // Where rounding and taking the high byte disagree:
        XCTAssertEqual(decoded.image.pixels[3 * 0x00FF], 1, "0x00FF = 0.99 × 257")
        XCTAssertEqual(decoded.image.pixels[3 * 0x01FF], 2, "0x01FF = 1.99 × 257")
        XCTAssertEqual(decoded.image.pixels[3 * 0xFF00], 254, "0xFF00 = 254.0 × 257")
    }

    func testPaletteWithTransparency() {
        var fixture = PNGFixture(width: 8, height: 4, colorType: 3, bitDepth: 4) { x, y, _ in (x + y * 8) % 4 }
        fixture.palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]
        fixture.trns = [0, 128, 255]   // entry 3 has no alpha: opaque
        check(fixture, "palette + tRNS over white")
        check(fixture, background: .black, "palette + tRNS over black")
        check(fixture, background: RGBColor(red: 0, green: 128, blue: 255), "palette + tRNS over a colour")
    }

    func testGreyAndRGBTransparentColour() {
        var grey = PNGFixture(width: 5, height: 3, colorType: 0, bitDepth: 8) { x, _, _ in x * 60 }
        grey.trns = [0, 120]   // grey 120 is transparent
        check(grey, background: RGBColor(red: 9, green: 99, blue: 199), "grey + tRNS")
        var grey16 = PNGFixture(width: 5, height: 3, colorType: 0, bitDepth: 16) { x, _, _ in x * 16000 }
        grey16.trns = be32(32000).suffix(2).map { $0 }
        check(grey16, background: .black, "16-bit grey + tRNS")
        var rgb = PNGFixture(width: 4, height: 4, colorType: 2, bitDepth: 8) { x, y, c in [x * 80, y * 80, 7][c] }
        rgb.trns = [0, 80, 0, 160, 0, 7]
        check(rgb, background: .black, "RGB + tRNS")
        let decoded = try! ImageDecoder.decode(rgb.encode(), options: DecodeOptions(background: .black))
        XCTAssertEqual(pixel(decoded.image, 1, 2), [0, 0, 0], "the tRNS colour is fully transparent")
        XCTAssertTrue(decoded.info.hasAlpha)
    }

    func testAlphaIsCompositedOverTheBackground() throws {
        let fixture = PNGFixture(width: 3, height: 1, colorType: 6, bitDepth: 8) { x, _, c in
            c == 3 ? [0, 128, 255][x] : 200
        }
        let white = try ImageDecoder.decode(fixture.encode()).image
        XCTAssertEqual(white.pixels, [255, 255, 255, 227, 227, 227, 200, 200, 200],
                       "over white: transparent is white, half is (200·128 + 255·127) / 255 = 227.4, opaque is itself")
        let black = try ImageDecoder.decode(fixture.encode(), options: DecodeOptions(background: .black)).image
        XCTAssertEqual(black.pixels, [0, 0, 0, 100, 100, 100, 200, 200, 200])
        XCTAssertEqual(try ImageDecoder.info(fixture.encode()).colorModel, "rgba")
    }

    func testTinyAndThinImages() {
        for (w, h) in [(1, 1), (1, 9), (9, 1), (2, 2), (7, 5)] {
            for interlaced in [false, true] {
                let fixture = PNGFixture(width: w, height: h, colorType: 2, bitDepth: 8, interlaced: interlaced) { x, y, c in
                    (x * 31 + y * 17 + c * 90) % 256
                }
                check(fixture, "\(w) × \(h), interlaced \(interlaced)")
            }
        }
    }

    func testEXIFOrientationInPNG() throws {
        let upright = gradientImage(width: 6, height: 4)
        for o in Orientation.allCases {
            let stored = storedForOrientation(upright, o)
            var fixture = PNGFixture(width: stored.width, height: stored.height, colorType: 2, bitDepth: 8) { x, y, c in
                Int(stored.pixels[3 * (y * stored.width + x) + c])
            }
            fixture.exif = exifBlock(orientation: o.rawValue, bigEndian: o.rawValue % 2 == 0, app1Header: false)
            let decoded = try ImageDecoder.decode(fixture.encode())
            XCTAssertEqual(decoded.info.orientation, o)
            XCTAssertEqual(decoded.image, upright, "orientation \(o.rawValue)")
            XCTAssertEqual(decoded.info.uprightWidth, 6)
            let asStored = try ImageDecoder.decode(fixture.encode(), options: DecodeOptions(applyOrientation: false))
            XCTAssertEqual(asStored.image, stored)
        }
    }

    func testHeaderInfo() throws {
        var fixture = PNGFixture(width: 300, height: 200, colorType: 4, bitDepth: 16, interlaced: true) { _, _, _ in 0 }
        fixture.exif = exifBlock(orientation: 6, app1Header: false)
        let info = try ImageDecoder.info(fixture.encode())
        XCTAssertEqual(info.format, .png)
        XCTAssertEqual([info.width, info.height, info.uprightWidth, info.uprightHeight], [300, 200, 200, 300])
        XCTAssertEqual(info.orientation, .rotated90)
        XCTAssertEqual(info.channels, 2)
        XCTAssertEqual(info.bitDepth, 16)
        XCTAssertEqual(info.colorModel, "grayscale+alpha")
        XCTAssertTrue(info.hasAlpha)
        XCTAssertTrue(info.interlaced)
        XCTAssertNil(info.chromaSubsampling)
    }
}
