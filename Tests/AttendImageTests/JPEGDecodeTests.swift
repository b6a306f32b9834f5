import AttendImage
import Foundation
import XCTest

/// JPEG variants, written by libjpeg from known pictures and decoded back: pixel values must come
/// back within JPEG's loss (bounds stated per test), and the header must describe the variant.
final class JPEGDecodeTests: XCTestCase {
    let source = gradientImage(width: 61, height: 47)  // odd sizes: partial MCUs at both edges

    private func decodeAndCompare(_ jpeg: [UInt8], to expected: RGBImage, meanBelow: Double, maxBelow: Int,
                                  _ label: String, file: StaticString = #filePath, line: UInt = #line) -> DecodedImage? {
        do {
            let decoded = try ImageDecoder.decode(jpeg)
            let d = difference(decoded.image, expected, file: file, line: line)
            XCTAssertLessThan(d.mean, meanBelow, "\(label): \(d)", file: file, line: line)
            XCTAssertLessThan(d.max, maxBelow, "\(label): \(d)", file: file, line: line)
            XCTAssertTrue(decoded.warnings.isEmpty, "\(label): \(decoded.warnings)", file: file, line: line)
            return decoded
        } catch {
            XCTFail("\(label): \(error)", file: file, line: line)
            return nil
        }
    }

    func testCodingVariants() throws {
        let variants: [(String, (inout JPEGWriter.Options) -> Void, (ImageInfo) -> Bool)] = [
            ("baseline", { _ in }, { !$0.interlaced && !$0.arithmeticCoding }),
            ("progressive", { $0.progressive = true }, { $0.interlaced }),
            ("arithmetic", { $0.arithmetic = true }, { $0.arithmeticCoding }),
            ("progressive arithmetic", { $0.progressive = true; $0.arithmetic = true }, { $0.interlaced && $0.arithmeticCoding }),
            ("restart markers", { $0.restartInterval = 3 }, { $0.restartInterval == 3 }),
            ("restart markers, progressive", { $0.restartInterval = 1; $0.progressive = true }, { $0.restartInterval == 1 }),
        ]
        for (label, configure, describes) in variants {
            let jpeg = encodeJPEG(source, quality: 95, configure: configure)
            guard let decoded = decodeAndCompare(jpeg, to: source, meanBelow: 1.5, maxBelow: 12, label) else { continue }
            XCTAssertTrue(describes(decoded.info), "\(label): \(decoded.info)")
            XCTAssertEqual(decoded.info.colorModel, "ycbcr", label)
        }
    }

    func testChromaSubsampling() throws {
        for (h, v, name) in [(1, 1, "4:4:4"), (2, 1, "4:2:2"), (2, 2, "4:2:0"), (1, 2, "4:4:0")] {
            let jpeg = encodeJPEG(source, quality: 95) { $0.lumaSampling = (h, v) }
            let decoded = decodeAndCompare(jpeg, to: source, meanBelow: 1.5, maxBelow: 12, name)
            XCTAssertEqual(decoded?.info.chromaSubsampling, name)
        }
    }

    func testGreyscale() throws {
        let grey = source.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        let jpeg = try JPEGWriter.encode(pixels: grey, width: source.width, height: source.height, components: 1)
        let expected = RGBImage(width: source.width, height: source.height, pixels: grey.flatMap { [$0, $0, $0] })
        let decoded = decodeAndCompare(jpeg, to: expected, meanBelow: 1.0, maxBelow: 8, "greyscale")
        XCTAssertEqual(decoded?.info.channels, 1)
        XCTAssertEqual(decoded?.info.colorModel, "grayscale")
        XCTAssertNil(decoded?.info.chromaSubsampling)
        // Grey in, grey out: all three channels equal.
        if let image = decoded?.image {
            let p = image.pixels
            let equal = stride(from: 0, to: p.count, by: 3).allSatisfy { (i: Int) -> Bool in
                p[i] == p[i + 1] && p[i] == p[i + 2]
            }
            XCTAssertTrue(equal)
        }
    }

    func testRGBStoredWithoutColourTransform() throws {
        let jpeg = encodeJPEG(source, quality: 95) { $0.storeRGB = true }
        let decoded = decodeAndCompare(jpeg, to: source, meanBelow: 1.5, maxBelow: 12, "RGB JPEG")
        XCTAssertEqual(decoded?.info.colorModel, "rgb")
    }

