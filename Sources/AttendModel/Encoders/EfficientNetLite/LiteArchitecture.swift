import Foundation

// MARK: - EfficientNet-Lite: the architecture and its variants
//
// TensorFlow's EfficientNet-Lite (Tan & Le 2019, the "Lite" variant for mobile CPUs): a 3×3 stride-2 stem to 32
// channels, MBConv blocks without squeeze-excite in seven stages, a 1×1 head to 1280; every convolution followed by
// batch norm (ε = 1e-3) and, except a block's projection, ReLU6. Convolutions pad as TensorFlow's "SAME": the output
// side is ⌈in / stride⌉ and an odd total padding puts its extra row and column at the bottom and right.
//
// Lite0 is the base (16 blocks); Lite1 and Lite2 scale its stages by a width coefficient (channels) and a depth
// coefficient (repeats), as TensorFlow's Lite builder does: the stem, the head and the repeats of the first and last
// stages stay fixed. Each variant is a type naming its family, so a model file says which one it holds.

/// One MBConv block: [1×1 expansion → BN → ReLU6] → k×k depthwise (stride) → BN → ReLU6 → 1×1 projection → BN,
/// plus its input when the stride is 1 and the channels match.
public struct MBConvBlock: Equatable, Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    /// Expansion ratio; 1 means no expansion convolution.
    public let expansion: Int

    /// The expanded (depthwise) width.
    public var midChannels: Int { inChannels * expansion }
    public var hasExpansion: Bool { expansion != 1 }
    public var hasResidual: Bool { stride == 1 && inChannels == outChannels }
}

/// The blocks of one EfficientNet-Lite variant: Lite0's stages scaled by its width and depth coefficients.
public struct LiteArchitecture: Equatable, Sendable {
    public static let stemChannels = 32
    public static let headChannels = 1280
    public static let batchNormEpsilon: Float = 1e-3

    /// Lite0's stages as (repeats, kernel, stride of the first block, expansion, output channels).
    static let baseStages = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
                             (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]

    /// Multiplies every stage's output channels (then rounded: `scaledChannels`).
    public let widthCoefficient: Double
    /// Multiplies the repeats of every stage but the first and last (rounded up).
    public let depthCoefficient: Double
    /// Every block in order.
    public let blocks: [MBConvBlock]

    public init(width: Double, depth: Double) {
        widthCoefficient = width
        depthCoefficient = depth
        var blocks: [MBConvBlock] = [], inChannels = Self.stemChannels
        for (stage, (repeats, kernel, stride, expansion, channels)) in Self.baseStages.enumerated() {
            let fixed = stage == 0 || stage == Self.baseStages.count - 1
            let outChannels = Self.scaledChannels(channels, width: width)
            for i in 0..<(fixed ? repeats : Int((Double(repeats) * depth).rounded(.up))) {
                blocks.append(MBConvBlock(inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                                          stride: i == 0 ? stride : 1, expansion: expansion))
                inChannels = outChannels
            }
        }
        self.blocks = blocks
    }

    /// TensorFlow's `round_filters`: channels × width to the nearest multiple of 8 (halves up), at least 8, and
    /// never more than 10% below the product.
    static func scaledChannels(_ channels: Int, width: Double) -> Int {
        let product = Double(channels) * width
        let rounded = max(8, Int(product + 4) / 8 * 8)
        return Double(rounded) < 0.9 * product ? rounded + 8 : rounded
    }

    /// The head's input: the last block's channels.
    public var lastChannels: Int { blocks[blocks.count - 1].outChannels }
}

/// TensorFlow "SAME" padding of one axis: output side ⌈size / stride⌉, and the padding before it (the rest of the
/// total goes after).
public func samePadding(_ size: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
    let output = (size + stride - 1) / stride
    let total = max((output - 1) * stride + kernel - size, 0)
    return (output, total / 2)
}

// MARK: - The variants

/// One EfficientNet-Lite: the family name its model files store, its blocks, the side it was trained at.
public protocol EfficientNetLiteVariant: Sendable {
    /// "efficientnet-lite0", …
    static var familyName: String { get }
    static var architecture: LiteArchitecture { get }
    /// The side it was trained at on ImageNet: its configurations' input side unless told another.
    static var trainedImageSize: Int { get }
    /// The activations it offers the decoder besides the head (`LiteTap`).
    static var taps: [LiteTap] { get }
}

/// EfficientNet-Lite0: 16 blocks, 224 px; the default configuration's encoder.
public enum EfficientNetLite0: EfficientNetLiteVariant {
    public static let familyName = "efficientnet-lite0"
    public static let architecture = LiteArchitecture(width: 1.0, depth: 1.0)
    public static let trainedImageSize = 224
    public static let taps = LiteTap.allCases
}

/// EfficientNet-Lite1: depth 1.1 (21 blocks), Lite0's widths, 240 px (an 8×8 head grid).
public enum EfficientNetLite1: EfficientNetLiteVariant {
    public static let familyName = "efficientnet-lite1"
    public static let architecture = LiteArchitecture(width: 1.0, depth: 1.1)
    public static let trainedImageSize = 240
    public static let taps = [LiteTap.head]
}

/// EfficientNet-Lite2: depth 1.2 (21 blocks), width 1.1 (the last stage 352 channels), 260 px (a 9×9 head grid).
public enum EfficientNetLite2: EfficientNetLiteVariant {
    public static let familyName = "efficientnet-lite2"
    public static let architecture = LiteArchitecture(width: 1.1, depth: 1.2)
    public static let trainedImageSize = 260
    public static let taps = [LiteTap.head]
}

public typealias Lite0EncoderConfig = EfficientNetLiteConfig<EfficientNetLite0>
public typealias Lite1EncoderConfig = EfficientNetLiteConfig<EfficientNetLite1>
public typealias Lite2EncoderConfig = EfficientNetLiteConfig<EfficientNetLite2>

// MARK: - Taps

/// Which of the network's activations the decoder attends over. The head is every variant's; the two stride-16
/// taps are Lite0's blocks (`EfficientNetLiteVariant.taps`).
public enum LiteTap: String, Codable, Sendable, CaseIterable {
    /// The head: 1280 channels at stride 32 (7×7 at 224).
    case head
    /// Lite0's block 11's expansion (after its BN and ReLU6): 672 channels at stride 16 (14×14 at 224).
    case expansion11 = "x11"
    /// Lite0's block 10's output: 112 channels at stride 16.
    case block10 = "b10"

    public func channels(in architecture: LiteArchitecture) -> Int {
        switch self {
        case .head: return LiteArchitecture.headChannels
        case .expansion11: return architecture.blocks[11].midChannels
        case .block10: return architecture.blocks[10].outChannels
        }
    }

    /// How many of the blocks run whole before the tap.
    public func wholeBlocks(in architecture: LiteArchitecture) -> Int {
        switch self {
        case .head: return architecture.blocks.count
        case .expansion11, .block10: return 11
        }
    }
}
