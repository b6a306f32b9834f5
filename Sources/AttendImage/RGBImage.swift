// MARK: - RGBImage

/// An 8-bit RGB picture in memory: rows top to bottom, pixels left to right, channels R, G, B.
///
/// `pixels` has shape (height, width, 3), row-major and interleaved, with no row padding.
/// Every decoder returns this, already upright (EXIF orientation applied) and with any alpha
/// composited away, so everything downstream sees one layout.
public struct RGBImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// (height, width, 3)
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "an image has at least one pixel")
        precondition(pixels.count == width * height * 3, "pixels must hold height × width × 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A picture filled with one colour.
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        precondition(width > 0 && height > 0, "an image has at least one pixel")
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = fill.0
            pixels[3 * i + 1] = fill.1
            pixels[3 * i + 2] = fill.2
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
