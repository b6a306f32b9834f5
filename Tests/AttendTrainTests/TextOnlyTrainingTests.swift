import Attend
import AttendEval
import AttendImage
import AttendModel
@testable import AttendTrain
import Foundation
import XCTest

/// Captions without photos: an epoch reads every picture and the next share of the text groups, a text group's grid
/// is the null context (zeros) while a picture's is its cached grid, and a decoder trained so writes a text-only
/// sentence, word for word, for the null grid, words the paired captions never show. The run's vocabulary takes
/// the text's and the classifier's words, and the classifier rides along into the trained model.
final class TextOnlyTrainingTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try temporaryDirectory("textonly") }

    /// Three photos' cached grids under a lite0-tiny encoder, with one caption each, and `textOnly`.
    func dataset(captions: [String], textOnly: [[String]]) throws -> (CaptionDataset, Model) {
        let paths = try writeRandomPhotos(count: 3, width: 40, height: 40, seed: 5, in: folder)
        let names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        let model = Model.referenceRandom(configName: "lite0-tiny", vocabularySize: 12, seed: 1)
        let file = try GridCacheFile.build(path: folder + "/cache", model: model, names: names, paths: paths)
        var dataset = CaptionDataset(side: model.config.imageSize)
        for (name, caption) in zip(names, captions) { dataset.appendCaptions([caption], name: name) }
        dataset.gridCache = try GridCache(file: file, names: names)
        dataset.textOnly = textOnly
        return (dataset, model)
    }

    func testAnEpochReadsEveryPictureAndTheNextTextGroupsOnNullGrids() throws {
        let groups = (0..<5).map { ["text group \($0)"] }
        let (dataset, model) = try dataset(captions: ["a red square", "a blue circle", "a red circle"], textOnly: groups)
        let vocabulary = Vocabulary(trainingCaptions: ["a red square", "text group"], minimumCount: 1)
        let plan = BatchPlan(imagesPerBatch: 1, captionsPerImage: 1, maxWords: 8, seed: 3, textPerEpoch: 2)
        XCTAssertEqual(plan.batchesPerEpoch(dataset), 5)
        let cell = model.config.locations * model.config.gridChannels
        var textSeen: [[Int]] = []
        for epoch in 0..<3 {
            var items: [Int] = []
            for index in 0..<plan.batchesPerEpoch(dataset) {
                let (batch, picked) = plan.batch(index, epoch: epoch, dataset: dataset, vocabulary: vocabulary)
                let item = picked[0]
                items.append(item)
                guard case let .grids(grid) = batch.input else { return XCTFail("cached grids expected") }
                XCTAssertEqual(grid.count, cell)
                if item < dataset.count {
                    XCTAssertEqual(grid, dataset.gridCache!.grids([item]), "a picture's grid is its cached one")
                } else {
                    XCTAssertTrue(grid.allSatisfy { $0 == 0 }, "a text group's grid is the null context")
                    XCTAssertEqual(batch.captions[0], plan.encode(groups[item - 3][0], vocabulary: vocabulary))
                }
            }
            XCTAssertEqual(items.filter { $0 < 3 }.sorted(), [0, 1, 2], "every picture once an epoch")
            let text = items.filter { $0 >= 3 }
            XCTAssertEqual(Set(text).count, 2, "two distinct text groups an epoch")
            textSeen.append(text.sorted())
        }
        // Epochs 0 and 1 read four different groups of the five; epoch 2 the fifth and the first again.
        XCTAssertEqual(Set(textSeen[0] + textSeen[1]).count, 4)
        XCTAssertEqual(Set(textSeen[0] + textSeen[1] + textSeen[2]), Set(3..<8))
        // A mixed batch: the pictures' grids in their slots, zeros in the text's.
        let wide = BatchPlan(imagesPerBatch: 5, captionsPerImage: 1, maxWords: 8, seed: 3, textPerEpoch: 2)
        let (batch, picked) = wide.batch(0, epoch: 0, dataset: dataset, vocabulary: vocabulary)
        guard case let .grids(grid) = batch.input else { return XCTFail("cached grids expected") }
        for (slot, item) in picked.enumerated() {
            let expected = item < 3 ? dataset.gridCache!.grids([item]) : [Float](repeating: 0, count: cell)
            XCTAssertEqual(Array(grid[(slot * cell)..<((slot + 1) * cell)]), expected, "slot \(slot), item \(item)")
        }
    }

    func testADecoderLearnsTextOnlyWordsForTheNullGrid() throws {
        let captions = ["a red square", "a blue circle", "a red circle"]
        let text = ["the purple zebra sleeps"]
        var (dataset, model) = try dataset(captions: captions, textOnly: [text])
        let vocabulary = Vocabulary(trainingCaptions: captions, minimumCount: 1, text: text, textMinimumCount: 1)
        XCTAssertNotEqual(vocabulary.id(of: "zebra"), Vocabulary.unknown)
        model = Model.random(config: model.config, vocabulary: vocabulary, seed: 2)
        var settings = TrainingSettings()
        settings.epochs = 60
        settings.imagesPerBatch = 4
        settings.learningRate = 1e-2
        settings.warmupSteps = 0
        settings.progressEvery = 0
        settings.textShare = 1.0 / 3   // one text group an epoch, beside the three pictures
        settings.loss = LossOptions(attentionPenalty: 0, dropout: 0, gridDropout: 0)
        let trainer = try Trainer(model: model, train: dataset, validation: nil, settings: settings)
        XCTAssertEqual(trainer.plan.batchesPerEpoch(dataset), 1)
        _ = try trainer.run()
        let captioner = Captioner(model: trainer.currentModel())
        let options = CaptionOptions(beamSize: 1, maxWords: 8)
        let cell = model.config.locations * model.config.gridChannels
        let null = captioner.caption(grid: [Float](repeating: 0, count: cell), count: 1, options: options)
        XCTAssertEqual(null[0].text, "the purple zebra sleeps")
        let pictured = captioner.caption(grid: dataset.grids([0, 1, 2])!, count: 3, options: options)
        // Random photos through a tiny random encoder are barely told apart; what matters here is that a picture
        // is captioned from the paired captions, never with the words only the text-only group holds.
        for caption in pictured {
            XCTAssertTrue(captions.contains(caption.text), "a picture gets a paired caption, not \"\(caption.text)\"")
        }
    }

    func testTheRunsVocabularyTakesTheTextAndTheClassifiersWordsAndCarriesTheClassifier() throws {
        let encoderPath = folder + "/encoder.attend"
        var encoder = Model.referenceRandom(configName: "lite0-tiny", vocabularySize: 4, seed: 1)
        let C = encoder.config.gridChannels
        encoder.classifier = ImageNetClassifier(
            classes: [ImageNetClass(name: "tabby", word: "cat", also: ["cats"]),
                      ImageNetClass(name: "space shuttle", word: "space shuttle"),
                      ImageNetClass(name: "chain mail", word: nil)],
            weight: (0..<(3 * C)).map { Float($0 % 7) / 7 }, bias: [0.1, 0.2, 0.3])
        try ModelFile.write(encoder, to: encoderPath)
        var options = TrainingRunOptions(data: .corpus(.flickr8k(directory: "unused")), configuration: encoder.config,
                                         configurationLabel: "lite0-tiny", settings: TrainingSettings())
        options.encoderPath = encoderPath
        options.textMinimumCount = 2
        let run = TrainingRun(options: options)
        let origin = try XCTUnwrap(try run.originModel())
        let corpus = CaptionCorpus(origin: "test", imageFolder: folder,
                                   captions: ["1.jpg": [String](repeating: "a dog runs", count: 5)],
                                   splits: ["train": ["1.jpg"]])
        var text = CaptionText()
        let textFile = folder + "/text.tsv"
        try "x#0\ta zebra grazes\nx#1\ta zebra sleeps\ny#0\ta lonely ocelot\n".write(toFile: textFile, atomically: true,
                                                                                    encoding: .utf8)
        try text.append(contentsOf: textFile)
        let vocabulary = run.vocabulary(corpus: corpus, text: text, classifier: origin.model.classifier)
        XCTAssertEqual(Array(vocabulary.words.dropFirst(4)), ["a", "dog", "runs", "zebra", "cat", "cats", "shuttle", "space"],
                       "the captions' and text's words by count, then the class words, alphabetical")
        let model = try run.startingModel(vocabulary: vocabulary, origin: origin)
        XCTAssertEqual(model.classifier?.classes, encoder.classifier?.classes)
        XCTAssertEqual(model.classifier?.weight, encoder.classifier?.weight)
    }
}
