import Foundation
import XCTest

/// `attend train` as a user runs it: Ctrl-C writes a checkpoint, `--resume` continues it, and a checkpoint of
/// another configuration is refused with one line naming it. Tiny configuration, synthetic scenes: seconds.
final class TrainCommandTests: XCTestCase {
    func testInterruptCheckpointsAndResumeContinues() throws {
        let folder = try batchScratchFolder(self, "train")
        let out = folder + "/m.attend", checkpoint = out + ".last"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try attendBinary())
        process.arguments = ["train", "--synthetic", "300", "--config", "tiny", "--epochs", "500", "--out", out,
                             "--checkpoint-every", "5", "--threads", "1"]
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        // Wait for the first periodic checkpoint, so the run is well into training, then press Ctrl-C.
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline { usleep(100_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint), "no checkpoint within 2 minutes")
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        XCTAssertTrue(stdout.contains("(interrupted)"), stdout + stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint + ".optim"))
        let steps = try XCTUnwrap(trainedSteps(stdout), stdout)

        let resumed = try attend(["train", "--synthetic", "300", "--config", "tiny", "--epochs", "500", "--out", out,
                                  "--threads", "1", "--resume", checkpoint, "--max-steps", "\(steps + 3)"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(trainedSteps(resumed.stdout), steps + 3, "the resumed run counts on from the checkpoint")

        let mismatched = try attend(["train", "--synthetic", "300", "--config", "shapes", "--out", folder + "/other.attend",
                                     "--threads", "1", "--resume", checkpoint, "--max-steps", "1"])
        XCTAssertNotEqual(mismatched.status, 0)
        XCTAssertTrue(mismatched.stderr.contains(checkpoint) && mismatched.stderr.contains("configuration differs"),
                      mismatched.stderr)
    }

    /// N from "trained N steps".
    private func trainedSteps(_ text: String) -> Int? {
        guard let range = text.range(of: #"trained (\d+) steps"#, options: .regularExpression) else { return nil }
        return Int(text[range].split(separator: " ")[1])
    }
}
