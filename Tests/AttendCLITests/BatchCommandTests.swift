import AttendImage
import Foundation
import XCTest

/// `attend batch` on well-formed folders: what it finds, in which order, what it writes, and the mistakes a
/// user makes.
final class BatchCommandTests: XCTestCase {
    /// Images by content whatever their names; sorted; hidden files skipped; subfolders only with -r; the
    /// captions are those `attend caption` gives for the same files and model.
    func testFindsImagesByContentInSortedOrderAndCaptionsAsCaptionDoes() throws {
        let folder = try batchScratchFolder(self, "find")
        let model = try batchTinyModel(in: folder)
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos + "/sub/deeper", withIntermediateDirectories: true)
        try writeJPEG(batchPicture(seed: 1), to: photos + "/b.JPG")
        try writeJPEG(batchPicture(seed: 2), to: photos + "/a.jpeg")
        try writePNG(batchPicture(seed: 3), to: photos + "/c")                 // no extension
        try writeJPEG(batchPicture(seed: 4), to: photos + "/d.png")            // a JPEG named .png
        try writePNG(batchPicture(seed: 5), to: photos + "/.hidden.png")       // skipped
        try writePNG(batchPicture(seed: 6), to: photos + "/sub/e.png")
        try writeJPEG(batchPicture(seed: 7), to: photos + "/sub/deeper/f.jpg")
        try writePNG(batchPicture(seed: 8), to: photos + "/sub!.png")          // sorts after "sub" by bytes

        let flat = try attend(["batch", photos, "--model", model, "--batch", "3"], environment: [:])
        XCTAssertEqual(flat.status, 0, flat.stderr)
        XCTAssertEqual(readBatchLines(flat.stdout).map(\.path),
                       ["a.jpeg", "b.JPG", "c", "d.png", "sub!.png"].map { photos + "/" + $0 })
        XCTAssertTrue(flat.stderr.contains("1 subfolder(s) not entered"), flat.stderr)

        let deep = try attend(["batch", photos, "-r", "--model", model, "--batch", "3", "--quiet"], environment: [:])
        XCTAssertEqual(deep.status, 0, deep.stderr)
        XCTAssertEqual(deep.stderr, "", "--quiet writes nothing on stderr")
        let records = readBatchLines(deep.stdout)
        let expected = ["a.jpeg", "b.JPG", "c", "d.png", "sub/deeper/f.jpg", "sub/e.png", "sub!.png"].map { photos + "/" + $0 }
        XCTAssertEqual(records.map(\.path), expected)

