import AttendMath

// MARK: - 2×2 max-pool, stride 2
//
// Inference pools with `maxPoolForward`; training runs the pool fused with the batch norm and ReLU before it
// (BatchNormReLUPool.swift), checked against these.

/// output (P, H/2, W/2) = the maximum of each 2×2 block of input (P, H, W), for P = C·B planes.
/// `argmax` (P, H/2, W/2), when given, receives the winning input index within its plane, for the backward
/// pass. An odd last row or column is dropped, as PyTorch's floor mode does.
public func maxPoolForward(output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?,
                           input: UnsafePointer<Float>, planes: Int, height: Int, width: Int) {
    let outHeight = height / 2, outWidth = width / 2
    parallelFor(planes) { planeRange in for p in planeRange {
        let plane = input + p * height * width
        let out = output + p * outHeight * outWidth
        for oy in 0..<outHeight {
            let top = plane + 2 * oy * width, bottom = top + width
            for ox in 0..<outWidth {
                var best = top[2 * ox], index = 2 * oy * width + 2 * ox
                if top[2 * ox + 1] > best { best = top[2 * ox + 1]; index = 2 * oy * width + 2 * ox + 1 }
                if bottom[2 * ox] > best { best = bottom[2 * ox]; index = (2 * oy + 1) * width + 2 * ox }
                if bottom[2 * ox + 1] > best { best = bottom[2 * ox + 1]; index = (2 * oy + 1) * width + 2 * ox + 1 }
                out[oy * outWidth + ox] = best
                argmax?[p * outHeight * outWidth + oy * outWidth + ox] = Int32(index)
            }
        }
    } }
}

/// Backward of `maxPoolForward`: each output gradient (P, H/2, W/2) goes to the input position (P, H, W)
/// its `argmax` names.
public func maxPoolBackward(inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                            argmax: UnsafePointer<Int32>, planes: Int, height: Int, width: Int) {
    let outCount = (height / 2) * (width / 2)
    parallelFor(planes) { planeRange in for p in planeRange {
        let plane = inputGradient + p * height * width
        let gradient = outputGradient + p * outCount, index = argmax + p * outCount
        for i in 0..<outCount { plane[Int(index[i])] += gradient[i] }
    } }
}
