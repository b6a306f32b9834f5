import AttendMath
import Foundation

// MARK: - Batch norm → ReLU → 2×2 max-pool, fused
//
// What follows each convolution of the encoder in training. Run as three layers (BatchNorm.swift, ReLU.swift,
// MaxPool.swift, which define them and are the tests' reference), they cost five full passes over the
// convolution's output forward and eight backward, on planes of up to 32 × 112 × 112 per channel: memory
// traffic that took longer than the first stage's matrix products. Fused, the forward reads the convolution
// output twice (statistics, then normalise-activate-pool) and writes only the pooled map; the backward reads
// it once and writes its gradient once.
//
// Two facts make the fusion exact. The ReLU's output is needed backward only where a gradient arrives, and
// with a pool that is at the argmax, where the ReLU's output is the pooled value: so no full-size activation is
// kept. And the batch-norm gradient is dense but has the closed form
//   dx = scale · inverseStd / N · (N · dy − Σ dy − x̂ · Σ dy · x̂),
// whose sums run over the positions a gradient reached: with a pool, a quarter of them.
//
// Layout: input (C, B, H, W), the convolution's output; output (C, B, H/2, W/2) with a pool (an odd last row or
// column dropped, as `maxPoolForward` does), else (C, B, H, W).

/// Forward. With `batchStatistics` (training) each channel is normalised by its batch statistics, written to
/// mean (C) and inverseStd (C) for the backward pass and folded into the running averages (`batchNormStatistics`);
/// without (validation), by the running averages, which are not changed. `argmax` (C, B, H/2, W/2) receives each
/// pooled value's index within its input plane (ties go to the first, as in `maxPoolForward`); it is required
/// with a pool.
public func batchNormReLUPoolForward(output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?,
                                     mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>,
                                     input: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                                     shift: UnsafePointer<Float>, runningMean: UnsafeMutablePointer<Float>,
                                     runningVar: UnsafeMutablePointer<Float>, batchStatistics: Bool = true,
                                     channels: Int, batch: Int, height: Int, width: Int, pool: Bool) {
    let planeSize = height * width, count = batch * planeSize
    precondition(!pool || argmax != nil, "a pooled forward records its argmax for the backward pass")
    if batchStatistics {
        batchNormStatistics(mean: mean, inverseStd: inverseStd, runningMean: runningMean, runningVar: runningVar,
                            input: input, channels: channels, count: count)
    } else {
        for c in 0..<channels {
            mean[c] = runningMean[c]
            inverseStd[c] = 1 / (runningVar[c] + batchNormEpsilon).squareRoot()
        }
    }
    let outHeight = height / 2, outWidth = width / 2, outPlaneSize = outHeight * outWidth
    parallelFor(channels) { channelRange in for c in channelRange {
        // y = max(x · a + b, 0): the normalisation folded into one multiply-add.
        let a = scale[c] * inverseStd[c], b = shift[c] - mean[c] * a
        guard pool, let argmax else {
            let x = input + c * count, y = output + c * count
            for i in 0..<count { y[i] = max(x[i] * a + b, 0) }
            continue
        }
        for image in 0..<batch {
            let plane = input + (c * batch + image) * planeSize
            let out = output + (c * batch + image) * outPlaneSize, index = argmax + (c * batch + image) * outPlaneSize
            for oy in 0..<outHeight {
                let top = plane + 2 * oy * width, bottom = top + width
                for ox in 0..<outWidth {
                    let topLeft = max(top[2 * ox] * a + b, 0), topRight = max(top[2 * ox + 1] * a + b, 0)
                    let bottomLeft = max(bottom[2 * ox] * a + b, 0), bottomRight = max(bottom[2 * ox + 1] * a + b, 0)
                    var best = topLeft, at = 2 * oy * width + 2 * ox
                    if topRight > best { best = topRight; at = 2 * oy * width + 2 * ox + 1 }
                    if bottomLeft > best { best = bottomLeft; at = (2 * oy + 1) * width + 2 * ox }
                    if bottomRight > best { best = bottomRight; at = (2 * oy + 1) * width + 2 * ox + 1 }
                    out[oy * outWidth + ox] = best
                    index[oy * outWidth + ox] = Int32(at)
                }
            }
        }
    } }
}

