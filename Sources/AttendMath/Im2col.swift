// MARK: - im2col for 3×3 convolutions
//
// A 3×3 convolution with padding 1 becomes one matrix product: the input patches are unrolled into the
// columns of a matrix, and the filters (Cout, Cin·9) multiply it. Activations use the layout (C, B, H, W)
// — channel-major over the whole batch — so one product covers every image of a batch and the output
// lands in the same layout with no transpose.
//
// The output positions (B, Ho, Wo) are B·Ho rows of Wo; row b·Ho + oy is image b's output row oy. Both
// functions work on a range of those rows, so a convolution can unroll its batch a cache-sized band at a time
// (a band may span images).
//
// Letters: C channels in, B images, H×W input size, s stride, Ho×Wo output size (Ho = (H - 1) / s + 1).

/// Output side of a 3×3, padding-1 convolution with the given stride.
@inlinable
public func convOutputSize(_ size: Int, stride: Int) -> Int { (size - 1) / stride + 1 }

/// Unrolls `input` (C, B, H, W) into `columns` (C·9, n·Wo) for the n output rows in `outputRows` (default: all
/// B·Ho); out-of-image taps are zero.
public func im2col3x3(input: UnsafePointer<Float>, channels: Int, batch: Int, height: Int, width: Int,
                      stride: Int, columns: UnsafeMutablePointer<Float>, outputRows: Range<Int>? = nil) {
    let outHeight = convOutputSize(height, stride: stride)
    let outWidth = convOutputSize(width, stride: stride)
    let rows = outputRows ?? 0..<(batch * outHeight)
    precondition(rows.lowerBound >= 0 && rows.upperBound <= batch * outHeight, "output rows outside the batch")
    let columnCount = rows.count * outWidth
    parallelFor(channels) { channelRange in for c in channelRange {
        for ky in 0..<3 {
            for kx in 0..<3 {
                let tapRow = columns + ((c * 3 + ky) * 3 + kx) * columnCount
                forEachImageBand(rows, outHeight: outHeight) { image, bandRows, offset in
                    let plane = input + (c * batch + image) * height * width
                    let out = tapRow + offset * outWidth
                    if stride == 1 {
                        unrollTapAtStrideOne(plane: plane, into: out, rows: bandRows, height: height, width: width,
                                             ky: ky, kx: kx)
                        return
                    }
                    for oy in bandRows {
                        let iy = oy * stride + ky - 1
                        let outRow = out + (oy - bandRows.lowerBound) * outWidth
                        if iy < 0 || iy >= height {
                            outRow.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let source = plane + iy * width
                        // ox range whose tap ix = ox·s + kx − 1 lies inside [0, width).
                        let first = kx == 0 ? 1 : 0
                        let last = min(outWidth - 1, (width - kx) / stride)
                        if first > 0 { outRow[0] = 0 }
                        if last + 1 < outWidth {
                            (outRow + last + 1).update(repeating: 0, count: outWidth - last - 1)
                        }
                        if first <= last {
                            for ox in first...last { outRow[ox] = source[ox * stride + kx - 1] }
                        }
                    }
                }
            }
        }
    } }
}

/// Splits the batch's output rows `rows` at image boundaries: body(image, its rows oy, offset of the first in `rows`).
@inline(__always)
func forEachImageBand(_ rows: Range<Int>, outHeight: Int, _ body: (Int, Range<Int>, Int) -> Void) {
    var row = rows.lowerBound
    while row < rows.upperBound {
        let image = row / outHeight, oy = row % outHeight
        let end = min(outHeight, oy + rows.upperBound - row)
        body(image, oy..<end, row - rows.lowerBound)
        row += end - oy
    }
}

/// Output rows `rows` of one image's tap (ky, kx) at stride 1, where Ho×Wo = H×W:
/// out[(oy − first row)·W + ox] = plane[oy·W + ox + (ky − 1)·W + kx − 1] where the tap lies inside, else 0.
/// The rows whose taps lie inside form one contiguous range, read from the same range of the plane shifted: one
/// copy instead of one per row, which cost more than the copying at 56–112 values a row. The copy wraps around
/// at the edge column on the kx = 0 and kx = 2 taps; those entries are zeroed after it.
@inline(__always)
func unrollTapAtStrideOne(plane: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Range<Int>,
                          height: Int, width: Int, ky: Int, kx: Int) {
    let firstInside = max(rows.lowerBound, ky == 0 ? 1 : 0)
    let endInside = min(rows.upperBound, ky == 2 ? height - 1 : height)
    for oy in rows where oy < firstInside || oy >= endInside {
        (out + (oy - rows.lowerBound) * width).update(repeating: 0, count: width)
    }
    guard firstInside < endInside else { return }
    // Plane indices: output entry p = oy·W + ox reads p + shift. kx = 0 starts one later and kx = 2 ends one
    // earlier: those entries would read outside the plane.
    let shift = (ky - 1) * width + kx - 1, origin = out - rows.lowerBound * width
    let start = firstInside * width + (kx == 0 ? 1 : 0), end = endInside * width - (kx == 2 ? 1 : 0)
    if start < end { (origin + start).update(from: plane + start + shift, count: end - start) }
    if kx == 0 { for oy in firstInside..<endInside { origin[oy * width] = 0 } }
    if kx == 2 { for oy in firstInside..<endInside { origin[oy * width + width - 1] = 0 } }
}

/// The adjoint of `im2col3x3`: adds every column entry back onto the input position it came from, for the
/// output rows in `outputRows` (default: all B·Ho), whose columns (C·9, n·Wo) it reads.
/// `inputGradient` (C, B, H, W) is accumulated into, not overwritten.
public func col2im3x3(columns: UnsafePointer<Float>, channels: Int, batch: Int, height: Int, width: Int,
                      stride: Int, inputGradient: UnsafeMutablePointer<Float>, outputRows: Range<Int>? = nil) {
    let outHeight = convOutputSize(height, stride: stride)
    let outWidth = convOutputSize(width, stride: stride)
    let rows = outputRows ?? 0..<(batch * outHeight)
    precondition(rows.lowerBound >= 0 && rows.upperBound <= batch * outHeight, "output rows outside the batch")
    let columnCount = rows.count * outWidth
    // Each channel's taps land only in that channel's planes: channels split over the workers.
    parallelFor(channels) { channelRange in for c in channelRange {
        for ky in 0..<3 {
            for kx in 0..<3 {
                let tapRow = columns + ((c * 3 + ky) * 3 + kx) * columnCount
                forEachImageBand(rows, outHeight: outHeight) { image, bandRows, offset in
                    let plane = inputGradient + (c * batch + image) * height * width
                    let band = tapRow + offset * outWidth
                    for oy in bandRows {
                        let iy = oy * stride + ky - 1
                        if iy < 0 || iy >= height { continue }
                        let source = band + (oy - bandRows.lowerBound) * outWidth
                        let target = plane + iy * width
                        let first = kx == 0 ? 1 : 0
                        let last = min(outWidth - 1, (width - kx) / stride)
                        if first > last { continue }
                        if stride == 1 {   // contiguous: a loop the compiler vectorises
                            let shifted = target + kx - 1
                            for ox in first...last { shifted[ox] += source[ox] }
                        } else {
                            for ox in first...last { target[ox * stride + kx - 1] += source[ox] }
                        }
                    }
                }
            }
        }
    } }
}
