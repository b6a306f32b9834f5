import AttendImage
import Foundation
import XCTest

/// From file to the model's input: the squash, the DCT-scaled fast path, and normalisation.
final class ModelInputTests: XCTestCase {
    func testSquashesTheWholePictureToTheSquare() throws {
        // 448 × 224: each output pixel averages a 2 × 1 block; the left and right halves stay apart.
        var pixels = [UInt8]()
        for _ in 0..<224 { for x in 0..<448 { pixels += x < 224 ? [255, 0, 0] : [0, 0, 255] } }
        let wide = RGBImage(width: 448, height: 224, pixels: pixels)
        let png = try PNGWriter.encode(wide)
        let loaded = try ModelInput().load(png)
        XCTAssertEqual([loaded.pixels.width, loaded.pixels.height], [224, 224])
        XCTAssertEqual(pixel(loaded.pixels, 0, 100), [255, 0, 0], "the left edge is kept: nothing cropped")
        XCTAssertEqual(pixel(loaded.pixels, 223, 100), [0, 0, 255], "the right edge is kept")
        XCTAssertEqual(pixel(loaded.pixels, 56, 10), [255, 0, 0], "a quarter across is still the left half")
        XCTAssertEqual(loaded.decoded.image, wide)
    }

    func testAPictureAlreadyAtTheModelSizeIsUntouched() throws {
        let picture = RGBImage.testPattern(width: 224, height: 224, seed: 3)
        let loaded = try ModelInput().load(try PNGWriter.encode(picture))
        XCTAssertEqual(loaded.pixels, picture)
        XCTAssertEqual(loaded.decoded.scaleDenominator, 1)
    }

    func testUprightBeforeSquashing() throws {
        // A 300 × 200 picture stored turned (orientation 6): the model sees it upright, 200 wide.
        let upright = gradientImage(width: 200, height: 300)
        let jpeg = encodeJPEG(storedForOrientation(upright, .rotated90), quality: 95) { $0.app1 = exifBlock(orientation: 6) }
        let loaded = try ModelInput().load(jpeg)
        let expected = ModelInput().pixels(from: upright)
        let d = difference(loaded.pixels, expected)
        XCTAssertLessThan(d.mean, 1.5, "\(d)")
        XCTAssertEqual([loaded.decoded.image.width, loaded.decoded.image.height], [200, 300])
    }

    func testScaleDenominatorFollowsTheSourceSize() throws {
        func denominator(_ w: Int, _ h: Int, orientation: Int = 1, target: Int = 224) throws -> Int {
            let jpeg = encodeJPEG(RGBImage(width: w, height: h, fill: (90, 90, 90)), quality: 50) {
                $0.app1 = exifBlock(orientation: orientation)
            }
            return try ModelInput(size: target).load(jpeg).decoded.scaleDenominator
        }
        XCTAssertEqual(try denominator(447, 1000), 1, "less than twice the target in one direction: full size")
        XCTAssertEqual(try denominator(448, 448), 2, "exactly twice")
        XCTAssertEqual(try denominator(1000, 896), 4)
        XCTAssertEqual(try denominator(4000, 3000), 8, "never more than 1/8")
        XCTAssertEqual(try denominator(1792, 1791), 4, "1/8 would be below 224")
        XCTAssertEqual(try denominator(1200, 500, orientation: 6), 2, "orientation does not change a square target")
        XCTAssertEqual(try denominator(100, 60, target: 12), 4)

        var options = DecodeOptions()
        options.targetSize = (100, 400)   // upright; the file is stored turned, so 400 × 100 stored
        let jpeg = encodeJPEG(RGBImage(width: 1600, height: 800, fill: (0, 0, 0)), quality: 50) { $0.app1 = exifBlock(orientation: 8) }
        XCTAssertEqual(try ImageDecoder.decode(jpeg, options: options).scaleDenominator, 4,
                       "stored 1600 × 800 against the target turned to 400 × 100: 1/4 (unturned, 1/2)")
    }

    /// The fast path (decode at 1/2, 1/4 or 1/8 by DCT scaling, then resize) against the slow one (full
    /// decode, then the same resize), on a photo-like picture with noise and one-pixel stripes.
    /// Tolerance: mean difference under 1.5 levels (of 255), 99% of values within 16, none beyond 48.
    /// The worst case is a 2× source with stripes near the finest detail JPEG holds: at 1/2 scale the
    /// final resize is nearly 1:1, so the IDCT's filter, not the triangle's, decides those pixels.
    func testDCTScaledPathNearlyMatchesFullDecode() throws {
        for (w, h, expectedDenominator) in [(1792, 1400, 4), (1800, 1800, 8), (480, 460, 2)] {
            let picture = RGBImage.testPattern(width: w, height: h, seed: 11)
            let jpeg = encodeJPEG(picture, quality: 90)
            let fast = try ModelInput().load(jpeg)
            XCTAssertEqual(fast.decoded.scaleDenominator, expectedDenominator)
            let slow = ModelInput().pixels(from: try ImageDecoder.decode(jpeg).image)
            let diffs = zip(fast.pixels.pixels, slow.pixels).map { abs(Int($0) - Int($1)) }.sorted()
            let mean = Double(diffs.reduce(0, +)) / Double(diffs.count)
            let p99 = diffs[diffs.count * 99 / 100], worst = diffs.last!
            print(String(format: "DCT 1/%d vs full, %d × %d: mean %.3f, 99%% within %d, max %d",
                         expectedDenominator, w, h, mean, p99, worst))
            XCTAssertLessThan(mean, 1.5)
            XCTAssertLessThanOrEqual(p99, 16)
            XCTAssertLessThanOrEqual(worst, 48)
        }
    }

    func testNormalisation() {
        let input = ModelInput(size: 2)
        let image = RGBImage(width: 2, height: 2, pixels: [0, 128, 255, 255, 255, 255, 0, 0, 0, 10, 20, 30])
        let chw = input.tensor(image)
        XCTAssertEqual(chw.count, 12)
        XCTAssertEqual(chw[0], (0 - 0.485) / 0.229, accuracy: 1e-6, "R of pixel (0, 0)")
        XCTAssertEqual(chw[4 + 0], (128 / 255 - 0.456) / 0.224, accuracy: 1e-6, "G plane starts at 4")
        XCTAssertEqual(chw[8 + 0], (1 - 0.406) / 0.225, accuracy: 1e-6, "B of pixel (0, 0)")
        XCTAssertEqual(chw[8 + 3], (30 / 255 - 0.406) / 0.225, accuracy: 1e-6, "B of pixel (1, 1)")
        let hwc = input.tensor(image, layout: .channelsLast)
        for y in 0..<2 { for x in 0..<2 { for c in 0..<3 {
            XCTAssertEqual(hwc[(y * 2 + x) * 3 + c], chw[c * 4 + y * 2 + x])
        } } }
        let custom = ModelInput(size: 2, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]).tensor(image)
        XCTAssertEqual(custom[0], -1)
        XCTAssertEqual(custom[8], 1)
    }

    func testLoadingAFileFromDisk() throws {
        let dir = temporaryDirectory(self)
        let picture = RGBImage.testPattern(width: 640, height: 480, seed: 5)
        try PNGWriter.write(picture, to: dir + "/scene.png")
        let loaded = try ModelInput().load(contentsOf: dir + "/scene.png")
        XCTAssertEqual(loaded.pixels, picture.resized(width: 224, height: 224))
        XCTAssertEqual(loaded.decoded.info.format, .png)
    }
}
