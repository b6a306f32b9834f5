// Drawing primitives for labelled pictures (attention overlays, sample sheets): filled and outlined
// rectangles, copying one picture into another, and text in the built-in BitmapFont.
// Every primitive clips at the image borders: any position, however far outside, is safe.

// MARK: - Rectangles

/// Fills the rectangle with top-left corner (x, y) and the given size, clipped to the image.
/// Non-positive sizes draw nothing.
public func fillRect(into image: inout RGBImage, x: Int, y: Int, width: Int, height: Int,
                     colour: (UInt8, UInt8, UInt8)) {
    guard width > 0, height > 0 else { return }
    let x0 = max(0, x)
    let y0 = max(0, y)
    let x1 = min(image.width, saturatingAdd(x, width))
    let y1 = min(image.height, saturatingAdd(y, height))
    guard x0 < x1, y0 < y1 else { return }
    let imageWidth = image.width
    image.pixels.withUnsafeMutableBufferPointer { pixels in
        for row in y0..<y1 {
            for column in x0..<x1 {
                let base = 3 * (row * imageWidth + column)
                pixels[base] = colour.0
                pixels[base + 1] = colour.1
                pixels[base + 2] = colour.2
            }
        }
    }
}

/// Draws the outline of the rectangle with top-left corner (x, y) and the given size, `thickness`
/// pixels wide on the inside of that rectangle, clipped to the image.
public func strokeRect(into image: inout RGBImage, x: Int, y: Int, width: Int, height: Int,
                       thickness: Int = 1, colour: (UInt8, UInt8, UInt8)) {
    guard width > 0, height > 0, thickness > 0 else { return }
    let t = min(thickness, width, height)
    fillRect(into: &image, x: x, y: y, width: width, height: t, colour: colour)  // top
    fillRect(into: &image, x: x, y: saturatingAdd(y, height - t), width: width, height: t, colour: colour)  // bottom
    fillRect(into: &image, x: x, y: y, width: t, height: height, colour: colour)  // left
    fillRect(into: &image, x: saturatingAdd(x, width - t), y: y, width: t, height: height, colour: colour)  // right
}

// MARK: - Blit

/// Copies `source` into `destination` with the source's top-left pixel at (x, y), clipped to the
/// destination.
public func blit(_ source: RGBImage, into destination: inout RGBImage, x: Int, y: Int) {
    let x0 = max(0, x)
    let y0 = max(0, y)
    let x1 = min(destination.width, saturatingAdd(x, source.width))
    let y1 = min(destination.height, saturatingAdd(y, source.height))
    guard x0 < x1, y0 < y1 else { return }
    let destinationWidth = destination.width
    let rowBytes = 3 * (x1 - x0)
    source.pixels.withUnsafeBufferPointer { from in
        destination.pixels.withUnsafeMutableBufferPointer { to in
            for row in y0..<y1 {
                let fromStart = 3 * ((row - y) * source.width + (x0 - x))
                let toStart = 3 * (row * destinationWidth + x0)
                for k in 0..<rowBytes {
                    to[toStart + k] = from[fromStart + k]
                }
            }
        }
    }
}

// MARK: - Text

/// The width in pixels of `text` drawn at `scale`: each character takes `BitmapFont.advance`
/// font pixels, less the blank column after the last one. Empty text is 0 wide.
public func textWidth(_ text: String, scale: Int) -> Int {
    precondition(scale >= 1, "text is drawn at a scale of at least 1")
    let count = text.count
    return count == 0 ? 0 : (count * BitmapFont.advance - 1) * scale
}

/// The height in pixels of a line of text drawn at `scale`, descenders included.
public func textHeight(scale: Int) -> Int {
    precondition(scale >= 1, "text is drawn at a scale of at least 1")
    return BitmapFont.glyphHeight * scale
}

/// Draws `text` on one line with the top-left corner of its first glyph cell at (x, y), each font
/// pixel a `scale` × `scale` square, clipped to the image. Only the ink is drawn (the paper stays as it
/// was); put a `fillRect` behind the text for a label background. Characters without a glyph
/// (including line breaks) draw as the font's placeholder box.
public func drawText(_ text: String, into image: inout RGBImage, x: Int, y: Int, scale: Int,
                     colour: (UInt8, UInt8, UInt8)) {
    precondition(scale >= 1, "text is drawn at a scale of at least 1")
    var originX = x
    for character in text {
        if originX >= image.width { return }
        let rows = BitmapFont.rows(for: character)
        for (r, mask) in rows.enumerated() where mask != 0 {
            for c in 0..<BitmapFont.glyphWidth where mask & UInt8(1 << (BitmapFont.glyphWidth - 1 - c)) != 0 {
                fillRect(into: &image, x: saturatingAdd(originX, c * scale), y: saturatingAdd(y, r * scale),
                         width: scale, height: scale, colour: colour)
            }
        }
        originX = saturatingAdd(originX, BitmapFont.advance * scale)
    }
}

// MARK: - Helpers

/// a + b, pinned to Int.min…Int.max instead of trapping, so far-away positions just clip.
private func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? Int.max : Int.min) : sum
}
