import AttendModel
import AttendTrain
import XCTest

// Training a hard-attention model as a run: the draws are seeded like the dropout masks (the same seed gives the
// same curve, another seed another), a run resumed from its checkpoint continues the same curve with the same
// baseline, and the loss still falls on a tiny set.

final class HardAttentionTrainingTests: XCTestCase {
    static func hardSetup() -> (Model, CaptionDataset) {
        let (model, dataset) = TrainingLoopTests.tinySetup()
        return (model.with(attention: .hard), dataset)
    }

    func testSameSeedSameCurveAndTheBaselineFollowsTheLogLikelihood() throws {
        let (model, dataset) = Self.hardSetup()
        func run(seed: UInt64) throws -> Trainer {
            var settings = TrainingLoopTests.settings(seed: seed)
            settings.stopAfterSteps = 4
            let trainer = try Trainer(model: model, train: dataset, validation: nil, settings: settings)
            XCTAssertEqual(try trainer.run(), .stepLimit)
            return trainer
        }
        let first = try run(seed: 1), second = try run(seed: 1), other = try run(seed: 2)
        XCTAssertEqual(first.records.map(\.loss), second.records.map(\.loss), "the same draws, bit for bit")
        XCTAssertEqual(first.records.map(\.baseline), second.records.map(\.baseline))
        XCTAssertNotEqual(first.records.map(\.loss), other.records.map(\.loss))
        // The baseline is a log-likelihood per word: negative, near minus the cross-entropy.
        for record in first.records {
            let baseline = try XCTUnwrap(record.baseline)
            XCTAssertLessThan(baseline, 0)
            XCTAssertLessThan(abs(baseline + record.crossEntropy), 0.5 * record.crossEntropy)
            XCTAssertGreaterThan(try XCTUnwrap(record.attentionEntropy), 0)
        }
        XCTAssertNil(try Trainer(model: TrainingLoopTests.tinySetup().0, train: dataset, validation: nil,
                                 settings: TrainingLoopTests.settings()).graph.reinforceBaseline)
    }

    func testResumeContinuesTheCurveWithTheBaseline() throws {
        let (model, dataset) = Self.hardSetup()
        let directory = try temporaryDirectory("hard")
        let (reference, second, checkpoint) = try TrainingLoopTests.interruptedRun(model: model, dataset: dataset,
                                                                                   directory: directory)
        XCTAssertEqual(try ModelFile.read(path: checkpoint).config.attention, .hard)
        let progress = try OptimizerStateFile.read(path: OptimizerStateFile.path(forModel: checkpoint),
                                                   into: AdamOptimizer(layout: model.layout))
        XCTAssertEqual(progress.reinforceBaseline, reference.records[2].baseline, "the checkpoint holds the baseline")

        let resumed = try Trainer(model: model, train: dataset, validation: nil, settings: second, resume: checkpoint)
        _ = try resumed.run()
        XCTAssertEqual(resumed.records.map(\.loss), Array(reference.records.map(\.loss)[3...]),
                       "steps 4 and 5 after a resume equal those of an uninterrupted run")
        XCTAssertEqual(resumed.records.map(\.baseline), Array(reference.records.map(\.baseline)[3...]))

        // A soft model does not resume a hard run's checkpoint.
        XCTAssertThrowsError(try Trainer(model: model.with(attention: .soft), train: dataset, validation: nil,
                                         settings: second, resume: checkpoint)) { error in
            XCTAssertTrue("\(error)".contains("configuration differs"), "\(error)")
        }
    }

    func testLossFallsOverTenSteps() throws {
        let (model, dataset) = Self.hardSetup()
        var settings = TrainingLoopTests.settings(epochs: 10)
        settings.stopAfterSteps = 10
        settings.learningRate = 2e-2
        settings.loss.dropout = 0
        let trainer = try Trainer(model: model, train: dataset, validation: nil, settings: settings)
        XCTAssertEqual(try trainer.run(), .stepLimit)
        let losses = trainer.records.map(\.crossEntropy)
        XCTAssertLessThan(losses[9], 0.75 * losses[0], "the loss must fall on a tiny set")
    }
}
