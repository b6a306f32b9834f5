import AttendMath
import Foundation

// MARK: - Softmax cross-entropy with <pad> masked out
//
// Captions of a batch are padded to one length; a row whose target is <pad> contributes nothing, neither
// loss nor gradient.

/// losses (B) = −log softmax(logits)[target] per row (0 for a <pad> target); probabilities (B, V) =
/// softmax(logits), kept for the backward pass. Returns the number of rows that count (non-<pad> targets).
@discardableResult
public func crossEntropyForward(losses: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
                                logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                rows: Int, vocabularySize: Int, padding: Int32 = Int32(Vocabulary.pad)) -> Int {
    let V = vocabularySize
    // One pass of exponentials per row serves both the probabilities and the loss; rows split over the workers.
    parallelFor(rows, minimumPerWorker: 8) { range in
        for r in range {
            let row = logits + r * V, p = probabilities + r * V
            var maximum = -Float.infinity
            for j in 0..<V { maximum = max(maximum, row[j]) }
            for j in 0..<V { p[j] = expApproximate(row[j] - maximum) }
            let sum = blockSum(count: V, lanes: { load16(p, $0) }, term: { p[$0] })
            let scale = Float(1 / sum)
            for j in 0..<V { p[j] *= scale }
            // −log p from the logits (log-sum-exp), not from the rounded probability.
            losses[r] = targets[r] == padding ? 0 : Float(Double(maximum) + log(sum) - Double(row[Int(targets[r])]))
        }
    }
    var counted = 0
    for r in 0..<rows where targets[r] != padding { counted += 1 }
    return counted
}

/// Backward of `crossEntropyForward` for the loss `scale · Σ_rows w_r · losses_r`: logitsGradient (B, V) +=
/// scale · w_r · (probabilities − onehot(target)) on every non-<pad> row; w_r = rowWeights (B), or 1 without them.
public func crossEntropyBackward(logitsGradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
                                 targets: UnsafePointer<Int32>, scale: Float, rows: Int, vocabularySize: Int,
                                 rowWeights: UnsafePointer<Float>? = nil, padding: Int32 = Int32(Vocabulary.pad)) {
    let V = vocabularySize
    parallelFor(rows, minimumPerWorker: 8) { range in
        for r in range where targets[r] != padding {
            let p = probabilities + r * V, d = logitsGradient + r * V
            let rowScale = scale * (rowWeights?[r] ?? 1)
            for j in 0..<V { d[j] += rowScale * p[j] }
            d[Int(targets[r])] -= rowScale
        }
    }
}
