// MARK: - EfficientNet-Lite as encoder families: their numbers, their tensors and their parts
//
// One generic configuration, `EfficientNetLiteConfig<Variant>`, is three families: "efficientnet-lite0", "-lite1"
// and "-lite2" (EncoderFamilies.all registers each). What a model file stores of it is its input side and tap; the
// variant is its family's name. Everything that runs (`LiteEncoder`, `LiteFineTuner`) reads a `LiteNetwork`: the
// variant's blocks at that side up to that tap.

/// An EfficientNet-Lite at one input side up to one tap: what the encoder and the fine-tuner run.
public struct LiteNetwork: Equatable, Sendable {
    public let architecture: LiteArchitecture
    /// S: side of the square input.
    public let imageSize: Int
    public let tap: LiteTap

    public var blocks: [MBConvBlock] { architecture.blocks }
    /// The blocks that run whole before the tap.
    public var wholeBlocks: Int { tap.wholeBlocks(in: architecture) }
    /// C: channels of the grid.
    public var gridChannels: Int { tap.channels(in: architecture) }
    /// G: side of the grid (the expansion tap keeps block 10's side).
    public var gridSize: Int { side(afterBlocks: wholeBlocks) }

    /// The side after the stem and the first `count` blocks.
    public func side(afterBlocks count: Int) -> Int {
        var side = samePadding(imageSize, kernel: 3, stride: 2).output
        for block in blocks.prefix(count) { side = samePadding(side, kernel: block.kernel, stride: block.stride).output }
        return side
    }

    /// The channels after the stem and the first `count` blocks.
    public func channels(afterBlocks count: Int) -> Int {
        count == 0 ? LiteArchitecture.stemChannels : blocks[count - 1].outChannels
    }

    /// Multiply and add counted apart, one picture.
    public var flops: Int {
        var side = samePadding(imageSize, kernel: 3, stride: 2).output
        var flops = 2 * side * side * LiteArchitecture.stemChannels * 27
        for block in blocks.prefix(wholeBlocks) {
            if block.hasExpansion { flops += 2 * side * side * block.inChannels * block.midChannels }
            side = samePadding(side, kernel: block.kernel, stride: block.stride).output
            flops += 2 * side * side * block.midChannels * block.kernel * block.kernel
            flops += 2 * side * side * block.midChannels * block.outChannels
        }
        switch tap {
        case .head: flops += 2 * side * side * architecture.lastChannels * LiteArchitecture.headChannels
        case .expansion11: flops += 2 * side * side * blocks[11].inChannels * gridChannels
        case .block10: break
        }
        return flops
    }
}

/// An EfficientNet-Lite encoder's numbers, as the model file stores them (with "family": the variant's name).
public struct EfficientNetLiteConfig<Variant: EfficientNetLiteVariant>: Codable, Equatable, Sendable {
    /// Side of the square input (the variant's trained side by default; 448 doubles Lite0's grid side).
    public var imageSize: Int
    public var tap: LiteTap

    public init(imageSize: Int = Variant.trainedImageSize, tap: LiteTap = .head) {
        self.imageSize = imageSize
        self.tap = tap
    }

    enum CodingKeys: String, CodingKey { case imageSize, tap }

    public var network: LiteNetwork { LiteNetwork(architecture: Variant.architecture, imageSize: imageSize, tap: tap) }

    public var gridSize: Int { network.gridSize }

    public var flops: Int { network.flops }

    public func problem() -> String? {
        if imageSize < 32 { return "imageSize \(imageSize) is too small for \(Self.name) (at least 32)" }
        if imageSize > maxStoredImageSize { return "imageSize \(imageSize) is over \(maxStoredImageSize)" }
        if !Variant.taps.contains(tap) {
            return "\(Self.name) attends over its head only (tap \(tap.rawValue) names a block of efficientnet-lite0)"
        }
        return nil
    }
}

// MARK: - Tensors

