import AttendMath
import Foundation

// MARK: - Soft attention with gate β (Xu et al. 2015, §4.2 and §4.2.1)
//
//   e_ti = w · tanh(W_a a_i + W_h h_{t−1}) + b      α_t = softmax(e_t)
//   β_t  = σ(w_β · h_{t−1} + b_β)                    z_t = β_t Σ_i α_ti a_i
//
// W_a a_i does not change across steps, so it is computed once per image (`attentionProjectFeatures`).

/// The weights the attention step reads.
public struct AttentionWeights {
    public var hiddenWeight: UnsafePointer<Float>   // (A, H) W_h
    public var hiddenBias: UnsafePointer<Float>     // (A)
    public var scoreWeight: UnsafePointer<Float>    // (A) w
    public var scoreBias: UnsafePointer<Float>      // (1)
    public var betaWeight: UnsafePointer<Float>     // (H) w_β
    public var betaBias: UnsafePointer<Float>       // (1)

    public init(hiddenWeight: UnsafePointer<Float>, hiddenBias: UnsafePointer<Float>,
                scoreWeight: UnsafePointer<Float>, scoreBias: UnsafePointer<Float>,
                betaWeight: UnsafePointer<Float>, betaBias: UnsafePointer<Float>) {
        self.hiddenWeight = hiddenWeight
        self.hiddenBias = hiddenBias
        self.scoreWeight = scoreWeight
        self.scoreBias = scoreBias
        self.betaWeight = betaWeight
        self.betaBias = betaBias
    }
}

/// projected (N·L, A) = annotations (N·L, D) · W_aᵀ + b_a: once per image, before the first step.
public func attentionProjectFeatures(projected: UnsafeMutablePointer<Float>, annotations: UnsafePointer<Float>,
                                     weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                     rows: Int, featureSize: Int, attentionSize: Int) {
    linearForward(output: projected, input: annotations, weight: weight, bias: bias,
                  rows: rows, inFeatures: featureSize, outFeatures: attentionSize)
}

/// One attention step for B rows (images or beams).
///
/// Reads annotations (B, L, D), projected (B, L, A), hidden (B, H) = h_{t−1}.
/// Writes hiddenProjection (B, A), activations (B, L, A) = tanh(W_a a + W_h h), alpha (B, L),
/// context (B, D) = Σ α a, gate (B) = β, and gated (B, D) = z = β · context. Training keeps activations,
/// alpha, context and gate for the backward pass.
/// `sourceRow` (B), when given, says which row of annotations and projected each row reads, so the beams of
/// one image share its annotations without copies; nil means row b reads row b.
public func attentionForward(gated: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
                             gate: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>,
                             activations: UnsafeMutablePointer<Float>, hiddenProjection: UnsafeMutablePointer<Float>,
                             annotations: UnsafePointer<Float>, projected: UnsafePointer<Float>,
                             hidden: UnsafePointer<Float>, weights: AttentionWeights, sourceRow: UnsafePointer<Int32>? = nil,
                             rows: Int, locations: Int, featureSize: Int, hiddenSize: Int, attentionSize: Int) {
    let (L, D, A, H) = (locations, featureSize, attentionSize, hiddenSize)
    linearForward(output: hiddenProjection, input: hidden, weight: weights.hiddenWeight, bias: weights.hiddenBias,
                  rows: rows, inFeatures: H, outFeatures: A)
    for b in 0..<rows {
        let hp = hiddenProjection + b * A
        let source = sourceRow.map { Int($0[b]) } ?? b
        let rowProjected = projected + source * L * A, rowActivations = activations + b * L * A
        let scores = alpha + b * L
        for i in 0..<L {
            let p = rowProjected + i * A, act = rowActivations + i * A
            for j in 0..<A { act[j] = p[j] + hp[j] }
        }
        tanhVector(rowActivations, count: L * A)
        // scores (L) = activations (L, A) · w + b
        gemv(m: L, n: A, a: rowActivations, x: weights.scoreWeight, y: scores)
        for i in 0..<L { scores[i] += weights.scoreBias[0] }
        var betaLogit = weights.betaBias[0]
        let h = hidden + b * H
        for j in 0..<H { betaLogit += h[j] * weights.betaWeight[j] }
        gate[b] = sigmoid(betaLogit)
    }
    softmaxRows(alpha, rows: rows, columns: L)
    for b in 0..<rows {
        // context_b (D) = alpha_b (L) · annotations_b (L, D)
        let source = sourceRow.map { Int($0[b]) } ?? b
        gemv(transposeA: true, m: L, n: D, a: annotations + source * L * D, x: alpha + b * L, y: context + b * D)
        let beta = gate[b]
        for d in 0..<D { gated[b * D + d] = beta * context[b * D + d] }
    }
}

/// Where `attentionBackward` adds the gradients of the attention step's own weights (shapes as in
/// `AttentionWeights`).
public struct AttentionGradients {
    public var hiddenWeight: UnsafeMutablePointer<Float>   // (A, H)
    public var hiddenBias: UnsafeMutablePointer<Float>     // (A)
    public var scoreWeight: UnsafeMutablePointer<Float>    // (A)
    public var scoreBias: UnsafeMutablePointer<Float>      // (1)
    public var betaWeight: UnsafeMutablePointer<Float>     // (H)
    public var betaBias: UnsafeMutablePointer<Float>       // (1)

