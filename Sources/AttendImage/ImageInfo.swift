// MARK: - Orientation

/// EXIF orientation (tag 0x0112): how the stored pixels must be turned to stand upright.
///
/// The raw value is the EXIF number. The case names say what a viewer does to the stored picture.
public enum Orientation: Int, Sendable, Codable, CaseIterable {
    case up = 1                 // as stored
    case mirrored = 2           // flip left–right
    case rotated180 = 3         // turn 180°
    case flipped = 4            // flip top–bottom
    case transposed = 5         // flip left–right, then turn 90° anticlockwise (mirror about the main diagonal)
    case rotated90 = 6          // turn 90° clockwise
    case transverse = 7         // flip left–right, then turn 90° clockwise (mirror about the anti-diagonal)
    case rotated270 = 8         // turn 90° anticlockwise

    /// True when the upright picture's width is the stored height.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// What a viewer does, in words.
    public var summary: String {
        switch self {
        case .up: return "upright as stored"
        case .mirrored: return "flip left-right"
        case .rotated180: return "rotate 180°"
        case .flipped: return "flip top-bottom"
        case .transposed: return "flip left-right, rotate 90° anticlockwise"
        case .rotated90: return "rotate 90° clockwise"
        case .transverse: return "flip left-right, rotate 90° clockwise"
        case .rotated270: return "rotate 90° anticlockwise"
        }
    }
}

// MARK: - ImageInfo

/// What a file's header says, read without decoding a pixel.
public struct ImageInfo: Sendable, Equatable {
    public var format: ImageFormat
    /// Stored size, as the header gives it (before EXIF orientation).
    public var width: Int
    public var height: Int
    public var orientation: Orientation
    /// Stored channels: JPEG 1 (grey), 3 (YCbCr or RGB), 4 (CMYK or YCCK); PNG 1 (grey or palette),
    /// 2 (grey + alpha), 3 (RGB), 4 (RGBA).
    public var channels: Int
    /// Bits per stored sample: JPEG 8; PNG 1, 2, 4, 8 or 16.
    public var bitDepth: Int
    /// "grayscale", "rgb", "ycbcr", "cmyk", "ycck", "palette", "grayscale+alpha", "rgba".
    public var colorModel: String
    /// An alpha channel, or (PNG) a tRNS chunk marking some colours transparent.
    public var hasAlpha: Bool
    /// PNG: Adam7 interlaced. JPEG: progressive.
    public var interlaced: Bool
    public var hasICCProfile: Bool
    /// JPEG only: "4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1" or "h×v,…" for others; nil for grayscale and PNG.
    public var chromaSubsampling: String?
    /// JPEG only: arithmetic rather than Huffman entropy coding.
    public var arithmeticCoding: Bool
    /// JPEG only: MCUs between restart markers (0: none).
    public var restartInterval: Int

    /// Size after EXIF orientation: what a photo viewer shows, and what the decoder returns.
    public var uprightWidth: Int { orientation.swapsAxes ? height : width }
    public var uprightHeight: Int { orientation.swapsAxes ? width : height }
}

/// Names a JPEG's chroma subsampling from its per-component sampling factors.
func chromaSubsampling(h: [Int], v: [Int]) -> String? {
    guard h.count >= 3, v.count >= 3 else { return nil }
    if h[1] != h[2] || v[1] != v[2] || h[0] % h[1] != 0 || v[0] % v[1] != 0 {
        return zip(h, v).map { "\($0)×\($1)" }.joined(separator: ",")
    }
    switch (h[0] / h[1], v[0] / v[1]) {
    case (1, 1): return "4:4:4"
    case (2, 1): return "4:2:2"
    case (2, 2): return "4:2:0"
    case (1, 2): return "4:4:0"
    case (4, 1): return "4:1:1"
    case (4, 2): return "4:1:0"
    default: return zip(h, v).map { "\($0)×\($1)" }.joined(separator: ",")
    }
}
