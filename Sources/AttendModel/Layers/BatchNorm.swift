import AttendMath
import Foundation

// MARK: - Batch normalisation over (C, N) activations
//
// Activations are (C, B, H, W), so each channel's N = B·H·W values are contiguous. Training runs batch norm
// fused with the ReLU and max-pool after it (BatchNormReLUPool.swift); these are the layer on its own, the
// definition the fused one is tested against. Inference folds it into the convolution (`foldBatchNorm`).

public let batchNormEpsilon: Float = 1e-5

/// Training mode: normalises each channel by its batch statistics.
/// output (C, N) = scale · (input − mean) · inverseStd + shift, with the statistics of `batchNormStatistics`.
public func batchNormForwardTraining(output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                     inverseStd: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                     scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                     runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                                     channels: Int, count: Int, momentum: Float = 0.1) {
    batchNormStatistics(mean: mean, inverseStd: inverseStd, runningMean: runningMean, runningVar: runningVar,
                        input: input, channels: channels, count: count, momentum: momentum)
    parallelFor(channels) { channelRange in for c in channelRange {
        let x = input + c * count, y = output + c * count
        let a = scale[c] * inverseStd[c], b = shift[c] - mean[c] * a
        for i in 0..<count { y[i] = x[i] * a + b }
    } }
}

/// The batch statistics of input (C, N): writes mean (C) and inverseStd (C) = 1/√(biased variance + ε) for the
/// forward and backward passes, and folds them into the running averages with `momentum` (PyTorch's 0.1,
/// unbiased variance). Vectorised block sums in Double (`blockSum`): a channel holds up to B·112·112 values.
public func batchNormStatistics(mean: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>,
                                runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                                input: UnsafePointer<Float>, channels: Int, count: Int, momentum: Float = 0.1) {
    parallelFor(channels) { channelRange in for c in channelRange {
        let x = input + c * count
        let mu = blockSum(count: count, lanes: { load16(x, $0) }, term: { x[$0] }) / Double(count)
        // The second pass about the mean: no cancellation where the mean dwarfs the spread.
        let center = Float(mu), centers = SIMD16<Float>(repeating: center)
        let squares = blockSum(count: count, lanes: { let d = load16(x, $0) - centers; return d * d },
                               term: { let d = x[$0] - center; return d * d })
        let variance = squares / Double(count)
        mean[c] = Float(mu)
        inverseStd[c] = Float(1 / (variance + Double(batchNormEpsilon)).squareRoot())
        let unbiased = count > 1 ? variance * Double(count) / Double(count - 1) : variance
        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mu)
        runningVar[c] = (1 - momentum) * runningVar[c] + momentum * Float(unbiased)
    } }
}

/// Inference: folds a batch norm that follows a bias-free convolution into that convolution.
/// weight (Cout, K) is scaled in place row by row; returns the bias (Cout) the folded convolution adds.
public func foldBatchNorm(weight: UnsafeMutablePointer<Float>, outChannels: Int, fanIn: Int,
                          scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                          runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>,
                          epsilon: Float = batchNormEpsilon) -> [Float] {
    var bias = [Float](repeating: 0, count: outChannels)
    for o in 0..<outChannels {
        let factor = scale[o] / (runningVar[o] + epsilon).squareRoot()
        let row = weight + o * fanIn
        for k in 0..<fanIn { row[k] *= factor }
        bias[o] = shift[o] - runningMean[o] * factor
    }
    return bias
}

/// Backward of `foldBatchNorm` (fine-tuning a pretrained convolution with its batch norm frozen to its running
/// statistics, as small batches need): given the gradients of the folded weight (Cout, K) and bias (Cout), adds into
/// the unfolded weight's (Cout, K), the scale's γ (Cout) and the shift's β (Cout). With s = γ / √(var + ε):
///   ∂W = ∂W_f · s,   ∂β = ∂b_f,   ∂γ = (Σ_k ∂W_f · W − ∂b_f · mean) / √(var + ε).
public func foldBatchNormBackward(weightGradient: UnsafeMutablePointer<Float>, scaleGradient: UnsafeMutablePointer<Float>,
                                  shiftGradient: UnsafeMutablePointer<Float>, foldedWeightGradient: UnsafePointer<Float>,
                                  foldedBiasGradient: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                  outChannels: Int, fanIn: Int, scale: UnsafePointer<Float>,
                                  runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>,
                                  epsilon: Float = batchNormEpsilon) {
    for o in 0..<outChannels {
        let inverseStd = 1 / (runningVar[o] + epsilon).squareRoot(), factor = scale[o] * inverseStd
        let row = o * fanIn
        var factorGradient: Float = 0
        for k in 0..<fanIn {
            weightGradient[row + k] += foldedWeightGradient[row + k] * factor
            factorGradient += foldedWeightGradient[row + k] * weight[row + k]
        }
        factorGradient -= foldedBiasGradient[o] * runningMean[o]
        scaleGradient[o] += factorGradient * inverseStd
        shiftGradient[o] += foldedBiasGradient[o]
    }
}

/// Backward of `batchNormForwardTraining` (through the batch statistics), adding into the gradients:
/// with x̂ = (x − mean) · inverseStd over the N values of a channel,
///   scaleGradient += Σ dy · x̂,   shiftGradient += Σ dy,
///   inputGradient += scale · inverseStd / N · (N · dy − Σ dy − x̂ · Σ dy · x̂).
public func batchNormBackward(inputGradient: UnsafeMutablePointer<Float>, scaleGradient: UnsafeMutablePointer<Float>,
                              shiftGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                              input: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                              inverseStd: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                              channels: Int, count: Int) {
    parallelFor(channels) { channelRange in for c in channelRange {
        let x = input + c * count, dy = outputGradient + c * count, dx = inputGradient + c * count
        let mu = mean[c], inv = inverseStd[c]
        var sumGradient: Float = 0, sumGradientNormalised: Float = 0
        for i in 0..<count {
            sumGradient += dy[i]
            sumGradientNormalised += dy[i] * (x[i] - mu) * inv
        }
        scaleGradient[c] += sumGradientNormalised
        shiftGradient[c] += sumGradient
        let n = Float(count)
        let factor = scale[c] * inv / n
        let meanGradient = sumGradient, normalisedGradient = sumGradientNormalised
        for i in 0..<count {
            let normalised = (x[i] - mu) * inv
            dx[i] += factor * (n * dy[i] - meanGradient - normalised * normalisedGradient)
        }
    } }
}