/// One MBConv block's convolutions.
public struct MBConvLayout: Sendable {
    public let expand: ConvBatchNormLayout?    // (mid, in, 1, 1); nil at expansion 1
    public let depthwise: ConvBatchNormLayout  // (mid, 1, k, k)
    public let project: ConvBatchNormLayout    // (out, mid, 1, 1), no ReLU6 after its batch norm
}

/// The family's tensors: stem, the blocks before the tap, and the 1×1 convolution (+ BN + ReLU6) that ends at the
/// tap: the head, or block 11's expansion (nil for the block-10 tap).
public struct LiteLayout: EncoderLayout {
    public let stem: ConvBatchNormLayout       // (32, 3, 3, 3), stride 2
    public let blocks: [MBConvLayout]
    public let last: ConvBatchNormLayout?
}

extension LiteNetwork {
    /// The convolutions up to the tap: stem, whole blocks, then the head or block 11's expansion.
    func addTensors(to table: inout TensorTable) -> LiteLayout {
        let stem = table.addConvBatchNorm("encoder.stem", [LiteArchitecture.stemChannels, 3, 3, 3])
        var layouts: [MBConvLayout] = []
        for (i, block) in blocks.prefix(wholeBlocks).enumerated() {
            let prefix = "encoder.blocks.\(i)"
            let expand = block.hasExpansion
                ? table.addConvBatchNorm("\(prefix).expand", [block.midChannels, block.inChannels, 1, 1]) : nil
            let depthwise = table.addConvBatchNorm("\(prefix).depthwise",
                                                   [block.midChannels, 1, block.kernel, block.kernel])
            let project = table.addConvBatchNorm("\(prefix).project", [block.outChannels, block.midChannels, 1, 1])
            layouts.append(MBConvLayout(expand: expand, depthwise: depthwise, project: project))
        }
        var last: ConvBatchNormLayout? = nil
        switch tap {
        case .head:
            last = table.addConvBatchNorm("encoder.head", [LiteArchitecture.headChannels, architecture.lastChannels, 1, 1])
        case .expansion11:
            let block = blocks[11]
            last = table.addConvBatchNorm("encoder.blocks.11.expand", [block.midChannels, block.inChannels, 1, 1])
        case .block10: break
        }
        return LiteLayout(stem: stem, blocks: layouts, last: last)
    }
}

// MARK: - The family

extension EfficientNetLiteConfig: EncoderFamily {
    public static var name: String { Variant.familyName }

    public var gridChannels: Int { network.gridChannels }

    /// (v − 127) / 128 on bytes v, TensorFlow's EfficientNet-Lite preprocessing, as (v/255 − mean) / std.
    public var pixelStatistics: PixelStatistics {
        PixelStatistics(mean: [127 / 255, 127 / 255, 127 / 255], std: [128 / 255, 128 / 255, 128 / 255])
    }

    public var isPretrained: Bool { true }

    public var fineTunableBlocks: Int { network.wholeBlocks }

    /// Another input side (448 doubles the grid's side) or tap (`LiteTap`'s names); nil for an unknown tap.
    public func adjusted(imageSize: Int?, tap: String?) -> Self? {
        var adjusted = self
        if let imageSize { adjusted.imageSize = imageSize }
        if let tap {
            guard let named = LiteTap(rawValue: tap) else { return nil }
            adjusted.tap = named
        }
        return adjusted
    }

    public func addTensors(to table: inout TensorTable) -> LiteLayout { network.addTensors(to: &table) }

    public func gridEncoder(model: Model, layout: LiteLayout) -> GridEncoder {
        LiteEncoder(model: model, network: network, layout: layout)
    }

    /// The top `fineTunedBlocks` blocks and the convolution at the tap; nil (frozen) without them.
    public func trainablePart(model: Model, layout: LiteLayout, fineTunedBlocks: Int?,
                              pictures: Int) -> TrainableEncoder? {
        fineTunedBlocks.map {
            LiteFineTuner(model: model, network: network, layout: layout, blocks: $0, pictures: pictures)
        }
    }
}
