import XCTest
@testable import AttendImage

/// The viridis table against matplotlib, and the two ways of laying a map over a picture.
final class OverlayStyleTests: XCTestCase {

    // MARK: - Colour map

    /// matplotlib 3.11 `colormaps['viridis'](t)` × 255, rounded (scripts/viridis_reference.py), at points
    /// between the control points, where interpolation error is largest.
    func testViridisMatchesMatplotlib() {
        let reference: [(Float, (Int, Int, Int))] = [
            (0.03, (70, 11, 94)), (0.2, (65, 68, 135)), (0.33, (49, 103, 142)), (0.5, (33, 145, 140)),
            (0.71, (72, 193, 110)), (0.9, (189, 223, 38)), (0.97, (236, 229, 27)),
            (0, (68, 1, 84)), (1, (253, 231, 37)),
        ]
        for (t, expected) in reference {
            let c = ColorMap.viridis.colour(at: t)
            for (got, want) in [(Int(c.0), expected.0), (Int(c.1), expected.1), (Int(c.2), expected.2)] {
                XCTAssertLessThanOrEqual(abs(got - want), 6, "viridis(\(t)) = \(c), matplotlib \(expected)")
            }
        }
    }

    /// Perceptual: the luminance rises with the value, so brighter always means more attention.
    func testViridisLuminanceRisesMonotonically() {
        var previous = -1.0
        for i in 0...255 {
            let c = ColorMap.viridis.colour(at: Float(i) / 255)
            let luminance = 0.2126 * Double(c.0) + 0.7152 * Double(c.1) + 0.0722 * Double(c.2)
            XCTAssertGreaterThanOrEqual(luminance, previous - 0.5, "at \(i)")
            previous = luminance
        }
    }

    func testValuesOutsideTheRangeClamp() {
        XCTAssertTrue(ColorMap.viridis.colour(at: -3) == ColorMap.viridis.colour(at: 0))
        XCTAssertTrue(ColorMap.viridis.colour(at: 9) == ColorMap.viridis.colour(at: 1))
        XCTAssertTrue(ColorMap.viridis.colour(at: .nan) == ColorMap.viridis.colour(at: 0))
        XCTAssertTrue(ColorMap.grey.colour(at: 0.5) == (128, 128, 128))
    }

    // MARK: - Styles

    private let picture: RGBImage = {
        var pixels: [UInt8] = []
        for i in 0..<(4 * 3) { pixels += [UInt8(i * 20), UInt8(255 - i * 20), 77] }
        return RGBImage(width: 4, height: 3, pixels: pixels)
    }()

    private func map(_ value: Float) -> AttentionMap {
        AttentionMap(width: 4, height: 3, values: [Float](repeating: value, count: 12))
    }

    func testHeatBlendsViridisWithAlpha() {
        XCTAssertEqual(picture.overlaid(with: map(0.7), style: .heat, alpha: 0), picture)
        let full = picture.overlaid(with: map(0.7), style: .heat, alpha: 1)
        let c = ColorMap.viridis.colour(at: 0.7)
        XCTAssertEqual(Array(full.pixels[0..<3]), [c.0, c.1, c.2])
        let half = picture.overlaid(with: map(1), style: .heat, alpha: 0.5)
        let yellow = ColorMap.viridis.colour(at: 1)
        for i in 0..<12 {
            for (channel, colour) in [yellow.0, yellow.1, yellow.2].enumerated() {
                let expected = (Double(picture.pixels[3 * i + channel]) + Double(colour)) / 2
                XCTAssertEqual(Double(half.pixels[3 * i + channel]), expected, accuracy: 0.51)
            }
        }
    }

    func testSpotlightDarkensWhereAttentionIsLow() {
        XCTAssertEqual(picture.overlaid(with: map(1), style: .spotlight), picture)   // fully attended: unchanged
        let ignored = picture.overlaid(with: map(0), style: .spotlight, alpha: 0.75)
        for i in picture.pixels.indices {
            XCTAssertEqual(Double(ignored.pixels[i]), Double(picture.pixels[i]) * 0.25, accuracy: 0.51)
        }
        let defaultAlpha = picture.overlaid(with: map(0), style: .spotlight)
        XCTAssertEqual(Double(defaultAlpha.pixels[3]), Double(picture.pixels[3]) * 0.2, accuracy: 0.51)
    }

    func testAlphaIsClamped() {
        XCTAssertEqual(picture.overlaid(with: map(0), style: .spotlight, alpha: 5),
                       picture.overlaid(with: map(0), style: .spotlight, alpha: 1))
        XCTAssertEqual(picture.overlaid(with: map(0.3), style: .heat, alpha: -1), picture)
    }
}