    public init(hiddenWeight: UnsafeMutablePointer<Float>, hiddenBias: UnsafeMutablePointer<Float>,
                scoreWeight: UnsafeMutablePointer<Float>, scoreBias: UnsafeMutablePointer<Float>,
                betaWeight: UnsafeMutablePointer<Float>, betaBias: UnsafeMutablePointer<Float>) {
        self.hiddenWeight = hiddenWeight
        self.hiddenBias = hiddenBias
        self.scoreWeight = scoreWeight
        self.scoreBias = scoreBias
        self.betaWeight = betaWeight
        self.betaBias = betaBias
    }
}

/// Backward of `attentionForward`, adding into every gradient buffer. Reads what forward kept: activations
/// (B, L, A), alpha (B, L), context (B, D), gate (B), and its inputs annotations (N, L, D), hidden (B, H).
/// gatedGradient (B, D) is ∂loss/∂z_t; alphaGradient (B, L), when given, adds a loss term's direct ∂loss/∂α_t
/// (the doubly stochastic penalty). Adds into hiddenGradient (B, H), annotationsGradient (N, L, D),
/// projectedGradient (N, L, A) (rows chosen by `sourceRow` as in forward) and the weights' gradients.
public func attentionBackward(hiddenGradient: UnsafeMutablePointer<Float>,
                              annotationsGradient: UnsafeMutablePointer<Float>,
                              projectedGradient: UnsafeMutablePointer<Float>, gradients: AttentionGradients,
                              gatedGradient: UnsafePointer<Float>, alphaGradient: UnsafePointer<Float>?,
                              activations: UnsafePointer<Float>, alpha: UnsafePointer<Float>,
                              context: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                              annotations: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
                              weights: AttentionWeights, sourceRow: UnsafePointer<Int32>? = nil,
                              rows: Int, locations: Int, featureSize: Int, hiddenSize: Int, attentionSize: Int) {
    let (L, D, A, H) = (locations, featureSize, attentionSize, hiddenSize)
    let hiddenProjectionGradient = UnsafeMutablePointer<Float>.allocate(capacity: rows * A)   // (B, A)
    let contextGradient = UnsafeMutablePointer<Float>.allocate(capacity: D)                   // (D)
    let scoreGradient = UnsafeMutablePointer<Float>.allocate(capacity: L)                     // (L) ∂/∂α, then ∂/∂e
    defer { hiddenProjectionGradient.deallocate(); contextGradient.deallocate(); scoreGradient.deallocate() }
    hiddenProjectionGradient.initialize(repeating: 0, count: rows * A)

    for b in 0..<rows {
        let source = sourceRow.map { Int($0[b]) } ?? b
        let rowAnnotations = annotations + source * L * D
        let dz = gatedGradient + b * D, ctx = context + b * D, beta = gate[b]
        // z = β · context
        var betaGradient: Float = 0
        for d in 0..<D {
            betaGradient += dz[d] * ctx[d]
            contextGradient[d] = beta * dz[d]
        }
        // β = σ(w_β · h + b_β)
        let logitGradient = betaGradient * beta * (1 - beta)
        let h = hidden + b * H, dh = hiddenGradient + b * H
        for j in 0..<H {
            gradients.betaWeight[j] += logitGradient * h[j]
            dh[j] += logitGradient * weights.betaWeight[j]
        }
        gradients.betaBias[0] += logitGradient
        // context = Σ_i α_i a_i
        let rowAlpha = alpha + b * L
        gemv(m: L, n: D, a: rowAnnotations, x: contextGradient, y: scoreGradient)
        if let alphaGradient {
            for i in 0..<L { scoreGradient[i] += alphaGradient[b * L + i] }
        }
        // annotationsGradient (L, D) += α (L, 1) · contextGradient (1, D)
        gemm(m: L, n: D, k: 1, a: rowAlpha, b: contextGradient, beta: 1,
             c: annotationsGradient + source * L * D)
        // α = softmax(e)
        var weighted: Float = 0
        for i in 0..<L { weighted += rowAlpha[i] * scoreGradient[i] }
        var scoreBiasGradient: Float = 0
        for i in 0..<L {
            scoreGradient[i] = rowAlpha[i] * (scoreGradient[i] - weighted)
            scoreBiasGradient += scoreGradient[i]
        }
        gradients.scoreBias[0] += scoreBiasGradient
        // e_i = w · act_i + b, act_i = tanh(W_a a_i + W_h h + b)
        let rowActivations = activations + b * L * A
        gemv(transposeA: true, m: L, n: A, a: rowActivations, x: scoreGradient, beta: 1, y: gradients.scoreWeight)
        let dhp = hiddenProjectionGradient + b * A
        let rowProjectedGradient = projectedGradient + source * L * A
        for i in 0..<L {
            let de = scoreGradient[i]
            let act = rowActivations + i * A, dp = rowProjectedGradient + i * A
            for j in 0..<A {
                let value = de * weights.scoreWeight[j] * (1 - act[j] * act[j])
                dp[j] += value
                dhp[j] += value
            }
        }
    }
    linearBackward(inputGradient: hiddenGradient, weightGradient: gradients.hiddenWeight,
                   biasGradient: gradients.hiddenBias, outputGradient: hiddenProjectionGradient, input: hidden,
                   weight: weights.hiddenWeight, rows: rows, inFeatures: H, outFeatures: A)
}
