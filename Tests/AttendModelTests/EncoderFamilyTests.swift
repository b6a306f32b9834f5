import AttendModel
import Foundation
import XCTest

/// The encoder families as the rest of attend sees them: registered once under distinct names, stored and read
/// back through the model file's "encoder" object, their tensors first in the layout, and each asked for its parts.
final class EncoderFamilyTests: XCTestCase {
    func testRegisteredNamesAreDistinct() {
        let names = EncoderFamilies.all.map { $0.name }
        XCTAssertEqual(Set(names).count, names.count, "\(names)")
        XCTAssertEqual(Set(names), ["scratch", "efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"])
    }

    func testEveryNamedConfigurationRoundTripsThroughItsFamily() throws {
        for name in ModelConfigName.allCases {
            var config = name.config
            config.vocabularySize = 10
            let decoded = try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(config))
            XCTAssertEqual(decoded, config, name.rawValue)
        }
    }

    func testEqualityComparesTheFamilyAndItsNumbers() {
        XCTAssertNotEqual(ModelConfigName.tiny.config.encoder, ModelConfigName.shapes.config.encoder, "same family")
        XCTAssertNotEqual(ModelConfigName.tiny.config.encoder, ModelConfigName.lite0Tiny.config.encoder)
        XCTAssertEqual(ModelConfigName.lite0Tiny.config.encoder,
                       EncoderConfig(Lite0EncoderConfig(imageSize: 72, tap: .block10)))
    }

    func testAnUnknownFamilyIsAReadError() {
        let json = Data(#"{"family": "vit-b16", "imageSize": 224}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(EncoderConfig.self, from: json)) { error in
            XCTAssertTrue("\(error)".contains("unknown encoder family \"vit-b16\""), "\(error)")
        }
    }

    func testTheFamilysTensorsComeFirstAndItsPartsAreItsOwn() {
        let words = Vocabulary(words: Vocabulary.specialTokens + ["a"])
        for (name, pretrained) in [(ModelConfigName.tiny, false), (.lite0Tiny, true), (.lite2, true)] {
            let model = Model.random(config: name.config, vocabulary: words, seed: 1)
            let encoderTensors = model.layout.encoderTensors
            XCTAssertEqual(Array(model.layout.tensors.prefix(encoderTensors.count)).map(\.name), encoderTensors.map(\.name))
            XCTAssertTrue(encoderTensors.allSatisfy { $0.name.hasPrefix("encoder.") }, name.rawValue)
            XCTAssertFalse(model.layout.tensors.dropFirst(encoderTensors.count).contains { $0.name.hasPrefix("encoder.") })
            XCTAssertEqual(model.config.encoder.isPretrained, pretrained, name.rawValue)
            let trainable = model.trainableEncoder(fineTunedBlocks: pretrained ? 1 : nil, pictures: 2)
            XCTAssertNotNil(trainable, name.rawValue)
            let trained = trainable?.trainedTensorNames ?? []
            XCTAssertTrue(trained.isSubset(of: Set(encoderTensors.map(\.name))), name.rawValue)
            // A pretrained family trains only the blocks asked for; one that is not trains every trainable tensor.
            let trainableCount = encoderTensors.filter(\.trainable).count
            if pretrained {
                XCTAssertLessThan(trained.count, trainableCount)
                XCTAssertNil(model.trainableEncoder(fineTunedBlocks: nil, pictures: 2), "frozen without blocks")
            } else {
                XCTAssertEqual(trained.count, trainableCount)
            }
        }
    }
}
