import XCTest
import Foundation

/// Runs the built `attend synth` (through `attend(_:)` in ImageCommandTests.swift).
final class SynthCommandTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "attend-synth-cli-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testSynthWritesTheFlickrLayout() throws {
        let run = try attend(["synth", "--out", directory, "--count", "10", "--seed", "7", "--size", "64",
                              "--split-counts", "6,2,2", "--captions", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "wrote 10 scenes of 64×64 to \(directory) (train 6, dev 2, test 2)\n")
        let images = try FileManager.default.contentsOfDirectory(atPath: directory + "/images")
        XCTAssertEqual(images.count, 10)
        let tokens = try String(contentsOfFile: directory + "/Flickr8k.token.txt", encoding: .utf8)
        XCTAssertEqual(tokens.split(separator: "\n").count, 10)
        XCTAssertTrue(tokens.hasPrefix("00000.png#0\ta "), tokens)
        let test = try String(contentsOfFile: directory + "/Flickr_8k.testImages.txt", encoding: .utf8)
        XCTAssertEqual(test, "00008.png\n00009.png\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/boxes.json"))
    }

    func testSynthUsageErrorsExit64AndWriteNothing() throws {
        for arguments in [["--split-counts", "1,1,1"], ["--split-fractions", "0.5,0.5,0.5"], ["--size", "16"],
                          ["--captions", "4"], ["--split-counts", "2,1,1", "--split-fractions", "1,0,0"]] {
            let run = try attend(["synth", "--out", directory, "--count", "4", "--seed", "1"] + arguments)
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.stderr)")
            XCTAssertFalse(run.stderr.isEmpty)
        }
        let run = try attend(["synth", "--out", directory, "--count", "4", "--seed", "1", "--split-counts", "1,1,1"])
        XCTAssertTrue(run.stderr.contains("add up to --count 4"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory), "nothing is written on a usage error")
    }

    func testAnUnwritableDirectoryExitsOneNamingIt() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: directory, contents: Data("a file".utf8)))
        let run = try attend(["synth", "--out", directory, "--count", "2", "--seed", "1"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "attend: \(directory)/images: cannot write: Not a directory\n")
    }
}