    /// CMYK and YCCK as Adobe writes them: values stored as 255 − ink (an APP14 "Adobe" marker says
    /// so, and libjpeg writes one). With no black ink (stored K = 255), stored C, M, Y are R, G, B.
    func testAdobeCMYKAndYCCKAreInverted() throws {
        for ycck in [false, true] {
            var cmyk = [UInt8]()
            for i in 0..<(source.width * source.height) {
                cmyk += [source.pixels[3 * i], source.pixels[3 * i + 1], source.pixels[3 * i + 2], 255]
            }
            var options = JPEGWriter.Options()
            options.quality = 95
            options.ycck = ycck
            let jpeg = try JPEGWriter.encode(pixels: cmyk, width: source.width, height: source.height, components: 4,
                                             options: options)
            let decoded = decodeAndCompare(jpeg, to: source, meanBelow: 1.5, maxBelow: 12, ycck ? "YCCK" : "CMYK")
            XCTAssertEqual(decoded?.info.colorModel, ycck ? "ycck" : "cmyk")
            XCTAssertEqual(decoded?.info.channels, 4)
        }
    }

    func testCMYKBlackInkAndPlainCMYK() throws {
        // Stored (inverted) C = 200, K = 128: red = 200 · 128 / 255 = 100.4.
        var flat = [UInt8]()
        for _ in 0..<(16 * 16) { flat += [200, 100, 50, 128] }
        var options = JPEGWriter.Options()
        options.quality = 100
        let jpeg = try JPEGWriter.encode(pixels: flat, width: 16, height: 16, components: 4, options: options)
        let inverted = try ImageDecoder.decode(jpeg).image
        XCTAssertEqual(pixel(inverted, 8, 8).map(Int.init), [100, 50, 25], accuracy: 2)

        // The same file without its Adobe marker is plain CMYK: values are ink, so invert first:
        // red = (255 − 200) · (255 − 128) / 255 = 27.4.
        let plain = removingAdobeMarker(jpeg)
        XCTAssertLessThan(plain.count, jpeg.count)
        let decoded = try ImageDecoder.decode(plain).image
        XCTAssertEqual(pixel(decoded, 8, 8).map(Int.init), [27, 77, 102], accuracy: 2)
    }

    func testOddSizesDownToOnePixel() throws {
        for (w, h) in [(1, 1), (1, 17), (17, 1), (2, 3), (9, 9), (16, 16), (33, 7)] {
            for sampling in [(1, 1), (2, 2)] {
                let image = RGBImage(width: w, height: h, fill: (200, 100, 50))
                let jpeg = encodeJPEG(image, quality: 100) { $0.lumaSampling = sampling }
                _ = decodeAndCompare(jpeg, to: image, meanBelow: 2, maxBelow: 5, "\(w) × \(h), sampling \(sampling)")
            }
        }
    }

    func testHeaderInfo() throws {
        let jpeg = encodeJPEG(RGBImage(width: 40, height: 30), quality: 80) {
            $0.progressive = true
            $0.app1 = exifBlock(orientation: 8, bigEndian: true)
        }
        let info = try ImageDecoder.info(jpeg)
        XCTAssertEqual(info.format, .jpeg)
        XCTAssertEqual([info.width, info.height, info.uprightWidth, info.uprightHeight], [40, 30, 30, 40])
        XCTAssertEqual(info.orientation, .rotated270)
        XCTAssertEqual(info.channels, 3)
        XCTAssertEqual(info.bitDepth, 8)
        XCTAssertTrue(info.interlaced)
        XCTAssertFalse(info.hasAlpha)
        XCTAssertFalse(info.hasICCProfile)
        XCTAssertEqual(info.chromaSubsampling, "4:2:0")
    }

