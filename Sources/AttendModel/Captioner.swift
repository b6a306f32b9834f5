// MARK: - Captioner: encoder + decoder + search

/// Everything needed to caption normalised image tensors with one model. Thread-safe for reading:
/// the weights are immutable once built.
public final class Captioner: @unchecked Sendable {
    public let model: Model
    public let encoder: GridEncoder
    public let decoder: InferenceDecoder

    public init(model: Model) {
        self.model = model
        encoder = makeGridEncoder(model: model)
        decoder = InferenceDecoder(model: model)
    }

    public var config: ModelConfig { model.config }
    public var vocabulary: Vocabulary { model.vocabulary }

    /// images (B, 3, S, S) normalised → one caption per image, all images' beams decoded together.
    public func caption(images: [Float], count: Int, options: CaptionOptions = CaptionOptions()) -> [Caption] {
        let side = config.imageSize
        precondition(images.count == count * 3 * side * side, "images must be (B, 3, S, S)")
        let grid = images.withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: count) }
        return caption(grid: grid, count: count, options: options)
    }

    /// grid (B, L, C), as the encoder writes it → one caption per image.
    public func caption(grid: [Float], count: Int, options: CaptionOptions = CaptionOptions()) -> [Caption] {
        let prepared = decoder.prepare(grid: grid, images: count)
        return beamSearch(decoder: decoder, prepared: prepared, images: count, vocabulary: vocabulary, options: options)
    }
}
