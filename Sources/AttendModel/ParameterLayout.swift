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

/// One MBConv block's convolutions.
public struct MBConvLayout: Sendable {
    public let expand: ConvBatchNormLayout?    // (mid, in, 1, 1); nil at expansion 1
    public let depthwise: ConvBatchNormLayout  // (mid, 1, k, k)
    public let project: ConvBatchNormLayout    // (out, mid, 1, 1), no ReLU6 after its batch norm
}

/// The Lite0 family's tensors: stem, the blocks before the tap, and the 1×1 convolution (+ BN + ReLU6) that ends at
/// the tap: the head, or block 11's expansion (nil for the block-10 tap).
public struct Lite0Layout: Sendable {
    public let stem: ConvBatchNormLayout       // (32, 3, 3, 3), stride 2
    public let blocks: [MBConvLayout]
    public let last: ConvBatchNormLayout?
}

/// The per-location projection: LayerNorm over C (ε = 1e-5), then linear C → P, then ReLU.
public struct ProjectionLayout: Sendable {
    public let normScale: TensorSpec   // (C)
    public let normShift: TensorSpec   // (C)
    public let weight: TensorSpec      // (P, C)
    public let bias: TensorSpec        // (P)
}

public struct ParameterLayout: Sendable {
    public let config: ModelConfig
    public private(set) var tensors: [TensorSpec] = []
    public private(set) var count = 0

    /// The scratch family's stages (empty for another family).
    public private(set) var stages: [ConvBatchNormLayout] = []
    /// The Lite0 family's convolutions (nil for another family).
    public private(set) var lite0: Lite0Layout? = nil
    /// The projection before the decoder (nil when P = 0).
    public private(set) var projection: ProjectionLayout? = nil
    public private(set) var embedding: TensorSpec! = nil          // (V, E)
    public private(set) var initHiddenWeight: TensorSpec! = nil   // (H, D)
    public private(set) var initHiddenBias: TensorSpec! = nil     // (H)
    public private(set) var initCellWeight: TensorSpec! = nil     // (H, D)
    public private(set) var initCellBias: TensorSpec! = nil       // (H)
    public private(set) var attFeatureWeight: TensorSpec! = nil   // (A, D)  W_a
    public private(set) var attFeatureBias: TensorSpec! = nil     // (A)
    public private(set) var attHiddenWeight: TensorSpec! = nil    // (A, H)  W_h
    public private(set) var attHiddenBias: TensorSpec! = nil      // (A)
    public private(set) var attScoreWeight: TensorSpec! = nil     // (A)     w
    public private(set) var attScoreBias: TensorSpec! = nil       // (1)     (cancels in the softmax; kept to mirror PyTorch)
    public private(set) var betaWeight: TensorSpec! = nil         // (H)     w_β
    public private(set) var betaBias: TensorSpec! = nil           // (1)
    public private(set) var lstmInputWeight: TensorSpec! = nil    // (4H, E + D)  gates i, f, g, o
    public private(set) var lstmHiddenWeight: TensorSpec! = nil   // (4H, H)
    public private(set) var lstmBias: TensorSpec! = nil           // (4H)
    public private(set) var outHiddenWeight: TensorSpec! = nil    // (E, H)  L_h
    public private(set) var outHiddenBias: TensorSpec! = nil      // (E)
    public private(set) var outContextWeight: TensorSpec! = nil   // (E, D)  L_z
    public private(set) var outContextBias: TensorSpec! = nil     // (E)
    public private(set) var outWeight: TensorSpec! = nil          // (V, E)  L_o
    public private(set) var outBias: TensorSpec! = nil            // (V)

