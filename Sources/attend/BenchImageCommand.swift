import ArgumentParser
import AttendImage
import AttendSupport
import Foundation

// MARK: - attend bench-image

struct BenchImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-image",
        abstract: "Time decoding a large JPEG to the model's 224 × 224: DCT-scaled against full decode.",
        discussion: """
            Generates a photo-like picture, encodes it as a JPEG (quality 90, 4:2:0) and writes it to \
            --jpeg, so that scripts/bench_image_pillow.py can time Pillow on the same file. Then times, \
            alternating so that both see the same machine load, (a) the model path: decode at 1/8 size by \
            libjpeg's DCT scaling, then resize; (b) full-size decode, then the same resize. Prints the \
            medians, their ratio, and how far the two 224 × 224 results differ.
            """,
        shouldDisplay: false)

    @Option(help: "Width of the generated picture.") var width = 4000
    @Option(help: "Height of the generated picture.") var height = 3000
    @Option(help: "Timed runs of each path.") var repeats = 15
    @Option(help: "Noise in the generated picture, in levels (16: ±7.5, high ISO; 4: ±1.5, a clean photo).")
    var noise = 16
    @Option(help: "Where to write the generated JPEG.") var jpeg = "/tmp/attend-bench-image.jpg"
    @Option(help: "Where to write the model path's 224 × 224 result (PNG), for comparison with Pillow's.")
    var out: String? = nil

    func validate() throws {
        if width < 1 || height < 1 || repeats < 1 { throw ValidationError("Sizes and --repeats are positive.") }
        if !(1...256).contains(noise) { throw ValidationError("--noise is 1 to 256 levels.") }
    }

    func run() throws {
        let generation = Stopwatch()
        let picture = RGBImage.testPattern(width: width, height: height, seed: 7, noise: noise)
        var options = JPEGWriter.Options()
        options.quality = 90
        let bytes = try JPEGWriter.encode(pixels: picture.pixels, width: width, height: height, components: 3,
                                          options: options)
        try writeFileAtomically(bytes, to: jpeg)
        printError(String(format: "generated %d × %d (noise %d levels), %.1f MB JPEG in %.1f s: %@", width, height,
                          noise, Double(bytes.count) / 1e6, generation.seconds, jpeg))

        let input = ModelInput()
        var scaled: [Double] = [], full: [Double] = []
        var scaledResult = RGBImage(width: 1, height: 1), fullResult = RGBImage(width: 1, height: 1)
        var denominator = 1
        for _ in 0..<(repeats + 1) {  // the first round warms caches and is not counted
            var clock = Stopwatch()
            let loaded = try input.load(bytes)
            scaled.append(clock.lap())
            (scaledResult, denominator) = (loaded.pixels, loaded.decoded.scaleDenominator)

            let decoded = try ImageDecoder.decode(bytes)
            fullResult = input.pixels(from: decoded.image)
            full.append(clock.lap())
        }
        scaled.removeFirst()
        full.removeFirst()
        let (a, b) = (median(scaled), median(full))
        var maxDiff = 0, totalDiff = 0
        for (p, q) in zip(scaledResult.pixels, fullResult.pixels) {
            let d = abs(Int(p) - Int(q))
            maxDiff = max(maxDiff, d)
            totalDiff += d
        }
        if let out { try PNGWriter.write(scaledResult, to: out) }
        print(String(format: "decode to 224×224, %d × %d JPEG, median of %d:", width, height, repeats))
        print(String(format: "  DCT-scaled (1/%d) + resize   %8.2f ms", denominator, a * 1000))
        print(String(format: "  full decode + resize        %8.2f ms", b * 1000))
        print(String(format: "  speed-up                    %8.2f×", b / a))
        print(String(format: "  difference of the results   mean %.3f, max %d (0–255 levels)",
                     Double(totalDiff) / Double(scaledResult.pixels.count), maxDiff))
    }
}


private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let n = sorted.count
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
}
