import XCTest
@testable import AttendImage

/// The attention map's smoothing and geometry: the separable fast path against a direct 2D computation,
/// and a peak at grid cell (r, c) lighting the fraction of the picture that cell saw.
final class OverlayMapTests: XCTestCase {

    // MARK: - Against a direct computation

    func testSeparableSmoothingEqualsTheDirect2DPipeline() {
        let grid = 4, width = 37, height = 23
        var generator = SystemRandomNumberGenerator()
        var weights = (0..<(grid * grid)).map { _ in Float.random(in: 0...1, using: &generator) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        let fast = AttentionMap(weights: weights, grid: grid, width: width, height: height)
        let direct = directMap(weights, grid: grid, width: width, height: height, blur: AttentionMap.paperBlur)
        XCTAssertEqual(fast.values.count, direct.count)
        let worst = zip(fast.values, direct).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-4)
    }

    /// Bilinear 2D upsampling to 16·G, a 2D Gaussian (renormalised inside the square), bilinear 2D to
    /// width × height, divided by the maximum: each step in the plainest loops.
    private func directMap(_ weights: [Float], grid: Int, width: Int, height: Int, blur: Float) -> [Float] {
        let side = 16 * grid
        func sample(_ plane: [Float], _ size: (w: Int, h: Int), _ x: Double, _ y: Double) -> Float {
            let cx = min(max(x, 0), Double(size.w - 1)), cy = min(max(y, 0), Double(size.h - 1))
            let x0 = Int(cx), y0 = Int(cy)
            let x1 = min(x0 + 1, size.w - 1), y1 = min(y0 + 1, size.h - 1)
            let fx = cx - Double(x0), fy = cy - Double(y0)
            let top = Double(plane[y0 * size.w + x0]) * (1 - fx) + Double(plane[y0 * size.w + x1]) * fx
            let bottom = Double(plane[y1 * size.w + x0]) * (1 - fx) + Double(plane[y1 * size.w + x1]) * fx
            return Float(top * (1 - fy) + bottom * fy)
        }
        var up = [Float](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let scale = Double(grid) / Double(side)
                up[y * side + x] = sample(weights, (grid, grid), (Double(x) + 0.5) * scale - 0.5,
                                          (Double(y) + 0.5) * scale - 0.5)
            }
        }
        let sigma = Double(blur) * Double(side)
        let radius = Int((3 * sigma).rounded(.up))
        var blurred = [Float](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                var sum = 0.0, weight = 0.0
                for dy in -radius...radius where (0..<side).contains(y + dy) {
                    for dx in -radius...radius where (0..<side).contains(x + dx) {
                        let w = exp(-Double(dx * dx + dy * dy) / (2 * sigma * sigma))
                        sum += w * Double(up[(y + dy) * side + x + dx])
                        weight += w
                    }
                }
                blurred[y * side + x] = Float(sum / weight)
            }
        }
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                out[y * width + x] = sample(blurred, (side, side),
                                            (Double(x) + 0.5) * Double(side) / Double(width) - 0.5,
                                            (Double(y) + 0.5) * Double(side) / Double(height) - 0.5)
            }
        }
        let largest = out.max()!
        return out.map { $0 / largest }
    }

    // MARK: - Geometry

    /// A one-hot map at (r, c) on a wide picture: the brightest point lies in the cell's rectangle of the
    /// stretched picture, not where it would on a square.
    func testPeakAtCellLightsThatCellOfANonSquarePicture() {
        for (width, height) in [(300, 120), (90, 260)] {
            let grid = 14
            for (r, c) in [(0, 0), (2, 11), (7, 3), (13, 13), (10, 0)] {
                let map = AttentionMap(weights: oneHot(grid: grid, r, c), grid: grid, width: width, height: height)
                let (x, y) = argmax(map)
                XCTAssertTrue(cellRect(r, c, grid: grid, width: width, height: height).contains(x, y),
                              "\(width)×\(height): peak of cell (\(r), \(c)) drawn at (\(x), \(y))")
                XCTAssertEqual(map.values.max(), 1)
            }
        }
    }

    /// The same through the drawn overlay: a spotlight on a flat grey picture is brightest in the cell,
    /// and a heat overlay is yellowest there.
    func testOverlayOfAPeakIsBrightestInThatCell() {
        let (width, height, grid) = (320, 140, 8)
        let picture = RGBImage(width: width, height: height, fill: (128, 128, 128))
        let (r, c) = (5, 2)
        for style in OverlayStyle.allCases {
            let drawn = picture.overlaid(withAttention: oneHot(grid: grid, r, c), grid: grid, style: style)
            var best = (x: 0, y: 0, value: -1)
            for y in 0..<height {
                for x in 0..<width {
                    let i = 3 * (y * width + x)
                    let value = Int(drawn.pixels[i]) + Int(drawn.pixels[i + 1]) - Int(drawn.pixels[i + 2])
                    if value > best.value { best = (x, y, value) }
                }
            }
            XCTAssertTrue(cellRect(r, c, grid: grid, width: width, height: height).contains(best.x, best.y),
                          "\(style): brightest at (\(best.x), \(best.y))")
        }
    }

    func testAttentionFallsAwayFromThePeak() {
        let map = AttentionMap(weights: oneHot(grid: 14, 3, 3), grid: 14, width: 224, height: 224)
        XCTAssertGreaterThan(map[x: 56, y: 56], 0.9)       // centre of cell (3, 3) is at 56
        XCTAssertLessThan(map[x: 200, y: 200], 0.01)        // far corner
        XCTAssertLessThan(map[x: 56, y: 140], 0.05)         // five cells below
    }

    // MARK: - Smoothness and normalisation

    /// No blocky squares: neighbouring pixels of a random map differ little, where a nearest-neighbour
    /// enlargement would jump by whole cell differences at every cell border.
    func testMapIsSmooth() {
        let grid = 14, side = 224
        var generator = SystemRandomNumberGenerator()
        let weights = (0..<(grid * grid)).map { _ in Float.random(in: 0...1, using: &generator) }
        let map = AttentionMap(weights: weights, grid: grid, width: side, height: side)
        var worst: Float = 0
        for y in 0..<(side - 1) {
            for x in 0..<(side - 1) {
                worst = max(worst, abs(map[x: x + 1, y: y] - map[x: x, y: y]), abs(map[x: x, y: y + 1] - map[x: x, y: y]))
            }
        }
        XCTAssertLessThan(worst, 0.02)
        // Without the blur, bilinear alone spreads each cell difference (at most 1 after normalisation by a
        // maximum near 1) over the 16 pixels between cell centres.
        let sharp = AttentionMap(weights: weights, grid: grid, width: side, height: side, blur: 0)
        var sharpWorst: Float = 0
        for y in 0..<side {
            for x in 0..<(side - 1) { sharpWorst = max(sharpWorst, abs(sharp[x: x + 1, y: y] - sharp[x: x, y: y])) }
        }
        XCTAssertLessThan(sharpWorst, 1.0 / 16 / 0.9)
        XCTAssertGreaterThan(sharpWorst, worst, "the blur smooths")
    }

    func testNormalisedPerWordByItsMaximum() {
        let weights: [Float] = [0.1, 0.2, 0.3, 0.4]
        let map = AttentionMap(weights: weights, grid: 2, width: 50, height: 30)
        XCTAssertEqual(map.values.max(), 1)
        XCTAssertGreaterThanOrEqual(map.values.min()!, 0)
        let scaled = AttentionMap(weights: weights.map { $0 * 7 }, grid: 2, width: 50, height: 30)
        XCTAssertLessThan(zip(scaled.values, map.values).map { abs($0 - $1) }.max()!, 1e-5)
        let empty = AttentionMap(weights: [0, 0, 0, 0], grid: 2, width: 5, height: 5)
        XCTAssertEqual(empty.values, [Float](repeating: 0, count: 25))
        let broken = AttentionMap(weights: [.nan, 0, 0, 0], grid: 2, width: 5, height: 5)
        XCTAssertTrue(broken.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }

    func testUniformAttentionIsFlat() {
        let map = AttentionMap(weights: [Float](repeating: 1.0 / 64, count: 64), grid: 8, width: 33, height: 71)
        XCTAssertEqual(map.values.min()!, 1, accuracy: 1e-5)
    }

    func testGaussianKernel() {
        let kernel = gaussianKernel(sigma: 20)
        XCTAssertEqual(kernel.count, 121)
        XCTAssertEqual(kernel.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(kernel[60] / kernel[80], exp(Float(400) / 800), accuracy: 1e-3)   // e^{k²/2σ²} at k = 20
        XCTAssertEqual(gaussianKernel(sigma: 0), [1])
    }

    func testTinyMapsAndOneCellGrid() {
        let one = AttentionMap(weights: [1], grid: 1, width: 1, height: 1)
        XCTAssertEqual(one.values, [1])
        let small = AttentionMap(weights: oneHot(grid: 14, 13, 0), grid: 14, width: 3, height: 2)
        XCTAssertEqual(argmax(small).x, 0)
        XCTAssertEqual(argmax(small).y, 1)
    }

    // MARK: - Helpers

    private func oneHot(grid: Int, _ r: Int, _ c: Int) -> [Float] {
        var weights = [Float](repeating: 0, count: grid * grid)
        weights[r * grid + c] = 1
        return weights
    }

    private func argmax(_ map: AttentionMap) -> (x: Int, y: Int) {
        let i = map.values.indices.max { map.values[$0] < map.values[$1] }!
        return (i % map.width, i / map.width)
    }
}

/// The pixels of a width × height picture that grid cell (r, c) of the squashed square covers.
struct CellRect {
    var x0: Double, x1: Double, y0: Double, y1: Double
    func contains(_ x: Int, _ y: Int) -> Bool {
        let (cx, cy) = (Double(x) + 0.5, Double(y) + 0.5)
        return cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1
    }
}

func cellRect(_ r: Int, _ c: Int, grid: Int, width: Int, height: Int) -> CellRect {
    let (w, h, g) = (Double(width), Double(height), Double(grid))
    return CellRect(x0: Double(c) * w / g, x1: Double(c + 1) * w / g, y0: Double(r) * h / g, y1: Double(r + 1) * h / g)
}
