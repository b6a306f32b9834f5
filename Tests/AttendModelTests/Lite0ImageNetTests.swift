import Attend
import AttendImage
import AttendModel
import Foundation
import XCTest

/// The shipped default model's EfficientNet-Lite0 against the original PyTorch network on the same pixels
/// (scripts/make_lite0_fixture.py, ../shared/bench/torch_lite0.py with the model file's weights): the head's
/// features averaged over the grid and the ImageNet logits of the reference's top-6 classes within 1e-3 relative,
/// and the same top-5 classes in the same order, on the public-domain and CC0 photos of samples/.
final class Lite0ImageNetTests: XCTestCase {
    struct Fixture: Decodable {
        struct Photo: Decodable {
            var file: String
            var pooled: [Double]
            var top: [Int]
            var logits: [Double]
            var classifier_rows: [[Double]]
            var classifier_bias: [Double]
        }
        var photos: [Photo]
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testHeadFeaturesAndImageNetLogitsMatchPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "lite0_imagenet", withExtension: "json",
                                                  subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let model = try ModelFile.read(path: Self.repository.appendingPathComponent("models/default.attend").path)
        guard model.config.encoder == EncoderConfig(Lite0EncoderConfig(imageSize: 224, tap: .head)) else {
            return XCTFail("models/default.attend's encoder is \(model.config.encoder), not Lite0 at 224 px with the head tap")
        }
        let encoder = makeGridEncoder(model: model)
        let input = model.config.modelInput
        XCTAssertEqual(fixture.photos.count, 4)
        for photo in fixture.photos {
            let pixels = try input.load(contentsOf: Self.repository.appendingPathComponent("samples/" + photo.file).path)
            let grid = input.tensor(pixels.pixels).withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: 1) }
            let (L, C) = (model.config.locations, model.config.gridChannels)
            XCTAssertEqual(grid.count, L * C)
            var pooled = [Double](repeating: 0, count: C)
            for l in 0..<L { for c in 0..<C { pooled[c] += Double(grid[l * C + c]) / Double(L) } }
            let scale = photo.pooled.map(abs).max()!
            let featureError = zip(pooled, photo.pooled).map { abs($0 - $1) }.max()! / scale
            XCTAssertLessThan(featureError, 1e-3, "\(photo.file): pooled head features")

            let logits = zip(photo.classifier_rows, photo.classifier_bias).map { row, bias in
                zip(row, pooled).reduce(bias) { $0 + $1.0 * $1.1 }
            }
            let logitScale = photo.logits.map(abs).max()!
            for (mine, theirs) in zip(logits, photo.logits) {
                XCTAssertEqual(mine, theirs, accuracy: 1e-3 * logitScale, "\(photo.file): logit")
            }
            let order = logits.indices.sorted { logits[$0] > logits[$1] }.map { photo.top[$0] }
            XCTAssertEqual(Array(order.prefix(5)), Array(photo.top.prefix(5)), "\(photo.file): top-5 classes")
        }
    }
}
