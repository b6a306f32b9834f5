// MARK: - Parameter layout
//
// All parameters of a model live in one Float allocation; this layout names each tensor's slice of it, in
// a fixed order that is also the order of the model file. Gradients and optimizer moments use the same
// layout, so one offset finds a tensor in all of them.

/// One named tensor: its shape and where it sits in the flat parameter array.
public struct TensorSpec: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    /// False for batch-norm running statistics: stored with the weights, never given a gradient.
    public let trainable: Bool

    public var count: Int { shape.reduce(1, *) }
}

/// Offsets of one convolution's tensors and the batch norm after it (a scratch stage, or a Lite0 convolution).
public struct ConvBatchNormLayout: Sendable {
    public let convWeight: TensorSpec    // (Cout, Cin, k, k), or (Cout, 1, k, k) depthwise
    public let bnScale: TensorSpec       // (Cout) γ
    public let bnShift: TensorSpec       // (Cout) β
    public let bnRunningMean: TensorSpec // (Cout)
    public let bnRunningVar: TensorSpec  // (Cout)
}

/// The per-location projection: LayerNorm over C (ε = 1e-5), then linear C → P, then ReLU.
public struct ProjectionLayout: Sendable {
    public let normScale: TensorSpec   // (C)
    public let normShift: TensorSpec   // (C)
    public let weight: TensorSpec      // (P, C)
    public let bias: TensorSpec        // (P)
}

/// Tensors in the order they are added: each one's slice of the flat parameter array.
public struct TensorTable: Sendable {
    public private(set) var tensors: [TensorSpec] = []
    public private(set) var count = 0

    public mutating func add(_ name: String, _ shape: [Int], trainable: Bool = true) -> TensorSpec {
        let spec = TensorSpec(name: name, shape: shape, offset: count, trainable: trainable)
        tensors.append(spec)
        count += spec.count
        return spec
    }

    /// A convolution's weight and its batch norm: γ, β, running mean and variance (the last two never trained).
    public mutating func addConvBatchNorm(_ prefix: String, _ weightShape: [Int]) -> ConvBatchNormLayout {
        let outChannels = weightShape[0]
        return ConvBatchNormLayout(convWeight: add("\(prefix).conv.weight", weightShape),
                                   bnScale: add("\(prefix).bn.weight", [outChannels]),
                                   bnShift: add("\(prefix).bn.bias", [outChannels]),
                                   bnRunningMean: add("\(prefix).bn.running_mean", [outChannels], trainable: false),
                                   bnRunningVar: add("\(prefix).bn.running_var", [outChannels], trainable: false))
    }
}

public struct ParameterLayout: Sendable {
    public let config: ModelConfig
    public let tensors: [TensorSpec]
    public let count: Int

    /// The encoder family's tensors (its own layout type), first in the file.
    public let encoder: any EncoderLayout
    /// Those tensors, in order: what a pretrained encoder copies, a feature cache's checksum covers, and the
    /// optimizer leaves alone where the encoder is frozen.
    public let encoderTensors: [TensorSpec]
    /// The projection before the decoder (nil when P = 0).
    public let projection: ProjectionLayout?
    public let embedding: TensorSpec          // (V, E)
    public let initHiddenWeight: TensorSpec   // (H, D)
    public let initHiddenBias: TensorSpec     // (H)
    public let initCellWeight: TensorSpec     // (H, D)
    public let initCellBias: TensorSpec       // (H)
    public let attFeatureWeight: TensorSpec   // (A, D)  W_a
    public let attFeatureBias: TensorSpec     // (A)
    public let attHiddenWeight: TensorSpec    // (A, H)  W_h
    public let attHiddenBias: TensorSpec      // (A)
    public let attScoreWeight: TensorSpec     // (A)     w
    public let attScoreBias: TensorSpec       // (1)     (cancels in the softmax; kept to mirror PyTorch)
    public let betaWeight: TensorSpec         // (H)     w_β
    public let betaBias: TensorSpec           // (1)
    public let lstmInputWeight: TensorSpec    // (4H, E + D)  gates i, f, g, o
    public let lstmHiddenWeight: TensorSpec   // (4H, H)
    public let lstmBias: TensorSpec           // (4H)
    public let outHiddenWeight: TensorSpec    // (E, H)  L_h
    public let outHiddenBias: TensorSpec      // (E)
    public let outContextWeight: TensorSpec   // (E, D)  L_z
    public let outContextBias: TensorSpec     // (E)
    public let outWeight: TensorSpec          // (V, E)  L_o
    public let outBias: TensorSpec            // (V)

