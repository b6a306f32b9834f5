import AttendImage
import Foundation
import XCTest

/// Bad input fails with the error a caller can switch on, naming the cause.
final class ErrorTests: XCTestCase {
    let png = PNGFixture(width: 40, height: 30, colorType: 2, bitDepth: 8) { x, y, c in (x * 5 + y * 3 + c * 70) % 256 }.encode()
    let jpeg = encodeJPEG(gradientImage(width: 40, height: 30), quality: 90)

    private func expectError(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions(), _ label: String,
                             file: StaticString = #filePath, line: UInt = #line, matches: (ImageError) -> Bool) {
        do {
            _ = try ImageDecoder.decode(bytes, options: options)
            XCTFail("\(label): decoded", file: file, line: line)
        } catch let error as ImageError {
            XCTAssertTrue(matches(error), "\(label): \(error)", file: file, line: line)
        } catch {
            XCTFail("\(label): not an ImageError: \(error)", file: file, line: line)
        }
    }

    func testOtherFormatsAreNamed() {
        let cases: [(String, [UInt8])] = [
            ("GIF image", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]),
            ("BMP image", Array("BM".utf8) + [UInt8](repeating: 0, count: 60)),
            ("WebP image", Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)),
            ("HEIC/HEIF image", [0, 0, 0, 24] + Array("ftypheic".utf8) + [0, 0, 0, 0]),
            ("AVIF image", [0, 0, 0, 24] + Array("ftypavif".utf8) + [0, 0, 0, 0]),
            ("TIFF image", Array("II*".utf8) + [0, 8, 0, 0, 0]),
            ("TIFF image", [0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8]),
            ("text", Array("a cat sitting on a mat\n".utf8)),
            ("text", Array("une photo d'été\n".utf8)),
            ("PDF document", Array("%PDF-1.7\n".utf8)),
            ("unrecognised data (starts with 00 01 FE 7F)", [0x00, 0x01, 0xFE, 0x7F, 0x10, 0x80]),
        ]
        for (name, bytes) in cases {
            expectError(bytes, name) { $0 == .unsupportedFormat(detected: name) }
            XCTAssertTrue(ImageError.unsupportedFormat(detected: name).description.contains("attend reads JPEG and PNG"))
        }
        var random = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            expectError(bytes, "random bytes") {
                if case .unsupportedFormat = $0 { return true }
                if case .truncated = $0 { return bytes.count < 8 }  // a few bytes that start a signature
                return false
            }
        }
    }

    func testContentDecidesNotTheName() throws {
        let dir = temporaryDirectory(self)
        try Data(png).write(to: URL(fileURLWithPath: dir + "/photo.jpg"))
        try Data(jpeg).write(to: URL(fileURLWithPath: dir + "/picture.PNG"))
        try Data(jpeg).write(to: URL(fileURLWithPath: dir + "/no-extension"))
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: dir + "/photo.jpg").info.format, .png)
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: dir + "/picture.PNG").info.format, .jpeg)
        XCTAssertEqual(try ImageDecoder.info(contentsOf: dir + "/no-extension").info.format, .jpeg)
    }

    func testEmptyMissingAndDirectory() throws {
        let dir = temporaryDirectory(self)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/empty.jpg", contents: Data()))
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: dir + "/empty.jpg")) { XCTAssertEqual($0 as? ImageError, .empty) }
        XCTAssertThrowsError(try ImageDecoder.info(contentsOf: dir + "/empty.jpg")) { XCTAssertEqual($0 as? ImageError, .empty) }
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: dir + "/missing.png")) {
            XCTAssertEqual($0 as? ImageError, .io("cannot open: no such file or directory"))
        }
        XCTAssertThrowsError(try ImageDecoder.decode(contentsOf: dir)) { XCTAssertEqual($0 as? ImageError, .io("is a directory")) }
    }

    func testTruncatedAtSeveralOffsets() {
        for (name, file, format) in [("PNG", png, ImageFormat.png), ("JPEG", jpeg, .jpeg)] {
            for cut in [1, 2, 5, 8, 20, 33, 60, file.count / 3, file.count / 2, file.count - 20, file.count - 2, file.count - 1] {
                expectError(Array(file.prefix(cut)), "\(name) cut at \(cut) of \(file.count)") {
                    $0 == .truncated(format, "the file ends before the image data does")
                        || $0 == .truncated(format, "the file ends inside the \(name) signature")
                        || $0 == .truncated(format, "the file ends inside the \(name) start marker")
                }
            }
        }
    }

    /// A truncated JPEG fails by default. With `allowTruncated`, what libjpeg decoded is kept: the
    /// part before the cut is the picture, the rest is grey (128), and a warning says so.
    func testTruncatedJPEGWithAllowTruncatedGivesThePartThatIsThere() throws {
        let image = gradientImage(width: 32, height: 256)   // tall, so that the headers are a small part
        let file = encodeJPEG(image, quality: 95)
        let cut = Array(file.prefix(file.count * 6 / 10))
        XCTAssertThrowsError(try ImageDecoder.decode(cut)) { XCTAssertEqual($0 as? ImageError, .truncated(.jpeg, "the file ends before the image data does")) }
        let decoded = try ImageDecoder.decode(cut, options: DecodeOptions(allowTruncated: true))
        XCTAssertEqual(decoded.image.width, 32)
        XCTAssertEqual(decoded.image.height, 256)
        XCTAssertTrue(decoded.warnings.first?.hasPrefix("truncated:") ?? false, "\(decoded.warnings)")
        let top = pixel(decoded.image, 10, 2).map(Int.init), bottom = pixel(decoded.image, 10, 250).map(Int.init)
        XCTAssertEqual(top, pixel(image, 10, 2).map(Int.init), accuracy: 8, "the top rows were in the file")
        XCTAssertEqual(bottom, [128, 128, 128], accuracy: 2, "the bottom rows were not: grey")

        // The same for a progressive file: the scans that arrived refine the whole picture.
        let progressive = encodeJPEG(image, quality: 95) { $0.progressive = true }
        let progressiveCut = Array(progressive.prefix(progressive.count * 3 / 4))
        XCTAssertThrowsError(try ImageDecoder.decode(progressiveCut))
        let partial = try ImageDecoder.decode(progressiveCut, options: DecodeOptions(allowTruncated: true))
        XCTAssertTrue(partial.warnings.first?.hasPrefix("truncated:") ?? false, "\(partial.warnings)")
        XCTAssertLessThan(difference(partial.image, image).mean, 20, "a coarser whole picture, not grey")
    }

    /// A PNG cut inside its image data cannot be partly decoded: it always fails.
    func testTruncatedPNGFailsEvenWithAllowTruncated() {
        expectError(Array(png.prefix(png.count / 2)), options: DecodeOptions(allowTruncated: true), "PNG cut in half") {
            $0 == .truncated(.png, "the file ends before the image data does")
        }
    }

    /// A file is whole when it reaches its end marker (JPEG EOI, PNG IEND). One that stops just
    /// before it has every pixel, but is still a cut file: an error, or with `allowTruncated`, the
    /// complete picture and a warning.
    func testMissingEndMarkerCountsAsTruncated() throws {
        for (name, cut, format) in [("JPEG without EOI", Array(jpeg.dropLast(2)), ImageFormat.jpeg),
                                    ("PNG without IEND", Array(png.dropLast(12)), .png),
                                    ("PNG cut inside IEND", Array(png.dropLast(1)), .png)] {
            expectError(cut, name) { $0 == .truncated(format, "the file ends before the image data does") }
            let decoded = try ImageDecoder.decode(cut, options: DecodeOptions(allowTruncated: true))
            XCTAssertEqual(decoded.image, try ImageDecoder.decode(format == .png ? png : jpeg).image, name)
            XCTAssertTrue(decoded.warnings.first?.hasPrefix("truncated:") ?? false, "\(name): \(decoded.warnings)")
        }
    }

    func testCorruptData() {
        var badCRC = PNGFixture(width: 4, height: 4, colorType: 2, bitDepth: 8) { _, _, _ in 0 }.encode(corruptIHDRCRC: true)
        expectError(badCRC, "PNG with a bad IHDR CRC") { $0 == .corrupt(.png, "IHDR: CRC error") }
        badCRC = png
        badCRC[16] = 0xFF   // width's top byte: over 2^31
        expectError(badCRC, "PNG width beyond the format's limit") { if case .corrupt(.png, _) = $0 { return true }; return false }

        var badMarker = jpeg
        let sof = jpeg.firstIndex(of: 0xC0).map { $0 - 1 }!   // FF C0: start of frame (baseline)
        XCTAssertEqual(badMarker[sof], 0xFF)
        badMarker[sof + 1] = 0xC3   // lossless JPEG: valid, but libjpeg-turbo 2 does not decode it
        expectError(badMarker, "lossless JPEG") {
            $0 == .unsupportedFormat(detected: "JPEG variant (Unsupported JPEG process: SOF type 0xc3)")
        }
        var noImage = Array(jpeg.prefix(2))
        noImage += [0xFF, 0xD9]
        expectError(noImage, "JPEG with no frame") { if case .corrupt(.jpeg, _) = $0 { return true }; return false }
    }

    /// Decompression bombs: the header's size is refused before any pixel buffer exists.
    func testPixelLimitIsCheckedFromTheHeader() throws {
        // A PNG header for 100,000 × 100,000 (10 gigapixels) followed by a few bytes of data.
        var bomb = [UInt8](png.prefix(8))
        bomb += chunk("IHDR", be32(100_000) + be32(100_000) + [8, 2, 0, 0, 0])
        bomb += chunk("IDAT", zlibStored([0, 1, 2, 3]))
        bomb += chunk("IEND", [])
        let start = Date()
        expectError(bomb, "10-gigapixel PNG") { $0 == .tooLarge(width: 100_000, height: 100_000, maxPixels: 100_000_000) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertEqual(try ImageDecoder.info(bomb).width, 100_000, "info still reads the header")

        // A JPEG whose frame header says 65,000 × 65,000.
        var jpegBomb = jpeg
        let sof = jpeg.firstIndex(of: 0xC0)! + 4   // FF C0, length (2), precision (1): then height, width
        jpegBomb[sof] = 0xFD; jpegBomb[sof + 1] = 0xE8; jpegBomb[sof + 2] = 0xFD; jpegBomb[sof + 3] = 0xE8
        expectError(jpegBomb, "4-gigapixel JPEG") { $0 == .tooLarge(width: 65_000, height: 65_000, maxPixels: 100_000_000) }

        // The limit is the caller's.
        expectError(png, options: DecodeOptions(maxPixels: 1_000), "40 × 30 over a 1,000-pixel limit") {
            $0 == .tooLarge(width: 40, height: 30, maxPixels: 1_000)
        }
        XCTAssertNoThrow(try ImageDecoder.decode(png, options: DecodeOptions(maxPixels: 1_200)))
        XCTAssertTrue(ImageError.tooLarge(width: 12_000, height: 9_000, maxPixels: 100_000_000).description
            .contains("12000 × 9000 = 108,000,000 pixels, over the limit of 100,000,000"))
    }

    func testFileBiggerThanAnyImageWithinTheLimitIsNotRead() throws {
        let dir = temporaryDirectory(self)
        let path = dir + "/huge.png"
        var bytes = png
        bytes += [UInt8](repeating: 0, count: 20_000)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let options = DecodeOptions(maxPixels: 100)   // 100 pixels: at most 900 bytes + 16 MB of metadata
        XCTAssertEqual(options.maxFileBytes, 900 + (16 << 20))
        XCTAssertNoThrow(try ImageDecoder.decode(contentsOf: path))
        XCTAssertEqual(DecodeOptions(maxPixels: Int.max).maxFileBytes, Int.max, "no overflow")
    }
}
