import Foundation

// MARK: - Element-wise kernels
//
// Small loops the layers share. They take raw pointers so the layers can run them on slices of one
// allocation without copies.

@inlinable
public func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// x[i] = tanh(x[i]) for `count` entries.
@inlinable
public func tanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = tanhf(x[i]) }
}

/// Numerically stable softmax of each row of `x` (rows, columns), in place.
public func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = x + r * columns
        var maximum = -Float.infinity
        for j in 0..<columns { maximum = max(maximum, row[j]) }
        var sum: Float = 0
        for j in 0..<columns {
            let e = expf(row[j] - maximum)
            row[j] = e
            sum += e
        }
        let scale = 1 / sum
        for j in 0..<columns { row[j] *= scale }
    }
}

/// Log-softmax of each row of `x` (rows, columns), in place.
public func logSoftmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = x + r * columns
        var maximum = -Float.infinity
        for j in 0..<columns { maximum = max(maximum, row[j]) }
        var sum: Float = 0
        for j in 0..<columns { sum += expf(row[j] - maximum) }
        let logSum = maximum + logf(sum)
        for j in 0..<columns { row[j] -= logSum }
    }
}

/// y (rows, columns) += bias (columns), broadcast over rows.
@inlinable
public func addBiasRows(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = y + r * columns
        for j in 0..<columns { row[j] += bias[j] }
    }
}
