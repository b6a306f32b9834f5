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
