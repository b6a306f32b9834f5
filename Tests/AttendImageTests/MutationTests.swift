import AttendImage
import Foundation
import XCTest

/// Thousands of corrupted variants of valid files through both decoders: each must decode or throw
/// an ImageError, never crash, abort or hang.
final class MutationTests: XCTestCase {
    /// Valid files covering the decoders' paths: interlacing, palettes, 16-bit, alpha; progressive,
    /// arithmetic, restart markers, CMYK, greyscale.
    private func seeds() throws -> [(String, [UInt8])] {
        let picture = gradientImage(width: 37, height: 29)
        var palette = PNGFixture(width: 37, height: 29, colorType: 3, bitDepth: 4, interlaced: true) { x, y, _ in (x ^ y) % 16 }
        palette.palette = (0..<16).map { ($0 * 16, $0 * 8, 255 - $0 * 16) }
        palette.trns = [0, 64, 128]
        var cmyk = [UInt8]()
        for i in 0..<(37 * 29) { cmyk += [picture.pixels[3 * i], picture.pixels[3 * i + 1], picture.pixels[3 * i + 2], 200] }
        let grey = Array(picture.pixels.enumerated().filter { $0.offset % 3 == 1 }.map(\.element))
        return [
            ("PNG RGB", try PNGWriter.encode(picture)),
            ("PNG RGBA 16-bit Adam7", PNGFixture(width: 37, height: 29, colorType: 6, bitDepth: 16, interlaced: true) { x, y, c in
                (x * 1700 + y * 900 + c * 20000) % 65536 }.encode()),
            ("PNG palette + tRNS Adam7", palette.encode()),
            ("PNG grey 2-bit", PNGFixture(width: 37, height: 29, colorType: 0, bitDepth: 2) { x, y, _ in (x + y) % 4 }.encode()),
            ("JPEG baseline + EXIF", encodeJPEG(picture, quality: 90) { $0.app1 = exifBlock(orientation: 6) }),
            ("JPEG progressive", encodeJPEG(picture, quality: 90) { $0.progressive = true }),
            ("JPEG arithmetic + restarts", encodeJPEG(picture, quality: 90) { $0.arithmetic = true; $0.restartInterval = 2 }),
            ("JPEG CMYK", try JPEGWriter.encode(pixels: cmyk, width: 37, height: 29, components: 4)),
            ("JPEG grey progressive", try JPEGWriter.encode(pixels: grey, width: 37, height: 29, components: 1,
                                                            options: { var o = JPEGWriter.Options(); o.progressive = true; return o }())),
        ]
    }

    private func mutate(_ file: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = file
        switch Int.random(in: 0..<6, using: &random) {
        case 0:  // flip a few bits
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let i = Int.random(in: 0..<bytes.count, using: &random)
                bytes[i] ^= 1 << UInt8.random(in: 0...7, using: &random)
            }
        case 1:  // overwrite a run with random bytes
            let i = Int.random(in: 0..<bytes.count, using: &random)
            for j in i..<min(bytes.count, i + Int.random(in: 1...16, using: &random)) { bytes[j] = .random(in: 0...255, using: &random) }
        case 2:  // truncate
            bytes = Array(bytes.prefix(Int.random(in: 1..<bytes.count, using: &random)))
        case 3:  // set a byte in the headers (lengths, sizes, markers) to an extreme
            let i = Int.random(in: 0..<min(bytes.count, 200), using: &random)
            bytes[i] = [0x00, 0xFF, 0x7F, 0x80, 0x01][Int.random(in: 0..<5, using: &random)]
        case 4:  // insert or delete a run
            let i = Int.random(in: 0..<bytes.count, using: &random)
            if Bool.random(using: &random) {
                bytes.insert(contentsOf: (0..<Int.random(in: 1...32, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: i)
            } else {
                bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...32, using: &random)))
            }
        default:  // duplicate a slice elsewhere (repeated markers and chunks)
            let i = Int.random(in: 0..<bytes.count, using: &random)
            let slice = bytes[i..<min(bytes.count, i + Int.random(in: 4...64, using: &random))]
            bytes.insert(contentsOf: slice, at: Int.random(in: 0..<bytes.count, using: &random))
        }
        return bytes
    }

    func testCorruptedVariantsNeverCrashOrHang() throws {
        var random = SeededGenerator(seed: 2015)
        var outcomes: [String: Int] = [:]
        var slowest = 0.0
        // 200 per seed, 1,800 in all; ATTEND_MUTATIONS=N runs N per seed (a longer hunt, e.g. under ASan).
        let variantsPerSeed = ProcessInfo.processInfo.environment["ATTEND_MUTATIONS"].flatMap(Int.init) ?? 200
        for (name, file) in try seeds() {
            XCTAssertNoThrow(try ImageDecoder.decode(file), "\(name) must decode before mutation")
            for n in 0..<variantsPerSeed {
                let bytes = mutate(file, &random)
                let options = DecodeOptions(allowTruncated: n % 2 == 0, targetSize: n % 3 == 0 ? (8, 8) : nil)
                let start = Date()
                do {
                    let decoded = try ImageDecoder.decode(bytes, options: options)
                    XCTAssertEqual(decoded.image.pixels.count, decoded.image.width * decoded.image.height * 3)
                    outcomes["decoded", default: 0] += 1
                } catch let error as ImageError {
                    switch error {
                    case .corrupt: outcomes["corrupt", default: 0] += 1
                    case .truncated: outcomes["truncated", default: 0] += 1
                    case .unsupportedFormat: outcomes["unsupported", default: 0] += 1
                    case .tooLarge: outcomes["too large", default: 0] += 1
                    default: XCTFail("\(name) variant \(n): unexpected \(error)")
                    }
                } catch {
                    XCTFail("\(name) variant \(n): not an ImageError: \(error)")
                }
                _ = try? ImageDecoder.info(bytes)
                slowest = max(slowest, Date().timeIntervalSince(start))
            }
        }
        let total = outcomes.values.reduce(0, +)
        XCTAssertGreaterThanOrEqual(total, 1000)
        XCTAssertLessThan(slowest, 2.0, "no variant may take long (a hang)")
        print("mutation test: \(total) variants, \(outcomes.sorted { $0.key < $1.key }), slowest \(String(format: "%.1f", slowest * 1000)) ms")
    }
}
