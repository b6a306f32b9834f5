// MARK: - EfficientNet-Lite0 as an encoder family: its tensors and its parts

/// One MBConv block's convolutions.
public struct MBConvLayout: Sendable {
    public let expand: ConvBatchNormLayout?    // (mid, in, 1, 1); nil at expansion 1
    public let depthwise: ConvBatchNormLayout  // (mid, 1, k, k)
    public let project: ConvBatchNormLayout    // (out, mid, 1, 1), no ReLU6 after its batch norm
}

/// The family's tensors: stem, the blocks before the tap, and the 1×1 convolution (+ BN + ReLU6) that ends at the
/// tap: the head, or block 11's expansion (nil for the block-10 tap).
public struct Lite0Layout: EncoderLayout {
    public let stem: ConvBatchNormLayout       // (32, 3, 3, 3), stride 2
    public let blocks: [MBConvLayout]
    public let last: ConvBatchNormLayout?
}

extension Lite0EncoderConfig: EncoderFamily {
    public static let name = "efficientnet-lite0"

    public var gridChannels: Int { tap.channels }

    /// (v − 127) / 128 on bytes v, TensorFlow's EfficientNet-Lite preprocessing, as (v/255 − mean) / std.
    public var pixelStatistics: PixelStatistics {
        PixelStatistics(mean: [127 / 255, 127 / 255, 127 / 255], std: [128 / 255, 128 / 255, 128 / 255])
    }

    public var isPretrained: Bool { true }

    public var fineTunableBlocks: Int { tap.wholeBlocks }

    /// Another input side (448 doubles the grid's side) or tap (`Lite0Tap`'s names); nil for an unknown tap.
    public func adjusted(imageSize: Int?, tap: String?) -> Lite0EncoderConfig? {
        var adjusted = self
        if let imageSize { adjusted.imageSize = imageSize }
        if let tap {
            guard let named = Lite0Tap(rawValue: tap) else { return nil }
            adjusted.tap = named
        }
        return adjusted
    }

    /// The convolutions up to the tap: stem, whole blocks, then the head or block 11's expansion.
    public func addTensors(to table: inout TensorTable) -> Lite0Layout {
        let stem = table.addConvBatchNorm("encoder.stem", [Lite0Architecture.stemChannels, 3, 3, 3])
        var blocks: [MBConvLayout] = []
        for (i, block) in Lite0Architecture.blocks.prefix(tap.wholeBlocks).enumerated() {
            let prefix = "encoder.blocks.\(i)"
            let expand = block.hasExpansion
                ? table.addConvBatchNorm("\(prefix).expand", [block.midChannels, block.inChannels, 1, 1]) : nil
            let depthwise = table.addConvBatchNorm("\(prefix).depthwise",
                                                   [block.midChannels, 1, block.kernel, block.kernel])
            let project = table.addConvBatchNorm("\(prefix).project", [block.outChannels, block.midChannels, 1, 1])
            blocks.append(MBConvLayout(expand: expand, depthwise: depthwise, project: project))
        }
        var last: ConvBatchNormLayout? = nil
        switch tap {
        case .head: last = table.addConvBatchNorm("encoder.head", [Lite0Architecture.headChannels, 320, 1, 1])
        case .expansion11:
            let block = Lite0Architecture.blocks[11]
            last = table.addConvBatchNorm("encoder.blocks.11.expand", [block.midChannels, block.inChannels, 1, 1])
        case .block10: break
        }
        return Lite0Layout(stem: stem, blocks: blocks, last: last)
    }

    public func gridEncoder(model: Model, layout: Lite0Layout) -> GridEncoder {
        Lite0Encoder(model: model, config: self, layout: layout)
    }

    /// The top `fineTunedBlocks` blocks and the convolution at the tap; nil (frozen) without them.
    public func trainablePart(model: Model, layout: Lite0Layout, fineTunedBlocks: Int?,
                              pictures: Int) -> TrainableEncoder? {
        fineTunedBlocks.map {
            Lite0FineTuner(model: model, config: self, layout: layout, blocks: $0, pictures: pictures)
        }
    }
}
