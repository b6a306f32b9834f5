import AttendImage
import Foundation
import XCTest

/// A hard-attention model from the command line: `caption --json` gives each word's location beside its α (a soft
/// model's JSON has none), `overlay` outlines those cells on the sheet it would draw from the JSON, and
/// `train --attention hard` writes a hard-attention model.
final class HardAttentionCommandTests: XCTestCase {
    private struct CaptionLine: Decodable {
        struct Word: Decodable {
            var word: String
            var beta: Float
            var attention: [[Float]]
            var location: [Int]?
        }
        var caption: String
        var grid: Int
        var words: [Word]
    }

    /// A folder with seeded random soft and hard models of the tiny configuration (the same weights) and a picture.
    private func makeFolder() throws -> String {
        let folder = try batchScratchFolder(self, "hard")
        for attention in ["soft", "hard"] {
            let made = try attend(["random-model", "--config", "tiny", "--vocabulary-size", "40", "--seed", "5",
                                   "--attention", attention, "--out", folder + "/\(attention).attend"])
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        var picture = RGBImage(width: 120, height: 80)
        for i in picture.pixels.indices { picture.pixels[i] = UInt8((i * 37 + i / 360 * 11) % 256) }
        try PNGWriter.write(picture, to: folder + "/p.png")
        return folder
    }

    private func captionLine(_ arguments: [String]) throws -> CaptionLine {
        let run = try attend(["caption", "--json"] + arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try JSONDecoder().decode(CaptionLine.self, from: Data(run.stdout.utf8))
    }

    func testCaptionJSONGivesEachWordsLocation() throws {
        let folder = try makeFolder(), picture = folder + "/p.png"
        let soft = try captionLine(["--model", folder + "/soft.attend", picture])
        XCTAssertTrue(soft.words.allSatisfy { $0.location == nil })
        let raw = try attend(["caption", "--json", "--model", folder + "/soft.attend", picture])
        XCTAssertFalse(raw.stdout.contains("location"), "a soft model's JSON is as it was")

        let expectation = try captionLine(["--model", folder + "/hard.attend", picture])
        XCTAssertEqual(expectation.caption, soft.caption, "the expectation captions as soft attention")
        for mode in ["expectation", "argmax", "sample"] {
            let line = try captionLine(["--model", folder + "/hard.attend", "--hard-inference", mode, picture])
            XCTAssertFalse(line.words.isEmpty)
            for word in line.words {
                let location = try XCTUnwrap(word.location, mode)
                XCTAssertTrue((0..<line.grid).contains(location[0]) && (0..<line.grid).contains(location[1]))
                let weights = word.attention.flatMap { $0 }
                if mode == "sample" {
                    XCTAssertGreaterThan(word.attention[location[0]][location[1]], 0)
                } else {
                    XCTAssertEqual(location[0] * line.grid + location[1], weights.indices.max { weights[$0] < weights[$1] })
                }
            }
        }
        let again = try captionLine(["--model", folder + "/hard.attend", "--hard-inference", "sample", picture])
        let sampled = try captionLine(["--model", folder + "/hard.attend", "--hard-inference", "sample", picture])
        XCTAssertEqual(again.words.map(\.location), sampled.words.map(\.location), "draws seeded by the picture")
    }

    /// The sheet is the sheet of the JSON's words, maps, β and locations, at the smoothing --blur asks.
    func testOverlayOutlinesTheLocations() throws {
        let folder = try makeFolder(), picture = folder + "/p.png", model = folder + "/hard.attend"
        let line = try captionLine(["--model", model, "--hard-inference", "argmax", picture])
        let drawn = try attend(["overlay", "--model", model, "--hard-inference", "argmax", "--blur", "0",
                                "--out", folder + "/sheet.png", picture])
        XCTAssertEqual(drawn.status, 0, drawn.stderr)
        let upright = try ModelInput(size: 64).load(contentsOf: picture).decoded.image
        let size = AttentionSheet.displaySize(width: upright.width, height: upright.height, tile: 224)
        let words = line.words.map {
            WordAttention(word: $0.word, attention: $0.attention.flatMap { $0 }, beta: $0.beta,
                          location: $0.location.map { $0[0] * line.grid + $0[1] })
        }
        let expected = AttentionSheet(title: line.caption, picture: upright.resized(width: size.width, height: size.height),
                                      grid: line.grid, words: words, blur: 0)
        let sheet = try ImageDecoder.decode(contentsOf: folder + "/sheet.png").image
        XCTAssertEqual(sheet, expected.render())
        var unmarked = expected
        unmarked.words = words.map { WordAttention(word: $0.word, attention: $0.attention, beta: $0.beta) }
        XCTAssertNotEqual(sheet, unmarked.render(), "the outlines are drawn")
    }

    func testTrainWritesAHardAttentionModel() throws {
        let folder = try batchScratchFolder(self, "hard-train")
        let out = folder + "/h.attend"
        let run = try attend(["train", "--synthetic", "40", "--config", "tiny", "--attention", "hard", "--epochs", "1",
                              "--max-steps", "2", "--batch", "8", "--threads", "1", "--out", out, "--log", folder + "/log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: out))
        XCTAssertEqual(bytes[8], 4, "a hard-attention model is a version-4 file")
        let log = try String(contentsOfFile: folder + "/log", encoding: .utf8)
        XCTAssertTrue(log.contains("\"baseline\"") && log.contains("\"attentionEntropy\""), log)
        try PNGWriter.write(RGBImage(width: 64, height: 64), to: folder + "/p.png")
        let caption = try captionLine(["--model", out, folder + "/p.png"])
        XCTAssertTrue(caption.words.allSatisfy { $0.location != nil })

        let refused = try attend(["train", "--data", folder, "--attention", "hard", "--self-critical", "--start-from", out,
                                  "--out", folder + "/x.attend"])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("--self-critical is for soft attention"), refused.stderr)
    }

    /// The shipped hard-attention model (`--model hard`, models/hard.attend): a hard model (every word has its cell),
    /// with its encoder's classifier, so the caption of the cat is grounded in "cat" as the default's is.
    func testShippedHardModelNamesTheCat() throws {
        let line = try captionLine(["--model", "hard", samplesFolder + "/chelsea.png"])
        XCTAssertEqual(line.grid, 7)
        XCTAssertTrue(line.words.allSatisfy { $0.location != nil }, "a hard model gives each word its cell")
        let words = line.caption.split(separator: " ")
        XCTAssertTrue(words.contains("cat") && !words.contains("dog"), line.caption)
    }
}
