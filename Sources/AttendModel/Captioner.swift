// MARK: - Captioner: encoder + decoder + search

/// Everything needed to caption normalised image tensors with one model. Thread-safe for reading:
/// the weights are immutable once built.
public final class Captioner: @unchecked Sendable {
    public let model: Model
    public let encoder: InferenceEncoder
    public let decoder: InferenceDecoder

    public init(model: Model) {
        self.model = model
        encoder = InferenceEncoder(model: model)
        decoder = InferenceDecoder(model: model)
    }

    public var config: ModelConfig { model.config }
    public var vocabulary: Vocabulary { model.vocabulary }

    /// images (B, 3, S, S) normalised → one caption per image, all images' beams decoded together.
    public func caption(images: [Float], count: Int, options: CaptionOptions = CaptionOptions()) -> [Caption] {
        let side = config.imageSize
        precondition(images.count == count * 3 * side * side, "images must be (B, 3, S, S)")
        let annotations = images.withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: count) }
        return caption(annotations: annotations, count: count, options: options)
    }

    /// annotations (B, L, D) → one caption per image.
    public func caption(annotations: [Float], count: Int, options: CaptionOptions = CaptionOptions()) -> [Caption] {
        let prepared = decoder.prepare(annotations: annotations, images: count)
        return beamSearch(decoder: decoder, prepared: prepared, images: count, vocabulary: vocabulary, options: options)
    }
}
