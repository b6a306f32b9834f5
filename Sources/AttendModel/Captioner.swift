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
        for (i, heads) in headProbabilities(grid: grid, count: count).enumerated() {
            if let classifier = model.classifier, let classes = heads.classes {
                constraints[i] = classifier.constraints(classes, vocabulary: vocabulary, options: grounding)
                labels[i] = classifier.labels(classes, threshold: grounding.reportThreshold)
            }
            if let presence = model.presence, let objects = heads.objects {
                constraints[i].ban(presence.absentTokens(objects, vocabulary: vocabulary, options: grounding))
                absent[i] = presence.absentObjects(objects, options: grounding).map(\.name)
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
        headProbabilities(grid: grid, count: count).map { heads in
            var sight = ImageSight()
            if let classifier = model.classifier, let classes = heads.classes {
                sight.labels = classifier.labels(classes, threshold: threshold)
            }
            if let presence = model.presence, let objects = heads.objects {
                sight.objects = presence.scores(objects, threshold: threshold)
            }
            return sight
        }
    }

    /// grid (B, L, C) → per image, the classifier's class probabilities (K) and the presence heads' object
    /// probabilities (J), each nil without its head: one (B × C) · (C × K) and one (B × C) · (C × J) product for the
    /// whole batch.
    private func headProbabilities(grid: [Float], count: Int)
        -> [(classes: ArraySlice<Float>?, objects: ArraySlice<Float>?)] {
        let classes = model.classifier.map { ($0.probabilities(grid: grid, images: count), $0.classCount) }   // (B, K)
        let objects = model.presence.map { ($0.probabilities(grid: grid, images: count), $0.objectCount) }    // (B, J)
        func row(_ rows: ([Float], Int)?, _ i: Int) -> ArraySlice<Float>? {
            rows.map { all, width in all[(i * width)..<((i + 1) * width)] }
        }
        return (0..<count).map { (row(classes, $0), row(objects, $0)) }
    }
}
