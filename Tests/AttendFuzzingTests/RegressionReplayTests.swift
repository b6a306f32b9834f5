import AttendFuzzing
import AttendImage
import AttendModel
import Foundation
import XCTest

/// Every input a fuzz target once failed on (Regressions/TARGET/NAME, committed, small) and every seed, through
/// the same harness `make fuzz` runs: a trap, a precondition or a hang here fails the suite. What each input was
/// is in docs/RELIABILITY.md; the parser's own tests check the error each now gets.
final class RegressionReplayTests: XCTestCase {
    private static let regressions = Bundle.module.resourceURL!.appendingPathComponent("Regressions")

    func testEveryTargetHasAFolderAndItsInputsPass() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path)
        for folder in folders where !folder.hasPrefix(".") {
            XCTAssertNotNil(FuzzTarget.named(folder), "Regressions/\(folder) names no fuzz target")
        }
        var replayed = 0
        for target in FuzzTarget.all {
            let folder = Self.regressions.appendingPathComponent(target.name)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let input = try Data(contentsOf: folder.appendingPathComponent(name))
                XCTAssertLessThanOrEqual(input.count, 4096, "\(target.name)/\(name): regression inputs stay small")
                // CPU time, not wall time: the machine may be shared, and the limit is about the input's cost.
                let start = threadCPUSeconds()
                target.run([UInt8](input))
                XCTAssertLessThan(threadCPUSeconds() - start, 1, "\(target.name)/\(name) took over a second of CPU")
                replayed += 1
            }
        }
        print("replayed \(replayed) regression inputs")
    }

    func testSeedsPassAndEachTargetHasSome() {
        for target in FuzzTarget.all {
            let seeds = target.seeds()
            XCTAssertGreaterThanOrEqual(seeds.count, 4, "\(target.name) has a seed corpus")
            for seed in seeds { target.run(seed) }
        }
    }
}

/// CPU seconds this thread has run.
private func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The seeds start the fuzzers from valid inputs: pictures that decode, model files that load, requests
/// that give an image, caption files that parse.
final class SeedValidityTests: XCTestCase {
    private func seeds(_ name: String) throws -> [[UInt8]] { try XCTUnwrap(FuzzTarget.named(name)).seeds() }

    func testImageSeedsDecode() throws {
        let whole = try seeds("image").filter { $0.first == 0 }
        XCTAssertGreaterThanOrEqual(whole.count, 8)
        for seed in whole {
            let decoded = try ImageDecoder.decode(Array(seed.dropFirst()))
            XCTAssertEqual(decoded.image.width * decoded.image.height, 40 * 24)
        }
    }

    func testModelFileSeedsLoad() throws {
        let models = try seeds("model-file").map { try ModelFile.decode(Array($0.dropFirst()), path: "seed") }
        XCTAssertTrue(models.contains { $0.classifier != nil && $0.presence != nil }, "a seed reaches the heads' parsers")
    }

    func testEXIFSeedsGiveTheirOrientation() throws {
        let orientations = try seeds("exif").map { seed in seed.withUnsafeBytes { exifOrientation($0)?.rawValue } }
        XCTAssertEqual(orientations, (1...8).flatMap { [$0, $0, $0] })
    }
}
