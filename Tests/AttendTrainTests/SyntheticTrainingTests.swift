import AttendMath
import AttendModel
import AttendTrain
import XCTest

// The must-have result: a model trained from scratch on 2,000 synthetic scenes within 5 minutes captions
// held-out scenes exactly and looks at the objects it names. Runs the library directly (its targets are
// built -O even in debug) with the recipe of `make shapes-model` (shapesTrainingSettings: a 4.5-minute
// budget). Thresholds: ≥ 90% exact captions and ≥ 70% attention pointing on 200 held-out scenes.

final class SyntheticTrainingTests: XCTestCase {
    func testShapesModelCaptionsAndPoints() throws {
        BLAS.setThreadCount(2)
        let settings = shapesTrainingSettings()
        let (train, _) = syntheticDataset(count: 2000, seed: settings.seed, size: 64)
        let (heldOut, objects) = syntheticDataset(count: 200, seed: settings.seed &+ 1_000_003, size: 64)
        let vocabulary = Vocabulary(trainingCaptions: train.references.flatMap { $0 }, minimumCount: 5)
        let model = Model.random(config: shapesConfiguration(), vocabulary: vocabulary, seed: settings.seed)
        var quiet = settings
        quiet.progressEvery = 200
        let started = Date()
        let trainer = try Trainer(model: model, train: train, validation: nil, settings: quiet)
        let stop = try trainer.run()
        let minutes = Date().timeIntervalSince(started) / 60
        let score = scoreSynthetic(model: trainer.currentModel(), dataset: heldOut, objects: objects)
        print(String(format: "shapes: %d steps, %.2f min (%@); held-out 200: %@", trainer.progress.step, minutes,
                     stop.rawValue, score.summary))
        XCTAssertLessThanOrEqual(minutes, 5.0, "training must fit in five minutes")
        XCTAssertGreaterThanOrEqual(score.exactRate, 0.90, score.summary + "\n" + score.mistakes.joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(score.pointingRate, 0.70, score.summary)
        XCTAssertLessThan(score.chanceRate, 0.5, "the chance rate is what pointing must beat")
    }
}
