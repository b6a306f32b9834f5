// MARK: - A deterministic photo-like picture

extension RGBImage {
    /// A picture with what photos have and flat test cards lack: smooth gradients, discs and bars with
    /// sharp edges, fine stripes near the Nyquist limit, and sensor-like noise, uniform over `noise`
    /// levels (16: ±7.5, a high-ISO look; 4: ±1.5, a clean daylight photo). The same arguments give
    /// the same pixels on every machine. Used by the tests and the benchmark.
    public static func testPattern(width: Int, height: Int, seed: UInt64 = 1, noise: Int = 16) -> RGBImage {
        precondition(noise >= 1 && noise <= 256, "noise spans 1 to 256 levels")
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {  // xorshift64*
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

        // A few discs and bars, placed relative to the picture's size.
        let discs = (0..<6).map { _ in
            (x: unit() * Double(width), y: unit() * Double(height), r: (0.05 + 0.15 * unit()) * Double(min(width, height)),
             color: (unit() * 255, unit() * 255, unit() * 255))
        }
        let stripeTop = Int(Double(height) * 0.8), stripeBottom = Int(Double(height) * 0.9)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let fy = Double(y) / Double(max(height - 1, 1))
                for x in 0..<width {
                    let fx = Double(x) / Double(max(width - 1, 1))
                    // Sky-to-ground gradient with a slow ripple.
                    var r = 40 + 160 * fy + 20 * sin(fx * 6.1)
                    var g = 90 + 100 * (1 - fy) + 25 * sin(fy * 4.3 + fx * 2)
                    var b = 200 - 150 * fy
                    for d in discs {
                        let dx = Double(x) - d.x, dy = Double(y) - d.y
                        if dx * dx + dy * dy < d.r * d.r { (r, g, b) = d.color }
                    }
                    if y >= stripeTop && y < stripeBottom && x % 4 < 2 { (r, g, b) = (r * 0.3, g * 0.3, b * 0.3) }
                    let n = Double(Int(next() % UInt64(noise))) - Double(noise - 1) / 2
                    let i = 3 * (y * width + x)
                    out[i] = clampByte(r + n)
                    out[i + 1] = clampByte(g + n)
                    out[i + 2] = clampByte(b + n)
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

private func clampByte(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }

private func sin(_ x: Double) -> Double {
    // A short polynomial keeps the pattern identical everywhere (libm's sin may differ in the last
    // bit between platforms); Bhaskara's approximation on a range-reduced argument.
    let twoPi = 2 * Double.pi
    var t = x.truncatingRemainder(dividingBy: twoPi)
    if t < 0 { t += twoPi }
    let sign: Double = t > .pi ? -1 : 1
    if t > .pi { t -= .pi }
    return sign * 16 * t * (.pi - t) / (5 * .pi * .pi - 4 * t * (.pi - t))
}
