import AttendImage

// The pixels of a synthetic scene: a dull background, then anti-aliased flat-coloured shapes.
// Everything here is deterministic arithmetic (no transcendental functions), so a seed renders
// the same bytes everywhere.

// MARK: - Palette

/// The nameable shape colours. They are all saturated (or, for white, brighter than any background),
/// so a pixel of a shape colour can only come from a shape.
enum SceneColour: String, CaseIterable {
    case red, green, blue, yellow, white, purple

    var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .red: return (215, 40, 40)
        case .green: return (40, 170, 60)
        case .blue: return (45, 85, 220)
        case .yellow: return (240, 210, 40)
        case .white: return (245, 245, 245)
        case .purple: return (145, 60, 195)
        }
    }
}

// MARK: - Shapes

/// The drawable shapes, each inscribed in the square of side 2r around its centre.
enum SceneShape: String, CaseIterable {
    case circle, square, triangle, diamond

    /// Whether the point (dx, dy) from the centre lies inside the shape of radius r (y grows downward).
    func contains(dx: Double, dy: Double, radius r: Double) -> Bool {
        switch self {
        case .circle:
            return dx * dx + dy * dy <= r * r
        case .square:
            // A little smaller than the circle's square so the two look the same size.
            let half = 0.9 * r
            return abs(dx) <= half && abs(dy) <= half
        case .triangle:
            // Apex up, base down; about equilateral (height 1.7 r, base 2 r).
            let top = -0.9 * r
            let bottom = 0.8 * r
            guard dy >= top && dy <= bottom else { return false }
            return abs(dx) <= r * (dy - top) / (bottom - top)
        case .diamond:
            return abs(dx) + abs(dy) <= r
        }
    }

    /// The shape's extent around its centre: half its width, and how far it reaches up and down.
    func extent(radius r: Double) -> (halfWidth: Double, up: Double, down: Double) {
        switch self {
        case .circle, .diamond: return (r, r, r)
        case .square: return (0.9 * r, 0.9 * r, 0.9 * r)
        case .triangle: return (r, 0.9 * r, 0.8 * r)
        }
    }

    /// A box certain to contain the raster box of the shape centred at (centreX, centreY): every
    /// pixel holding a sample inside the shape lies in it.
    func outerBox(centreX: Double, centreY: Double, radius: Double) -> [Int] {
        let e = extent(radius: radius)
        return [Int((centreX - e.halfWidth).rounded(.down)), Int((centreY - e.up).rounded(.down)),
                Int((centreX + e.halfWidth).rounded(.down)) + 1, Int((centreY + e.down).rounded(.down)) + 1]
    }
}

/// The three object sizes: a diameter as a fraction of the image side.
enum SceneSize: String, CaseIterable {
    case small, medium, large

    var diameterFraction: Double {
        switch self {
        case .small: return 0.22
        case .medium: return 0.30
        case .large: return 0.40
        }
    }
}

// MARK: - Coverage

/// The anti-aliasing grid: each pixel is sampled at supersampling × supersampling points.
let supersampling = 4

/// A shape's per-pixel coverage (0…supersampling²) over a window of the image, and the tight box of
/// the pixels it touches.
struct ShapeCoverage {
    /// [x0, y0, x1, y1] of the pixels with non-zero coverage; x1 and y1 are exclusive.
    var box: [Int]
    /// The window the counts cover, in image pixels.
    var windowX: Int
    var windowY: Int
    var windowWidth: Int
    /// (windowHeight, windowWidth) sample counts
    var counts: [Int]

    /// Rasterizes `shape` of radius `radius` centred at (centreX, centreY) (continuous pixel
    /// coordinates: pixel (i, j) spans [i, i+1) × [j, j+1)) on an image of side `side`.
    /// Returns nil when the shape covers no sample.
    init?(shape: SceneShape, centreX: Double, centreY: Double, radius: Double, side: Int) {
        let outer = shape.outerBox(centreX: centreX, centreY: centreY, radius: radius)
        let x0 = max(0, outer[0])
        let y0 = max(0, outer[1])
        let x1 = min(side, outer[2])
        let y1 = min(side, outer[3])
        guard x1 > x0 && y1 > y0 else { return nil }
        let width = x1 - x0
        var counts = [Int](repeating: 0, count: width * (y1 - y0))
        var box = [Int.max, Int.max, Int.min, Int.min]
        let step = 1.0 / Double(supersampling)
        for y in y0..<y1 {
            for x in x0..<x1 {
                var count = 0
                for sy in 0..<supersampling {
                    let dy = Double(y) + (Double(sy) + 0.5) * step - centreY
                    for sx in 0..<supersampling {
                        let dx = Double(x) + (Double(sx) + 0.5) * step - centreX
                        if shape.contains(dx: dx, dy: dy, radius: radius) { count += 1 }
                    }
                }
                guard count > 0 else { continue }
                counts[(y - y0) * width + (x - x0)] = count
                box = [min(box[0], x), min(box[1], y), max(box[2], x + 1), max(box[3], y + 1)]
            }
        }
        guard box[0] != Int.max else { return nil }
        self.box = box
        self.windowX = x0
        self.windowY = y0
        self.windowWidth = width
        self.counts = counts
    }

