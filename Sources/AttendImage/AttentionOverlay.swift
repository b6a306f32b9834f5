// MARK: - Overlay styles

/// How an attention map is laid over a picture.
public enum OverlayStyle: String, Sendable, CaseIterable {
    /// The map in viridis, blended over the picture: out = (1 − α)·picture + α·viridis(map).
    case heat
    /// The paper's look: the picture darkened where attention is low: out = picture·(1 − α·(1 − map)),
    /// so the most attended point keeps its colours and a point the word ignored keeps 1 − α of them.
    case spotlight

    /// α when none is given: half the heat map over the picture; the spotlight leaves a fifth of the light
    /// where nothing was attended, enough to see what was ignored.
    public var defaultAlpha: Float {
        switch self {
        case .heat: return 0.5
        case .spotlight: return 0.8
        }
    }
}

// MARK: - Drawing a map over a picture

extension RGBImage {
    /// This picture with `map` (the same size) laid over it in `style`, α in 0…1 (nil: the style's default).
    public func overlaid(with map: AttentionMap, style: OverlayStyle, alpha: Float? = nil) -> RGBImage {
        precondition(map.width == width && map.height == height, "the attention map has the picture's size")
        let a = min(1, max(0, alpha ?? style.defaultAlpha))
        var out = self
        let count = width * height
        out.pixels.withUnsafeMutableBufferPointer { pixels in
            map.values.withUnsafeBufferPointer { values in
                switch style {
                case .heat:
                    ColorMap.viridis.withTable { table in
                        for i in 0..<count {
                            let row = 3 * ColorMap.index(values[i])
                            for channel in 0..<3 {
                                let picture = Float(pixels[3 * i + channel])
                                let colour = Float(table[row + channel])
                                pixels[3 * i + channel] = UInt8(picture + (colour - picture) * a + 0.5)
                            }
                        }
                    }
                case .spotlight:
                    for i in 0..<count {
                        let light = 1 - a * (1 - values[i])
                        for channel in 0..<3 {
                            pixels[3 * i + channel] = UInt8(Float(pixels[3 * i + channel]) * light + 0.5)
                        }
                    }
                }
            }
        }
        return out
    }

    /// This picture with grid cell `cell` (row-major in a grid × grid, stretched over the whole picture as the
    /// model's square input was) outlined: where a hard-attention word took its context.
    public func outliningCell(_ cell: Int, grid: Int) -> RGBImage {
        precondition(grid >= 1 && (0..<(grid * grid)).contains(cell), "a cell of the grid")
        let (row, column) = (cell / grid, cell % grid)
        let x0 = column * width / grid, x1 = (column + 1) * width / grid
        let y0 = row * height / grid, y1 = (row + 1) * height / grid
        var out = self
        strokeRect(into: &out, x: x0, y: y0, width: x1 - x0, height: y1 - y0,
                   thickness: max(1, max(width, height) / 112), colour: (255, 64, 64))
        return out
    }

    /// This picture with the attention `weights` (grid × grid, row-major) smoothed to its size and laid over it.
    public func overlaid(withAttention weights: [Float], grid: Int, style: OverlayStyle, alpha: Float? = nil,
                         blur: Float = AttentionMap.paperBlur) -> RGBImage {
        overlaid(with: AttentionMap(weights: weights, grid: grid, width: width, height: height, blur: blur),
                 style: style, alpha: alpha)
    }
}