    /// Every EXIF orientation, in either byte order, gives the same upright picture.
    func testAllEightOrientationsGiveTheSameUprightPixels() throws {
        let upright = gradientImage(width: 64, height: 40)
        for o in Orientation.allCases {
            for bigEndian in [false, true] {
                let stored = storedForOrientation(upright, o)
                let jpeg = encodeJPEG(stored, quality: 95) { $0.app1 = exifBlock(orientation: o.rawValue, bigEndian: bigEndian) }
                let decoded = try ImageDecoder.decode(jpeg)
                XCTAssertEqual(decoded.info.orientation, o)
                let d = difference(decoded.image, upright)
                XCTAssertLessThan(d.mean, 1.5, "orientation \(o.rawValue), big-endian \(bigEndian): \(d)")
                XCTAssertLessThan(d.max, 12, "orientation \(o.rawValue), big-endian \(bigEndian): \(d)")
                // The four corners are far apart in colour: a wrong turn or flip cannot pass.
                for (x, y) in [(0, 0), (63, 0), (0, 39), (63, 39)] {
                    XCTAssertEqual(pixel(decoded.image, x, y).map(Int.init), pixel(upright, x, y).map(Int.init),
                                   accuracy: 10, "orientation \(o.rawValue), corner (\(x), \(y))")
                }
            }
        }
    }

    func testEXIFOrientationAsLONG() {
        // Type 4 (LONG) instead of SHORT, little-endian: tag 0x0112, type 4, count 1, value 6.
        let tiff: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 4, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]
        XCTAssertEqual(tiff.withUnsafeBytes { exifOrientation($0) }, .rotated90)
        let block = exifBlock(orientation: 3, bigEndian: true)
        XCTAssertEqual(block.withUnsafeBytes { exifOrientation($0) }, .rotated180, "with the APP1 header")
        XCTAssertEqual(Array(block.dropFirst(6)).withUnsafeBytes { exifOrientation($0) }, .rotated180, "without")
    }

    /// `info(contentsOf:)` reads 64 KB, and more only when the header goes on past it.
    func testInfoReadsOnWhenTheHeaderIsLong() throws {
        var app1 = exifBlock(orientation: 5)
        app1 += [UInt8](repeating: 0x20, count: 65_000 - app1.count)   // padding after the IFD: a long EXIF block
        let jpeg = encodeJPEG(gradientImage(width: 30, height: 20), quality: 90) { $0.app1 = app1 }
        let path = temporaryDirectory(self) + "/long-header.jpg"
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
        let (info, size) = try ImageDecoder.info(contentsOf: path)
        XCTAssertEqual(info.orientation, .transposed)
        XCTAssertEqual([info.uprightWidth, info.uprightHeight], [20, 30])
        XCTAssertEqual(size, jpeg.count)
        XCTAssertGreaterThan(jpeg.count, 1 << 16)
    }

    func testMalformedOrMissingEXIFLeavesThePictureAsStored() throws {
        let image = gradientImage(width: 20, height: 10)
        var bad = exifBlock(orientation: 6)
        bad[bad.count - 10] = 9   // orientation 9 does not exist
        let cases: [[UInt8]] = [
            bad,
            Array(exifBlock(orientation: 6).prefix(14)),          // cut inside the IFD
            Array("Exif".utf8) + [0, 0, 0x49, 0x49, 42, 0, 0xFF, 0xFF, 0xFF, 0x7F],  // IFD offset far past the end
            Array("Exif".utf8) + [0, 0, 0x58, 0x58, 42, 0, 8, 0, 0, 0],             // not II or MM
            Array("http://ns.adobe.com/xap/1.0/\u{0}<x/>".utf8),  // XMP, also APP1
        ]
        for (i, app1) in cases.enumerated() {
            let jpeg = encodeJPEG(image, quality: 95) { $0.app1 = app1 }
            let decoded = try ImageDecoder.decode(jpeg)
            XCTAssertEqual(decoded.info.orientation, .up, "case \(i)")
            XCTAssertEqual(decoded.image.width, 20, "case \(i)")
        }
    }
}

/// The JPEG without its APP14 segment.
func removingAdobeMarker(_ jpeg: [UInt8]) -> [UInt8] {
    var i = 2
    while i + 4 <= jpeg.count, jpeg[i] == 0xFF {
        let length = Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3])
        if jpeg[i + 1] == 0xEE { return Array(jpeg[..<i] + jpeg[(i + 2 + length)...]) }
        if jpeg[i + 1] == 0xDA { break }
        i += 2 + length
    }
    return jpeg
}

func XCTAssertEqual(_ a: [Int], _ b: [Int], accuracy: Int, _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, message, file: file, line: line)
    XCTAssertTrue(zip(a, b).allSatisfy { abs($0 - $1) <= accuracy }, "\(a) vs \(b) ± \(accuracy) \(message)",
                  file: file, line: line)
}
