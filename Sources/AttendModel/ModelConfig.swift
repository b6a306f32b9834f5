// MARK: - Model configuration
//
// Letters used in shape comments throughout AttendModel:
//   B images in a batch (or beams), S image side (224), C channels, L = G·G grid cells (196), G grid side (14),
//   D annotation size (256), E word embedding size (256), H LSTM state size (512), A attention size (256),
//   V vocabulary size, T caption steps.

/// Every number that fixes the shapes of a model. Stored in the model file; two models with equal
/// configurations have identical tensor tables.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// Side of the square input picture the encoder sees (the photo is squashed to it).
    public var imageSize: Int = 224
    /// Output channels of the five 3×3 conv stages. The last is D, the annotation size.
    public var channels: [Int] = [32, 64, 128, 256, 256]
    /// Stride of each stage's convolution: the first halves the picture cheaply.
    public var strides: [Int] = [2, 1, 1, 1, 1]
    /// Whether a 2×2 max-pool follows each stage: after stages 2–4, so 224 → 112 → 56 → 28 → 14.
    public var poolAfter: [Bool] = [false, true, true, true, false]
    /// E: word embedding size, also the deep-output layer's width.
    public var embeddingSize: Int = 256
    /// H: LSTM hidden and cell size.
    public var hiddenSize: Int = 512
    /// A: attention MLP width.
    public var attentionSize: Int = 256
    /// V: vocabulary size, including the four special tokens.
    public var vocabularySize: Int = 0

    public init() {}

    /// D: the size of each annotation vector.
    public var featureSize: Int { channels.last! }

    /// G: the side of the annotation grid after every stride and pool.
    public var gridSize: Int {
        var side = imageSize
        for (stride, pool) in zip(strides, poolAfter) {
            side = (side - 1) / stride + 1
            if pool { side /= 2 }
        }
        return side
    }

    /// L: the number of annotation vectors.
    public var locations: Int { gridSize * gridSize }

    /// Checks the configuration is internally consistent; returns the first problem found.
    public func problem() -> String? {
        if channels.isEmpty { return "no encoder stages" }
        if channels.count != strides.count || channels.count != poolAfter.count {
            return "channels, strides and poolAfter must have one entry per stage"
        }
        if channels.contains(where: { $0 <= 0 }) || strides.contains(where: { $0 <= 0 }) {
            return "channels and strides must be positive"
        }
        if imageSize < 8 { return "imageSize \(imageSize) is too small" }
        if gridSize < 1 { return "the grid vanishes: imageSize \(imageSize) is too small for the pools" }
        if embeddingSize <= 0 || hiddenSize <= 0 || attentionSize <= 0 { return "sizes must be positive" }
        if vocabularySize < Vocabulary.specialTokens.count { return "vocabulary smaller than the special tokens" }
        return nil
    }

    /// Floating-point operations (multiply and add counted apart) of one encoder pass on one image.
    public var encoderFLOPs: Int {
        var side = imageSize, inChannels = 3, flops = 0
        for stage in 0..<channels.count {
            side = (side - 1) / strides[stage] + 1
            flops += 2 * side * side * channels[stage] * inChannels * 9
            inChannels = channels[stage]
            if poolAfter[stage] { side /= 2 }
        }
        return flops
    }
}

// MARK: - Named configurations

extension ModelConfig {
    /// The configurations `--config` names: default (the Flickr8k model of docs/ARCHITECTURE.md), shapes (synthetic
    /// scenes), tiny (tests and the numpy reference).
    public static let names = ["default", "shapes", "tiny"]

    public static func named(_ name: String) -> ModelConfig? {
        var config = ModelConfig()
        switch name {
        case "default":
            return config
        case "shapes":
            // 64 px scenes, 8×8 grid. Six stages so every cell's receptive field covers the whole picture: captions
            // name objects left to right, and a cell knows where it is only from the picture's borders (four
            // stages left the word order at 89% exact).
            config.imageSize = 64
            config.channels = [16, 32, 64, 64, 64, 64]
            config.strides = [2, 1, 1, 1, 1, 1]
            config.poolAfter = [false, true, true, false, false, false]
            config.embeddingSize = 64
            config.hiddenSize = 128
            config.attentionSize = 64
            return config
        case "tiny":
            config.imageSize = 64
            config.channels = [8, 12, 16, 16, 16]
            config.embeddingSize = 16
            config.hiddenSize = 32
            config.attentionSize = 16
            return config
        default:
            return nil
        }
    }
}

extension Model {
    /// The seeded random model the reference fixtures use: every tensor drawn, vocabulary "w0", "w1", ….
    public static func referenceRandom(configName: String, vocabularySize: Int, seed: UInt64) -> Model {
        guard let config = ModelConfig.named(configName) else { preconditionFailure("unknown configuration \(configName)") }
        let words = Vocabulary.specialTokens + (0..<(vocabularySize - 4)).map { "w\($0)" }
        return Model.random(config: config, vocabulary: Vocabulary(words: words), seed: seed, randomizeAll: true)
    }
}
