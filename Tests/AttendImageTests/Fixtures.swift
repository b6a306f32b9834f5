import AttendImage
import CAttendShims
import Foundation
import XCTest

// MARK: - PNG files written without libpng
//
// An independent writer (chunks, zlib "stored" blocks, Adler-32, CRC-32) so that the decoder's
// results are checked against bytes libpng did not produce, for every colour type and bit depth,
// with and without Adam7 interlacing.

struct PNGFixture {
    var width: Int
    var height: Int
    /// 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
    var colorType: Int
    var bitDepth: Int
    var interlaced = false
    /// (height, width, channels) samples, each below 2^bitDepth; palette: indices.
    var samples: [Int]
    var palette: [(Int, Int, Int)] = []
    /// The tRNS chunk's data, as stored.
    var trns: [UInt8]? = nil
    /// eXIf chunk data (TIFF bytes), written before IDAT.
    var exif: [UInt8]? = nil

    var channels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }

    /// Fills samples from a function of (x, y, channel).
    init(width: Int, height: Int, colorType: Int, bitDepth: Int, interlaced: Bool = false,
         sample: (Int, Int, Int) -> Int) {
        self.width = width
        self.height = height
        self.colorType = colorType
        self.bitDepth = bitDepth
        self.interlaced = interlaced
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]!
        var samples = [Int]()
        samples.reserveCapacity(width * height * channels)
        for y in 0..<height { for x in 0..<width { for c in 0..<channels { samples.append(sample(x, y, c)) } } }
        self.samples = samples
    }

    func encode(corruptIHDRCRC: Bool = false) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = be32(width) + be32(height)
        ihdr += [UInt8(bitDepth), UInt8(colorType), 0, 0, interlaced ? 1 : 0]
        out += chunk("IHDR", ihdr, corruptCRC: corruptIHDRCRC)
        if let exif { out += chunk("eXIf", exif) }
        if !palette.isEmpty { out += chunk("PLTE", palette.flatMap { [UInt8($0.0), UInt8($0.1), UInt8($0.2)] }) }
        if let trns { out += chunk("tRNS", trns) }
        out += chunk("IDAT", zlibStored(rawScanlines()))
        out += chunk("IEND", [])
        return out
    }

    /// Filter-type-0 scanlines, one image or seven Adam7 passes.
    func rawScanlines() -> [UInt8] {
        let passes = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        var raw = [UInt8]()
        for (x0, y0, dx, dy) in passes {
            let xs = Array(stride(from: x0, to: width, by: dx)), ys = Array(stride(from: y0, to: height, by: dy))
            if xs.isEmpty || ys.isEmpty { continue }
            for y in ys {
                raw.append(0)
                var bits = 0, acc = 0
                for x in xs {
                    for c in 0..<channels {
                        let v = samples[(y * width + x) * channels + c]
                        switch bitDepth {
                        case 16: raw += [UInt8(v >> 8), UInt8(v & 0xFF)]
                        case 8: raw.append(UInt8(v))
                        default:
                            acc = acc << bitDepth | v
                            bits += bitDepth
                            if bits == 8 { raw.append(UInt8(acc)); acc = 0; bits = 0 }
                        }
                    }
                }
                if bits > 0 { raw.append(UInt8(acc << (8 - bits))) }
            }
        }
        return raw
    }

    /// What the decoder must return (upright as stored), computed from the PNG specification.
    func expectedRGB(background: RGBColor = .white) -> [UInt8] {
        func to8(_ v: Int) -> Int {
            switch bitDepth {
            case 16: return (v * 255 + 32767) / 65535
            case 8: return v
            default: return v * 255 / ((1 << bitDepth) - 1)
            }
        }
        let trnsValues = (trns ?? []).count >= 2 ? stride(from: 0, to: trns!.count - 1, by: 2).map {
            Int(trns![$0]) << 8 | Int(trns![$0 + 1])
        } : []
        var out = [UInt8]()
        for i in 0..<(width * height) {
            let s = Array(samples[(i * channels)..<((i + 1) * channels)])
            var rgb: [Int], alpha = 255
            switch colorType {
            case 0:
                rgb = [to8(s[0]), to8(s[0]), to8(s[0])]
                if trns != nil, trnsValues.first == s[0] { alpha = 0 }
            case 2:
                rgb = s.map(to8)
                if trns != nil, trnsValues == s { alpha = 0 }
            case 3:
                let p = palette[s[0]]
                rgb = [p.0, p.1, p.2]
                if let trns, s[0] < trns.count { alpha = Int(trns[s[0]]) }
            case 4:
                rgb = [to8(s[0]), to8(s[0]), to8(s[0])]
                alpha = to8(s[1])
            default:
                rgb = s.prefix(3).map(to8)
                alpha = to8(s[3])
            }
            let bg = [Int(background.red), Int(background.green), Int(background.blue)]
            for c in 0..<3 { out.append(UInt8((rgb[c] * alpha + bg[c] * (255 - alpha) + 127) / 255)) }
        }
        return out
    }
}

