import AttendMath
@testable import AttendModel
import Foundation
import XCTest

// The inference encoder's fast paths against simple ones: the depthwise row kernel (C, AVX2 where the CPU has
// it) against the plain Float loop it replaced, value for value; and the encoder's reused workspaces against
// fresh passes, one picture at a time, several at once, and from two threads at once.

final class LiteEncoderTests: XCTestCase {
    private func values(_ count: Int, scale: Float = 1, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in scale * (2 * generator.nextUnitFloat() - 1) }
    }

    /// The depthwise forward as a plain loop in Float: per value, bias, then the taps in (ky, kx) order, one
    /// multiply and one add each, then the clamp. input (B, H, W, C), weight (k, k, C) → output (B, Ho, Wo, C).
    private func depthwiseLoop(input: [Float], weight: [Float], bias: [Float], relu6: Bool, batch: Int, height: Int,
                               width: Int, channels C: Int, kernel k: Int, stride: Int) -> [Float] {
        let (outHeight, top) = samePadding(height, kernel: k, stride: stride)
        let (outWidth, left) = samePadding(width, kernel: k, stride: stride)
        var output = [Float](repeating: 0, count: batch * outHeight * outWidth * C)
        for b in 0..<batch {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for c in 0..<C {
                        var sum = bias[c]
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * stride - top + ky, ix = ox * stride - left + kx
                                guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                                sum = sum + weight[(ky * k + kx) * C + c] * input[((b * height + iy) * width + ix) * C + c]
                            }
                        }
                        output[((b * outHeight + oy) * outWidth + ox) * C + c] = relu6 ? min(max(sum, 0), 6) : sum
                    }
                }
            }
        }
        return output
    }

    /// Shapes that take every path of the row kernel: four outputs at a time in the interior (16 channels at a
    /// time, then single ones), and at the edges 32-wide blocks, 8-wide blocks, single channels.
    func testDepthwiseRowsEqualThePlainLoopExactly() {
        var checked = 0, clamped = 0
        for (i, (C, k, stride, height, width)) in [(45, 3, 1, 7, 6), (45, 5, 2, 9, 8), (77, 5, 1, 6, 7), (8, 3, 2, 5, 5),
                                                   (3, 3, 1, 4, 4), (96, 3, 2, 10, 10),
                                                   (40, 5, 1, 12, 13), (24, 5, 2, 15, 16)].enumerated() {
            let seed = UInt64(10 * i + 1)
            let batch = 2
            let input = values(batch * height * width * C, scale: 3, seed: seed)      // (B, H, W, C)
            let weight = values(k * k * C, seed: seed + 1)                               // (k, k, C)
            let bias = values(C, seed: seed + 2)                                         // (C)
            for relu6 in [false, true] {
                let expected = depthwiseLoop(input: input, weight: weight, bias: bias, relu6: relu6, batch: batch,
                                             height: height, width: width, channels: C, kernel: k, stride: stride)
                var output = [Float](repeating: .nan, count: expected.count)
                depthwiseConvolutionForward(output: &output, input: input, weight: weight, bias: bias, relu6: relu6,
                                            batch: batch, height: height, width: width, channels: C, kernel: k,
                                            stride: stride)
                XCTAssertEqual(output, expected, "C \(C), k \(k), stride \(stride), relu6 \(relu6)")
                checked += expected.count
                if relu6 { clamped += expected.filter { $0 == 0 || $0 == 6 }.count }
            }
        }
        XCTAssertGreaterThan(clamped, 0, "some outputs reach the clamp")
        XCTAssertGreaterThan(checked, 10_000)
    }

    private func tinyEncoder(config name: String, seed: UInt64) -> LiteEncoder {
        let words = Vocabulary.specialTokens + (0..<20).map { "w\($0)" }
        let model = Model.random(config: ModelConfig.named(name)!, vocabulary: Vocabulary(words: words), seed: seed)
        return makeGridEncoder(model: model) as! LiteEncoder
    }

    /// A workspace is reused from pass to pass: nothing a pass leaves behind may change the next one.
    func testReusedWorkspacesGiveTheSameGridsAsOnePictureAlone() {
        let encoder = tinyEncoder(config: "lite0-tiny", seed: 3)
        let S = encoder.config.imageSize, plane = 3 * S * S, cell = encoder.config.locations * encoder.config.gridChannels
        let images = values(3 * plane, scale: 1.5, seed: 7)                             // (3, 3, S, S)
        let alone = (0..<3).map { i in
            images.withUnsafeBufferPointer { Array(tinyEncoder(config: "lite0-tiny", seed: 3)
                .encode(images: $0.baseAddress! + i * plane, batch: 1)) }
        }
        let together = images.withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: 3) }
        XCTAssertEqual(together.count, 3 * cell)
        for i in 0..<3 { XCTAssertEqual(Array(together[(i * cell)..<((i + 1) * cell)]), alone[i], "picture \(i)") }
        // Again, in reverse order, into a caller's buffer.
        var grid = [Float](repeating: .nan, count: cell)
        for i in (0..<3).reversed() {
            images.withUnsafeBufferPointer { x in
                grid.withUnsafeMutableBufferPointer { encoder.encode(images: x.baseAddress! + i * plane, batch: 1, into: $0.baseAddress!) }
            }
            XCTAssertEqual(grid, alone[i], "picture \(i) into a buffer")
        }
        // The tap is block 10's output: the same values `activations` returns for the first 11 blocks.
        let (blocks, side) = images.withUnsafeBufferPointer { encoder.activations(images: $0.baseAddress!, batch: 3, wholeBlocks: 11) }
        XCTAssertEqual(side * side, encoder.config.locations)
        XCTAssertEqual(blocks, together)
    }

    /// Two threads encoding at once each get a workspace of their own.
    func testConcurrentPassesDoNotShareBuffers() {
        let encoder = tinyEncoder(config: "lite0-tiny", seed: 5)
        let S = encoder.config.imageSize, plane = 3 * S * S
        let pictures = (0..<4).map { values(plane, seed: 20 + UInt64($0)) }
        let expected = pictures.map { p in p.withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: 1) } }
        let results = UnsafeMutablePointer<[Float]>.allocate(capacity: 2 * 25)
        results.initialize(repeating: [], count: 2 * 25)
        defer { results.deinitialize(count: 2 * 25); results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for round in 0..<25 {
                let p = pictures[(thread + round) % 4]
                results[thread * 25 + round] = p.withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: 1) }
            }
        }
        for thread in 0..<2 {
            for round in 0..<25 {
                XCTAssertEqual(results[thread * 25 + round], expected[(thread + round) % 4], "thread \(thread), round \(round)")
            }
        }
    }

    /// The per-stage table covers the whole network: its FLOPs add up to the configuration's, for each variant.
    func testStagesAddUpToTheEncoderFLOPs() {
        for name in ["default", "lite0-tiny", "lite1", "lite2"] {
            let encoder = tinyEncoder(config: name, seed: 1)
            XCTAssertEqual(encoder.stages.map(\.flops).reduce(0, +), encoder.config.encoderFLOPs, name)
        }
        XCTAssertEqual(tinyEncoder(config: "lite2", seed: 1).stages.count, 1 + 21 * 3 - 1 + 1, "stem, 21 blocks, head")
    }
}

/// Loading converts every stored f16 with `floatFromHalfBits`: it must be the exact conversion, for all 65,536.
final class HalfConversionTests: XCTestCase {
    func testEveryHalfConvertsAsFloat16Does() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits)), actual = floatFromHalfBits(bits)
            if expected.isNaN {
                if !actual.isNaN || actual.sign != expected.sign { mismatches += 1 }
            } else if actual.bitPattern != expected.bitPattern {
                mismatches += 1
            }
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(floatFromHalfBits(0x0001), 0x1p-24)          // the smallest subnormal
        XCTAssertEqual(floatFromHalfBits(0xFC00), -.infinity)
    }
}
