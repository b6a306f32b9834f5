// MARK: - SceneRandom

/// The synthetic scenes' own random numbers: SplitMix64 (Steele, Lea & Flood 2014).
///
/// Why not `SystemRandomNumberGenerator` or `Int.random(in:using:)`: the first is not seedable and the
/// second's mapping from bits to a range is the standard library's business and may change between
/// Swift releases. Every draw here is plain 64-bit integer arithmetic (and, for `unit()`, an exact
/// conversion of 53 bits to a Double), so a seed gives the same scenes on every machine and toolchain.
struct SceneRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound, by the high word of a 64×64-bit product (Lemire's method
    /// without the rejection step: the bias is below 2⁻⁵⁰ for the small bounds used here).
    mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "a random integer needs a non-empty range")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform Double in [low, high).
    mutating func double(in low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }
}
