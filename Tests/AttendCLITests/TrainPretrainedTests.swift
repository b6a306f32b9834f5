import AttendModel
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

    /// A captioner trained on the frozen encoder, then fine-tuned: `--start-from` takes every tensor, `--unfreeze 1`
    /// trains block 10 (lite0-tiny's tap is its output: each convolution's weight and batch-norm scale and shift)
    /// and nothing else of the encoder, on flipped pictures; the fine-tuned model captions. Refusals: --augment on
    /// cached grids, more blocks than the tap has. Then self-critical training from the same captioner.
    func testFineTuningAndSelfCriticalTraining() throws {
        let folder = try batchScratchFolder(self, "train-fine-tune")
        let corpus = folder + "/scenes", frozen = folder + "/frozen.attend", tuned = folder + "/tuned.attend"
        try makeScenesAndEncoder(corpus: corpus, sceneSeed: "4", encoder: folder + "/encoder.attend")
        let common = ["train", "--data", corpus, "--config", "lite0-tiny", "--epochs", "1", "--batch", "4",
                      "--captions-per-image", "2", "--threads", "1", "--patience", "0", "--lr", "1e-2"]
        let first = try attend(common + ["--encoder", folder + "/encoder.attend", "--cache", folder + "/grids",
                                         "--out", frozen])
        XCTAssertEqual(first.status, 0, first.stderr)
        let second = try attend(common + ["--start-from", frozen, "--unfreeze", "1", "--augment", "flip", "--out", tuned])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("the encoder's top 1 blocks train"), second.stderr)
        XCTAssertFalse(second.stderr.contains("feature cache"), "fine-tuning reads pictures: " + second.stderr)

        let before = try ModelFile.read(path: frozen), after = try ModelFile.read(path: tuned + ".last")
        var changed: [String] = []
        for spec in before.layout.tensors where spec.name.hasPrefix("encoder.")
            && before.values(of: spec) != after.values(of: spec) {
            changed.append(spec.name)
        }
        let top = ["blocks.10.expand", "blocks.10.depthwise", "blocks.10.project"]
        let expected = top.flatMap { ["encoder.\($0).conv.weight", "encoder.\($0).bn.weight", "encoder.\($0).bn.bias"] }
        XCTAssertEqual(expected.filter { before.layout.tensor(named: $0) == nil }, [], "the names are the layout's")
        XCTAssertEqual(Set(changed), Set(expected), "block 10's three convolutions, each weight, γ and β")
        let decoder = before.layout.tensors.first { $0.name.hasPrefix("decoder.") }!
        XCTAssertNotEqual(before.values(of: decoder), after.values(of: decoder), "the decoder trains too")
        let caption = try attend(["caption", "--model", tuned, corpus + "/images/00000.png"])
        XCTAssertEqual(caption.status, 0, caption.stderr)

        // Self-critical training from the frozen-encoder captioner, on its cached grids: rewards are logged per step.
        let log = folder + "/sc.jsonl"
        let critical = try attend(common + ["--start-from", frozen, "--self-critical", "--cache", folder + "/grids",
                                            "--out", folder + "/sc.attend", "--log", log])
        XCTAssertEqual(critical.status, 0, critical.stderr)
        XCTAssertTrue(critical.stderr.contains("feature cache: \(folder)/grids ("), "reused: " + critical.stderr)
        let rewards = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"step\"") && !$0.contains("validation") }
        XCTAssertFalse(rewards.isEmpty)
        XCTAssertTrue(rewards.allSatisfy { $0.contains("\"reward\"") }, "every step logs its sampled reward")
        let alone = try attend(common + ["--encoder", folder + "/encoder.attend", "--self-critical", "--out", tuned])
        XCTAssertNotEqual(alone.status, 0)
        XCTAssertTrue(alone.stderr.contains("--self-critical starts from a trained captioner"), alone.stderr)

        let cached = try attend(common + ["--encoder", folder + "/encoder.attend", "--augment", "flip", "--out", tuned])
        XCTAssertNotEqual(cached.status, 0)
        XCTAssertTrue(cached.stderr.contains("--augment needs pictures"), cached.stderr)
        let tooMany = try attend(common + ["--start-from", frozen, "--unfreeze", "12", "--out", tuned])
        XCTAssertNotEqual(tooMany.status, 0)
        XCTAssertTrue(tooMany.stderr.contains("--unfreeze takes 0 to 11"), tooMany.stderr)
    }

    /// `--presence` on a trained captioner: scenes re-captioned so that even ones show a dog and odd ones a man get
    /// heads for exactly those two objects (each named by half the 20 training photos), every other tensor is kept,
    /// and the model reads back as version 5 and captions. Without --start-from, and with no object named often
    /// enough, it refuses.
    func testPresenceHeadsAreFittedToATrainedCaptioner() throws {
        let folder = try batchScratchFolder(self, "train-presence")
        let corpus = folder + "/scenes", frozen = folder + "/frozen.attend", out = folder + "/presence.attend"
        try makeScenesAndEncoder(corpus: corpus, sceneSeed: "6", encoder: folder + "/encoder.attend")
        let common = ["train", "--data", corpus, "--config", "lite0-tiny", "--threads", "1", "--cache", folder + "/grids"]
        let first = try attend(common + ["--encoder", folder + "/encoder.attend", "--epochs", "1", "--batch", "4",
                                         "--captions-per-image", "2", "--patience", "0", "--out", frozen])
        XCTAssertEqual(first.status, 0, first.stderr)
        let none = try attend(common + ["--start-from", frozen, "--presence", "--out", out])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("no object is named by 30 training photos"), none.stderr)

        let tokens = corpus + "/Flickr8k.token.txt"
        let lines = try String(contentsOfFile: tokens, encoding: .utf8).split(separator: "\n").map { line in
            let key = line.split(separator: "\t")[0]
            let index = Int(key.prefix { $0.isNumber }) ?? 0
            return key + "\t" + (index % 2 == 0 ? "a dog on the grass" : "a man on the grass")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: tokens, atomically: true, encoding: .utf8)
        let fitted = try attend(common + ["--start-from", frozen, "--presence", "--presence-min-photos", "5",
                                          "--out", out])
        XCTAssertEqual(fitted.status, 0, fitted.stderr)
        XCTAssertTrue(fitted.stderr.contains("presence heads: 2 objects (person, dog)"), fitted.stderr)
        let before = try ModelFile.read(path: frozen), after = try ModelFile.read(path: out)
        XCTAssertEqual(after.presence?.objects.map(\.name), ["person", "dog"])
        // Each head records its object's share of the training photos: the odd-numbered ones show a man.
        let training = try String(contentsOfFile: corpus + "/Flickr_8k.trainImages.txt", encoding: .utf8)
            .split(separator: "\n").map { Int($0.prefix { $0.isNumber }) ?? 0 }
        let manShare = Float(training.filter { $0 % 2 == 1 }.count) / Float(training.count)
        XCTAssertEqual(try XCTUnwrap(after.presence?.objects[0].share), manShare, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(after.presence?.objects[1].share), 1 - manShare, accuracy: 1e-6)
        XCTAssertEqual(after.parameters, before.parameters, "every other tensor is kept")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out))[8], 5)
        let caption = try attend(["caption", "--model", out, corpus + "/images/00000.png"])
        XCTAssertEqual(caption.status, 0, caption.stderr)
        let alone = try attend(common + ["--presence", "--out", out])
        XCTAssertNotEqual(alone.status, 0)
        XCTAssertTrue(alone.stderr.contains("--presence fits a trained captioner's heads"), alone.stderr)
    }

    /// EfficientNet-Lite2 (`--config lite2`, trained at 260 px) on 224² pictures, as the Flickr8k copies are: frozen
    /// on the feature cache, then its top two blocks and head fine-tuned (blocks 19 and 20, nothing else of the
    /// encoder). Refusals: no --encoder (models/default.attend is Lite0), and a tap that names Lite0's blocks.
    func testLite2AtAnotherSideTrainsFrozenThenFineTuned() throws {
        let folder = try batchScratchFolder(self, "train-lite2")
        let corpus = folder + "/scenes", encoder = folder + "/lite2.attend", frozen = folder + "/frozen.attend"
        XCTAssertEqual(try attend(["synth", "--out", corpus, "--count", "16", "--seed", "5"]).status, 0)
        let made = try attend(["random-model", "--config", "lite2", "--vocabulary-size", "8", "--seed", "2",
                               "--out", encoder])
        XCTAssertEqual(made.status, 0, made.stderr)
        let common = ["train", "--data", corpus, "--config", "lite2", "--image-size", "224", "--epochs", "1",
                      "--batch", "4", "--captions-per-image", "2", "--threads", "1", "--patience", "0"]
        let missing = try attend(common + ["--out", frozen])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--config lite2 needs --encoder"), missing.stderr)
        let tapped = try attend(common + ["--encoder", encoder, "--tap", "x11", "--out", frozen])
        XCTAssertNotEqual(tapped.status, 0)
        XCTAssertTrue(tapped.stderr.contains("efficientnet-lite2 attends over its head only"), tapped.stderr)

        let first = try attend(common + ["--encoder", encoder, "--out", frozen])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("encoder: efficientnet-lite2 from \(encoder)"), first.stderr)
        XCTAssertTrue(first.stderr.contains("feature cache: "), first.stderr)
        let trained = try ModelFile.read(path: frozen)
        XCTAssertEqual(trained.config.encoder, EncoderConfig(Lite2EncoderConfig(imageSize: 224)))
        XCTAssertEqual(trained.config.locations, 49)

        let tuned = folder + "/tuned.attend"
        let second = try attend(common + ["--start-from", frozen, "--unfreeze", "2", "--out", tuned])
        XCTAssertEqual(second.status, 0, second.stderr)
        let after = try ModelFile.read(path: tuned + ".last")
        var changed: Set<String> = []
        for spec in trained.layout.encoderTensors where trained.values(of: spec) != after.values(of: spec) {
            changed.insert(spec.name)
        }
        let convolutions = ["blocks.19.expand", "blocks.19.depthwise", "blocks.19.project", "blocks.20.expand",
                            "blocks.20.depthwise", "blocks.20.project", "head"]
        XCTAssertEqual(changed, Set(convolutions.flatMap { c in ["conv.weight", "bn.weight", "bn.bias"].map { "encoder.\(c).\($0)" } }))
        let caption = try attend(["caption", "--model", tuned, corpus + "/images/00000.png"])
        XCTAssertEqual(caption.status, 0, caption.stderr)
    }

    /// 24 synthetic scenes at `corpus` and a random lite0-tiny model at `encoder` whose encoder tensors start a run.
    private func makeScenesAndEncoder(corpus: String, sceneSeed: String, encoder: String) throws {
        XCTAssertEqual(try attend(["synth", "--out", corpus, "--count", "24", "--seed", sceneSeed]).status, 0)
        let made = try attend(["random-model", "--config", "lite0-tiny", "--vocabulary-size", "8", "--seed", "1",
                               "--out", encoder])
        XCTAssertEqual(made.status, 0, made.stderr)
    }

    private func modelPath(_ name: String) throws -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models/\(name).attend").path
    }
}
