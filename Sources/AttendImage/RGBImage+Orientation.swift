// MARK: - Turning a stored picture upright

extension RGBImage {
    /// The picture as a viewer shows a file with this EXIF orientation: stored (W, H) becomes upright
    /// (W, H), or (H, W) for orientations 5–8.
    public func oriented(_ orientation: Orientation) -> RGBImage {
        if orientation == .up { return self }
        let w = width, h = height
        let (outW, outH) = orientation.swapsAxes ? (h, w) : (w, h)
        // Upright pixel (x, y) comes from stored pixel `start(y) + x * step`: every orientation walks
        // the stored picture along a row or a column, forwards or backwards.
        let start: (Int) -> (Int, Int)
        let step: Int
        switch orientation {
        case .up: start = { y in (0, y) }; step = 1
        case .mirrored: start = { y in (w - 1, y) }; step = -1
        case .rotated180: start = { y in (w - 1, h - 1 - y) }; step = -1
        case .flipped: start = { y in (0, h - 1 - y) }; step = 1
        case .transposed: start = { y in (y, 0) }; step = w
        case .rotated90: start = { y in (y, h - 1) }; step = -w
        case .transverse: start = { y in (w - 1 - y, h - 1) }; step = -w
        case .rotated270: start = { y in (w - 1 - y, 0) }; step = w
        }
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outH {
                    let (sx, sy) = start(y)
                    var s = (sy * w + sx) * 3
                    var d = y * outW * 3
                    for _ in 0..<outW {
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                        s += step * 3
                        d += 3
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
