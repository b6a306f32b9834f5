import AttendImage
import XCTest

/// The resampler against Pillow's output (exact), against a plain floating-point convolution written
/// from the filter's definition (within 1 level), and on what antialiasing must do.
final class ResampleTests: XCTestCase {
    /// The input scripts/resize_reference.py generates: integer arithmetic only, same on both sides.
    func pattern(_ width: Int, _ height: Int) -> RGBImage {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    pixels.append(UInt8((x * 7 + y * 13 + c * 101 + (x * y) % 37 + ((x / 5 + y / 3) % 2) * 90) % 256))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func testMatchesPillowExactly() {
        for (from, to, bytes) in pillowSmall {
            let out = pattern(from.0, from.1).resized(width: to.0, height: to.1)
            XCTAssertEqual(out.pixels, bytes, "\(from) → \(to)")
        }
        for (from, to, expected) in pillowLarge {
            let out = pattern(from.0, from.1).resized(width: to.0, height: to.1)
            XCTAssertEqual([out.width, out.height], [to.0, to.1])
            XCTAssertEqual(crc32(out.pixels), expected, "\(from) → \(to)")
        }
    }

    /// out(x) = Σ f((i + ½ − c) / s) · in(i) / Σ f(…), c = (x + ½) · scale, s = max(scale, 1),
    /// f the triangle, in Double, both directions at once, no rounding in between.
    func reference(_ image: RGBImage, width outW: Int, height outH: Int) -> [UInt8] {
        func weights(_ inSize: Int, _ outSize: Int) -> [[(Int, Double)]] {
            let scale = Double(inSize) / Double(outSize), s = max(scale, 1)
            return (0..<outSize).map { x in
                let c = (Double(x) + 0.5) * scale
                let taps = (0..<inSize).compactMap { i -> (Int, Double)? in
                    let w = max(0, 1 - abs((Double(i) + 0.5 - c) / s))
                    return w > 0 ? (i, w) : nil
                }
                let total = taps.reduce(0) { $0 + $1.1 }
                return taps.map { ($0.0, $0.1 / total) }
            }
        }
        let wx = weights(image.width, outW), wy = weights(image.height, outH)
        var out = [UInt8]()
        for y in 0..<outH {
            for x in 0..<outW {
                for ch in 0..<3 {
                    var v = 0.0
                    for (j, b) in wy[y] {
                        for (i, a) in wx[x] { v += a * b * Double(image.pixels[3 * (j * image.width + i) + ch]) }
                    }
                    out.append(UInt8(max(0, min(255, v.rounded()))))
                }
            }
        }
        return out
    }

    func testAgreesWithAFloatingPointConvolution() {
        for (w, h, ow, oh) in [(31, 23, 9, 7), (31, 23, 62, 40), (100, 10, 11, 10), (10, 100, 10, 13), (5, 5, 17, 3),
                               (20, 90, 40, 9)] {
            let image = pattern(w, h)
            let out = image.resized(width: ow, height: oh).pixels
            let ref = reference(image, width: ow, height: oh)
            let worst = zip(out, ref).map { abs(Int($0) - Int($1)) }.max()!
            XCTAssertLessThanOrEqual(worst, 1, "\(w)×\(h) → \(ow)×\(oh): fixed point vs Double")
        }
    }

    func testSameSizeIsUnchangedAndFlatStaysFlat() {
        let image = pattern(50, 40)
        XCTAssertEqual(image.resized(width: 50, height: 40), image)
        let flat = RGBImage(width: 37, height: 91, fill: (12, 200, 255))
        for (w, h) in [(1, 1), (224, 224), (5, 300), (37, 10)] {
            XCTAssertEqual(flat.resized(width: w, height: h), RGBImage(width: w, height: h, fill: (12, 200, 255)))
        }
    }

    /// A 10× reduction of one-pixel stripes must average them (grey), not sample them: nearest
    /// neighbour or plain bilinear would give black, white or moiré.
    func testLargeReductionsAreAntialiased() {
        var pixels = [UInt8]()
        for _ in 0..<300 { for x in 0..<2240 { let v: UInt8 = x % 2 == 0 ? 0 : 255; pixels += [v, v, v] } }
        let stripes = RGBImage(width: 2240, height: 300, pixels: pixels)
        let small = stripes.resized(width: 224, height: 30)
        let values = Set(small.pixels)
        // The triangle weighs odd and even columns a little differently: grey within a few levels.
        XCTAssertTrue(values.allSatisfy { (120...135).contains($0) }, "stripes average to grey, got \(values.sorted())")
        // A single bright pixel in a dark picture survives a 10× reduction as a faint dot, not at all or whole.
        var dot = RGBImage(width: 100, height: 100, fill: (0, 0, 0))
        for c in 0..<3 { dot.pixels[3 * (55 * 100 + 55) + c] = 255 }
        let reduced = dot.resized(width: 10, height: 10)
        XCTAssertEqual(reduced.pixels.filter { $0 > 0 }.count % 3, 0)
        XCTAssertTrue(reduced.pixels.allSatisfy { $0 < 20 }, "the dot is spread over its neighbourhood")
        XCTAssertGreaterThan(reduced.pixels.max()!, 0)
    }
}

// Pillow 13.0.0, Image.resize(size, Image.BILINEAR)
let pillowSmall: [(from: (Int, Int), to: (Int, Int), bytes: [UInt8])] = [
    ((23, 17), (7, 5), [52, 138, 196, 102, 141, 135, 151, 131, 97, 137, 170, 84, 159, 144, 122, 176, 77, 171, 158, 95, 139, 137, 134, 100, 155, 130, 106, 156, 168, 113, 183, 96, 157, 136, 89, 162, 144, 81, 140, 112, 121, 139, 150, 158, 107, 172, 111, 146, 146, 83, 173, 139, 85, 139, 127, 110, 141, 76, 144, 131, 88, 151, 146, 182, 65, 166, 137, 89, 159, 136, 109, 114, 96, 138, 121, 93, 156, 134, 94, 153, 147, 102, 193, 74, 125, 105, 128, 135, 127, 111, 66, 146, 136, 84, 169, 143, 99, 184, 128, 117, 162, 68, 141, 113, 87]),
    ((23, 17), (1, 1), [128, 127, 131]),
    ((1, 1), (4, 3), [0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202, 0, 101, 202]),
    ((2, 1), (5, 1), [0, 101, 202, 1, 102, 203, 4, 105, 206, 6, 107, 208, 7, 108, 209]),
]
let pillowLarge: [(from: (Int, Int), to: (Int, Int), crc32: UInt32)] = [
    ((23, 17), (40, 9), 0x812417C7),
    ((23, 17), (3, 30), 0x5401E63A),
    ((23, 17), (23, 40), 0x2072607F),
    ((23, 17), (50, 17), 0xB372A54E),
    ((100, 300), (224, 224), 0x5BF247AB),
    ((500, 375), (224, 224), 0x11BAE4D7),
    ((2000, 1500), (224, 224), 0xF3E89DBE),
    ((224, 224), (448, 300), 0x2E790E41),
    ((7, 3000), (224, 224), 0x084DAF6F),
    ((4000, 3000), (224, 224), 0x201765C6),
]
