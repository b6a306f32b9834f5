import AttendMath
import Foundation

// MARK: - Decoder for inference
//
// Owns a stable copy of the model's weights so the layer kernels can take raw pointers into it, and
// runs one decoding step for any number of rows (beams of one image, or of many images at once).

public final class InferenceDecoder {
    public let config: ModelConfig
    let layout: ParameterLayout
    /// (layout.count) every parameter, in layout order.
    private let weights: UnsafeMutableBufferPointer<Float>

    public init(model: Model) {
        config = model.config
        layout = model.layout
        weights = .allocate(capacity: model.parameters.count)
        _ = weights.initialize(from: model.parameters)
    }

    deinit { weights.deallocate() }

    func pointer(_ spec: TensorSpec) -> UnsafePointer<Float> { UnsafePointer(weights.baseAddress! + spec.offset) }

    var attentionWeights: AttentionWeights { AttentionWeights(layout: layout, in: weights.baseAddress!) }
    var lstmWeights: LSTMWeights { LSTMWeights(layout: layout, in: weights.baseAddress!) }
    var deepOutputWeights: DeepOutputWeights { DeepOutputWeights(layout: layout, in: weights.baseAddress!) }

    /// Per-image quantities computed once before the first step.
    public struct Prepared {
        /// (N, L, D)
        public var annotations: [Float]
        /// (N, L, A) W_a a + b_a
        public var projected: [Float]
        /// (N, H) h_0 = tanh(init_h(mean a)), c_0 likewise
        public var hidden: [Float]
        public var cell: [Float]
    }

    var projectionWeights: ProjectionWeights? {
        layout.projection.map { ProjectionWeights(layout: $0, in: UnsafePointer(weights.baseAddress!)) }
    }

    /// grid (N, L, C) → annotations (N, L, D) through the projection (the grid itself without one), their
    /// attention features and the initial state.
    public func prepare(grid: [Float], images: Int) -> Prepared {
        let (L, C, D, A, H) = (config.locations, config.gridChannels, config.featureSize, config.attentionSize,
                               config.hiddenSize)
        precondition(grid.count == images * L * C, "grid must be (N, L, C)")
        var annotations = grid
        if let projection = projectionWeights {
            annotations = [Float](repeating: 0, count: images * L * D)
            var normalized = [Float](repeating: 0, count: images * L * C), scaled = normalized
            var inverseStd = [Float](repeating: 0, count: images * L)
            grid.withUnsafeBufferPointer { g in
                projectionForward(output: &annotations, normalized: &normalized, scaled: &scaled,
                                  inverseStd: &inverseStd, grid: g.baseAddress!, weights: projection, rows: images * L,
                                  channels: C, outFeatures: D)
            }
        }
        var projected = [Float](repeating: 0, count: images * L * A)
        var mean = [Float](repeating: 0, count: images * D)
        var hidden = [Float](repeating: 0, count: images * H), cell = hidden
        annotations.withUnsafeBufferPointer { a in
            attentionProjectFeatures(projected: &projected, annotations: a.baseAddress!,
                                     weight: pointer(layout.attFeatureWeight), bias: pointer(layout.attFeatureBias),
                                     rows: images * L, featureSize: D, attentionSize: A)
            for n in 0..<images {
                for l in 0..<L {
                    for d in 0..<D { mean[n * D + d] += a[(n * L + l) * D + d] }
                }
            }
        }
        let scale = 1 / Float(L)
        for i in 0..<mean.count { mean[i] *= scale }
        linearForward(output: &hidden, input: mean, weight: pointer(layout.initHiddenWeight),
                      bias: pointer(layout.initHiddenBias), rows: images, inFeatures: D, outFeatures: H)
        linearForward(output: &cell, input: mean, weight: pointer(layout.initCellWeight),
                      bias: pointer(layout.initCellBias), rows: images, inFeatures: D, outFeatures: H)
        tanhInPlace(&hidden, count: hidden.count)
        tanhInPlace(&cell, count: cell.count)
        return Prepared(annotations: annotations, projected: projected, hidden: hidden, cell: cell)
    }

    /// Buffers one step writes, sized for `rows`.
    public struct StepOutput {
        public var logits: [Float]      // (R, V)
        public var alpha: [Float]       // (R, L)
        /// (R) a hard-attention model's location: where the context came from, or, for the expectation, α's most
        /// probable one; −1 for a soft model.
        public var location: [Int32]
        public var beta: [Float]        // (R)
        public var hidden: [Float]      // (R, H) h_t
        public var cell: [Float]        // (R, H) c_t
        fileprivate var scratch: [Float]

        init(rows: Int, config: ModelConfig) {
            let (L, D, E, H, A, V) = (config.locations, config.featureSize, config.embeddingSize, config.hiddenSize,
                                      config.attentionSize, config.vocabularySize)
            logits = .init(repeating: 0, count: rows * V)
            alpha = .init(repeating: 0, count: rows * L)
            location = .init(repeating: -1, count: rows)
            beta = .init(repeating: 0, count: rows)
            hidden = .init(repeating: 0, count: rows * H)
            cell = .init(repeating: 0, count: rows * H)
            // embedded+gated input (E + D), context (D), hidden projection (A), activations (L·A), gates (4H), deep (E)
            scratch = .init(repeating: 0, count: rows * ((E + D) + D + A + L * A + 4 * H + E))
        }
    }

