import Foundation
import XCTest

/// `attend train` with a pretrained encoder family as a user runs it: the encoder's tensors come from --encoder,
/// the photos are encoded once into the feature cache, a second run reuses it, a cache made by another encoder
/// is rebuilt, and --store f16 writes a model half the size that captions. EfficientNet-Lite0 at 72 px
/// (`lite0-tiny`) on 24 synthetic scenes: seconds.
final class TrainPretrainedTests: XCTestCase {
    func testFeatureCacheIsBuiltReusedAndRebuiltForAnotherEncoder() throws {
        let folder = try batchScratchFolder(self, "train-pretrained")
        let corpus = folder + "/scenes", out = folder + "/m.attend", cache = folder + "/grids"
        XCTAssertEqual(try attend(["synth", "--out", corpus, "--count", "24", "--seed", "3"]).status, 0)
        for seed in ["1", "2"] {
            let made = try attend(["random-model", "--config", "lite0-tiny", "--vocabulary-size", "8", "--seed", seed,
                                   "--out", folder + "/encoder\(seed).attend"])
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        func train(encoder: String, extra: [String] = []) throws -> Run {
            try attend(["train", "--data", corpus, "--config", "lite0-tiny", "--encoder", folder + "/" + encoder,
                        "--cache", cache, "--out", out, "--epochs", "2", "--batch", "4", "--captions-per-image", "2",
                        "--threads", "1", "--patience", "0"] + extra)
        }
        let first = try train(encoder: "encoder1.attend", extra: ["--store", "f16"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("feature cache: \(cache), "), first.stderr)
        XCTAssertTrue(first.stderr.contains("weights, frozen)"), first.stderr)
        let half = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: out)[.size] as? Int)
        let checkpoint = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: out + ".last")[.size] as? Int)
        XCTAssertLessThan(Double(half), 0.6 * Double(checkpoint), "--store f16 halves the model, not the checkpoint")
        let caption = try attend(["caption", "--model", out, corpus + "/images/00000.png"])
        XCTAssertEqual(caption.status, 0, caption.stderr)
        XCTAssertFalse(caption.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)

        let again = try train(encoder: "encoder1.attend")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("feature cache: \(cache) ("), "reused: " + again.stderr)

        let other = try train(encoder: "encoder2.attend")
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("was made by another encoder"), other.stderr)

        let scratch = try attend(["train", "--data", corpus, "--config", "lite0-tiny", "--encoder",
                                  try modelPath("shapes"), "--out", folder + "/x.attend", "--threads", "1"])
        XCTAssertNotEqual(scratch.status, 0)
        XCTAssertTrue(scratch.stderr.contains("its encoder is scratch"), scratch.stderr)
    }

    private func modelPath(_ name: String) throws -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/\(name).attend").path
    }
}
