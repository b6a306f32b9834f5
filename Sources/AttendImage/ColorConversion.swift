// MARK: - RGBColor

/// An 8-bit sRGB colour.
public struct RGBColor: Equatable, Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGBColor(red: 255, green: 255, blue: 255)
    public static let black = RGBColor(red: 0, green: 0, blue: 0)
}

// MARK: - Four channels to three, in place

/// Composites packed RGBA over `background`, writing packed RGB into the front of the same buffer.
///
/// Straight (non-premultiplied) alpha, blended on the stored sRGB values as most tools do:
/// out = round((c·a + bg·(255 − a)) / 255). Fully opaque pixels keep their values exactly.
func compositeRGBAInPlace(_ buffer: UnsafeMutablePointer<UInt8>, pixelCount: Int, over background: RGBColor) {
    let bg = (Int(background.red), Int(background.green), Int(background.blue))
    for i in 0..<pixelCount {
        let s = buffer + 4 * i, d = buffer + 3 * i
        let a = Int(s[3]), na = 255 - a
        // (x + 127) / 255 rounds to nearest: x / 255 is never exactly half-way, 255 being odd.
        let r = (Int(s[0]) * a + bg.0 * na + 127) / 255
        let g = (Int(s[1]) * a + bg.1 * na + 127) / 255
        let b = (Int(s[2]) * a + bg.2 * na + 127) / 255
        d[0] = UInt8(r)
        d[1] = UInt8(g)
        d[2] = UInt8(b)
    }
}

/// Converts packed CMYK to packed RGB in the front of the same buffer.
///
/// `inverted`: the values are stored as 255 − ink, as Adobe applications write them (an APP14 "Adobe"
/// marker says so). Then R = C·K / 255, and likewise G from M, B from Y. Plain CMYK is inverted first.
/// No ICC profile is applied: colours are approximate, as in most viewers without colour management.
func cmykToRGBInPlace(_ buffer: UnsafeMutablePointer<UInt8>, pixelCount: Int, inverted: Bool) {
    for i in 0..<pixelCount {
        let s = buffer + 4 * i, d = buffer + 3 * i
        var c = Int(s[0]), m = Int(s[1]), y = Int(s[2]), k = Int(s[3])
        if !inverted { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k }
        d[0] = UInt8((c * k + 127) / 255)
        d[1] = UInt8((m * k + 127) / 255)
        d[2] = UInt8((y * k + 127) / 255)
    }
}
