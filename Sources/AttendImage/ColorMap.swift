// MARK: - ColorMap

/// A colour map: values in 0…1 to colours, by linear interpolation between evenly spaced control points.
///
/// `viridis` is the perceptual map of matplotlib (van der Walt and Smith, 2015): its lightness rises
/// monotonically from dark violet to yellow, so a brighter colour always means more attention, it survives
/// printing in grey, and readers with colour-vision deficiencies read it the same way. Seventeen control
/// points sampled from matplotlib reproduce it within 6/255 per channel (scripts/viridis_reference.py).
public struct ColorMap: Sendable {
    /// (N, 3) colours at t = 0, 1/(N−1), …, 1.
    public let controlPoints: [(UInt8, UInt8, UInt8)]
    /// (256, 3): the map sampled at t = i / 255, so drawing a picture costs one lookup a pixel.
    private let table: [UInt8]

    public init(controlPoints: [(UInt8, UInt8, UInt8)]) {
        precondition(controlPoints.count >= 2, "a colour map needs at least two control points")
        self.controlPoints = controlPoints
        var table = [UInt8](repeating: 0, count: 256 * 3)
        let segments = Float(controlPoints.count - 1)
        for i in 0..<256 {
            let position = Float(i) / 255 * segments
            let lower = min(Int(position), controlPoints.count - 2)
            let fraction = position - Float(lower)
            let (a, b) = (controlPoints[lower], controlPoints[lower + 1])
            table[3 * i] = Self.mix(a.0, b.0, fraction)
            table[3 * i + 1] = Self.mix(a.1, b.1, fraction)
            table[3 * i + 2] = Self.mix(a.2, b.2, fraction)
        }
        self.table = table
    }

    /// The colour of `value`, clamped to 0…1 (NaN reads as 0).
    public func colour(at value: Float) -> (UInt8, UInt8, UInt8) {
        let i = Self.index(value)
        return (table[3 * i], table[3 * i + 1], table[3 * i + 2])
    }

    /// The table row of `value`: round(255 · clamp(value, 0, 1)).
    @inline(__always)
    static func index(_ value: Float) -> Int {
        guard value > 0 else { return 0 }   // also NaN
        return value >= 1 ? 255 : Int(value * 255 + 0.5)
    }

    /// Calls `body` with the (256, 3) lookup table.
    func withTable<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        table.withUnsafeBufferPointer(body)
    }

    private static func mix(_ a: UInt8, _ b: UInt8, _ fraction: Float) -> UInt8 {
        UInt8((Float(a) + (Float(b) - Float(a)) * fraction).rounded())
    }

    // MARK: - Named maps

    /// matplotlib's viridis at t = 0, 1/16, …, 1.
    public static let viridis = ColorMap(controlPoints: [
        (68, 1, 84), (72, 24, 106), (71, 45, 123), (66, 64, 134), (59, 82, 139), (51, 99, 141),
        (44, 114, 142), (38, 130, 142), (33, 145, 140), (31, 160, 136), (40, 174, 128), (63, 188, 115),
        (94, 201, 98), (132, 212, 75), (173, 220, 48), (216, 226, 25), (253, 231, 37),
    ])

    /// Black to white: the map of the paper's own figures.
    public static let grey = ColorMap(controlPoints: [(0, 0, 0), (255, 255, 255)])
}
