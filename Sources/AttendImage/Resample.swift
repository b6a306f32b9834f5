// MARK: - Antialiased resampling
//
// A separable convolution with the triangle (bilinear) filter, its support widened by the reduction
// factor when shrinking: each output pixel averages every input pixel under it, so a 10× reduction
// is antialiased instead of sampling every tenth pixel. Enlarging it is plain bilinear interpolation.
//
// This is Pillow's `Image.resize(size, Image.BILINEAR)` (libImaging/Resample.c, Pillow 13) step for
// step: the same filter windows, the same weights rounded to 22-bit fixed point, two passes with the
// first rounded to 8 bits, and the same choice of which pass goes first. Integer arithmetic makes the
// result the same on every machine, and the same as Pillow's (torchvision's `Resize` on PIL images);
// Tests/AttendImageTests/ResampleTests.swift holds Pillow's own output, made by
// scripts/resize_reference.py.

/// Fixed-point weights: 32 bits less 8 for the sample and 2 for headroom, as in Pillow.
private let precisionBits = 22

/// One axis of a resampling: for each output position, the first input index, how many inputs it
/// reads, and their fixed-point weights.
struct ResampleAxis {
    var first: [Int]      // (out)
    var count: [Int]      // (out)
    var weights: [Int32]  // (out, taps)
    var taps: Int

    /// Windows and weights to map input [start, end) (in input pixels) onto `outSize` pixels.
    init(inSize: Int, start: Double, end: Double, outSize: Int) {
        precondition(inSize > 0 && outSize > 0 && end > start)
        let scale = (end - start) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale                    // the triangle reaches ±1 input pixel, widened
        taps = Int(support.rounded(.up)) * 2 + 1
        first = [Int](repeating: 0, count: outSize)
        count = [Int](repeating: 0, count: outSize)
        weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        for xx in 0..<outSize {
            let center = start + (Double(xx) + 0.5) * scale
            let inverse = 1.0 / filterScale
            // Int(_:) truncates toward zero, as C's cast does in Pillow.
            let xmin = max(Int(center - support + 0.5), 0)
            let n = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<max(n, 0) {
                let w = triangle((Double(x + xmin) - center + 0.5) * inverse)
                k[x] = w
                total += w
            }
            for x in 0..<taps {
                var w = x < n ? k[x] : 0
                if x < n && total != 0 { w /= total }
                let fixed = w * Double(1 << precisionBits)
                weights[xx * taps + x] = Int32(fixed < 0 ? (-0.5 + fixed).rounded(.towardZero)
                                                         : (0.5 + fixed).rounded(.towardZero))
            }
            first[xx] = xmin
            count[xx] = max(n, 0)
        }
    }
}

@inline(__always)
private func triangle(_ x: Double) -> Double {
    let a = abs(x)
    return a < 1 ? 1 - a : 0
}

@inline(__always)
private func clip8(_ sum: Int32) -> UInt8 {
    if sum >= Int32(1) << (precisionBits + 8) { return 255 }
    if sum <= 0 { return 0 }
    return UInt8(truncatingIfNeeded: sum >> Int32(precisionBits))
}

extension RGBImage {
    /// The picture resampled to `width` × `height` (aspect ratio not kept), antialiased when shrinking.
    /// The same size returns the picture unchanged.
    public func resized(width outW: Int, height outH: Int) -> RGBImage {
        precondition(outW > 0 && outH > 0, "a resized image has at least one pixel")
        if outW == width && outH == height { return self }
        let horizontal = ResampleAxis(inSize: width, start: 0, end: Double(width), outSize: outW)
        let vertical = ResampleAxis(inSize: height, start: 0, end: Double(height), outSize: outH)

        // When the height loses more than twice as many pixels as the width, the vertical pass goes
        // first, so that the horizontal pass has fewer rows to do (Pillow's rule, kept for its output).
        if height - outH > 0 && height - outH > (width - outW) * 2 {
            let source = resampleColumns(axis: vertical, rowOffset: 0, outHeight: outH)
            if outW == width { return source }
            return source.resampleRows(rows: 0..<outH, axis: horizontal, outWidth: outW)
        }
        // Otherwise horizontal first, over only the input rows some output row reads.
        let firstRow = vertical.first[0]
        let lastRow = vertical.first[outH - 1] + vertical.count[outH - 1]
        var source = self
        var rowOffset = 0
        if outW != width {
            source = resampleRows(rows: firstRow..<lastRow, axis: horizontal, outWidth: outW)
            rowOffset = firstRow
        }
        if outH == height { return source }
        return source.resampleColumns(axis: vertical, rowOffset: rowOffset, outHeight: outH)
    }

    /// Horizontal pass over `rows`: (rows.count, outWidth, 3).
    private func resampleRows(rows: Range<Int>, axis: ResampleAxis, outWidth: Int) -> RGBImage {
        let taps = axis.taps
        let inStride = width * 3, outStride = outWidth * 3
        var out = [UInt8](repeating: 0, count: rows.count * outStride)
        pixels.withUnsafeBufferPointer { src in
            axis.weights.withUnsafeBufferPointer { weights in
                out.withUnsafeMutableBufferPointer { dst in
                    let half = Int32(1) << Int32(precisionBits - 1)
                    for (r, y) in rows.enumerated() {
                        let row = src.baseAddress! + y * inStride
                        let outRow = dst.baseAddress! + r * outStride
                        for x in 0..<outWidth {
                            let k = weights.baseAddress! + x * taps
                            var p = row + axis.first[x] * 3
                            var s0 = half, s1 = half, s2 = half
                            for t in 0..<axis.count[x] {
                                let w = k[t]
                                s0 &+= Int32(p[0]) &* w
                                s1 &+= Int32(p[1]) &* w
                                s2 &+= Int32(p[2]) &* w
                                p += 3
                            }
                            outRow[3 * x] = clip8(s0)
                            outRow[3 * x + 1] = clip8(s1)
                            outRow[3 * x + 2] = clip8(s2)
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: rows.count, pixels: out)
    }

    /// Vertical pass; `rowOffset` is the input row this picture's row 0 was.
    private func resampleColumns(axis: ResampleAxis, rowOffset: Int, outHeight: Int) -> RGBImage {
        let taps = axis.taps
        let stride = width * 3
        var out = [UInt8](repeating: 0, count: outHeight * stride)
        var sums = [Int32](repeating: 0, count: stride)
        pixels.withUnsafeBufferPointer { src in
            axis.weights.withUnsafeBufferPointer { weights in
                sums.withUnsafeMutableBufferPointer { acc in
                    out.withUnsafeMutableBufferPointer { dst in
                        let half = Int32(1) << Int32(precisionBits - 1)
                        for y in 0..<outHeight {
                            for i in 0..<stride { acc[i] = half }
                            let k = weights.baseAddress! + y * taps
                            // Row by row rather than pixel by pixel: the same integer sums, in an
                            // order the compiler vectorises.
                            for t in 0..<axis.count[y] {
                                let w = k[t]
                                let row = src.baseAddress! + (axis.first[y] - rowOffset + t) * stride
                                for i in 0..<stride { acc[i] &+= Int32(row[i]) &* w }
                            }
                            let outRow = dst.baseAddress! + y * stride
                            for i in 0..<stride { outRow[i] = clip8(acc[i]) }
                        }
                    }
                }
            }
        }
        return RGBImage(width: width, height: outHeight, pixels: out)
    }
}
