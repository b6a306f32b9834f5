import Foundation

// MARK: - Element-wise kernels
//
// Small loops the layers share. They take raw pointers so the layers can run them on slices of one
// allocation without copies.

@inlinable
public func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// log(p / (1 − p)): sigmoid's inverse.
@inlinable
public func logit(_ p: Float) -> Float { logf(p / (1 - p)) }

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

/// y (rows, columns) += bias (columns), then y = min(max(y, 0), 6) when `relu6`: the bias and activation after a
/// folded convolution's sgemm, in one pass over y (split over the workers by rows).
public func addBiasRows(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int,
                        relu6: Bool) {
    parallelFor(rows, minimumPerWorker: max(1, (1 << 15) / max(columns, 1))) { range in
        for r in range {
            let row = y + r * columns
            if relu6 {
                for j in 0..<columns { row[j] = Swift.min(Swift.max(row[j] + bias[j], 0), 6) }
            } else {
                for j in 0..<columns { row[j] += bias[j] }
            }
        }
    }
}

/// y (count) += x (count).
public func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { y[i] += x[i] }
}

// MARK: - Vectorised exp and tanh
//
// The attention step evaluates tanh on L·A values per row and step (50,000 for the default model), where
// libm's scalar tanhf dominated the decoder's time. These are plain branch-free loops of arithmetic that
// the compiler vectorises: Cephes' expf polynomial after range reduction by ln 2 (a few ulp).

/// e^x for x in [−87.3, 88.3] (clamped outside), a few ulp; a loop of it vectorises.
@inlinable @inline(__always)
public func expApproximate(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -87.3), 88.3)
    // n = round(x / ln 2) by the 1.5·2²³ trick: adding it pushes the fraction bits out.
    let shifter: Float = 12_582_912
    let shifted = clamped * 1.442_695_04 + shifter
    let n = shifted - shifter
    // r = x − n·ln 2, with ln 2 split in two so the subtraction stays exact.
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 0.166_666_66
    p = p * r + 0.5
    p = p * r * r + r + 1
    // 2ⁿ from the integer the shifter left in the low mantissa bits (0x4B40_0000 + n): no conversions.
    return p * Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
}

/// tanh(v) = 1 − 2 / (e^{2v} + 1) by `expApproximate` (|error| < 1e-6): saturates correctly at both ends, and a
/// loop of it vectorises.
@inlinable @inline(__always)
public func tanhApproximate(_ v: Float) -> Float {
    let e = expApproximate(v + v)
    return 1 - 2 / (e + 1)
}

/// σ(v) = 1 / (1 + e^{−v}) by `expApproximate`; a loop of it vectorises.
@inlinable @inline(__always)
public func sigmoidApproximate(_ v: Float) -> Float { 1 / (1 + expApproximate(-v)) }

/// x[i] = tanh(x[i]) for `count` entries, vectorised (|error| < 1e-6).
public func tanhVector(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = tanhApproximate(x[i]) }
}

// MARK: - Vectorised sums
//
// Batch norm sums up to B·112·112 values a channel. A Double accumulator in a scalar loop is one dependent
// add per value; sixteen Float lanes over blocks of 4,096 values, each block's total added in Double, run
// several times faster and lose nothing a batch statistic notices (a block's relative error ≈ 1e-6).

/// Σ term(i) for i in [0, count), where `lanes(i)` is the vector of terms i…i+15 and `term(i)` one term.
@inlinable @inline(__always)
public func blockSum(count: Int, lanes: (Int) -> SIMD16<Float>, term: (Int) -> Float) -> Double {
    var total = 0.0, start = 0
    while start < count {
        let end = min(count, start + 4096)
        var accumulator = SIMD16<Float>(), i = start
        while i + 16 <= end { accumulator += lanes(i); i += 16 }
        var tail: Float = 0
        while i < end { tail += term(i); i += 1 }
        total += Double(accumulator.sum() + tail)
        start = end
    }
    return total
}

/// The 16 values at x[i…i+15].
@inlinable @inline(__always)
public func load16(_ x: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
    UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
}
