import Foundation

// MARK: - Model: configuration, vocabulary and weights

/// A captioning model's full state: what the model file holds.
public struct Model: Sendable {
    public let config: ModelConfig
    public let vocabulary: Vocabulary
    public let layout: ParameterLayout
    /// Every tensor of `layout`, concatenated in layout order.
    public var parameters: [Float]
    /// Free-form facts about how the model was made (training command, data, scores). Stored in the file.
    public var metadata: [String: String]
    /// The encoder's ImageNet classifier over the pooled head grid, with its class table; nil when the model
    /// has none (scratch encoders, files before format version 3).
    public var classifier: ImageNetClassifier?
    /// Object-presence heads over the pooled head grid; nil when the model has none (files before format version 5).
    public var presence: ObjectPresence?

    public init(config: ModelConfig, vocabulary: Vocabulary, parameters: [Float], metadata: [String: String] = [:],
                classifier: ImageNetClassifier? = nil, presence: ObjectPresence? = nil) {
        precondition(config.vocabularySize == vocabulary.count, "configuration and vocabulary disagree on V")
        self.config = config
        self.vocabulary = vocabulary
        self.layout = ParameterLayout(config: config)
        precondition(parameters.count == layout.count, "parameter count does not match the layout")
        self.parameters = parameters
        self.metadata = metadata
        precondition(classifier.map { $0.channels == config.gridChannels } ?? true,
                     "the classifier must read the grid's channels")
        self.classifier = classifier
        precondition(presence.map { $0.channels == config.gridChannels } ?? true,
                     "the presence heads must read the grid's channels")
        self.presence = presence
    }

    /// A freshly initialised model: uniform ±1/√fan-in weights (PyTorch's default), zero biases, batch-norm and
    /// layer-norm scale 1 and shift 0, running mean 0 and variance 1. Reproducible for a seed.
    /// `randomizeAll` also draws biases and batch- and layer-norm tensors (scale and variance in [0.5, 1.5), shift and
    /// mean in [−0.5, 0.5)), so a reference test exercises every tensor, folding included.
    public static func random(config: ModelConfig, vocabulary: Vocabulary, seed: UInt64,
                              randomizeAll: Bool = false) -> Model {
        var config = config
        config.vocabularySize = vocabulary.count
        let layout = ParameterLayout(config: config)
        var parameters = [Float](repeating: 0, count: layout.count)
        var generator = SeededGenerator(seed: seed)
        for spec in layout.tensors where randomizeAll {
            let isBatchNormScale = spec.name.hasSuffix("bn.weight") || spec.name.hasSuffix("running_var")
                || spec.name.hasSuffix("norm.weight")
            let isBatchNormShift = spec.name.hasSuffix("bn.bias") || spec.name.hasSuffix("running_mean")
                || spec.name.hasSuffix("norm.bias")
            let fanIn = spec.shape.count == 1 ? spec.shape[0] : spec.shape.dropFirst().reduce(1, *)
            for i in 0..<spec.count {
                let u = generator.nextUnitFloat()
                let value: Float
                if isBatchNormScale { value = 0.5 + u }
                else if isBatchNormShift { value = u - 0.5 }
                else { value = (2 * u - 1) * 2 / Float(fanIn).squareRoot() }
                parameters[spec.offset + i] = value
            }
        }
        for spec in layout.tensors where !randomizeAll {
            let isBias = spec.name.hasSuffix(".bias") && !spec.name.contains(".bn.")
            if spec.name.hasSuffix("bn.weight") || spec.name.hasSuffix("running_var") || spec.name.hasSuffix("norm.weight") {
                for i in 0..<spec.count { parameters[spec.offset + i] = 1 }
            } else if spec.name.hasSuffix("running_mean") || spec.name.hasSuffix("bn.bias") || spec.name.hasSuffix("norm.bias") {
                continue
            } else {
                let fanIn = spec.shape.count == 1 ? spec.shape[0] : spec.shape.dropFirst().reduce(1, *)
                let bound = isBias ? 0 : 1 / Float(fanIn).squareRoot()
                let scale = spec.name == "decoder.embedding" ? 1 : bound
                for i in 0..<spec.count {
                    parameters[spec.offset + i] = scale * (2 * generator.nextUnitFloat() - 1)
                }
            }
        }
        return Model(config: config, vocabulary: vocabulary, parameters: parameters)
    }

    /// A copy of one tensor's values.
    public func values(of spec: TensorSpec) -> [Float] {
        Array(parameters[spec.offset..<(spec.offset + spec.count)])
    }
}

// MARK: - Seeded random numbers

/// SplitMix64: a small, fast generator whose sequence is fixed for a seed on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 24 random bits.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