/// Backward of the training-mode forward: inputGradient (C, B, H, W) is overwritten with ∂/∂input;
/// scaleGradient and shiftGradient (C) are added into. `output` and `outputGradient` have the output's shape;
/// `output` and `argmax` are what the forward wrote, `mean` and `inverseStd` its batch statistics.
public func batchNormReLUPoolBackward(inputGradient: UnsafeMutablePointer<Float>,
                                      scaleGradient: UnsafeMutablePointer<Float>,
                                      shiftGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                                      output: UnsafePointer<Float>, argmax: UnsafePointer<Int32>?,
                                      input: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                      inverseStd: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                                      channels: Int, batch: Int, height: Int, width: Int, pool: Bool) {
    let planeSize = height * width, count = batch * planeSize
    precondition(!pool || argmax != nil, "a pooled backward needs the forward's argmax")
    let outPlaneSize = pool ? (height / 2) * (width / 2) : planeSize
    parallelFor(channels) { channelRange in for c in channelRange {
        let mu = mean[c], inv = inverseStd[c]
        let x = input + c * count, dx = inputGradient + c * count
        let y = output + c * batch * outPlaneSize, dy = outputGradient + c * batch * outPlaneSize
        // Σ dy and Σ dy · x̂ over the positions the gradient reaches through the pool and the ReLU.
        var sumGradient = 0.0, sumGradientNormalised = 0.0
        if let argmax, pool {
            let index = argmax + c * batch * outPlaneSize
            for image in 0..<batch {
                let plane = x + image * planeSize, first = image * outPlaneSize
                for j in first..<(first + outPlaneSize) where y[j] > 0 {
                    sumGradient += Double(dy[j])
                    sumGradientNormalised += Double(dy[j] * (plane[Int(index[j])] - mu) * inv)
                }
            }
        } else {
            // dy where the ReLU passed it, else 0; Σ dy · (x − mean), times inverseStd after.
            let zeros = SIMD16<Float>(), means = SIMD16<Float>(repeating: mu)
            func arriving(_ i: Int) -> SIMD16<Float> {
                zeros.replacing(with: load16(dy, i), where: load16(y, i) .> zeros)
            }
            sumGradient = blockSum(count: count, lanes: arriving, term: { y[$0] > 0 ? dy[$0] : 0 })
            let centred = blockSum(count: count, lanes: { arriving($0) * (load16(x, $0) - means) },
                                   term: { y[$0] > 0 ? dy[$0] * (x[$0] - mu) : 0 })
            sumGradientNormalised = Double(inv) * centred
        }
        scaleGradient[c] += Float(sumGradientNormalised)
        shiftGradient[c] += Float(sumGradient)
        let n = Float(count), factor = scale[c] * inv / n
        let meanTerm = Float(sumGradient), normalisedTerm = Float(sumGradientNormalised)
        if let argmax, pool {
            // The dense part everywhere, then N · dy where a gradient arrived.
            for i in 0..<count { dx[i] = -factor * (meanTerm + (x[i] - mu) * inv * normalisedTerm) }
            let index = argmax + c * batch * outPlaneSize
            for image in 0..<batch {
                let plane = dx + image * planeSize, first = image * outPlaneSize
                for j in first..<(first + outPlaneSize) where y[j] > 0 { plane[Int(index[j])] += factor * n * dy[j] }
            }
        } else {
            for i in 0..<count {
                let arriving: Float = y[i] > 0 ? dy[i] : 0
                dx[i] = factor * (n * arriving - meanTerm - (x[i] - mu) * inv * normalisedTerm)
            }
        }
    } }
}
