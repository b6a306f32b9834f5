import CAttendShims

// MARK: - Depthwise convolution rows (the C kernel)

/// output (B, Ho, Wo, C) = bias (C) + Σ_taps weight (k, k, C) · input (B, H, W, C) with the padding given (`top`,
/// `left`: rows and columns of zeros before the input), then min(max(·, 0), 6) when `relu6`; output rows split over
/// the workers. Each row is `attend_depthwise_row` (CAttendShims): 8-lane AVX2 where the CPU has it, which Swift
/// built for baseline x86-64 cannot use. Each value is summed in the order bias, then taps in (ky, kx) order, so the
/// result does not depend on the path or the number of workers.
public func depthwiseRowsForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu6: Bool, batch: Int,
                                 height: Int, width: Int, channels C: Int, kernel k: Int, stride: Int,
                                 outHeight: Int, outWidth: Int, top: Int, left: Int) {
    // A worker's share is whole output rows; ~16k multiply-adds is below what a thread hand-off costs.
    let rowWork = outWidth * C * k * k
    parallelFor(batch * outHeight, minimumPerWorker: max(1, (1 << 14) / max(rowWork, 1))) { rows in
        for row in rows {
            let b = row / outHeight, oy = row % outHeight
            attend_depthwise_row(output + row * outWidth * C, input + b * height * width * C, weight, bias,
                                 relu6 ? 1 : 0, height, width, C, k, stride, oy, outWidth, top, left)
        }
    }
}