func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count) }
}

func chunk(_ type: String, _ data: [UInt8], corruptCRC: Bool = false) -> [UInt8] {
    let body = Array(type.utf8) + data
    let crc = crc32(body) ^ (corruptCRC ? 1 : 0)
    return be32(data.count) + body + be32(Int(crc))
}

/// A zlib stream of stored (uncompressed) deflate blocks.
func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
        let n = min(65535, data.count - offset)
        let final: UInt8 = offset + n == data.count ? 1 : 0
        out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8 & 0xFF)]
        out += data[offset..<(offset + n)]
        offset += n
    } while offset < data.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    return out + be32(Int(b << 16 | a))
}

// MARK: - Pictures and comparisons

/// A smooth, asymmetric picture: red grows to the right, green downwards, blue along the diagonal,
/// and the top-left quarter is lighter, so every flip and turn is told apart. Smooth enough for JPEG.
func gradientImage(width: Int, height: Int) -> RGBImage {
    var pixels = [UInt8]()
    for y in 0..<height {
        for x in 0..<width {
            let fx = Double(x) / Double(max(width - 1, 1)), fy = Double(y) / Double(max(height - 1, 1))
            let lift = fx < 0.5 && fy < 0.5 ? 40.0 * (1 - 2 * max(fx, fy)) : 0
            pixels += [UInt8(min(255, 30 + 180 * fx + lift)), UInt8(min(255, 30 + 180 * fy + lift)),
                       UInt8(min(255, 60 + 90 * (fx + fy) / 2 + lift))]
        }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

struct Difference: CustomStringConvertible {
    var mean: Double
    var max: Int
    var description: String { String(format: "mean %.3f, max %d", mean, max) }
}

func difference(_ a: RGBImage, _ b: RGBImage, file: StaticString = #filePath, line: UInt = #line) -> Difference {
    XCTAssertEqual(a.width, b.width, "width", file: file, line: line)
    XCTAssertEqual(a.height, b.height, "height", file: file, line: line)
    guard a.pixels.count == b.pixels.count else { return Difference(mean: .infinity, max: 255) }
    var total = 0, worst = 0
    for (p, q) in zip(a.pixels, b.pixels) {
        let d = abs(Int(p) - Int(q))
        total += d
        worst = Swift.max(worst, d)
    }
    return Difference(mean: Double(total) / Double(a.pixels.count), max: worst)
}

/// The picture as stored in a file whose EXIF orientation is `o`: the inverse of what a viewer does,
/// built from plain turns and flips (not from the decoder's table).
func storedForOrientation(_ upright: RGBImage, _ o: Orientation) -> RGBImage {
    switch o {
    case .up: return upright
    case .mirrored: return flipLeftRight(upright)
    case .rotated180: return turnClockwise(turnClockwise(upright))
    case .flipped: return flipTopBottom(upright)
    case .transposed: return flipLeftRight(turnClockwise(upright))       // viewer: flip, then turn anticlockwise
    case .rotated90: return turnClockwise(turnClockwise(turnClockwise(upright)))  // viewer turns clockwise
    case .transverse: return flipLeftRight(turnClockwise(turnClockwise(turnClockwise(upright))))
    case .rotated270: return turnClockwise(upright)                      // viewer turns anticlockwise
    }
}

func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
    let i = 3 * (y * image.width + x)
    return Array(image.pixels[i..<(i + 3)])
}

func turnClockwise(_ image: RGBImage) -> RGBImage {
    // New (x, y) shows old (y, H − 1 − x): the old left column becomes the top row.
    var pixels = [UInt8]()
    for y in 0..<image.width { for x in 0..<image.height { pixels += pixel(image, y, image.height - 1 - x) } }
    return RGBImage(width: image.height, height: image.width, pixels: pixels)
}

func flipLeftRight(_ image: RGBImage) -> RGBImage {
    var pixels = [UInt8]()
    for y in 0..<image.height { for x in 0..<image.width { pixels += pixel(image, image.width - 1 - x, y) } }
    return RGBImage(width: image.width, height: image.height, pixels: pixels)
}

func flipTopBottom(_ image: RGBImage) -> RGBImage {
    var pixels = [UInt8]()
    for y in 0..<image.height { for x in 0..<image.width { pixels += pixel(image, x, image.height - 1 - y) } }
    return RGBImage(width: image.width, height: image.height, pixels: pixels)
}

func encodeJPEG(_ image: RGBImage, quality: Int = 95, configure: (inout JPEGWriter.Options) -> Void = { _ in }) -> [UInt8] {
    var options = JPEGWriter.Options()
    options.quality = quality
    configure(&options)
    return try! JPEGWriter.encode(pixels: image.pixels, width: image.width, height: image.height, components: 3,
                                  options: options)
}

/// A seeded generator, so that every failure can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

/// A temporary directory removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) -> String {
    let path = NSTemporaryDirectory() + "attend-test-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}
