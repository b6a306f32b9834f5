import AttendModel
import AttendTrain
import XCTest

final class ModelAveragingTests: XCTestCase {
    func testAverageIsTheElementwiseMeanOfEveryTensor() throws {
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["a", "b", "c"])
        let config = ModelConfig.named("tiny")!
        let models = (1...3).map { Model.random(config: config, vocabulary: vocabulary, seed: UInt64($0), randomizeAll: true) }
        let average = try averageModels(models, paths: ["one", "two", "three"])
        XCTAssertEqual(average.parameters.count, models[0].parameters.count)
        for i in stride(from: 0, to: average.parameters.count, by: 7) {
            let mean = (models[0].parameters[i] + models[1].parameters[i] + models[2].parameters[i]) / 3
            XCTAssertEqual(average.parameters[i], mean, accuracy: 1e-6 * max(1, abs(mean)))
        }
        XCTAssertEqual(average.metadata["averaged_from"], "one two three")
        XCTAssertEqual(try averageModels([models[0], models[0]], paths: ["x", "y"]).parameters, models[0].parameters)
    }

    func testCheckpointsOfAnotherVocabularyOrConfigurationAreRefused() {
        let config = ModelConfig.named("tiny")!
        let words = Vocabulary(words: Vocabulary.specialTokens + ["a", "b"])
        let otherWords = Vocabulary(words: Vocabulary.specialTokens + ["a", "c"])
        let model = Model.random(config: config, vocabulary: words, seed: 1)
        XCTAssertThrowsError(try averageModels([model, Model.random(config: config, vocabulary: otherWords, seed: 2)],
                                               paths: ["m1", "m2"])) { error in
            XCTAssertEqual("\(error)", "m2: checkpoint does not fit this run: its vocabulary differs from m1's")
        }
        var wider = config
        wider.hiddenSize += 2
        XCTAssertThrowsError(try averageModels([model, Model.random(config: wider, vocabulary: words, seed: 2)],
                                               paths: ["m1", "m2"])) { error in
            XCTAssertTrue("\(error)".contains("configuration differs"), "\(error)")
        }
    }
}
