// MARK: - EfficientNet-Lite0: the architecture
//
// TensorFlow's EfficientNet-Lite0 (Tan & Le 2019, the "Lite" variant for mobile CPUs): a 3×3 stride-2 stem to 32
// channels, 16 MBConv blocks without squeeze-excite, a 1×1 head to 1280; every convolution followed by batch norm
// (ε = 1e-3) and, except a block's projection, ReLU6. Convolutions pad as TensorFlow's "SAME": the output side is
// ⌈in / stride⌉ and an odd total padding puts its extra row and column at the bottom and right.

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

public enum Lite0Architecture {
    public static let stemChannels = 32
    public static let headChannels = 1280
    public static let batchNormEpsilon: Float = 1e-3

    /// Stages as (repeats, kernel, stride of the first block, expansion, output channels).
    static let stages = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
                         (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]

    /// The 16 blocks in order.
    public static let blocks: [MBConvBlock] = {
        var blocks: [MBConvBlock] = [], inChannels = stemChannels
        for (repeats, kernel, stride, expansion, outChannels) in stages {
            for i in 0..<repeats {
                blocks.append(MBConvBlock(inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                                          stride: i == 0 ? stride : 1, expansion: expansion))
                inChannels = outChannels
            }
        }
        return blocks
    }()
}

/// TensorFlow "SAME" padding of one axis: output side ⌈size / stride⌉, and the padding before it (the rest of the
/// total goes after).
public func samePadding(_ size: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
    let output = (size + stride - 1) / stride
    let total = max((output - 1) * stride + kernel - size, 0)
    return (output, total / 2)
}

/// Which of the network's activations the decoder attends over.
public enum Lite0Tap: String, Codable, Sendable, CaseIterable {
    /// The head: 1280 channels at stride 32 (7×7 at 224).
    case head
    /// Block 11's expansion (after its BN and ReLU6): 672 channels at stride 16 (14×14 at 224).
    case expansion11 = "x11"
    /// Block 10's output: 112 channels at stride 16.
    case block10 = "b10"

    public var channels: Int {
        switch self {
        case .head: return Lite0Architecture.headChannels
        case .expansion11: return Lite0Architecture.blocks[11].midChannels
        case .block10: return Lite0Architecture.blocks[10].outChannels
        }
    }

    /// How many of the 16 blocks run whole before the tap.
    public var wholeBlocks: Int {
        switch self {
        case .head: return Lite0Architecture.blocks.count
        case .expansion11: return 11
        case .block10: return 11
        }
    }
}

public struct Lite0EncoderConfig: Codable, Equatable, Sendable {
    /// Side of the square input (224 as trained on ImageNet; 448 doubles the grid's side).
    public var imageSize: Int = 224
    public var tap: Lite0Tap = .head

    public init(imageSize: Int = 224, tap: Lite0Tap = .head) {
        self.imageSize = imageSize
        self.tap = tap
    }

    enum CodingKeys: String, CodingKey { case imageSize, tap }

    /// The side after the stem and every block that runs (the expansion tap keeps block 10's side).
    public var gridSize: Int {
        var side = samePadding(imageSize, kernel: 3, stride: 2).output
        for block in Lite0Architecture.blocks.prefix(tap.wholeBlocks) {
            side = samePadding(side, kernel: block.kernel, stride: block.stride).output
        }
        return side
    }

    public var flops: Int {
        var side = samePadding(imageSize, kernel: 3, stride: 2).output
        var flops = 2 * side * side * Lite0Architecture.stemChannels * 27
        for block in Lite0Architecture.blocks.prefix(tap.wholeBlocks) {
            if block.hasExpansion { flops += 2 * side * side * block.inChannels * block.midChannels }
            side = samePadding(side, kernel: block.kernel, stride: block.stride).output
            flops += 2 * side * side * block.midChannels * block.kernel * block.kernel
            flops += 2 * side * side * block.midChannels * block.outChannels
        }
        switch tap {
        case .head: flops += 2 * side * side * 320 * Lite0Architecture.headChannels
        case .expansion11: flops += 2 * side * side * Lite0Architecture.blocks[11].inChannels * tap.channels
        case .block10: break
        }
        return flops
    }

    public func problem() -> String? {
        if imageSize < 32 { return "imageSize \(imageSize) is too small for EfficientNet-Lite0 (at least 32)" }
        if imageSize > maxStoredImageSize { return "imageSize \(imageSize) is over \(maxStoredImageSize)" }
        return nil
    }
}