        // The same files through `attend caption --json`, batched the same way.
        let reference = try attend(["caption", "--json", "--model", model, "--batch", "3"] + expected)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        struct CaptionLine: Decodable { var path: String; var caption: String; var logprob: Float }
        let captions = try reference.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(CaptionLine.self, from: Data($0.utf8))
        }
        XCTAssertEqual(captions.map(\.path), expected)
        for (record, caption) in zip(records, captions) {
            XCTAssertEqual(record.caption, caption.caption, record.path)
            XCTAssertEqual(record.logprob ?? 0, caption.logprob, accuracy: 1e-3, record.path)
            XCTAssertNil(record.error)
            XCTAssertGreaterThan(record.ms ?? 0, 0)
        }
        XCTAssertGreaterThan(Set(records.compactMap(\.caption)).count, 1, "different pictures, different captions")
    }

    /// CSV quotes commas, quotes and line breaks (RFC 4180); TSV escapes tabs and line breaks; both have a header.
    func testCSVAndTSVQuoteAwkwardNames() throws {
        let folder = try batchScratchFolder(self, "tables")
        let model = try batchTinyModel(in: folder)
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        let names = ["comma, here.png", "quote \"q\".png", "tab\there.png", "line\nbreak.png", "plain.png"]
        for (i, name) in names.enumerated() { try writePNG(batchPicture(seed: 20 + i), to: photos + "/" + name) }
        try Data("not an image, \"really\"\n".utf8).write(to: URL(fileURLWithPath: photos + "/notes.txt"))

        let jsonl = try attend(["batch", photos, "--model", model, "--quiet"], environment: [:])
        XCTAssertEqual(jsonl.status, 1, "notes.txt is not an image")
        let truth = readBatchLines(jsonl.stdout)
        XCTAssertEqual(truth.count, 6)

        let csvPath = folder + "/out.csv"
        let csv = try attend(["batch", photos, "--model", model, "--quiet", "--out", csvPath], environment: [:])
        XCTAssertEqual(csv.status, 1)
        let rows = parseCSV(try String(contentsOfFile: csvPath, encoding: .utf8))
        XCTAssertEqual(rows.first, ["path", "caption", "logprob", "ms", "error"])
        XCTAssertEqual(rows.count, 1 + truth.count)
        for (row, record) in zip(rows.dropFirst(), truth) {
            XCTAssertEqual(row.count, 5)
            XCTAssertEqual(row[0], record.path)
            XCTAssertEqual(row[1], record.caption ?? "")
            XCTAssertEqual(row[4], record.error ?? "")
        }

        let tsv = try attend(["batch", photos, "--model", model, "--quiet", "--format", "tsv"], environment: [:])
        let lines = tsv.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.first, "path\tcaption\tlogprob\tms\terror")
        XCTAssertEqual(lines.count, 1 + truth.count, "a TSV record is one line")
        for (line, record) in zip(lines.dropFirst(), truth) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            XCTAssertEqual(fields.count, 5, String(line))
            XCTAssertEqual(unescapeTSV(String(fields[0])), record.path)
        }
    }

    /// --overlays writes one sheet per image (mirroring the folders); --html links thumbnails and sheets
    /// by relative URLs that resolve to the files.
    func testOverlaysAndHTMLPage() throws {
        let folder = try batchScratchFolder(self, "html")
        let model = try batchTinyModel(in: folder)
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos + "/sub", withIntermediateDirectories: true)
        try writeJPEG(batchPicture(seed: 31, width: 90, height: 60), to: photos + "/one photo.jpg")
        try writePNG(batchPicture(seed: 32), to: photos + "/sub/two.png")
        try Data().write(to: URL(fileURLWithPath: photos + "/empty.jpg"))
        let sheets = folder + "/sheets", page = folder + "/report/index.html"
        try FileManager.default.createDirectory(atPath: folder + "/report", withIntermediateDirectories: true)

        let run = try attend(["batch", photos, "-r", "--model", model, "--overlays", sheets, "--html", page,
                              "--out", folder + "/out.jsonl", "--quiet"], environment: [:])
        XCTAssertEqual(run.status, 1, run.stderr)
        let records = try readBatchFile(folder + "/out.jsonl")
        XCTAssertEqual(records.count, 3)
        for record in records where record.error == nil {
            let sheet = try XCTUnwrap(record.overlay)
            XCTAssertTrue(sheet.hasPrefix(sheets + "/"), sheet)
            XCTAssertTrue(sheet.hasSuffix("-attention.png"), sheet)
            let decoded = try ImageDecoder.decode(contentsOf: sheet)
            XCTAssertGreaterThan(decoded.image.width, 224, "a sheet has the picture and a tile per word")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: sheets + "/sub/two-attention.png"), "the folders mirrored")

        let html = try String(contentsOfFile: page, encoding: .utf8)
        let links = matches(of: "(?:src|href)=\"([^\"]+)\"", in: html)
        XCTAssertEqual(links.filter { $0.hasSuffix("-attention.png") }.count, 2)
        XCTAssertEqual(links.filter { $0.contains("one%20photo.jpg") }.count, 2, "thumbnail and its link")
        for link in links {
            XCTAssertFalse(link.hasPrefix("/"), "relative: \(link)")
            let target = URL(fileURLWithPath: folder + "/report/" + (link.removingPercentEncoding ?? link)).standardized.path
            XCTAssertTrue(FileManager.default.fileExists(atPath: target), "\(link) → \(target)")
        }
        XCTAssertTrue(html.contains("empty file"), "the failure and its reason are on the page")
        XCTAssertTrue(html.contains("2 captioned, 1 failed"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/report/.index.html.partial"))
    }

    /// Our own output inside the folder is never taken for an input.
    func testOutputInsideTheFolderIsNotCaptioned() throws {
        let folder = try batchScratchFolder(self, "inside")
        let model = try batchTinyModel(in: folder)
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        try writePNG(batchPicture(seed: 41), to: photos + "/a.png")
        let run = try attend(["batch", photos, "-r", "--model", model, "--out", photos + "/captions.jsonl",
                              "--html", photos + "/index.html", "--overlays", photos + "/sheets"], environment: [:])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try readBatchFile(photos + "/captions.jsonl").map(\.path), [photos + "/a.png"])
    }

    func testMistakesExit64OrTwoAndWriteNothing() throws {
        let folder = try batchScratchFolder(self, "usage")
        let model = try batchTinyModel(in: folder)
        try writePNG(batchPicture(seed: 51), to: folder + "/a.png")
        let out = folder + "/out.jsonl"
        for (arguments, message) in [
            (["batch", folder + "/missing"], "no such file"),
            (["batch", folder, "--shard", "3/3"], "shard"),
            (["batch", folder, "--shard", "x"], "shard"),
            (["batch", folder, "--resume"], "--resume needs --out"),
            (["batch", folder, "--batch", "0"], "--batch"),
            (["batch", folder, "--format", "xml"], "format"),
            (["batch", folder, "--absent-odds", "0"], "--absent-odds"),
        ] {
            let run = try attend(arguments + ["--model", model], environment: [:])
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        let badModel = try attend(["batch", folder, "--model", folder + "/a.png", "--out", out], environment: [:])
        XCTAssertEqual(badModel.status, 2, badModel.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output before the model loads")

        XCTAssertEqual(try attend(["batch", folder, "--model", model, "--out", out], environment: [:]).status, 0)
        let again = try attend(["batch", folder, "--model", model, "--out", out], environment: [:])
        XCTAssertEqual(again.status, 64, "an existing --out is never overwritten silently")
        XCTAssertTrue(again.stderr.contains("--resume"), again.stderr)
        XCTAssertEqual(try readBatchFile(out).count, 1, "and it is left as it was")
        let overwritten = try attend(["batch", folder, "--model", model, "--out", out, "--overwrite"], environment: [:])
        XCTAssertEqual(overwritten.status, 0)
        XCTAssertEqual(try readBatchFile(out).count, 1)
    }

    /// Without a terminal, progress is plain lines; the summary counts what happened.
    func testProgressLinesAndSummary() throws {
        let folder = try batchScratchFolder(self, "progress")
        let model = try batchTinyModel(in: folder)
        for i in 0..<5 { try writePNG(batchPicture(seed: 60 + i), to: folder + "/\(i).png") }
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/x.txt"))
        let run = try attend(["batch", folder, "--model", model, "--progress-every", "0.000001"], environment: [:])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("batch: 6/6 (100.0%)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("x.txt: unsupported format: text"), run.stderr)
        XCTAssertTrue(run.stderr.contains("5 captioned, 1 failed, 0 skipped"), run.stderr)
    }
}

// MARK: - Independent readers for the tables

/// RFC 4180, written for the test: quoted fields may hold commas, doubled quotes and line breaks.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = ""
    var quoted = false
    let scalars = Array(text.unicodeScalars)
    var i = 0
    while i < scalars.count {
        let c = scalars[i]
        if quoted {
            if c == "\"" {
                if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { quoted = false }
            } else {
                field.unicodeScalars.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\n" {
            row.append(field); field = ""
            rows.append(row); row = []
        } else {
            field.unicodeScalars.append(c)
        }
        i += 1
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

func unescapeTSV(_ text: String) -> String {
    var out = "", escaped = false
    for c in text {
        if escaped {
            out.append(c == "t" ? "\t" : c == "n" ? "\n" : c == "r" ? "\r" : c)
            escaped = false
        } else if c == "\\" {
            escaped = true
        } else {
            out.append(c)
        }
    }
    return out
}

func matches(of pattern: String, in text: String) -> [String] {
    let regex = try! NSRegularExpression(pattern: pattern)
    return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
        Range($0.range(at: 1), in: text).map { String(text[$0]) }
    }
}
