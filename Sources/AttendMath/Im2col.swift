// MARK: - im2col for 3×3 convolutions
//
// A 3×3 convolution with padding 1 becomes one matrix product: the input patches are unrolled into the
// columns of a matrix, and the filters (Cout, Cin·9) multiply it. Activations use the layout (C, B, H, W)
// — channel-major over the whole batch — so one product covers every image of a batch and the output
// lands in the same layout with no transpose.
//
// Letters: C channels in, B images, H×W input size, s stride, Ho×Wo output size (Ho = (H - 1) / s + 1).

/// Output side of a 3×3, padding-1 convolution with the given stride.
@inlinable
public func convOutputSize(_ size: Int, stride: Int) -> Int { (size - 1) / stride + 1 }

/// Unrolls `input` (C, B, H, W) into `columns` (C·9, n·Ho·Wo) for the n = `imageCount` images starting at
/// `firstImage` (default: all B); out-of-image taps are zero. Chunks keep inference memory flat for big batches.
public func im2col3x3(input: UnsafePointer<Float>, channels: Int, batch: Int, height: Int, width: Int,
                      stride: Int, columns: UnsafeMutablePointer<Float>,
                      firstImage: Int = 0, imageCount: Int? = nil) {
    let imageCount = imageCount ?? batch
    precondition(firstImage >= 0 && firstImage + imageCount <= batch, "image range outside the batch")
    let outHeight = convOutputSize(height, stride: stride)
    let outWidth = convOutputSize(width, stride: stride)
    let columnCount = imageCount * outHeight * outWidth
    parallelFor(channels) { channelRange in for c in channelRange {
        for ky in 0..<3 {
            for kx in 0..<3 {
                let row = columns + ((c * 3 + ky) * 3 + kx) * columnCount
                for j in 0..<imageCount {
                    let plane = input + (c * batch + firstImage + j) * height * width
                    let rowImage = row + j * outHeight * outWidth
                    for oy in 0..<outHeight {
                        let iy = oy * stride + ky - 1
                        let out = rowImage + oy * outWidth
                        if iy < 0 || iy >= height {
                            out.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let source = plane + iy * width
                        // ox range whose tap ix = ox·s + kx − 1 lies inside [0, width).
                        let first = kx == 0 ? 1 : 0
                        let last = min(outWidth - 1, (width - kx) / stride)
                        if first > 0 { out[0] = 0 }
                        if last + 1 < outWidth {
                            (out + last + 1).update(repeating: 0, count: outWidth - last - 1)
                        }
                        if first <= last {
                            if stride == 1 {
                                (out + first).update(from: source + first + kx - 1, count: last - first + 1)
                            } else {
                                for ox in first...last { out[ox] = source[ox * stride + kx - 1] }
                            }
                        }
                    }
                }
            }
        }
    } }
}

/// The adjoint of `im2col3x3`: adds every column entry back onto the input position it came from, for the
/// n = `imageCount` images starting at `firstImage` (default: all B), whose columns (C·9, n·Ho·Wo) it reads.
/// `inputGradient` (C, B, H, W) is accumulated into, not overwritten.
public func col2im3x3(columns: UnsafePointer<Float>, channels: Int, batch: Int, height: Int, width: Int,
                      stride: Int, inputGradient: UnsafeMutablePointer<Float>,
                      firstImage: Int = 0, imageCount: Int? = nil) {
    let imageCount = imageCount ?? batch
    precondition(firstImage >= 0 && firstImage + imageCount <= batch, "image range outside the batch")
    let outHeight = convOutputSize(height, stride: stride)
    let outWidth = convOutputSize(width, stride: stride)
    let columnCount = imageCount * outHeight * outWidth
    // Each channel's taps land only in that channel's planes: channels split over the workers.
    parallelFor(channels) { channelRange in for c in channelRange {
        for ky in 0..<3 {
            for kx in 0..<3 {
                let row = columns + ((c * 3 + ky) * 3 + kx) * columnCount
                for j in 0..<imageCount {
                    let plane = inputGradient + (c * batch + firstImage + j) * height * width
                    let rowImage = row + j * outHeight * outWidth
                    for oy in 0..<outHeight {
                        let iy = oy * stride + ky - 1
                        if iy < 0 || iy >= height { continue }
                        let source = rowImage + oy * outWidth
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
