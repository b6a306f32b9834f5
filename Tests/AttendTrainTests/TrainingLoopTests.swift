import AttendModel
import AttendTrain
import XCTest

// The loop as a whole: a tiny set is overfitted in 10 steps, a seed fixes the loss curve, a resumed run
// continues the same curve, and a checkpoint of another configuration or vocabulary is refused.

final class TrainingLoopTests: XCTestCase {
    /// 16 synthetic scenes at 32 px and a tiny model: fast enough for a debug test run.
    static func tinySetup() -> (Model, CaptionDataset) {
        let (dataset, _) = syntheticDataset(count: 16, seed: 5, size: 32)
        var config = shapesConfiguration()
        // 32 → 16 → 8 → 4: a 4×4 grid
        config.encoder = EncoderConfig(ScratchEncoderConfig(imageSize: 32, channels: [8, 8, 16, 16], strides: [2, 1, 1, 1],
                                                            poolAfter: [false, true, true, false]))
        config.embeddingSize = 16
        config.hiddenSize = 24
        config.attentionSize = 16
        let vocabulary = Vocabulary(trainingCaptions: dataset.references.flatMap { $0 }, minimumCount: 1)
        return (Model.random(config: config, vocabulary: vocabulary, seed: 9), dataset)
    }

    static func settings(seed: UInt64 = 1, epochs: Int = 10) -> TrainingSettings {
        var settings = TrainingSettings()
        settings.epochs = epochs
        settings.imagesPerBatch = 8
        settings.learningRate = 1e-2
        settings.warmupSteps = 0
        settings.seed = seed
        settings.progressEvery = 0
        settings.checkpointEverySteps = 0
        settings.loss = LossOptions(attentionPenalty: 0.1, dropout: 0.2)
        return settings
    }

    /// A 5-step run straight through (the reference), and a run of the same settings stopped after 3 steps with
    /// its checkpoint in `directory`: the settings that resume it for steps 4 and 5, and the checkpoint's path.
    static func interruptedRun(model: Model, dataset: CaptionDataset, directory: String) throws
        -> (reference: Trainer, resume: TrainingSettings, checkpoint: String) {
        var straight = settings()
        straight.stopAfterSteps = 5
        let reference = try Trainer(model: model, train: dataset, validation: nil, settings: straight)
        _ = try reference.run()

        var first = settings()
        first.stopAfterSteps = 3
        first.outputPath = directory + "/m.attend"
        _ = try Trainer(model: model, train: dataset, validation: nil, settings: first).run()
        var second = first
        second.stopAfterSteps = 5
        return (reference, second, directory + "/m.attend.last")
    }

    func testValidationCaptionsThePicturesAsTheCaptionerDoes() throws {
        let (model, dataset) = Self.tinySetup()
        let trainer = try Trainer(model: model, train: dataset, validation: dataset, settings: Self.settings(epochs: 1))
        let (_, samples) = trainer.validationCaptionScores(dataset, images: 5)
        let expected = Captioner(model: trainer.currentModel())
            .caption(images: dataset.pictures(Array(0..<5)).values, count: 5,
                     options: CaptionOptions(beamSize: 1, maxWords: trainer.settings.maxWords))
        XCTAssertEqual(samples, zip(dataset.names, expected).map { "\($0): \($1.text)" })
    }

    func testLossFallsOverTenSteps() throws {
        let (model, dataset) = Self.tinySetup()
        var settings = Self.settings(epochs: 10)   // 2 batches per epoch, stopped at 10 steps
        settings.stopAfterSteps = 10
        settings.learningRate = 2e-2
        settings.loss.dropout = 0
        let trainer = try Trainer(model: model, train: dataset, validation: nil, settings: settings)
        XCTAssertEqual(try trainer.run(), .stepLimit)
        let losses = trainer.records.map(\.crossEntropy)
        XCTAssertEqual(losses.count, 10)
        print("10-step cross-entropy:", losses.map { String(format: "%.3f", $0) }.joined(separator: " "))
        XCTAssertLessThan(losses[9], 0.75 * losses[0], "the loss must fall on a tiny set")
        XCTAssertLessThan(losses[8] + losses[9], losses[0] + losses[1])
    }

    func testSameSeedSameCurve() throws {
        let (model, dataset) = Self.tinySetup()
        func curve(seed: UInt64) throws -> [Float] {
            var settings = Self.settings(seed: seed)
            settings.stopAfterSteps = 4
            let trainer = try Trainer(model: model, train: dataset, validation: nil, settings: settings)
            XCTAssertEqual(try trainer.run(), .stepLimit)
            return trainer.records.map(\.loss)
        }
        let first = try curve(seed: 1), second = try curve(seed: 1), other = try curve(seed: 2)
        XCTAssertEqual(first, second, "same seed and threads: the same losses, bit for bit")
        XCTAssertNotEqual(first, other, "another seed draws other batches and masks")
    }

