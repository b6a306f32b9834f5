import AttendModel

// MARK: - Training hard attention (Xu et al. 2015, §4.1)
//
// A hard-attention model trains on the variational lower bound L_s = Σ_s p(s | a) log p(y | s, a), its gradient
// estimated from one drawn location sequence per caption row (Layers/HardAttention.swift has the estimator), with
// the paper's variance reductions:
//   - a moving-average baseline b of the log-likelihood (per word here: a row's advantage is
//     log p(y | s̃, a) − b · its words, so captions of any length share one baseline);
//   - the entropy term λ_e ∂H[s̃]/∂W;
//   - with probability `expectationProbability`, a row takes the expected context Σ α a (soft attention) for the
//     whole batch instead of drawn locations: its gradient is soft attention's, without a REINFORCE term.
// The draws come from their own generator, reseeded with the dropout masks at every step: they are functions of
// (seed, epoch, batch, step), so a run is reproducible and a resumed run draws the same locations. The baseline is
// stored with the optimizer state (TrainingProgress). Validation takes the expectation, as captioning does by
// default.

/// How a hard-attention model trains. Defaults: the paper's estimator (eq. 12) with the authors' code's settings
/// (arctic-captions' capgen.py: the REINFORCE term's 1/10, alpha_entropy_c = 0.002, the baseline's 0.9,
/// semi_sampling_p = 0.5).
public struct HardAttentionOptions: Equatable, Sendable {
    /// λ_r, the REINFORCE term's weight. 1 is eq. 12's estimator of the bound's gradient, unbiased (the tests check
    /// it against the bound's exact gradient); 0.1, arctic-captions' factor, trained better on the synthetic scenes
    /// (docs/TRAINING.md).
    public var reinforceWeight: Float = 0.1
    /// λ_e, the weight of the attention entropy Σ_t H(α_t), per word as the cross-entropy is.
    public var entropyWeight: Float = 0.002
    /// The baseline's decay: b ← decay · b + (1 − decay) · (the batch's log-likelihood per word).
    public var baselineDecay: Float = 0.9
    /// The probability that a caption row takes the expected context for a batch instead of drawing locations.
    public var expectationProbability: Float = 0.5

    public init(reinforceWeight: Float = 0.1, entropyWeight: Float = 0.002, baselineDecay: Float = 0.9,
                expectationProbability: Float = 0.5) {
        self.reinforceWeight = reinforceWeight
        self.entropyWeight = entropyWeight
        self.baselineDecay = baselineDecay
        self.expectationProbability = expectationProbability
    }
}

extension TrainingGraph {
    /// Whether forward and backward train hard attention: a hard model in training mode (validation takes the
    /// expectation).
    var trainsHardAttention: Bool { config.attention == .hard && training }

    /// Per batch, before the steps: which caption rows draw their locations (the others take the expectation).
    func drawSamplingRows() {
        precondition(!weightsRows, "hard attention does not train on weighted rows (self-critical batches)")
        let R = batchImages * capacity.captionsPerImage, p = options.hardAttention.expectationProbability
        for r in 0..<R { samplesLocations[r] = locationRandom.nextUnitFloat() >= p }
    }

    /// Step t's attention over its active rows: α and β, a location for every sampling row (drawn for all R rows
    /// in order, as the dropout masks are, so the draws do not depend on which rows are still predicting), then the
    /// context.
    func hardAttentionStep(_ t: Int, hidden h: UnsafePointer<Float>) {
        let (L, D, H, A) = (config.locations, config.featureSize, config.hiddenSize, config.attentionSize)
        let R = batchImages * capacity.captionsPerImage, first = stepOffset[t], active = activeRows[t]
        attentionWeightsForward(gate: gate + first, alpha: alpha + first * L, activations: activations + first * L * A,
                                hiddenProjection: hiddenProjection, projected: projected, hidden: h,
                                weights: attentionWeights, sourceRow: sourceRow, rows: active, locations: L,
                                hiddenSize: H, attentionSize: A)
        for r in 0..<R {
            let u = locationRandom.nextUnitFloat()
            locationDraws[r] = samplesLocations[r] ? u : -1
        }
        hardAttentionSample(chosen: chosen + first, alpha: alpha + first * L, draws: locationDraws, rows: active,
                            locations: L)
        attentionContextForward(gated: gated + first * D, context: context + first * D, alpha: alpha + first * L,
                                gate: gate + first, annotations: annotations, sourceRow: sourceRow,
                                chosen: chosen + first, rows: active, locations: L, featureSize: D)
    }

    /// After the forward's cross-entropy: each row's log-likelihood log p(y | s̃, a) and every step's log α_s and
    /// H(α_t). Returns Σ H(α_t) over the counted steps.
    func hardAttentionTerms() -> Double {
        let L = config.locations, R = batchImages * capacity.captionsPerImage, T = batchSteps
        hardAttentionForward(logProbability: locationLogProbability, entropy: attentionEntropy, alpha: alpha,
                             chosen: chosen, rows: stepOffset[T], locations: L)
        rowLogLikelihood.update(repeating: 0, count: R)
        var entropy = 0.0
        for t in 0..<T {
            let first = stepOffset[t]
            for r in 0..<activeRows[t] where counted[t * R + r] {
                rowLogLikelihood[r] -= losses[first + r]
                entropy += Double(attentionEntropy[first + r])
            }
        }
        return entropy
    }

    /// Before backward's steps: each sampling row's advantage λ_r (log p(y | s̃, a) − b · words) · scale, with b the
    /// baseline before this batch (the batch's own mean on the first); then b takes this batch in.
    func prepareAdvantages(scale: Float) {
        let R = batchImages * capacity.captionsPerImage, T = batchSteps
        var words = [Int](repeating: 0, count: R)
        for t in 0..<T {
            for r in 0..<R where counted[t * R + r] { words[r] += 1 }
        }
        var sum = 0.0, sampledWords = 0
        for r in 0..<R where samplesLocations[r] {
            sum += Double(rowLogLikelihood[r])
            sampledWords += words[r]
        }
        advantage.update(repeating: 0, count: R)
        guard sampledWords > 0 else { return }
        let batchMean = Float(sum / Double(sampledWords))
        let baseline = reinforceBaseline ?? batchMean, weight = options.hardAttention.reinforceWeight
        for r in 0..<R where samplesLocations[r] {
            advantage[r] = weight * scale * (rowLogLikelihood[r] - baseline * Float(words[r]))
        }
        let decay = options.hardAttention.baselineDecay
        reinforceBaseline = decay * baseline + (1 - decay) * batchMean
    }
}
