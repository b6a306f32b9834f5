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

    /// grid (B, L, C), as the encoder writes it → one caption per image, grounded in the classifier's labels when
    /// the model has a classifier and `options.grounding` is on.
    public func caption(grid: [Float], count: Int, options: CaptionOptions = CaptionOptions()) -> [Caption] {
        let prepared = decoder.prepare(grid: grid, images: count)
        guard options.grounding.enabled, let classifier = model.classifier else {
            return beamSearch(decoder: decoder, prepared: prepared, images: count, vocabulary: vocabulary,
                              options: options)
        }
        let K = classifier.classCount
        let probabilities = classifier.probabilities(grid: grid, images: count)   // (B, K)
        let rows = (0..<count).map { probabilities[($0 * K)..<(($0 + 1) * K)] }
        let constraints = rows.map { classifier.constraints($0, vocabulary: vocabulary, options: options.grounding) }
        var captions = beamSearch(decoder: decoder, prepared: prepared, images: count, vocabulary: vocabulary,
                                  options: options, constraints: constraints)
        for (i, row) in rows.enumerated() {
            captions[i].labels = classifier.labels(row, threshold: options.grounding.reportThreshold)
        }
        return captions
    }

    /// grid (B, L, C) → each image's labels at least `threshold` probable; empty without a classifier.
    public func labels(grid: [Float], count: Int, threshold: Float) -> [[ImageLabel]] {
        guard let classifier = model.classifier else { return Array(repeating: [], count: count) }
        let K = classifier.classCount
        let probabilities = classifier.probabilities(grid: grid, images: count)
        return (0..<count).map { classifier.labels(probabilities[($0 * K)..<(($0 + 1) * K)], threshold: threshold) }
    }
}
