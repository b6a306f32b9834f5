import AttendEval
import AttendModel
@testable import AttendTrain
import Foundation
import XCTest

/// `TrainingRun`, what `attend train` runs, called from Swift: the data mode each family and option asks for, a
/// whole synthetic run that writes its model, and the refusal of a pretrained encoder of another family.
final class TrainingRunTests: XCTestCase {
    private func folder() throws -> String {
        let folder = NSTemporaryDirectory() + "attend-training-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    func testDataModeFollowsTheFamily() {
        var settings = TrainingSettings()
        let frozen = TrainingRunOptions(data: .corpus(.flickr8k(directory: "x")), configuration: ModelConfigName.default.config,
                                        configurationLabel: "default", settings: settings)
        XCTAssertEqual(frozen.dataMode, .featureCache, "a frozen pretrained encoder trains on its cached grids")
        settings.fineTunedBlocks = 2
        let tuned = TrainingRunOptions(data: .corpus(.flickr8k(directory: "x")), configuration: ModelConfigName.default.config,
                                       configurationLabel: "default", settings: settings)
        XCTAssertEqual(tuned.dataMode, .pictures, "a fine-tuned top reads the pictures")
        let scratch = TrainingRunOptions(data: .corpus(.flickr8k(directory: "x")), configuration: ModelConfigName.scratch.config,
                                         configurationLabel: "scratch", settings: TrainingSettings())
        XCTAssertEqual(scratch.dataMode, .pictures, "an encoder that is not pretrained trains whole on the pictures")
    }

    func testSyntheticRunTrainsWritesAndScores() throws {
        let out = try folder() + "/tiny.attend"
        var settings = TrainingSettings()
        settings.epochs = 2             // 3 batches of 8 scenes an epoch: the step limit ends the run
        settings.imagesPerBatch = 8
        settings.stopAfterSteps = 3
        settings.progressEvery = 0
        settings.outputPath = out
        var options = TrainingRunOptions(data: .synthetic(24), configuration: ModelConfigName.tiny.config,
                                         configurationLabel: "tiny", settings: settings)
        options.command = "test"
        let outcome = try TrainingRun(options: options).run()
        XCTAssertEqual(outcome.stop, .stepLimit)
        XCTAssertEqual(outcome.steps, 3)
        XCTAssertEqual(outcome.heldOut?.scenes, 200)
        XCTAssertGreaterThan(outcome.seconds["encoder backward"] ?? 0, 0, "the scratch encoder trained")
        let model = try ModelFile.read(path: out)
        XCTAssertEqual(model.config.encoder, ModelConfigName.tiny.config.encoder)
        XCTAssertEqual(model.metadata["command"], "test")
        XCTAssertNotNil(model.metadata["heldout_200"])
    }

    func testAPretrainedEncoderOfAnotherFamilyIsRefused() throws {
        let path = try folder() + "/scratch.attend"
        let words = Vocabulary(words: Vocabulary.specialTokens + ["a", "b"])
        try ModelFile.write(Model.random(config: ModelConfigName.tiny.config, vocabulary: words, seed: 1), to: path)
        var options = TrainingRunOptions(data: .corpus(.flickr8k(directory: "unused")), configuration: ModelConfigName.lite0Tiny.config,
                                         configurationLabel: "lite0-tiny", settings: TrainingSettings())
        options.encoderPath = path
        let run = TrainingRun(options: options)
        XCTAssertThrowsError(try run.startingModel(vocabulary: words, origin: try run.originModel())) { error in
            XCTAssertEqual((error as? TrainingRunError)?.path, path)
            XCTAssertTrue("\(error)".contains("its encoder is scratch, this configuration's is efficientnet-lite0"),
                          "\(error)")
        }
    }
}
