import AttendModel
import AttendTrain
import XCTest

final class ModelAveragingTests: XCTestCase {
    func testAverageIsTheElementwiseMeanOfEveryTensor() throws {
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["a", "b", "c"])
        let config = ModelConfig.named("tiny")!
        var models = (1...3).map {
            Model.random(config: config, vocabulary: vocabulary, seed: UInt64($0), randomizeAll: true)
        }
        models[2].metadata = ["command": "attend train --out three", "previous_commands": "attend train --out one"]
        let average = try averageModels(models, paths: ["one", "two", "three"], command: "attend average")
        XCTAssertEqual(average.parameters.count, models[0].parameters.count)
        for i in stride(from: 0, to: average.parameters.count, by: 7) {
            let mean = (models[0].parameters[i] + models[1].parameters[i] + models[2].parameters[i]) / 3
            XCTAssertEqual(average.parameters[i], mean, accuracy: 1e-6 * max(1, abs(mean)))
        }
        XCTAssertEqual(average.metadata["averaged_from"], "one two three")
        XCTAssertEqual(average.metadata["command"], "attend average")
        XCTAssertEqual(average.metadata["previous_commands"], "attend train --out one ; attend train --out three",
                       "the recipe so far, then the averaging")
        var zeros = models[0]
        zeros.parameters[0] = -0.0
        let same = try averageModels([zeros, zeros], paths: ["x", "y"], command: "c").parameters
        let changed = zip(same, zeros.parameters).filter { $0.bitPattern != $1.bitPattern }.count
        XCTAssertEqual(changed, 0, "every bit of a weight both models hold is kept (-0 stays -0)")
    }

    /// The classifier and presence heads are carried into the average (else it would caption ungrounded), and
    /// checkpoints whose heads differ are refused.
    func testTheClassifierAndPresenceHeadsAreCarried() throws {
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["a", "cat", "man"])
        let config = ModelConfig.named("tiny")!
        let C = config.gridChannels
        var models = (1...2).map { Model.random(config: config, vocabulary: vocabulary, seed: UInt64($0)) }
        let classifier = ImageNetClassifier(classes: [ImageNetClass(name: "tabby", word: "cat", kind: "animal"),
                                                      ImageNetClass(name: "espresso", word: nil)],
                                            weight: (0..<(2 * C)).map { Float($0) / 10 }, bias: [0.5, -1])
        let presence = ObjectPresence(objects: [PresenceObject(name: "person", words: ["man"], share: 0.7)],
                                      weight: (0..<C).map { Float($0) / 100 }, bias: [0.25])
        for i in models.indices { (models[i].classifier, models[i].presence) = (classifier, presence) }
        let average = try averageModels(models, paths: ["m1", "m2"], command: "c")
        XCTAssertEqual(average.classifier, classifier)
        XCTAssertEqual(average.presence, presence)
        var other = models[1]
        other.classifier = ImageNetClassifier(classes: classifier.classes, weight: classifier.weight, bias: [0.5, -2])
        XCTAssertThrowsError(try averageModels([models[0], other], paths: ["m1", "m2"], command: "c")) { error in
            XCTAssertEqual("\(error)",
                           "m2: checkpoint does not fit this run: its ImageNet classifier differs from m1's")
        }
        other = models[1]
        other.presence = nil
        XCTAssertThrowsError(try averageModels([models[0], other], paths: ["m1", "m2"], command: "c")) { error in
            XCTAssertEqual("\(error)", "m2: checkpoint does not fit this run: its presence heads differ from m1's")
        }
    }

    func testCheckpointsOfAnotherVocabularyOrConfigurationAreRefused() {
        let config = ModelConfig.named("tiny")!
        let words = Vocabulary(words: Vocabulary.specialTokens + ["a", "b"])
        let otherWords = Vocabulary(words: Vocabulary.specialTokens + ["a", "c"])
        let model = Model.random(config: config, vocabulary: words, seed: 1)
        let other = Model.random(config: config, vocabulary: otherWords, seed: 2)
        XCTAssertThrowsError(try averageModels([model, other], paths: ["m1", "m2"], command: "c")) { error in
            XCTAssertEqual("\(error)", "m2: checkpoint does not fit this run: its vocabulary differs from m1's")
        }
        var wider = config
        wider.hiddenSize += 2
        let widerModel = Model.random(config: wider, vocabulary: words, seed: 2)
        XCTAssertThrowsError(try averageModels([model, widerModel], paths: ["m1", "m2"], command: "c")) { error in
            XCTAssertTrue("\(error)".contains("configuration differs"), "\(error)")
        }
    }
}
