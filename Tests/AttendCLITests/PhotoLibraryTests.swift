import AttendImage
import Foundation
import XCTest

/// `attend batch --sidecars / --embed`, checked with exiftool and the project's decoder, through the built binary.
final class PhotoLibraryTests: XCTestCase {
    private func exiftoolTags(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try exiftoolTags([path])[path])
    }

    /// Each file's tags, by path: one exiftool run for all of them.
    private func exiftoolTags(_ paths: [String]) throws -> [String: [String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/exiftool")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/exiftool") else {
            XCTFail("exiftool is missing: apt-get install libimage-exiftool-perl (make test does)")
            throw XCTSkip("no exiftool")
        }
        process.arguments = ["-j", "-G1", "-struct"] + paths
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let objects = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return Dictionary(objects.map { ("\($0["SourceFile"] ?? "")", $0) }, uniquingKeysWith: { a, _ in a })
    }

    private func subjects(_ tags: [String: Any]) -> [String] {
        if let list = tags["XMP-dc:Subject"] as? [Any] { return list.map { "\($0)" } }
        return (tags["XMP-dc:Subject"]).map { ["\($0)"] } ?? []
    }

    private func photos(_ folder: String, count: Int, width: Int = 48, height: Int = 40) throws -> String {
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for i in 0..<count {
            let picture = batchPicture(seed: 500 + i, width: width, height: height)
            if i % 3 == 2 {
                try writePNG(picture, to: photos + String(format: "/p%03d.png", i))
            } else {
                try writeJPEG(picture, to: photos + String(format: "/p%03d.jpg", i))
            }
        }
        return photos
    }

    /// Sidecars in both namings, read by exiftool, matching the records; an existing sidecar merged, a broken one
    /// left alone with an error record; a rerun does not caption the sidecars.
    func testSidecarsInBothNamingsMatchTheRecords() throws {
        let folder = try batchScratchFolder(self, "sidecars")
        let model = try batchTinyModel(in: folder)
        let photos = try photos(folder, count: 5)
        let theirs = "<?xml version=\"1.0\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmp:Rating=\"5\"/></rdf:RDF></x:xmpmeta>\n"
        try Data(theirs.utf8).write(to: URL(fileURLWithPath: photos + "/p000.jpg.xmp"))
        try Data("not XML".utf8).write(to: URL(fileURLWithPath: photos + "/p001.jpg.xmp"))

        for (naming, sidecar) in [("photo.jpg.xmp", { (p: String) in p + ".xmp" }),
                                  ("photo.xmp", { (p: String) in (p as NSString).deletingPathExtension + ".xmp" })] {
            let out = folder + "/\(naming).jsonl"
            let run = try attend(["batch", photos, "--model", model, "--sidecars", "--sidecar-name", naming, "--out", out, "--quiet"])
            let records = try readBatchFile(out)
            XCTAssertEqual(records.count, 5, "the .xmp files are not captioned: \(records.map(\.path))")
            for record in records {
                if naming == "photo.jpg.xmp" && record.path.hasSuffix("p001.jpg") {
                    XCTAssertTrue(record.error?.contains("not XML") ?? false, "\(record)")
                    XCTAssertEqual(try String(contentsOfFile: photos + "/p001.jpg.xmp", encoding: .utf8), "not XML")
                    continue
                }
                let caption = try XCTUnwrap(record.caption, "\(record)")
                let tags = try exiftoolTags(sidecar(record.path))
                XCTAssertEqual(tags["XMP-dc:Description"] as? String, caption)
                XCTAssertEqual(tags["XMP-attend:Model"] as? String, "tiny.attend")
            }
            XCTAssertEqual(run.status, naming == "photo.jpg.xmp" ? 1 : 0, run.stderr)
        }
        XCTAssertEqual(try exiftoolTags(photos + "/p000.jpg.xmp")["XMP-xmp:Rating"] as? Int, 5, "their rating kept")
    }

    /// --embed: exiftool reads each photo's caption; the pixels decode as before; --backup keeps the originals;
    /// a file that is not a JPEG or PNG gets an error record.
    func testEmbedWritesIntoPhotosWithoutChangingPixels() throws {
        let folder = try batchScratchFolder(self, "embed")
        let model = try batchTinyModel(in: folder)
        let photos = try photos(folder, count: 4)
        try Data("GIF89a\u{1}\0\u{1}\0\0\0\0;".utf8).write(to: URL(fileURLWithPath: photos + "/old.gif"))
        var before: [String: (bytes: Data, pixels: [UInt8])] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: photos) where !name.hasSuffix(".gif") {
            let path = photos + "/" + name
            before[path] = (try Data(contentsOf: URL(fileURLWithPath: path)), try ImageDecoder.decode(contentsOf: path).image.pixels)
        }
        let out = folder + "/out.jsonl"
        let run = try attend(["batch", photos, "--model", model, "--embed", "--backup", "--out", out, "--quiet"])
        XCTAssertEqual(run.status, 1, "the GIF fails: \(run.stderr)")
        let records = try readBatchFile(out)
        XCTAssertEqual(records.count, 5)
        for record in records {
            guard let (bytes, pixels) = before[record.path] else {
                XCTAssertNotNil(record.error, "the GIF is refused")
                continue
            }
            let tags = try exiftoolTags(record.path)
            XCTAssertEqual(tags["XMP-dc:Description"] as? String, record.caption)
            if record.path.hasSuffix(".jpg") { XCTAssertEqual(tags["IFD0:ImageDescription"] as? String, record.caption) }
            XCTAssertEqual(try ImageDecoder.decode(contentsOf: record.path).image.pixels, pixels, "same pixels")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: record.path + "_original")), bytes, "backup")
        }
        // A rerun neither captions the backups nor makes new ones.
        let again = try attend(["batch", photos, "--model", model, "--embed", "--backup", "--out", out, "--overwrite", "--quiet"])
        XCTAssertEqual(try readBatchFile(out).count, 5, again.stderr)
    }

    /// --dry-run lists what would be written and writes nothing; with --resume it leaves out what is done.
    func testDryRunListsAndWritesNothing() throws {
        let folder = try batchScratchFolder(self, "dry")
        let photos = try photos(folder, count: 3)
        try Data("<x/>".utf8).write(to: URL(fileURLWithPath: photos + "/p000.jpg.xmp"))
        let listing = try FileManager.default.contentsOfDirectory(atPath: photos).sorted()
        let run = try attend(["batch", photos, "--sidecars", "--embed", "--dry-run", "--out", folder + "/out.jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.split(separator: "\n").map(String.init), [
            "merge \(photos)/p000.jpg.xmp", "embed \(photos)/p000.jpg (JPEG)",
            "write \(photos)/p001.jpg.xmp", "embed \(photos)/p001.jpg (JPEG)",
            "write \(photos)/p002.png.xmp", "embed \(photos)/p002.png (PNG)",
        ])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: photos).sorted(), listing)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out.jsonl"))

        try Data("{\"path\":\"\(photos)/p001.jpg\",\"caption\":\"x\",\"logprob\":-1,\"ms\":1}\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/out.jsonl"))
        let resumed = try attend(["batch", photos, "--sidecars", "--dry-run", "--resume", "--out", folder + "/out.jsonl"])
        XCTAssertEqual(resumed.stdout, "merge \(photos)/p000.jpg.xmp\nwrite \(photos)/p002.png.xmp\n", resumed.stderr)
    }

    /// A read-only folder: each photo gets an error record naming the cause, and nothing in it changes.
    func testReadOnlyFolderGivesErrorRecords() throws {
        let folder = try batchScratchFolder(self, "readonly")
        let model = try batchTinyModel(in: folder)
        let photos = try photos(folder, count: 2)
        let listing = try FileManager.default.contentsOfDirectory(atPath: photos).sorted()
        chmod(photos, 0o555)
        defer { chmod(photos, 0o755) }
        chmod(folder, 0o777)
        chmod(folder + "/model", 0o755)
        chmod(model, 0o644)
        let out = folder + "/out.jsonl"
        var arguments = ["batch", photos, "--model", model, "--sidecars", "--embed", "--out", out, "--quiet"]
        if geteuid() == 0 {
            // root writes anywhere: run as nobody, who cannot write into the folder
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try attendBinary()] + arguments
        }
        let run = geteuid() == 0 ? try runProgram("/usr/bin/setpriv", arguments) : try attend(arguments)
        XCTAssertEqual(run.status, 1, run.stderr)
        let records = try readBatchFile(out)
        XCTAssertEqual(records.count, 2)
        for record in records {
            XCTAssertTrue(record.error?.contains("permission denied") ?? false, "\(record)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: photos).sorted(), listing)
    }

    /// kill -9 in the middle of a run that writes sidecars and into the photos, then --resume: every sidecar is
    /// whole XMP, every photo decodes to its old pixels and carries its record's caption; no temporary file is
    /// left where a photo library would see it.
    func testKillThenResumeLeavesNothingTorn() throws {
        let folder = try batchScratchFolder(self, "kill-xmp")
        let model = try batchTinyModel(in: folder)
        let photos = try photos(folder, count: 120, width: 640, height: 480)
        var pixels: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: photos) {
            pixels[photos + "/" + name] = try ImageDecoder.decode(contentsOf: photos + "/" + name).image.pixels
        }
        let out = folder + "/out.jsonl"
        let arguments = ["batch", photos, "--model", model, "--sidecars", "--embed", "--out", out, "--quiet",
                         "--batch", "2", "--workers", "1", "--threads", "1", "--beam", "4", "--max-words", "30"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try attendBinary())
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            let written = (try? String(contentsOfFile: out, encoding: .utf8))?.filter { $0 == "\n" }.count ?? 0
            if written >= 10 { break }
            usleep(1000)
        }
        XCTAssertTrue(process.isRunning, "the run ended before it could be killed: make it longer")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try readBatchLines(String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasSuffix("}") }.joined(separator: "\n"))
        XCTAssertLessThan(partial.count, 120, "killed before the end")

        let resumed = try attend(arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let records = try readBatchFile(out)
        XCTAssertEqual(records.count, 120)
        XCTAssertEqual(Set(records.map(\.path)).count, 120, "each photo once")
        let tags = try exiftoolTags(records.flatMap { [$0.path, $0.path + ".xmp"] })
        for record in records {
            let caption = try XCTUnwrap(record.caption, "\(record)")
            XCTAssertEqual(try ImageDecoder.decode(contentsOf: record.path).image.pixels, pixels[record.path], record.path)
            XCTAssertEqual(tags[record.path]?["XMP-dc:Description"] as? String, caption, record.path)
            XCTAssertEqual(tags[record.path + ".xmp"]?["XMP-dc:Description"] as? String, caption, record.path)
        }
        let visible = try FileManager.default.contentsOfDirectory(atPath: photos).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(visible.count, 240, "the photos and their sidecars, nothing else: \(visible.sorted().suffix(5))")
    }

    private func runProgram(_ executable: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdoutData: Data(), stderr: String(decoding: errors, as: UTF8.self))
    }
}
