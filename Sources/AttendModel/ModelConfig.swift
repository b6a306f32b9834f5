// MARK: - Model configuration
//
// Letters used in shape comments throughout AttendModel:
//   B images in a batch (or beams), S image side (224), C grid channels (the encoder's output), P projection size,
//   L = G·G grid cells (196), G grid side (14), D annotation size (the decoder's input: P, or C without a
//   projection), E word embedding size (256), H LSTM state size (512), A attention size (256), V vocabulary size,
//   T caption steps.
//
// A model is an encoder family (EncoderConfig, Encoders/EncoderFamily.swift: which CNN turns the picture into a
// C-channel G×G grid), an optional per-location projection of that grid (LayerNorm, linear to P, ReLU), and the
// attention decoder over the resulting L annotation vectors of size D, soft or hard (AttentionMechanism.swift).

/// Every number that fixes the shapes of a model. Stored in the model file; two models with equal
/// configurations have identical tensor tables.
public struct ModelConfig: Equatable, Sendable {
    /// The CNN and its own numbers.
    public var encoder = EncoderConfig(ScratchEncoderConfig())
    /// P: width of the per-location projection LayerNorm → linear → ReLU before the decoder; 0 for none (the
    /// decoder then reads the encoder's grid itself, D = C).
    public var projectionSize: Int = 0
    /// E: word embedding size, also the deep-output layer's width.
    public var embeddingSize: Int = 256
    /// H: LSTM hidden and cell size.
    public var hiddenSize: Int = 512
    /// A: attention MLP width.
    public var attentionSize: Int = 256
    /// V: vocabulary size, including the four special tokens.
    public var vocabularySize: Int = 0
    /// Soft or hard attention: what the decoder was trained with. It changes no tensor, only how the context is
    /// taken from α (and how training estimates its gradient).
    public var attention = AttentionMechanism.soft

    public init() {}

    public init(encoder: EncoderConfig, projectionSize: Int = 0) {
        self.encoder = encoder
        self.projectionSize = projectionSize
    }

    /// S: side of the square picture the encoder sees (the photo is squashed to it).
    public var imageSize: Int { encoder.imageSize }
    /// G: the side of the grid the decoder attends over.
    public var gridSize: Int { encoder.gridSize }
    /// L: the number of annotation vectors.
    public var locations: Int { gridSize * gridSize }
    /// C: channels of each grid cell, as the encoder writes it.
    public var gridChannels: Int { encoder.outputChannels }
    /// D: the size of each annotation vector the decoder reads.
    public var featureSize: Int { projectionSize > 0 ? projectionSize : gridChannels }
    /// Floating-point operations (multiply and add counted apart) of one encoder pass on one image.
    public var encoderFLOPs: Int { encoder.flops }

    /// How the encoder wants its pixels normalised.
    public var pixelStatistics: PixelStatistics { encoder.pixelStatistics }

    /// Checks the configuration is internally consistent; returns the first problem found.
    public func problem() -> String? {
        if let problem = encoder.problem() { return problem }
        if projectionSize < 0 { return "projectionSize must be 0 (none) or positive" }
        if embeddingSize <= 0 || hiddenSize <= 0 || attentionSize <= 0 { return "sizes must be positive" }
        if vocabularySize < Vocabulary.specialTokens.count { return "vocabulary smaller than the special tokens" }
        return nil
    }
}

// MARK: - Stored form
//
// Version 2 files store {"encoder": {"family": …, …}, "projectionSize", "embeddingSize", …}. Version 1 files have
// no "encoder" key: the scratch family's numbers sit in the configuration itself ({"imageSize", "channels",
// "strides", "poolAfter", …}), and read as that family with no projection. "attention": "hard" is stored for a
// hard-attention model only (version 4), so a soft model's configuration is stored as it always was.

extension ModelConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case encoder, projectionSize, embeddingSize, hiddenSize, attentionSize, vocabularySize, attention
    }

    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        if values.contains(.encoder) {
            encoder = try values.decode(EncoderConfig.self, forKey: .encoder)
            projectionSize = try values.decode(Int.self, forKey: .projectionSize)
        } else {
            encoder = EncoderConfig(try ScratchEncoderConfig(from: decoder))
            projectionSize = 0
        }
        embeddingSize = try values.decode(Int.self, forKey: .embeddingSize)
        hiddenSize = try values.decode(Int.self, forKey: .hiddenSize)
        attentionSize = try values.decode(Int.self, forKey: .attentionSize)
        vocabularySize = try values.decode(Int.self, forKey: .vocabularySize)
        attention = try values.decodeIfPresent(AttentionMechanism.self, forKey: .attention) ?? .soft
    }

    public func encode(to encoder: Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(self.encoder, forKey: .encoder)
        try values.encode(projectionSize, forKey: .projectionSize)
        try values.encode(embeddingSize, forKey: .embeddingSize)
        try values.encode(hiddenSize, forKey: .hiddenSize)
        try values.encode(attentionSize, forKey: .attentionSize)
        try values.encode(vocabularySize, forKey: .vocabularySize)
        if attention != .soft { try values.encode(attention, forKey: .attention) }
    }
}