    func testResumeContinuesTheCurve() throws {
        let (model, dataset) = Self.tinySetup()
        let directory = try temporaryDirectory("resume")
        let (reference, second, checkpoint) = try Self.interruptedRun(model: model, dataset: dataset, directory: directory)
        let resumed = try Trainer(model: model, train: dataset, validation: nil, settings: second, resume: checkpoint)
        _ = try resumed.run()
        XCTAssertEqual(resumed.records.map(\.loss), Array(reference.records.map(\.loss)[3...]),
                       "steps 4 and 5 after a resume equal those of an uninterrupted run")

        // Another vocabulary or configuration is refused with a clear error.
        let otherWords = Vocabulary(words: Vocabulary.specialTokens + ["x"])
        let other = Model.random(config: model.config, vocabulary: otherWords, seed: 1)
        XCTAssertThrowsError(try Trainer(model: other, train: dataset, validation: nil, settings: second,
                                         resume: checkpoint)) { error in
            XCTAssertTrue("\(error)".contains("vocabulary differs"), "\(error)")
        }
        var bigger = model.config
        bigger.hiddenSize += 1
        let reshaped = Model.random(config: bigger, vocabulary: model.vocabulary, seed: 1)
        XCTAssertThrowsError(try Trainer(model: reshaped, train: dataset, validation: nil, settings: second,
                                         resume: checkpoint)) { error in
            XCTAssertTrue("\(error)".contains("configuration differs"), "\(error)")
        }
    }

    /// A `--budget-minutes` run resumed from its checkpoint spends what is left of the budget: the learning rate
    /// continues its decay from the time already trained, and a spent budget trains no more steps.
    func testBudgetCountsTheTimeOfEarlierRuns() throws {
        let (model, dataset) = Self.tinySetup()
        let directory = try temporaryDirectory("budget")
        let checkpoint = directory + "/m.attend.last", state = OptimizerStateFile.path(forModel: checkpoint)

        var settings = Self.settings()
        settings.budgetMinutes = 1000
        settings.stopAfterSteps = 2
        settings.outputPath = directory + "/m.attend"
        _ = try Trainer(model: model, train: dataset, validation: nil, settings: settings).run()
        let optimizer = AdamOptimizer(layout: model.layout, options: settings.adam)
        var progress = try OptimizerStateFile.read(path: state, into: optimizer)
        XCTAssertGreaterThan(progress.trainingSeconds, 0, "the checkpoint records the time trained")
        XCTAssertLessThan(progress.trainingSeconds, 60)

        // As if the first run had trained for half of the budget.
        progress.trainingSeconds = 500 * 60
        try OptimizerStateFile.write(progress: progress, optimizer: optimizer, to: state)
        settings.stopAfterSteps = 3
        let resumed = try Trainer(model: model, train: dataset, validation: nil, settings: settings, resume: checkpoint)
        XCTAssertEqual(try resumed.run(), .stepLimit)
        let schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: 0, totalSteps: resumed.totalSteps)
        let rate = try XCTUnwrap(resumed.records.first?.learningRate)
        XCTAssertLessThanOrEqual(rate, schedule.rate(at: 2, timeFraction: 0.5), "half the budget is spent: half the decay")
        XCTAssertGreaterThan(rate, schedule.rate(at: 2, timeFraction: 0.51))
        XCTAssertGreaterThan(try XCTUnwrap(resumed.records.first?.seconds), 500 * 60, "the log's clock continues too")

        // A spent budget: no more steps.
        progress.trainingSeconds = 1000 * 60
        try OptimizerStateFile.write(progress: progress, optimizer: optimizer, to: state)
        let spent = try Trainer(model: model, train: dataset, validation: nil, settings: settings, resume: checkpoint)
        XCTAssertEqual(try spent.run(), .budgetSpent)
        XCTAssertTrue(spent.records.isEmpty)
    }

    /// Checkpoints written before the trained time was recorded still resume (as 0 seconds trained).
    func testProgressWithoutTrainedTimeDecodes() throws {
        let json = #"{"step":7,"epoch":1,"batchInEpoch":2,"epochsWithoutImprovement":0,"parameterCount":10}"#
        let progress = try JSONDecoder().decode(TrainingProgress.self, from: Data(json.utf8))
        XCTAssertEqual(progress.step, 7)
        XCTAssertEqual(progress.trainingSeconds, 0)
        XCTAssertNil(progress.bestValidationLoss)
    }

    /// `keepCheckpoints` keeps the newest N checkpoints' weights beside the checkpoint, named by step.
    func testNewestCheckpointsAreKeptByStep() throws {
        let (model, dataset) = Self.tinySetup()
        let directory = try temporaryDirectory("keep")
        var settings = Self.settings()
        settings.outputPath = directory + "/m.attend"
        settings.checkpointEverySteps = 1
        settings.keepCheckpoints = 3
        settings.stopAfterSteps = 5
        _ = try Trainer(model: model, train: dataset, validation: nil, settings: settings).run()
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".step-") }.sorted()
        XCTAssertEqual(kept, ["m.attend.last.step-000003", "m.attend.last.step-000004", "m.attend.last.step-000005"])
        let last = try ModelFile.read(path: directory + "/m.attend.last")
        XCTAssertEqual(try ModelFile.read(path: directory + "/m.attend.last.step-000005").parameters, last.parameters)
        XCTAssertNotEqual(try ModelFile.read(path: directory + "/m.attend.last.step-000004").parameters, last.parameters)
    }
}
