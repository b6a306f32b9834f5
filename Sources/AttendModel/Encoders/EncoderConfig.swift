// MARK: - Encoder families
//
// An encoder family is one kind of CNN: its configuration (a case here), its tensors (ParameterLayout), its pixel
// statistics and its inference pass (a `GridEncoder`). The decoder, beam search, training on cached grids and the
// model file see only the grid it writes: (B, L, C).

/// Which CNN turns the picture into the grid the decoder attends over, with that family's own numbers.
public enum EncoderConfig: Equatable, Sendable {
    /// A small VGG-like CNN learnt from the training photos (3×3 conv → batch norm → ReLU → optional 2×2 pool).
    case scratch(ScratchEncoderConfig)
    /// EfficientNet-Lite0 as TensorFlow defines it, ImageNet-pretrained (scripts/import_lite0.py).
    case efficientNetLite0(Lite0EncoderConfig)

    /// The name stored in the model file.
    public var family: String {
        switch self {
        case .scratch: return "scratch"
        case .efficientNetLite0: return "efficientnet-lite0"
        }
    }

    public var imageSize: Int {
        switch self {
        case let .scratch(config): return config.imageSize
        case let .efficientNetLite0(config): return config.imageSize
        }
    }

    public var gridSize: Int {
        switch self {
        case let .scratch(config): return config.gridSize
        case let .efficientNetLite0(config): return config.gridSize
        }
    }

    /// C: channels of a grid cell.
    public var outputChannels: Int {
        switch self {
        case let .scratch(config): return config.channels.last!
        case let .efficientNetLite0(config): return config.tap.channels
        }
    }

    public var flops: Int {
        switch self {
        case let .scratch(config): return config.flops
        case let .efficientNetLite0(config): return config.flops
        }
    }

    /// How pixels become the encoder's input: the statistics the network was trained with.
    public var pixelStatistics: PixelStatistics {
        switch self {
        case .scratch: return .imageNet
        // (v − 127) / 128 on bytes v, TensorFlow's EfficientNet-Lite preprocessing, as (v/255 − mean) / std.
        case .efficientNetLite0:
            return PixelStatistics(mean: [127 / 255, 127 / 255, 127 / 255], std: [128 / 255, 128 / 255, 128 / 255])
        }
    }

    public func problem() -> String? {
        switch self {
        case let .scratch(config): return config.problem()
        case let .efficientNetLite0(config): return config.problem()
        }
    }
}

/// Per-channel (R, G, B) mean and standard deviation of pixel values scaled to 0…1: the input is (v/255 − mean) / std.
public struct PixelStatistics: Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// ImageNet's statistics, the usual choice for a CNN trained from scratch.
    public static let imageNet = PixelStatistics(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
}

extension ModelConfig {
    /// How this model's encoder wants its pixels normalised.
    public var pixelStatistics: PixelStatistics { encoder.pixelStatistics }
}

extension EncoderConfig: Codable {
    enum CodingKeys: String, CodingKey { case family }

    public init(from decoder: Decoder) throws {
        let family = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .family)
        switch family {
        case "scratch": self = .scratch(try ScratchEncoderConfig(from: decoder))
        case "efficientnet-lite0": self = .efficientNetLite0(try Lite0EncoderConfig(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown encoder family \"\(family)\""))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(family, forKey: .family)
        switch self {
        case let .scratch(config): try config.encode(to: encoder)
        case let .efficientNetLite0(config): try config.encode(to: encoder)
        }
    }
}

// MARK: - The scratch family's numbers

public struct ScratchEncoderConfig: Codable, Equatable, Sendable {
    /// Side of the square input picture.
    public var imageSize: Int = 224
    /// Output channels of the 3×3 conv stages. The last is C.
    public var channels: [Int] = [32, 64, 128, 256, 256]
    /// Stride of each stage's convolution: the first halves the picture cheaply.
    public var strides: [Int] = [2, 1, 1, 1, 1]
    /// Whether a 2×2 max-pool follows each stage: after stages 2–4, so 224 → 112 → 56 → 28 → 14.
    public var poolAfter: [Bool] = [false, true, true, true, false]

    public init() {}

    public init(imageSize: Int, channels: [Int], strides: [Int], poolAfter: [Bool]) {
        self.imageSize = imageSize
        self.channels = channels
        self.strides = strides
        self.poolAfter = poolAfter
    }

    enum CodingKeys: String, CodingKey { case imageSize, channels, strides, poolAfter }

    /// G after every stride and pool.
    public var gridSize: Int {
        var side = imageSize
        for (stride, pool) in zip(strides, poolAfter) {
            side = (side - 1) / stride + 1
            if pool { side /= 2 }
        }
        return side
    }

    public var flops: Int {
        var side = imageSize, inChannels = 3, flops = 0
        for stage in 0..<channels.count {
            side = (side - 1) / strides[stage] + 1
            flops += 2 * side * side * channels[stage] * inChannels * 9
            inChannels = channels[stage]
            if poolAfter[stage] { side /= 2 }
        }
        return flops
    }

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
        return nil
    }
}