// MARK: - Named configurations

/// The configurations `--config` names: default (EfficientNet-Lite0's head grid, projected, under the decoder of
/// docs/ARCHITECTURE.md), lite1 and lite2 (the same on EfficientNet-Lite1 or Lite2), scratch (the CNN learnt from
/// the training photos alone), shapes (synthetic scenes), tiny (tests and the numpy reference), lite0-tiny (the
/// Lite0 family at 72 px, for tests).
public enum ModelConfigName: String, CaseIterable, Sendable {
    case `default`, lite1, lite2, scratch, shapes, tiny
    case lite0Tiny = "lite0-tiny"

    public var config: ModelConfig {
        switch self {
        case .default:
            // The pretrained encoder's 1280-channel head at stride 32 (7×7 at 224), projected to 512 per location:
            // the grid and sizes docs/TRAINING.md chose on the dev split.
            return Self.pretrained(EncoderConfig(Lite0EncoderConfig()))
        case .lite1:
            return Self.pretrained(EncoderConfig(Lite1EncoderConfig()))   // 240 px: an 8×8 head grid
        case .lite2:
            return Self.pretrained(EncoderConfig(Lite2EncoderConfig()))   // 260 px: a 9×9 head grid
        case .scratch:
            return ModelConfig()
        case .shapes:
            // 64 px scenes, 8×8 grid. Six stages so every cell's receptive field covers the whole picture: captions
            // name objects left to right, and a cell knows where it is only from the picture's borders (four
            // stages left the word order at 89% exact).
            var config = ModelConfig(encoder: EncoderConfig(ScratchEncoderConfig(
                imageSize: 64, channels: [16, 32, 64, 64, 64, 64], strides: [2, 1, 1, 1, 1, 1],
                poolAfter: [false, true, true, false, false, false])))
            config.embeddingSize = 64
            config.hiddenSize = 128
            config.attentionSize = 64
            return config
        case .tiny:
            var config = ModelConfig(encoder: EncoderConfig(ScratchEncoderConfig(
                imageSize: 64, channels: [8, 12, 16, 16, 16], strides: [2, 1, 1, 1, 1],
                poolAfter: [false, true, true, true, false])))
            config.embeddingSize = 16
            config.hiddenSize = 32
            config.attentionSize = 16
            return config
        case .lite0Tiny:
            // The real Lite0 network at 72 px (odd sides on the way down exercise SAME padding's uneven split), its
            // stride-16 grid (5×5) projected to 16.
            var config = ModelConfig(encoder: EncoderConfig(Lite0EncoderConfig(imageSize: 72, tap: .block10)),
                                     projectionSize: 16)
            config.embeddingSize = 16
            config.hiddenSize = 32
            config.attentionSize = 16
            return config
        }
    }

    /// A pretrained encoder's head grid projected to 512 per location under the default decoder (E 256, H 512,
    /// A 256).
    private static func pretrained(_ encoder: EncoderConfig) -> ModelConfig {
        var config = ModelConfig(encoder: encoder, projectionSize: 512)
        config.embeddingSize = 256
        config.hiddenSize = 512
        config.attentionSize = 256
        return config
    }
}

extension ModelConfig {
    public static let names = ModelConfigName.allCases.map(\.rawValue)

    public static func named(_ name: String) -> ModelConfig? { ModelConfigName(rawValue: name)?.config }
}

extension Model {
    /// The seeded random model the reference fixtures use: every tensor drawn, vocabulary "w0", "w1", ….
    public static func referenceRandom(configName: String, vocabularySize: Int, seed: UInt64) -> Model {
        guard let config = ModelConfig.named(configName) else { preconditionFailure("unknown configuration \(configName)") }
        let words = Vocabulary.specialTokens + (0..<(vocabularySize - 4)).map { "w\($0)" }
        return Model.random(config: config, vocabulary: Vocabulary(words: words), seed: seed, randomizeAll: true)
    }
}