    /// Blends `colour` into `image` in proportion to the coverage (integer arithmetic, rounded).
    func composite(colour: (UInt8, UInt8, UInt8), into image: inout RGBImage) {
        let full = supersampling * supersampling
        let rgb = [Int(colour.0), Int(colour.1), Int(colour.2)]
        let imageWidth = image.width
        let windowHeight = counts.count / windowWidth
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for wy in 0..<windowHeight {
                for wx in 0..<windowWidth {
                    let count = counts[wy * windowWidth + wx]
                    guard count > 0 else { continue }
                    let base = 3 * ((windowY + wy) * imageWidth + windowX + wx)
                    for c in 0..<3 {
                        let blended = (Int(pixels[base + c]) * (full - count) + rgb[c] * count + full / 2) / full
                        pixels[base + c] = UInt8(blended)
                    }
                }
            }
        }
    }
}

// MARK: - Backgrounds

/// Paints a background that never uses a shape colour: low-saturation mid tones (every channel within
/// 36 of the others, brightness 50…160 before luminance texture), flat, a two-colour gradient, or a
/// flat tone with soft luminance noise.
func renderBackground(side: Int, random: inout SceneRandom) -> RGBImage {
    func dullColour() -> [Int] {
        let level = random.int(in: 50...160)
        return (0..<3).map { _ in level + random.int(in: -18...18) }
    }
    var image = RGBImage(width: side, height: side)
    let first = dullColour()
    switch random.int(below: 3) {
    case 0:  // flat
        fill(&image) { _, _, c in first[c] }
    case 1:  // gradient along one of four directions
        let second = dullColour()
        let direction = random.int(below: 4)
        let span = max(1, 2 * (side - 1))
        fill(&image) { x, y, c in
            let t: Int  // position along the gradient, 0…span
            switch direction {
            case 0: t = 2 * x
            case 1: t = 2 * y
            case 2: t = x + y
            default: t = (side - 1 - x) + y
            }
            return (first[c] * (span - t) + second[c] * t + span / 2) / span
        }
    default:  // soft luminance noise: a coarse grid of offsets, bilinearly interpolated, plus grain
        let grid = 5
        let offsets = (0..<(grid * grid)).map { _ in random.int(in: -16...16) }
        let grain = (0..<(side * side)).map { _ in random.int(in: -5...5) }
        let cell = Double(side - 1) / Double(grid - 1)
        var luminance = [Int](repeating: 0, count: side * side)  // (side, side)
        for y in 0..<side {
            let gy = Double(y) / cell
            let iy = min(grid - 2, Int(gy))
            let fy = gy - Double(iy)
            for x in 0..<side {
                let gx = Double(x) / cell
                let ix = min(grid - 2, Int(gx))
                let fx = gx - Double(ix)
                let top = Double(offsets[iy * grid + ix]) * (1 - fx) + Double(offsets[iy * grid + ix + 1]) * fx
                let bottom = Double(offsets[(iy + 1) * grid + ix]) * (1 - fx)
                    + Double(offsets[(iy + 1) * grid + ix + 1]) * fx
                luminance[y * side + x] = Int((top * (1 - fy) + bottom * fy).rounded()) + grain[y * side + x]
            }
        }
        fill(&image) { x, y, c in first[c] + luminance[y * side + x] }
    }
    return image
}

/// Sets every channel of every pixel from `value(x, y, channel)`, clamped to 0…255.
private func fill(_ image: inout RGBImage, _ value: (Int, Int, Int) -> Int) {
    let width = image.width
    let height = image.height
    image.pixels.withUnsafeMutableBufferPointer { pixels in
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    pixels[3 * (y * width + x) + c] = UInt8(clamping: value(x, y, c))
                }
            }
        }
    }
}
