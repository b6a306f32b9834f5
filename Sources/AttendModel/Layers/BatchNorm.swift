import Foundation

// MARK: - Batch normalisation over (C, N) activations
//
// Activations are (C, B, H, W), so each channel's N = B·H·W values are contiguous.

public let batchNormEpsilon: Float = 1e-5

/// Training mode: normalises each channel by its batch statistics.
/// output (C, N) = scale · (input − mean) · inverseStd + shift; writes mean (C) and inverseStd (C) for the
/// backward pass and folds the batch statistics into the running averages with `momentum` (PyTorch's 0.1,
/// unbiased variance).
public func batchNormForwardTraining(output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                     inverseStd: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                                     scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                     runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                                     channels: Int, count: Int, momentum: Float = 0.1) {
    for c in 0..<channels {
        let x = input + c * count, y = output + c * count
        var sum = 0.0
        for i in 0..<count { sum += Double(x[i]) }
        let mu = sum / Double(count)
        var squares = 0.0
        for i in 0..<count { let d = Double(x[i]) - mu; squares += d * d }
        let variance = squares / Double(count)
        let inv = Float(1 / (variance + Double(batchNormEpsilon)).squareRoot())
        mean[c] = Float(mu)
        inverseStd[c] = inv
        let a = scale[c] * inv, b = shift[c] - Float(mu) * a
        for i in 0..<count { y[i] = x[i] * a + b }
        let unbiased = count > 1 ? variance * Double(count) / Double(count - 1) : variance
        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mu)
        runningVar[c] = (1 - momentum) * runningVar[c] + momentum * Float(unbiased)
    }
}

/// Inference: folds a batch norm that follows a bias-free convolution into that convolution.
/// weight (Cout, K) is scaled in place row by row; returns the bias (Cout) the folded convolution adds.
public func foldBatchNorm(weight: UnsafeMutablePointer<Float>, outChannels: Int, fanIn: Int,
                          scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                          runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>) -> [Float] {
    var bias = [Float](repeating: 0, count: outChannels)
    for o in 0..<outChannels {
        let factor = scale[o] / (runningVar[o] + batchNormEpsilon).squareRoot()
        let row = weight + o * fanIn
        for k in 0..<fanIn { row[k] *= factor }
        bias[o] = shift[o] - runningMean[o] * factor
    }
    return bias
}
