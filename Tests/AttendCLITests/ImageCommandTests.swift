import AttendImage
import Foundation
import XCTest

/// `attend preprocess` and `attend info`, run as a user runs them: the built binary, its output
/// streams and its exit status.
final class ImageCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "attend-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A photo stored turned (EXIF orientation 6): 400 × 300 stored, 300 × 400 upright.
    func turnedPhoto() throws -> String {
        let stored = RGBImage.testPattern(width: 400, height: 300, seed: 2)
        var options = JPEGWriter.Options()
        options.app1 = exifBlock(orientation: 6)
        options.progressive = true
        let path = dir + "/turned.jpg"
        try Data(try JPEGWriter.encode(pixels: stored.pixels, width: 400, height: 300, components: 3, options: options))
            .write(to: URL(fileURLWithPath: path))
        return path
    }

    func testPreprocessWritesExactlyWhatTheModelSees() throws {
        let photo = try turnedPhoto()
        let out = dir + "/seen.png"
        let run = try attend(["preprocess", photo, "--out", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "")
        let written = try ImageDecoder.decode(contentsOf: out).image
        XCTAssertEqual([written.width, written.height], [224, 224])
        XCTAssertEqual(written, try ModelInput().load(contentsOf: photo).pixels, "the library's model input, byte for byte")
    }

    func testPreprocessSizes() throws {
        let photo = try turnedPhoto()
        XCTAssertEqual(try attend(["preprocess", photo, "--out", dir + "/o.png", "--size", "original"]).status, 0)
        let original = try ImageDecoder.decode(contentsOf: dir + "/o.png").image
        XCTAssertEqual([original.width, original.height], [300, 400], "upright, full size")
        XCTAssertEqual(original, try ImageDecoder.decode(contentsOf: photo).image)

        XCTAssertEqual(try attend(["preprocess", photo, "-o", dir + "/s.png", "--size", "64"]).status, 0)
        XCTAssertEqual(try ImageDecoder.info(contentsOf: dir + "/s.png").info.width, 64)

        let toStdout = try attend(["preprocess", photo, "--out", "-"])
        XCTAssertEqual(toStdout.status, 0)
        XCTAssertEqual(try ImageDecoder.decode(Array(toStdout.stdoutData)).image, try ModelInput().load(contentsOf: photo).pixels)
    }

    func testInfoText() throws {
        let photo = try turnedPhoto()
        let run = try attend(["info", photo])
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = """
            file          \(photo)
            format        JPEG, progressive, Huffman coding, 4:2:0
            stored size   400 × 300
            upright size  300 × 400
            orientation   6 (rotate 90° clockwise)
            channels      3 (ycbcr)
            bit depth     8
            alpha         no
            ICC profile   no
            """
        XCTAssertTrue(run.stdout.hasPrefix(expected), run.stdout)
        XCTAssertTrue(run.stdout.contains("file size     \(try Data(contentsOf: URL(fileURLWithPath: photo)).count) bytes"))
    }

    func testInfoJSON() throws {
        let photo = try turnedPhoto()
        var fixture = [UInt8]()
        for y in 0..<10 { for x in 0..<20 { fixture += [UInt8(x * 10), UInt8(y * 20), 0, 128] } }
        try PNGWriter.write(rgba: fixture, width: 20, height: 10, to: dir + "/alpha.png")
        let run = try attend(["info", "--json", photo, dir + "/alpha.png"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        let jpeg = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(jpeg["format"] as? String, "jpeg")
        XCTAssertEqual(jpeg["width"] as? Int, 400)
        XCTAssertEqual(jpeg["upright_width"] as? Int, 300)
        XCTAssertEqual(jpeg["orientation"] as? Int, 6)
        XCTAssertEqual(jpeg["channels"] as? Int, 3)
        XCTAssertEqual(jpeg["bit_depth"] as? Int, 8)
        XCTAssertEqual(jpeg["progressive"] as? Bool, true)
        XCTAssertEqual(jpeg["chroma_subsampling"] as? String, "4:2:0")
        let png = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
        XCTAssertEqual(png["format"] as? String, "png")
        XCTAssertEqual(png["color_model"] as? String, "rgba")
        XCTAssertEqual(png["alpha"] as? Bool, true)
        XCTAssertEqual(png["channels"] as? Int, 4)
        XCTAssertNil(png["chroma_subsampling"])
    }

    func testInfoCheckFindsWhatTheHeaderHides() throws {
        let photo = try turnedPhoto()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: photo))
        let cut = dir + "/cut.jpg"
        try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        XCTAssertEqual(try attend(["info", cut]).status, 0, "the header alone looks fine")
        let checked = try attend(["info", "--check", cut])
        XCTAssertEqual(checked.status, 1)
        XCTAssertEqual(checked.stderr, "attend: \(cut): truncated JPEG: the file ends before the image data does (--allow-truncated decodes the part that is there)\n")
        let lenient = try attend(["info", "--check", "--allow-truncated", "--json", cut])
        XCTAssertEqual(lenient.status, 0)
        XCTAssertTrue(lenient.stdout.contains("\"warnings\":[\"truncated: "), lenient.stdout)
        let whole = try attend(["info", "--check", photo])
        XCTAssertTrue(whole.stdout.contains("check         decodes cleanly"), whole.stdout)
    }

    func testFailuresNameTheFileAndExitOne() throws {
        let photo = try turnedPhoto()
        try Data("not a picture\n".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        try Data([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0]).write(to: URL(fileURLWithPath: dir + "/anim.gif"))
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/empty.png", contents: Data()))
        let cases: [(String, String)] = [
            (dir + "/notes.txt", "unsupported format: text (attend reads JPEG and PNG)"),
            (dir + "/anim.gif", "unsupported format: GIF image (attend reads JPEG and PNG)"),
            (dir + "/empty.png", "empty file (0 bytes)"),
            (dir + "/missing.jpg", "cannot open: no such file or directory"),
        ]
        for (path, message) in cases {
            for command in [["preprocess", path, "--out", dir + "/x.png"], ["info", path]] {
                let run = try attend(command)
                XCTAssertEqual(run.status, 1, "\(command)")
                XCTAssertEqual(run.stderr, "attend: \(path): \(message)\n", "\(command)")
                XCTAssertEqual(run.stdout, "")
            }
        }
        // Every other file is still described.
        let mixed = try attend(["info", "--json", dir + "/notes.txt", photo])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stdout.contains("\"error\":\"unsupported format: text"))
        XCTAssertTrue(mixed.stdout.contains("\"upright_width\":300"))

        let limited = try attend(["preprocess", photo, "--out", dir + "/x.png", "--max-pixels", "0.1M"])
        XCTAssertEqual(limited.status, 1)
        XCTAssertEqual(limited.stderr, "attend: \(photo): image too large: 400 × 300 = 120,000 pixels, over the limit of 100,000 (raise it with --max-pixels)\n")
        XCTAssertEqual(try attend(["preprocess", photo, "--out", dir + "/x.png", "--max-pixels", "120000"]).status, 0)

        let unwritable = try attend(["preprocess", photo, "--out", dir + "/no/such/dir/x.png"])
        XCTAssertEqual(unwritable.status, 1)
        XCTAssertTrue(unwritable.stderr.hasPrefix("attend: \(dir)/no/such/dir/x.png: cannot create"), unwritable.stderr)
    }

    func testUsageErrorsExit64() throws {
        let photo = try turnedPhoto()
        for arguments in [["preprocess", photo], ["preprocess", photo, "--out", "x.png", "--size", "0"],
                          ["preprocess", photo, "--out", "x.png", "--size", "big"], ["info"],
                          ["info", photo, "--max-pixels", "-5"], ["info", photo, "--no-such-flag"]] {
            let run = try attend(arguments)
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stdout, "")
            XCTAssertFalse(run.stderr.isEmpty)
        }
    }

    func testHelpListsTheCommands() throws {
        let help = try attend(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("preprocess"), help.stdout)
        XCTAssertTrue(help.stdout.contains("info"), help.stdout)
        XCTAssertFalse(help.stdout.contains("bench-image"), "the benchmark is not a user command")
        XCTAssertTrue(help.stdout.contains("64 usage error"), help.stdout)
        let preprocess = try attend(["preprocess", "--help"])
        for phrase in ["--out <out.png>", "--size <n|original>", "--max-pixels <n>", "--allow-truncated", "squashed"] {
            XCTAssertTrue(preprocess.stdout.contains(phrase), "\(phrase) in\n\(preprocess.stdout)")
        }
    }
}