    public init(config: ModelConfig) {
        precondition(config.problem() == nil, "invalid configuration: \(config.problem()!)")
        self.config = config
        let (D, E, H, A, V) = (config.featureSize, config.embeddingSize, config.hiddenSize,
                               config.attentionSize, config.vocabularySize)
        var table = TensorTable()
        encoder = config.encoder.family.addTensors(to: &table)
        encoderTensors = table.tensors
        if config.projectionSize > 0 {
            let C = config.gridChannels
            projection = ProjectionLayout(normScale: table.add("decoder.project.norm.weight", [C]),
                                          normShift: table.add("decoder.project.norm.bias", [C]),
                                          weight: table.add("decoder.project.weight", [D, C]),
                                          bias: table.add("decoder.project.bias", [D]))
        } else {
            projection = nil
        }
        embedding = table.add("decoder.embedding", [V, E])
        initHiddenWeight = table.add("decoder.init_h.weight", [H, D])
        initHiddenBias = table.add("decoder.init_h.bias", [H])
        initCellWeight = table.add("decoder.init_c.weight", [H, D])
        initCellBias = table.add("decoder.init_c.bias", [H])
        attFeatureWeight = table.add("decoder.att_features.weight", [A, D])
        attFeatureBias = table.add("decoder.att_features.bias", [A])
        attHiddenWeight = table.add("decoder.att_hidden.weight", [A, H])
        attHiddenBias = table.add("decoder.att_hidden.bias", [A])
        attScoreWeight = table.add("decoder.att_score.weight", [A])
        attScoreBias = table.add("decoder.att_score.bias", [1])
        betaWeight = table.add("decoder.beta.weight", [H])
        betaBias = table.add("decoder.beta.bias", [1])
        lstmInputWeight = table.add("decoder.lstm.weight_ih", [4 * H, E + D])
        lstmHiddenWeight = table.add("decoder.lstm.weight_hh", [4 * H, H])
        lstmBias = table.add("decoder.lstm.bias", [4 * H])
        outHiddenWeight = table.add("decoder.out_hidden.weight", [E, H])
        outHiddenBias = table.add("decoder.out_hidden.bias", [E])
        outContextWeight = table.add("decoder.out_context.weight", [E, D])
        outContextBias = table.add("decoder.out_context.bias", [E])
        outWeight = table.add("decoder.out.weight", [V, E])
        outBias = table.add("decoder.out.bias", [V])
        tensors = table.tensors
        count = table.count
    }

    public func tensor(named name: String) -> TensorSpec? { tensors.first { $0.name == name } }

    /// Parameters of the encoder alone (the CNN), the figure the architecture budget speaks of.
    public var encoderParameterCount: Int {
        encoderTensors.filter(\.trainable).reduce(0) { $0 + $1.count }
    }
}

// MARK: - The decoder layers' tensors inside a flat array
//
// One mapping from layout to layer arguments, used for weights (inference and training) and for gradients.

extension ProjectionWeights {
    public init(layout: ProjectionLayout, in base: UnsafePointer<Float>) {
        self.init(normScale: base + layout.normScale.offset, normShift: base + layout.normShift.offset,
                  weight: base + layout.weight.offset, bias: base + layout.bias.offset)
    }
}

extension ProjectionGradients {
    public init(layout: ProjectionLayout, in base: UnsafeMutablePointer<Float>) {
        self.init(normScale: base + layout.normScale.offset, normShift: base + layout.normShift.offset,
                  weight: base + layout.weight.offset, bias: base + layout.bias.offset)
    }
}

extension AttentionWeights {
    public init(layout: ParameterLayout, in base: UnsafePointer<Float>) {
        self.init(hiddenWeight: base + layout.attHiddenWeight.offset, hiddenBias: base + layout.attHiddenBias.offset,
                  scoreWeight: base + layout.attScoreWeight.offset, scoreBias: base + layout.attScoreBias.offset,
                  betaWeight: base + layout.betaWeight.offset, betaBias: base + layout.betaBias.offset)
    }
}

extension AttentionGradients {
    public init(layout: ParameterLayout, in base: UnsafeMutablePointer<Float>) {
        self.init(hiddenWeight: base + layout.attHiddenWeight.offset, hiddenBias: base + layout.attHiddenBias.offset,
                  scoreWeight: base + layout.attScoreWeight.offset, scoreBias: base + layout.attScoreBias.offset,
                  betaWeight: base + layout.betaWeight.offset, betaBias: base + layout.betaBias.offset)
    }
}

extension LSTMWeights {
    public init(layout: ParameterLayout, in base: UnsafePointer<Float>) {
        self.init(inputWeight: base + layout.lstmInputWeight.offset, hiddenWeight: base + layout.lstmHiddenWeight.offset,
                  bias: base + layout.lstmBias.offset)
    }
}

extension LSTMGradients {
    public init(layout: ParameterLayout, in base: UnsafeMutablePointer<Float>) {
        self.init(inputWeight: base + layout.lstmInputWeight.offset, hiddenWeight: base + layout.lstmHiddenWeight.offset,
                  bias: base + layout.lstmBias.offset)
    }
}

extension DeepOutputWeights {
    public init(layout: ParameterLayout, in base: UnsafePointer<Float>) {
        self.init(hiddenWeight: base + layout.outHiddenWeight.offset, hiddenBias: base + layout.outHiddenBias.offset,
                  contextWeight: base + layout.outContextWeight.offset, contextBias: base + layout.outContextBias.offset,
                  outWeight: base + layout.outWeight.offset, outBias: base + layout.outBias.offset)
    }
}

extension DeepOutputGradients {
    public init(layout: ParameterLayout, in base: UnsafeMutablePointer<Float>) {
        self.init(hiddenWeight: base + layout.outHiddenWeight.offset, hiddenBias: base + layout.outHiddenBias.offset,
                  contextWeight: base + layout.outContextWeight.offset, contextBias: base + layout.outContextBias.offset,
                  outWeight: base + layout.outWeight.offset, outBias: base + layout.outBias.offset)
    }
}