    public init(config: ModelConfig) {
        precondition(config.problem() == nil, "invalid configuration: \(config.problem()!)")
        self.config = config
        let (D, E, H, A, V) = (config.featureSize, config.embeddingSize, config.hiddenSize,
                               config.attentionSize, config.vocabularySize)
        switch config.encoder {
        case let .scratch(scratch):
            var inChannels = 3
            for (i, outChannels) in scratch.channels.enumerated() {
                stages.append(addConvBatchNorm("encoder.stage\(i + 1)", [outChannels, inChannels, 3, 3]))
                inChannels = outChannels
            }
        case let .efficientNetLite0(lite0Config):
            lite0 = addLite0(tap: lite0Config.tap)
        }
        if config.projectionSize > 0 {
            let C = config.gridChannels
            projection = ProjectionLayout(normScale: add("decoder.project.norm.weight", [C]),
                                          normShift: add("decoder.project.norm.bias", [C]),
                                          weight: add("decoder.project.weight", [D, C]),
                                          bias: add("decoder.project.bias", [D]))
        }
        embedding = add("decoder.embedding", [V, E])
        initHiddenWeight = add("decoder.init_h.weight", [H, D])
        initHiddenBias = add("decoder.init_h.bias", [H])
        initCellWeight = add("decoder.init_c.weight", [H, D])
        initCellBias = add("decoder.init_c.bias", [H])
        attFeatureWeight = add("decoder.att_features.weight", [A, D])
        attFeatureBias = add("decoder.att_features.bias", [A])
        attHiddenWeight = add("decoder.att_hidden.weight", [A, H])
        attHiddenBias = add("decoder.att_hidden.bias", [A])
        attScoreWeight = add("decoder.att_score.weight", [A])
        attScoreBias = add("decoder.att_score.bias", [1])
        betaWeight = add("decoder.beta.weight", [H])
        betaBias = add("decoder.beta.bias", [1])
        lstmInputWeight = add("decoder.lstm.weight_ih", [4 * H, E + D])
        lstmHiddenWeight = add("decoder.lstm.weight_hh", [4 * H, H])
        lstmBias = add("decoder.lstm.bias", [4 * H])
        outHiddenWeight = add("decoder.out_hidden.weight", [E, H])
        outHiddenBias = add("decoder.out_hidden.bias", [E])
        outContextWeight = add("decoder.out_context.weight", [E, D])
        outContextBias = add("decoder.out_context.bias", [E])
        outWeight = add("decoder.out.weight", [V, E])
        outBias = add("decoder.out.bias", [V])
    }

    private mutating func add(_ name: String, _ shape: [Int], trainable: Bool = true) -> TensorSpec {
        let spec = TensorSpec(name: name, shape: shape, offset: count, trainable: trainable)
        tensors.append(spec)
        count += spec.count
        return spec
    }

    /// A convolution's weight and its batch norm: γ, β, running mean and variance (the last two never trained).
    private mutating func addConvBatchNorm(_ prefix: String, _ weightShape: [Int]) -> ConvBatchNormLayout {
        let outChannels = weightShape[0]
        return ConvBatchNormLayout(convWeight: add("\(prefix).conv.weight", weightShape),
                                   bnScale: add("\(prefix).bn.weight", [outChannels]),
                                   bnShift: add("\(prefix).bn.bias", [outChannels]),
                                   bnRunningMean: add("\(prefix).bn.running_mean", [outChannels], trainable: false),
                                   bnRunningVar: add("\(prefix).bn.running_var", [outChannels], trainable: false))
    }

    /// The Lite0 convolutions up to `tap`: stem, whole blocks, then the head or block 11's expansion.
    private mutating func addLite0(tap: Lite0Tap) -> Lite0Layout {
        let stem = addConvBatchNorm("encoder.stem", [Lite0Architecture.stemChannels, 3, 3, 3])
        var blocks: [MBConvLayout] = []
        for (i, block) in Lite0Architecture.blocks.prefix(tap.wholeBlocks).enumerated() {
            let prefix = "encoder.blocks.\(i)"
            let expand = block.hasExpansion
                ? addConvBatchNorm("\(prefix).expand", [block.midChannels, block.inChannels, 1, 1]) : nil
            let depthwise = addConvBatchNorm("\(prefix).depthwise", [block.midChannels, 1, block.kernel, block.kernel])
            let project = addConvBatchNorm("\(prefix).project", [block.outChannels, block.midChannels, 1, 1])
            blocks.append(MBConvLayout(expand: expand, depthwise: depthwise, project: project))
        }
        var last: ConvBatchNormLayout? = nil
        switch tap {
        case .head: last = addConvBatchNorm("encoder.head", [Lite0Architecture.headChannels, 320, 1, 1])
        case .expansion11:
            let block = Lite0Architecture.blocks[11]
            last = addConvBatchNorm("encoder.blocks.11.expand", [block.midChannels, block.inChannels, 1, 1])
        case .block10: break
        }
        return Lite0Layout(stem: stem, blocks: blocks, last: last)
    }

    public func tensor(named name: String) -> TensorSpec? { tensors.first { $0.name == name } }

    /// Parameters of the encoder alone (the CNN), the figure the architecture budget speaks of.
    public var encoderParameterCount: Int {
        tensors.filter { $0.name.hasPrefix("encoder.") && $0.trainable }.reduce(0) { $0 + $1.count }
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
