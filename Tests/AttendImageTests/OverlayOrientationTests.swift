import XCTest
@testable import AttendImage

/// A JPEG stored sideways with EXIF orientation 6: the model saw the upright picture, so a map peaked at
/// the cell where the model saw an object lights that object on the upright decoded picture.
final class OverlayOrientationTests: XCTestCase {

    func testPeakLightsTheObjectOfARotatedEXIFJPEG() throws {
        // Upright: 120 wide, 200 tall, grey, with a red block over grid cell (1, 5) of an 8 × 8 grid.
        let (width, height, grid) = (120, 200, 8)
        let (r, c) = (1, 5)
        let cell = cellRect(r, c, grid: grid, width: width, height: height)
        var upright = RGBImage(width: width, height: height, fill: (110, 110, 110))
        fillRect(into: &upright, x: Int(cell.x0) - 4, y: Int(cell.y0) - 6, width: Int(cell.x1 - cell.x0) + 8,
                 height: Int(cell.y1 - cell.y0) + 12, colour: (220, 30, 30))
        let stored = storedForOrientation(upright, .rotated90)
        XCTAssertEqual(stored.width, height)
        let jpeg = encodeJPEG(stored, quality: 95) { $0.app1 = exifBlock(orientation: 6) }

        let input = ModelInput(size: 64)
        let loaded = try input.load(jpeg)
        XCTAssertEqual(loaded.decoded.info.orientation, .rotated90)
        let picture = loaded.decoded.image
        XCTAssertEqual(picture.width, width)
        XCTAssertEqual(picture.height, height)

        // The model's squashed square shows the block in cell (r, c): that is where its map would peak.
        XCTAssertGreaterThan(meanRedness(loaded.pixels, cellRect(r, c, grid: grid, width: 64, height: 64)), 80)

        var weights = [Float](repeating: 0, count: grid * grid)
        weights[r * grid + c] = 1
        let map = AttentionMap(weights: weights, grid: grid, width: width, height: height)
        let lit = picture.overlaid(with: map, style: .spotlight, alpha: 0.9)
        // The block keeps its light; the opposite corner goes dark.
        let centre = (x: Int((cell.x0 + cell.x1) / 2), y: Int((cell.y0 + cell.y1) / 2))
        XCTAssertGreaterThan(map[x: centre.x, y: centre.y], 0.9)
        XCTAssertGreaterThan(pixel(lit, centre.x, centre.y)[0], 180)
        XCTAssertLessThan(pixel(lit, 5, height - 5)[0], 30)
        let peak = map.values.indices.max { map.values[$0] < map.values[$1] }!
        XCTAssertTrue(cell.contains(peak % width, peak / width))

        // Drawn on the picture as stored (orientation ignored), the same map misses the block.
        let storedMap = AttentionMap(weights: weights, grid: grid, width: stored.width, height: stored.height)
        let storedPeak = storedMap.values.indices.max { storedMap.values[$0] < storedMap.values[$1] }!
        XCTAssertLessThan(pixel(stored, storedPeak % stored.width, storedPeak / stored.width)[0], 150)
    }

    /// Mean of R − (G + B) / 2 over the cell's pixels.
    private func meanRedness(_ image: RGBImage, _ cell: CellRect) -> Double {
        var total = 0.0, count = 0.0
        for y in 0..<image.height {
            for x in 0..<image.width where cell.contains(x, y) {
                let p = pixel(image, x, y)
                total += Double(p[0]) - (Double(p[1]) + Double(p[2])) / 2
                count += 1
            }
        }
        return total / count
    }
}
