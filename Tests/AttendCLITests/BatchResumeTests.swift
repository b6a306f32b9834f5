import AttendImage
import Foundation
import XCTest

/// Killing `attend batch` loses nothing written, and `--resume` completes the set with no duplicates.
final class BatchResumeTests: XCTestCase {
    private func makePhotos(_ folder: String, count: Int) throws -> String {
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for i in 0..<count {
            // Larger pictures than the model needs, so that a run lasts long enough to be killed midway.
            try writeJPEG(batchPicture(seed: 300 + i, width: 640, height: 480), to: photos + String(format: "/p%03d.jpg", i))
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: photos + "/readme.txt"))
        return photos
    }

    /// SIGKILL in the middle of a run (records written so far stay whole; at most the last line is torn),
    /// then --resume: every file exactly once, the same records as an uninterrupted run.
    func testSIGKILLThenResumeCompletesWithoutDuplicatesOrLosses() throws {
        try killAndResume(format: "jsonl", signal: SIGKILL)
    }

    /// The same in CSV, whose records may span lines (a quoted line break in a name).
    func testSIGKILLThenResumeInCSV() throws {
        try killAndResume(format: "csv", signal: SIGKILL)
    }

    /// Ctrl-C stops after the images under way, exits 130 and says to resume.
    func testSIGINTStopsCleanlyAndResumeFinishes() throws {
        try killAndResume(format: "jsonl", signal: SIGINT)
    }

    private func killAndResume(format: String, signal: Int32) throws {
        let folder = try batchScratchFolder(self, "kill")
        let model = try batchTinyModel(in: folder)
        let photos = try makePhotos(folder, count: 160)
        if format == "csv" { try writeJPEG(batchPicture(seed: 1), to: photos + "/p050 \"odd\",\nname.jpg") }
        let ext = format == "csv" ? "csv" : "jsonl"
        let arguments = ["batch", photos, "--model", model, "--batch", "2", "--workers", "1", "--threads", "1",
                         "--quiet", "--beam", "4", "--max-words", "30"]

        // The reference: one uninterrupted run.
        let reference = folder + "/reference." + ext
        XCTAssertEqual(try attend(arguments + ["--out", reference], environment: [:]).status, 1)
        let expected = try records(reference, format: format)
        XCTAssertEqual(expected.count, format == "csv" ? 162 : 161)

        // Interrupted once it has written a few records.
        let out = folder + "/out." + ext
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try attendBinary())
        process.arguments = arguments + ["--out", out]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            // Whole lines written; a CSV file's first is its header, not a record.
            let written = (try? String(contentsOfFile: out, encoding: .utf8))?.filter { $0 == "\n" }.count ?? 0
            if written - (format == "csv" ? 1 : 0) >= 12 { break }
            usleep(2000)
        }
        XCTAssertTrue(process.isRunning, "the run ended before it could be interrupted: make it longer")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        if signal == SIGKILL {
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        } else {
            XCTAssertEqual(process.terminationStatus, 130, "Ctrl-C exits 130")
        }
        var partial = try records(out, format: format, allowTorn: true)
        XCTAssertGreaterThanOrEqual(partial.count, 12)
        XCTAssertLessThan(partial.count, expected.count, "interrupted before the end")
        XCTAssertEqual(Array(expected.prefix(partial.count)), partial, "what was written is whole and in order")

        // A crash in the middle of a write leaves a torn last line: simulate one.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: out))
        handle.seekToEndOfFile()
        handle.write(Data((format == "csv" ? "\"/torn/pa" : "{\"path\":\"/torn/pa").utf8))
        try handle.close()

        let resumed = try attend(arguments.filter { $0 != "--quiet" } + ["--out", out, "--resume"], environment: [:])
        XCTAssertEqual(resumed.status, 1, "readme.txt still fails: \(resumed.stderr)")
        XCTAssertTrue(resumed.stderr.contains("removed a last record cut short"), resumed.stderr)
        partial = try records(out, format: format)
        XCTAssertEqual(partial.count, expected.count, "no duplicates, none lost")
        XCTAssertEqual(Set(partial.map(\.path)), Set(expected.map(\.path)))
        XCTAssertEqual(partial.sorted { $0.path < $1.path }, expected.sorted { $0.path < $1.path },
                       "the same captions as the uninterrupted run")
    }

    /// Records without the timing column, which differs between runs.
    private struct Record: Equatable {
        var path: String
        var caption: String?
        var error: String?
    }

    private func records(_ path: String, format: String, allowTorn: Bool = false) throws -> [Record] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        if format == "csv" {
            var rows = parseCSV(text)
            XCTAssertEqual(rows.removeFirst(), ["path", "caption", "logprob", "ms", "error"])
            if !text.hasSuffix("\n") {
                XCTAssertTrue(allowTorn, "a torn last record")
                rows.removeLast()
            }
            return rows.map { Record(path: $0[0], caption: $0[4].isEmpty ? $0[1] : nil, error: $0[4].isEmpty ? nil : $0[4]) }
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() } else if !lines.isEmpty {
            XCTAssertTrue(allowTorn, "a torn last line")
            lines.removeLast()
        }
        return readBatchLines(lines.joined(separator: "\n")).map { Record(path: $0.path, caption: $0.caption, error: $0.error) }
    }
}
