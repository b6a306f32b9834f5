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

// MARK: - Vectorised exp and tanh
//
// The attention step evaluates tanh on L·A values per row and step (50,000 for the default model), where
// libm's scalar tanhf dominated the decoder's time. These SIMD versions are accurate to a few ulp (Cephes'
// expf polynomial after range reduction by ln 2), far inside what the layers need.

@inlinable
func expSIMD(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let clamped = x.clamped(lowerBound: SIMD16(repeating: -87.3), upperBound: SIMD16(repeating: 88.3))
    let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
    // r = x − n·ln 2, with ln 2 split in two so the subtraction stays exact.
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 0.166_666_66
    p = p * r + 0.5
    p = p * r * r + r + 1
    let exponent = SIMD16<Int32>(truncatingIfNeeded: SIMD16<Int32>(n) &+ 127) &<< 23
    return p * unsafeBitCast(exponent, to: SIMD16<Float>.self)
}

/// x[i] = tanh(x[i]) for `count` entries, vectorised (|error| < 1e-6).
public func tanhVector(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    let raw = UnsafeMutableRawPointer(x)
    while i + 16 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        // tanh(v) = 1 − 2 / (e^{2v} + 1): saturates correctly at both ends.
        let e = expSIMD(v + v)
        let t = 1 - 2 / (e + 1)
        raw.storeBytes(of: t, toByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    while i < count {
        x[i] = tanhf(x[i])
        i += 1
    }
}
