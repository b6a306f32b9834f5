import Foundation

// MARK: - AttentionMap

/// One word's attention, smoothed to a picture's size and scaled for display.
///
/// The model saw the picture squashed to a square and attended over a G × G grid of that square: cell
/// (r, c) covers the fraction [c/G, (c+1)/G) of the width and [r/G, (r+1)/G) of the height of the
/// upright picture, whatever its aspect ratio. So the map is smoothed in that square ("model space"), as
/// the paper did (upscale ×16, Gaussian σ = 20 on 224 pixels), and only then stretched to the picture's
/// width and height. A map peaked at cell (r, c) therefore lights the same fraction of the picture the
/// cell saw.
///
/// 1. Bilinear upsampling of the G × G weights to a square of side S = 16·G, each weight at its cell's
///    centre (edge cells held flat out to the border) — no blocky squares.
/// 2. A Gaussian blur of σ = `blur` × S (20/224 by default: the paper's σ, scaled with the side), with
///    the kernel renormalised where it leaves the square so the borders do not darken.
/// 3. Bilinear stretch to `width` × `height`.
/// 4. Normalised per word: divided by its largest value, so each word's most attended point reads 1
///    and the picture shows where the word looked, not how peaked its softmax was (β says how much it
///    looked at all). A map that is zero everywhere stays zero.
///
/// Steps 1–3 are linear and act on each axis apart, so `AttentionSmoother` folds them into one
/// (width × G) and one (height × G) matrix: a word then costs H·G² + H·W·G multiply-adds.
public struct AttentionMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// (height, width), values in 0…1, largest 1 unless all are 0.
    public var values: [Float]

    /// The paper's σ = 20 pixels on a 224-pixel square, as a fraction of the side.
    public static let paperBlur: Float = 20.0 / 224.0

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "values are height × width")
        self.width = width
        self.height = height
        self.values = values
    }

    /// Smooths `weights` (G × G row-major, rows top to bottom) to `width` × `height`.
    public init(weights: [Float], grid: Int, width: Int, height: Int, blur: Float = AttentionMap.paperBlur) {
        self = AttentionSmoother(grid: grid, width: width, height: height, blur: blur).map(weights)
    }

    public subscript(x x: Int, y y: Int) -> Float { values[y * width + x] }
}

// MARK: - AttentionSmoother

/// Steps 1–3 of `AttentionMap` for one grid and one picture size, built once and applied to every word.
public struct AttentionSmoother: Sendable {
    public let grid: Int
    public let width: Int
    public let height: Int
    /// (width, G): column x of the map as a mix of the grid's columns.
    private let columnWeights: [Float]
    /// (height, G): row y of the map as a mix of the grid's rows.
    private let rowWeights: [Float]

    public init(grid: Int, width: Int, height: Int, blur: Float = AttentionMap.paperBlur) {
        precondition(grid >= 1, "the attention grid has at least one cell")
        precondition(width >= 1 && height >= 1, "an attention map has at least one pixel")
        precondition(blur >= 0, "the blur is a non-negative fraction of the side")
        self.grid = grid
        self.width = width
        self.height = height
        let side = 16 * grid
        let kernel = gaussianKernel(sigma: blur * Float(side))
        columnWeights = axisOperator(grid: grid, side: side, kernel: kernel, size: width)
        rowWeights = axisOperator(grid: grid, side: side, kernel: kernel, size: height)
    }

    /// The smoothed, normalised map of `weights` (G × G row-major).
    public func map(_ weights: [Float]) -> AttentionMap {
        precondition(weights.count == grid * grid, "attention weights are grid × grid")
        let (G, W, H) = (grid, width, height)
        var rows = [Float](repeating: 0, count: H * G)          // (H, G): My · A
        var values = [Float](repeating: 0, count: H * W)        // (H, W): My · A · Mxᵀ
        weights.withUnsafeBufferPointer { a in
            rowWeights.withUnsafeBufferPointer { my in
                rows.withUnsafeMutableBufferPointer { out in
                    for y in 0..<H {
                        for r in 0..<G {
                            let w = my[y * G + r]
                            if w == 0 { continue }
                            for c in 0..<G { out[y * G + c] += w * a[r * G + c] }
                        }
                    }
                }
            }
        }
        rows.withUnsafeBufferPointer { rows in
            columnWeights.withUnsafeBufferPointer { mx in
                values.withUnsafeMutableBufferPointer { out in
                    for y in 0..<H {
                        for x in 0..<W {
                            var sum: Float = 0
                            for c in 0..<G { sum += rows[y * G + c] * mx[x * G + c] }
                            out[y * W + x] = sum
                        }
                    }
                }
            }
        }
        let largest = values.max() ?? 0
        if largest > 0 && largest.isFinite {
            let scale = 1 / largest
            for i in values.indices { values[i] = min(1, max(0, values[i] * scale)) }
        } else {
            for i in values.indices { values[i] = 0 }
        }
        return AttentionMap(width: W, height: H, values: values)
    }
}

// MARK: - One axis

/// (size, grid): bilinear upsampling grid → side, the blur, bilinear resampling side → size, applied to
/// each unit vector of the grid axis.
private func axisOperator(grid: Int, side: Int, kernel: [Float], size: Int) -> [Float] {
    let up = bilinearTaps(from: grid, to: side)
    let down = bilinearTaps(from: side, to: size)
    var matrix = [Float](repeating: 0, count: size * grid)
    for g in 0..<grid {
        var unit = [Float](repeating: 0, count: grid)
        unit[g] = 1
        let column = resample(blur(resample(unit, up), kernel), down)
        for i in 0..<size { matrix[i * grid + g] = column[i] }
    }
    return matrix
}

/// For every output index: the two input indices around its centre and the weight of the second.
/// Sample centres are at half pixels; positions beyond the first and last centre clamp to them.
func bilinearTaps(from size: Int, to outSize: Int) -> [(Int, Int, Float)] {
    (0..<outSize).map { i in
        let position = (Float(i) + 0.5) * Float(size) / Float(outSize) - 0.5
        let clamped = min(max(position, 0), Float(size - 1))
        let lower = min(Int(clamped), size - 1)
        let upper = min(lower + 1, size - 1)
        return (lower, upper, clamped - Float(lower))
    }
}

private func resample(_ line: [Float], _ taps: [(Int, Int, Float)]) -> [Float] {
    taps.map { (a, b, f) in line[a] + (line[b] - line[a]) * f }
}

/// Convolution with `kernel` (odd length, centred), renormalising the taps that fall inside the line.
private func blur(_ line: [Float], _ kernel: [Float]) -> [Float] {
    let radius = kernel.count / 2
    return line.indices.map { i in
        var sum: Float = 0, weight: Float = 0
        for k in max(-radius, -i)...min(radius, line.count - 1 - i) {
            sum += kernel[k + radius] * line[i + k]
            weight += kernel[k + radius]
        }
        return sum / weight
    }
}

/// exp(−k² / 2σ²) for k = −⌈3σ⌉…⌈3σ⌉, summing to 1; [1] when σ is below a tenth of a pixel.
func gaussianKernel(sigma: Float) -> [Float] {
    guard sigma >= 0.1 else { return [1] }
    let radius = Int((3 * sigma).rounded(.up))
    let weights = (-radius...radius).map { k in Float(exp(-Double(k * k) / Double(2 * sigma * sigma))) }
    let total = weights.reduce(0, +)
    return weights.map { $0 / total }
}
