import Attend
import AttendImage
import AttendModel
@testable import AttendTrain
import Foundation
import XCTest

/// The feature cache: what it stores is the encoder's grid of each photo (rounded to f16), it is found again by
/// name, and a cache made by another encoder or preprocessing is refused (stale); a decoder then trains on it.
final class GridCacheTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws { folder = try temporaryDirectory("gridcache") }

    /// Three random 90×80 photos as PNG files (not square: the cache squashes them as captioning does).
    func photos() throws -> [String] {
        try writeRandomPhotos(count: 3, width: 90, height: 80, seed: 3, in: folder)
    }

    func lite0Model(seed: UInt64) -> Model {
        Model.referenceRandom(configName: "lite0-tiny", vocabularySize: 12, seed: seed)
    }

    func testCachedGridsAreTheEncodersRoundedToHalf() throws {
        let paths = try photos(), names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        let model = lite0Model(seed: 1)
        let file = try GridCacheFile.build(path: folder + "/cache", model: model, names: names, paths: paths, batch: 2)
        XCTAssertEqual(file.names, names)
        let cache = try GridCache(file: file, names: [names[2], names[0]])
        let grids = cache.grids([0, 1])

        let input = model.config.modelInput
        let encoder = makeGridEncoder(model: model)
        let perPhoto = model.config.locations * model.config.gridChannels
        for (slot, path) in [paths[2], paths[0]].enumerated() {
            let tensor: [Float] = input.tensor(try input.load(contentsOf: path).pixels)
            let expected: [Float] = tensor.withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: 1) }
            // Within f16's rounding (2⁻¹¹ relative) of the grid encoded alone: the cache encoded two photos at a time,
            // whose products may round otherwise.
            let cached = Array(grids[(slot * perPhoto)..<((slot + 1) * perPhoto)])
            let worst = zip(cached, expected).map { abs($0 - $1) / max(abs($1), 1e-2) }.max()!
            XCTAssertLessThan(worst, 1e-3, "photo \(slot)")
            XCTAssertEqual(cached, cached.map { Float(Float16($0)) }, "stored as f16")
        }
        XCTAssertNotNil(GridCacheFile(path: folder + "/cache", key: GridCacheKey(model: model)), "opens again")
        XCTAssertThrowsError(try GridCache(file: file, names: ["missing.jpg"]))
    }

    func testACacheOfAnotherEncoderOrInputIsStale() throws {
        let paths = try photos(), names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        let model = lite0Model(seed: 1)
        _ = try GridCacheFile.build(path: folder + "/cache", model: model, names: names, paths: paths)
        XCTAssertNil(GridCacheFile(path: folder + "/cache", key: GridCacheKey(model: lite0Model(seed: 2))),
                     "other encoder weights")
        var otherInput = GridCacheKey(model: model)
        otherInput.inputSize += 32
        XCTAssertNil(GridCacheFile(path: folder + "/cache", key: otherInput), "another input size")
        var decoderOnly = model
        decoderOnly.parameters[model.layout.embedding.offset] += 1
        XCTAssertNotNil(GridCacheFile(path: folder + "/cache", key: GridCacheKey(model: decoderOnly)),
                         "the decoder's weights are not part of the key")
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/cache"))
        try bytes.dropLast(7).write(to: URL(fileURLWithPath: folder + "/cache"))
        XCTAssertNil(GridCacheFile(path: folder + "/cache", key: GridCacheKey(model: model)), "a truncated cache")
    }

    func testADecoderTrainsOnCachedGrids() throws {
        let paths = try photos(), names = paths.map { URL(fileURLWithPath: $0).lastPathComponent }
        var model = lite0Model(seed: 1)
        let file = try GridCacheFile.build(path: folder + "/cache", model: model, names: names, paths: paths)
        var dataset = CaptionDataset(side: model.config.imageSize)
        let captions = ["a red square", "a blue circle", "a red circle"]
        for (name, caption) in zip(names, captions) { dataset.appendCaptions([caption], name: name) }
        dataset.gridCache = try GridCache(file: file, names: names)
        let vocabulary = Vocabulary(trainingCaptions: captions, minimumCount: 1)
        model = Model.random(config: model.config, vocabulary: vocabulary, seed: 2)
        var settings = TrainingSettings()
        settings.epochs = 40
        settings.imagesPerBatch = 3
        settings.learningRate = 1e-2
        settings.warmupSteps = 0
        settings.progressEvery = 0
        settings.loss = LossOptions(attentionPenalty: 0, dropout: 0, gridDropout: 0)
        let encoderBefore = model.layout.tensors.filter { $0.name.hasPrefix("encoder.") }.map { model.values(of: $0) }
        let trainer = try Trainer(model: model, train: dataset, validation: nil, settings: settings)
        _ = try trainer.run()
        XCTAssertLessThan(trainer.records.last!.crossEntropy, 0.3 * trainer.records.first!.crossEntropy)
        let trained = trainer.currentModel()
        let encoderAfter = trained.layout.tensors.filter { $0.name.hasPrefix("encoder.") }.map { trained.values(of: $0) }
        XCTAssertEqual(encoderAfter, encoderBefore, "the frozen encoder is not updated")
        // Validation captions the cached grids as the captioner does.
        let (_, samples) = trainer.validationCaptionScores(dataset, images: 3)
        let expected = Captioner(model: trained).caption(grid: dataset.grids([0, 1, 2])!, count: 3,
                                                         options: CaptionOptions(beamSize: 1, maxWords: settings.maxWords))
        XCTAssertEqual(samples, zip(names, expected).map { "\($0): \($1.text)" })
    }
}