    public func makeStepOutput(rows: Int) -> StepOutput { StepOutput(rows: rows, config: config) }

    /// One step for R rows: previous words (R), state h_{t−1}, c_{t−1} (R, H); row r attends over image
    /// `sourceRow[r]` of `prepared`, a hard-attention model taking its context as `context` says. Writes logits, α_t,
    /// β_t, the location (hard attention), h_t, c_t into `output`.
    public func step(previous: [Int32], hidden: [Float], cell: [Float], sourceRow: [Int32],
                     prepared: Prepared, context choice: ContextChoice = .expectation, output: inout StepOutput) {
        let R = previous.count
        let (L, D, E, H, A, V) = (config.locations, config.featureSize, config.embeddingSize, config.hiddenSize,
                                  config.attentionSize, config.vocabularySize)
        output.scratch.withUnsafeMutableBufferPointer { scratch in
            let input = scratch.baseAddress!                    // (R, E + D) [E y_{t−1}; z_t]
            let context = input + R * (E + D)                   // (R, D)
            let hiddenProjection = context + R * D              // (R, A)
            let activations = hiddenProjection + R * A          // (R, L, A)
            let gates = activations + R * L * A                 // (R, 4H)
            let deep = gates + R * 4 * H                        // (R, E)
            let embedded = UnsafeMutablePointer<Float>.allocate(capacity: R * E)   // (R, E)
            let gated = UnsafeMutablePointer<Float>.allocate(capacity: R * D)      // (R, D)
            defer { embedded.deallocate(); gated.deallocate() }

            previous.withUnsafeBufferPointer { ids in
                embeddingForward(output: embedded, ids: ids.baseAddress!, table: pointer(layout.embedding),
                                 rows: R, embeddingSize: E)
            }
            if config.attention == .hard {
                attentionWeightsForward(gate: &output.beta, alpha: &output.alpha, activations: activations,
                                        hiddenProjection: hiddenProjection, projected: prepared.projected,
                                        hidden: hidden, weights: attentionWeights, sourceRow: sourceRow, rows: R,
                                        locations: L, hiddenSize: H, attentionSize: A)
                let chosen = choose(choice, alpha: output.alpha, location: &output.location, rows: R)
                attentionContextForward(gated: gated, context: context, alpha: output.alpha, gate: output.beta,
                                        annotations: prepared.annotations, sourceRow: sourceRow, chosen: chosen,
                                        rows: R, locations: L, featureSize: D)
            } else {
                attentionForward(gated: gated, context: context, gate: &output.beta, alpha: &output.alpha,
                                 activations: activations, hiddenProjection: hiddenProjection,
                                 annotations: prepared.annotations, projected: prepared.projected, hidden: hidden,
                                 weights: attentionWeights, sourceRow: sourceRow, rows: R, locations: L,
                                 featureSize: D, hiddenSize: H, attentionSize: A)
            }
            for r in 0..<R {
                (input + r * (E + D)).update(from: embedded + r * E, count: E)
                (input + r * (E + D) + E).update(from: gated + r * D, count: D)
            }
            lstmCellForward(newHidden: &output.hidden, newCell: &output.cell, gates: gates, input: input,
                            hidden: hidden, cell: cell, weights: lstmWeights, rows: R, inputSize: E + D,
                            hiddenSize: H)
            deepOutputForward(logits: &output.logits, deep: deep, embedded: embedded, hidden: output.hidden,
                              gated: gated, weights: deepOutputWeights, rows: R, embeddingSize: E,
                              hiddenSize: H, featureSize: D, vocabularySize: V)
        }
    }

    /// The locations a hard step's context takes (−1: the expectation), and in `location` the one each row shows
    /// (the expectation's: α's most probable).
    private func choose(_ choice: ContextChoice, alpha: [Float], location: inout [Int32], rows: Int) -> [Int32] {
        let L = config.locations
        switch choice {
        case .expectation:
            hardAttentionArgmax(chosen: &location, alpha: alpha, rows: rows, locations: L)
            return [Int32](repeating: -1, count: rows)
        case .argmax:
            hardAttentionArgmax(chosen: &location, alpha: alpha, rows: rows, locations: L)
        case let .draws(draws):
            precondition(draws.count == rows, "one draw per row")
            hardAttentionSample(chosen: &location, alpha: alpha, draws: draws, rows: rows, locations: L)
        case let .locations(given):
            precondition(given.count == rows && given.allSatisfy { $0 < L }, "one location per row, below L")
            location = given
        }
        return location
    }
}

/// Where a hard-attention model's step takes its context from (a soft model always takes the expectation).
public enum ContextChoice: Sendable {
    /// β Σ_i α_i a_i, as soft attention.
    case expectation
    /// β a_s, s the most probable location.
    case argmax
    /// β a_s, s drawn from α by one uniform draw u ∈ [0, 1) per row (a negative u: the expectation).
    case draws([Float])
    /// β a_s at the given location per row (−1: the expectation).
    case locations([Int32])
}