// MARK: - Running the binary

struct Run {
    var status: Int32
    var stdoutData: Data
    var stderr: String
    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
}

/// The repository's samples/ folder: the shipped models' tests caption its photos.
let samplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("samples").path

/// The `attend` binary: $ATTEND_BIN (as `make test` sets it), else the package's own build.
func attendBinary() throws -> String {
    if let path = ProcessInfo.processInfo.environment["ATTEND_BIN"], !path.isEmpty { return path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    for config in ["debug", "release"] where FileManager.default.isExecutableFile(atPath: "\(root)/.build/\(config)/attend") {
        return "\(root)/.build/\(config)/attend"
    }
    throw XCTSkip("no attend binary: build it, or set ATTEND_BIN")
}

/// Runs `attend` with extra environment variables, and without the job-array ones of the test's own environment
/// (they would shard a batch run).
func attend(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try attendBinary())
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for key in ["ATTEND_SHARD", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                "JOB_COMPLETION_INDEX", "ATTEND_SHARD_COUNT"] {
        environment[key] = nil
    }
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes while it runs, so that a large output cannot fill a pipe and stall it.
    final class Collected: @unchecked Sendable { var data = Data() }
    let errors = Collected()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errors.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdoutData: outData, stderr: String(decoding: errors.data, as: UTF8.self))
}
