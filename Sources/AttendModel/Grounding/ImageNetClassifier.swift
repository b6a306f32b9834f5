import AttendMath

// MARK: - The encoder's ImageNet classifier
//
// EfficientNet's own classification layer: the head's activations averaged over the grid, then one linear map to
// the 1,000 ImageNet classes and a softmax. It reads the same (B, L, C) head grid the decoder attends over, so
// labelling a photo costs one (C × K) product on top of captioning it.

public struct ImageNetClassifier: Equatable, Sendable {
    /// The classes in output order, with their caption words.
    public let classes: [ImageNetClass]
    /// (K, C) K classes over C head channels.
    public let weight: [Float]
    /// (K)
    public let bias: [Float]
    /// What rule 2 judges each caption word by (Grounding.swift).
    let banGroups: [BanGroup]
    /// Each caption word of the table and its other forms ("cat": "cats", "kitten"), gathered once: rules 1 and 2
    /// ask for them per image.
    let wordForms: [String: [String]]

    public init(classes: [ImageNetClass], weight: [Float], bias: [Float]) {
        precondition(!classes.isEmpty && bias.count == classes.count && weight.count % classes.count == 0,
                     "classifier weight must be (K, C) and bias (K)")
        self.classes = classes
        self.weight = weight
        self.bias = bias
        banGroups = BanGroup.groups(classes)
        wordForms = Self.wordForms(classes)
    }

    /// K
    public var classCount: Int { classes.count }
    /// C
    public var channels: Int { weight.count / classes.count }

    /// grid (N, L, C) → class probabilities (N, K).
    public func probabilities(grid: [Float], images N: Int) -> [Float] {
        let (K, C) = (classCount, channels)
        let pooled = meanPooled(grid: grid, images: N, channels: C)   // (N, C)
        var logits = [Float](repeating: 0, count: N * K)        // (N, K)
        linearForward(output: &logits, input: pooled, weight: weight, bias: bias, rows: N, inFeatures: C,
                      outFeatures: K)
        logits.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, rows: N, columns: K) }
        return logits
    }
}
