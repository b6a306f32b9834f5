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

    /// grid (B, L, C), as the encoder writes it → one caption per image, grounded in the classifier's labels and the
    /// presence heads' absent objects when the model has them and `options.grounding` is on.
    public func caption(grid: [Float], count: Int, options: CaptionOptions = CaptionOptions()) -> [Caption] {
        let prepared = decoder.prepare(grid: grid, images: count)
        let grounding = options.grounding
        guard grounding.enabled, model.classifier != nil || model.presence != nil else {
            return beamSearch(decoder: decoder, prepared: prepared, images: count, vocabulary: vocabulary,
                              options: options)
        }
        var constraints = Array(repeating: DecodingConstraints.none, count: count)
        var labels = Array(repeating: [ImageLabel](), count: count)
        var absent = Array(repeating: [String](), count: count)
        if let classifier = model.classifier {
            let K = classifier.classCount
            let probabilities = classifier.probabilities(grid: grid, images: count)   // (B, K)
            for i in 0..<count {
                let row = probabilities[(i * K)..<((i + 1) * K)]
                constraints[i] = classifier.constraints(row, vocabulary: vocabulary, options: grounding)
                labels[i] = classifier.labels(row, threshold: grounding.reportThreshold)
            }
        }
        if let presence = model.presence {
            let J = presence.objectCount
            let probabilities = presence.probabilities(grid: grid, images: count)     // (B, J)
            for i in 0..<count {
                let row = probabilities[(i * J)..<((i + 1) * J)]
                constraints[i].ban(presence.absentTokens(row, vocabulary: vocabulary, options: grounding))
                absent[i] = presence.absentObjects(row, options: grounding).map(\.name)
            }
        }
        var captions = beamSearch(decoder: decoder, prepared: prepared, images: count, vocabulary: vocabulary,
                                  options: options, constraints: constraints)
        for i in 0..<count { (captions[i].labels, captions[i].absent) = (labels[i], absent[i]) }
        return captions
    }

    /// grid (B, L, C) → what each image's heads see at least `threshold` probable: the classifier's labels and the
    /// presence heads' objects (each empty without its head).
    public func sights(grid: [Float], count: Int, threshold: Float) -> [ImageSight] {
        var sights = Array(repeating: ImageSight(), count: count)
        if let classifier = model.classifier {
            let K = classifier.classCount
            let probabilities = classifier.probabilities(grid: grid, images: count)   // (B, K)
            for i in 0..<count {
                sights[i].labels = classifier.labels(probabilities[(i * K)..<((i + 1) * K)], threshold: threshold)
            }
        }
        if let presence = model.presence {
            let J = presence.objectCount
            let probabilities = presence.probabilities(grid: grid, images: count)     // (B, J)
            for i in 0..<count {
                sights[i].objects = presence.scores(probabilities[(i * J)..<((i + 1) * J)], threshold: threshold)
            }
        }
        return sights
    }
}
