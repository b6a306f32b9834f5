import AttendImage
import Foundation
import XCTest

/// Runs the built `attend` binary: `attend overlay` against `attend caption --json` on the same model and
/// image, on awkward inputs, and on mistakes a user makes.
final class OverlayCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let run = try attend(arguments)
        return (run.status, run.stdout, run.stderr)
    }

    /// A folder with a seeded random model of the tiny configuration (64 × 64 input, 4 × 4 grid).
    private func makeFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attend-cli-overlay-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let r = try run(["random-model", "--config", "tiny", "--vocabulary-size", "40", "--seed", "5",
                         "--out", folder + "/tiny.attend"])
        XCTAssertEqual(r.status, 0, r.err)
        return folder
    }

    private func gradient(width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let i = 3 * (y * width + x)
                image.pixels[i] = UInt8(40 + 200 * x / max(1, width - 1))
                image.pixels[i + 1] = UInt8(40 + 200 * y / max(1, height - 1))
                image.pixels[i + 2] = UInt8((x * 7 + y * 3) % 256)
            }
        }
        return image
    }

    // MARK: - Agreement with `attend caption --json`

    private struct CaptionLine: Decodable {
        struct Word: Decodable {
            var word: String
            var beta: Float
            var attention: [[Float]]
        }
        var caption: String
        var grid: Int
        var words: [Word]
    }

    /// The sheet is exactly the sheet of the words, maps and β that `caption --json` prints, over the
    /// upright picture; the per-word files are named after the same words.
    func testSheetDrawsWhatCaptionJSONReports() throws {
        let folder = try makeFolder()
        let image = folder + "/wide.png"
        try PNGWriter.write(gradient(width: 150, height: 90), to: image)
        let model = folder + "/tiny.attend"

        let json = try run(["caption", "--json", "--model", model, "--beam", "2", image])
        XCTAssertEqual(json.status, 0, json.err)
        let line = try JSONDecoder().decode(CaptionLine.self, from: Data(json.out.utf8))
        let drawn = try run(["overlay", "--model", model, "--beam", "2", "--per-word", "--out", folder + "/out", image])
        XCTAssertEqual(drawn.status, 0, drawn.err)
        let sheetPath = folder + "/out/wide-attention.png"
        XCTAssertEqual(drawn.out, sheetPath + "\n")

        let upright = try ModelInput(size: 64).load(contentsOf: image).decoded.image
        let size = AttentionSheet.displaySize(width: upright.width, height: upright.height, tile: 224)
        XCTAssertTrue(size == (224, 134))
        let words = line.words.map { WordAttention(word: $0.word, attention: $0.attention.flatMap { $0 }, beta: $0.beta) }
        let expected = AttentionSheet(title: line.caption, picture: upright.resized(width: size.width, height: size.height),
                                      grid: line.grid, words: words)
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: sheetPath).image, expected.render())

        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/out/wide-attention").sorted()
        XCTAssertEqual(files, words.indices.map { AttentionSheet.wordFileName(index: $0, word: words[$0].word) })
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: folder + "/out/wide-attention/" + files[0]).image,
                       expected.renderWord(0))
    }

    // MARK: - Awkward inputs

    /// Grey, alpha, tiny and huge pictures all give sheets and word figures of the expected sizes (the
    /// picture's longer side at --tile); a sheet is written beside its image by default, or to the file
    /// --out names.
    func testGreyAlphaTinyAndHugeInputs() throws {
        let folder = try makeFolder()
        let model = folder + "/tiny.attend"
        let greyPixels = (0..<(80 * 60)).map { UInt8($0 % 251) }
        let grey = try JPEGWriter.encode(pixels: greyPixels, width: 80, height: 60, components: 1)
        try Data(grey).write(to: URL(fileURLWithPath: folder + "/grey.jpg"))
        var rgba: [UInt8] = []
        for i in 0..<(40 * 70) {
            rgba += [UInt8(i % 256), 90, 200, i % 3 == 0 ? 0 : 255]
        }
        try PNGWriter.write(rgba: rgba, width: 40, height: 70, to: folder + "/alpha.png")
        try PNGWriter.write(gradient(width: 5, height: 3), to: folder + "/tiny.png")
        let huge = gradient(width: 4800, height: 3200)
        let hugeJPEG = try JPEGWriter.encode(pixels: huge.pixels, width: huge.width, height: huge.height, components: 3)
        try Data(hugeJPEG).write(to: URL(fileURLWithPath: folder + "/huge.jpg"))

        let names = ["grey", "alpha", "tiny", "huge"]
        let files = zip(names, ["jpg", "png", "png", "jpg"]).map { folder + "/\($0).\($1)" }
        let started = Date()
        let r = try run(["overlay", "--model", model, "--tile", "160", "--per-word"] + files)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "the huge picture is reduced before drawing")
        let displayed = [(160, 120), (91, 160), (160, 96), (160, 107)]
        for (name, size) in zip(names, displayed) {
            let sheet = try ImageDecoder.decode(contentsOf: folder + "/\(name)-attention.png").image
            let figures = try FileManager.default.contentsOfDirectory(atPath: folder + "/\(name)-attention").sorted()
            XCTAssertFalse(figures.isEmpty, name)
            let figure = try ImageDecoder.decode(contentsOf: folder + "/\(name)-attention/" + figures[0]).image
            // The same layout over a blank picture of the display size gives the same sizes.
            let blank = AttentionSheet(title: "", picture: RGBImage(width: size.0, height: size.1), grid: 4,
                                       words: figures.map { _ in WordAttention(word: "w", attention: [Float](repeating: 1.0 / 16, count: 16), beta: 0.5) })
            XCTAssertEqual(sheet.width, blank.layout().width, name)
            let expectedFigure = blank.renderWord(0)
            XCTAssertEqual(figure.width, expectedFigure.width, name)
            XCTAssertEqual(figure.height, expectedFigure.height, name)
        }

        let one = try run(["overlay", "--model", model, "--out", folder + "/chosen.png", folder + "/tiny.png"])
        XCTAssertEqual(one.status, 0, one.err)
        XCTAssertEqual(one.out, folder + "/chosen.png\n")
        XCTAssertNoThrow(try ImageDecoder.decode(contentsOf: folder + "/chosen.png"))
    }

    // MARK: - Mistakes

    func testAMissingImageIsNamedAndTheOthersAreStillDrawn() throws {
        let folder = try makeFolder()
        try PNGWriter.write(gradient(width: 30, height: 30), to: folder + "/ok.png")
        let r = try run(["overlay", "--model", folder + "/tiny.attend", folder + "/missing.png", folder + "/ok.png"])
        XCTAssertEqual(r.status, 1)
        let lines = r.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.err)
        XCTAssertTrue(lines.first?.contains(folder + "/missing.png") ?? false, r.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/ok-attention.png"))
    }

    func testUsageErrors() throws {
        let folder = try makeFolder()
        let model = folder + "/tiny.attend"
        for arguments in [["--out", folder + "/x.png", "a.png", "b.png"], ["--alpha", "1.5", "a.png"],
                          ["--style", "rainbow", "a.png"], ["--tile", "4", "a.png"], []] {
            let r = try run(["overlay", "--model", model] + arguments)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.err)")
        }
        let broken = try run(["overlay", "--model", folder + "/nothing.attend", "a.png"])
        XCTAssertEqual(broken.status, 2, broken.err)
    }
}
