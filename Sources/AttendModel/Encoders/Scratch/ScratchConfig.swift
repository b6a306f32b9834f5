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
        if channels.count > maxStoredStages { return "\(channels.count) encoder stages, over \(maxStoredStages)" }
        if channels.contains(where: { $0 > maxStoredWidth }) { return "encoder channels over \(maxStoredWidth)" }
        if strides.contains(where: { $0 > maxStoredImageSize }) { return "encoder strides over \(maxStoredImageSize)" }
        if imageSize > maxStoredImageSize { return "imageSize \(imageSize) is over \(maxStoredImageSize)" }
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

// MARK: - The scratch CNN as an encoder family: its tensors and its parts

/// The family's tensors: one convolution and batch norm per stage.
public struct ScratchLayout: EncoderLayout {
    public let stages: [ConvBatchNormLayout]   // stage i: (C_i, C_{i−1}, 3, 3), C_0 = 3
}

extension ScratchEncoderConfig: EncoderFamily {
    public static let name = "scratch"

    public var gridChannels: Int { channels.last! }

    /// Learnt from the photos, so any fixed statistics serve: ImageNet's, the usual choice.
    public var pixelStatistics: PixelStatistics { .imageNet }

    /// Learnt with the decoder, whole.
    public var isPretrained: Bool { false }

    public var fineTunableBlocks: Int { 0 }

    public func adjusted(imageSize: Int?, tap: String?) -> ScratchEncoderConfig? { nil }

    public func addTensors(to table: inout TensorTable) -> ScratchLayout {
        var stages: [ConvBatchNormLayout] = [], inChannels = 3
        for (i, outChannels) in channels.enumerated() {
            stages.append(table.addConvBatchNorm("encoder.stage\(i + 1)", [outChannels, inChannels, 3, 3]))
            inChannels = outChannels
        }
        return ScratchLayout(stages: stages)
    }

    public func gridEncoder(model: Model, layout: ScratchLayout) -> GridEncoder {
        ScratchEncoder(model: model, family: self, layout: layout)
    }

    /// The whole CNN, always: nothing of it is pretrained.
    public func trainablePart(model: Model, layout: ScratchLayout, fineTunedBlocks: Int?,
                              pictures: Int) -> TrainableEncoder? {
        precondition(fineTunedBlocks == nil, "the scratch encoder trains whole: it has no blocks to fine-tune")
        return ScratchTraining(config: self, layout: layout, pictures: pictures)
    }
}
