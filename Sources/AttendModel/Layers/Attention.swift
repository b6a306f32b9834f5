import AttendMath
import Foundation

// MARK: - Attention with gate β (Xu et al. 2015, §4.2 and §4.2.1)
//
//   e_ti = w · tanh(W_a a_i + W_h h_{t−1}) + b      α_t = softmax(e_t)
//   β_t  = σ(w_β · h_{t−1} + b_β)                    z_t = β_t Σ_i α_ti a_i    (soft: the expectation)
//                                                    z_t = β_t a_{s_t}         (hard: a chosen location, §4.1)
//
// Which location a hard row takes, and the gradient its choice gives α, are HardAttention.swift's.
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

/// One attention step for B rows (images or beams): `attentionWeightsForward`, then `attentionContextForward`
/// with every row taking the expectation (soft attention).
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
    attentionWeightsForward(gate: gate, alpha: alpha, activations: activations, hiddenProjection: hiddenProjection,
                            projected: projected, hidden: hidden, weights: weights, sourceRow: sourceRow, rows: rows,
                            locations: locations, hiddenSize: hiddenSize, attentionSize: attentionSize)
    attentionContextForward(gated: gated, context: context, alpha: alpha, gate: gate, annotations: annotations,
                            sourceRow: sourceRow, rows: rows, locations: locations, featureSize: featureSize)
}

/// Where the step looks: alpha (B, L) = softmax(w · tanh(W_a a + W_h h) + b) and gate (B) = β = σ(w_β · h + b_β),
/// keeping hiddenProjection (B, A) and activations (B, L, A). Shapes and `sourceRow` as in `attentionForward`.
public func attentionWeightsForward(gate: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>,
                                    activations: UnsafeMutablePointer<Float>,
                                    hiddenProjection: UnsafeMutablePointer<Float>, projected: UnsafePointer<Float>,
                                    hidden: UnsafePointer<Float>, weights: AttentionWeights,
                                    sourceRow: UnsafePointer<Int32>? = nil, rows: Int, locations: Int, hiddenSize: Int,
                                    attentionSize: Int) {
    let (L, A, H) = (locations, attentionSize, hiddenSize)
    linearForward(output: hiddenProjection, input: hidden, weight: weights.hiddenWeight, bias: weights.hiddenBias,
                  rows: rows, inFeatures: H, outFeatures: A)
    // The (B, L, A) element-wise work, split over the workers by rows: each row writes only its own slices.
    parallelFor(rows) { rowRange in for b in rowRange {
        let hp = hiddenProjection + b * A
        let rowProjected = projected + sourceImage(b, sourceRow) * L * A, rowActivations = activations + b * L * A
        for i in 0..<L {
            let p = rowProjected + i * A, act = rowActivations + i * A
            for j in 0..<A { act[j] = p[j] + hp[j] }
        }
        tanhVector(rowActivations, count: L * A)
        var betaLogit = weights.betaBias[0]
        let h = hidden + b * H
        for j in 0..<H { betaLogit += h[j] * weights.betaWeight[j] }
        gate[b] = sigmoid(betaLogit)
    } }
    // Whole-batch product: scores (B·L) = activations · w + b in one gemv.
    gemv(m: rows * L, n: A, a: activations, x: weights.scoreWeight, y: alpha)
    let scoreBias = weights.scoreBias[0]
    for i in 0..<(rows * L) { alpha[i] += scoreBias }
    softmaxRows(alpha, rows: rows, columns: L)
}

/// What the step sees: context (B, D) = Σ_i α_i a_i, or for a row whose `chosen` location s is not −1 (hard
/// attention) the annotation a_s itself; gated (B, D) = z = β · context. Reads alpha (B, L), gate (B),
/// annotations (N, L, D) through `sourceRow`; `chosen` (B), nil: every row takes the expectation.
public func attentionContextForward(gated: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
                                    alpha: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                                    annotations: UnsafePointer<Float>, sourceRow: UnsafePointer<Int32>? = nil,
                                    chosen: UnsafePointer<Int32>? = nil, rows: Int, locations: Int, featureSize: Int) {
    let (L, D) = (locations, featureSize)
    forEachImageRun(rows: rows, sourceRow: sourceRow) { first, count, image in
        // context (n, D) = alpha (n, L) · annotations_image (L, D): the rows of one image in one product.
        gemm(m: count, n: D, k: L, a: alpha + first * L, b: annotations + image * L * D, c: context + first * D)
    }
    if let chosen {
        for b in 0..<rows where chosen[b] >= 0 {
            (context + b * D).update(from: annotations + (sourceImage(b, sourceRow) * L + Int(chosen[b])) * D, count: D)
        }
    }
    for b in 0..<rows {
        let beta = gate[b]
        for d in 0..<D { gated[b * D + d] = beta * context[b * D + d] }
    }
}

/// The annotation row that row b reads.
@inline(__always)
private func sourceImage(_ row: Int, _ sourceRow: UnsafePointer<Int32>?) -> Int {
    sourceRow.map { Int($0[row]) } ?? row
}

/// Calls body(first, count, image) for each run of consecutive rows that read the same image (the K captions
/// or beams of one picture sit next to each other), so their products can share one matrix call.
private func forEachImageRun(rows: Int, sourceRow: UnsafePointer<Int32>?,
                             _ body: (_ first: Int, _ count: Int, _ image: Int) -> Void) {
    var first = 0
    while first < rows {
        let image = sourceImage(first, sourceRow)
        var end = first + 1
        while end < rows && sourceImage(end, sourceRow) == image { end += 1 }
        body(first, end - first, image)
        first = end
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

// Longer than 80 lines: a layer's backward, its steps in the reverse order of `attentionForward` above.
/// Backward of `attentionForward`, adding into every gradient buffer. Reads what forward kept: activations
/// (B, L, A), alpha (B, L), context (B, D), gate (B), and its inputs annotations (N, L, D), hidden (B, H).
/// gatedGradient (B, D) is ∂loss/∂z_t; alphaGradient (B, L), when given, adds a loss term's direct ∂loss/∂α_t
/// (the doubly stochastic penalty, hard attention's REINFORCE and entropy terms). Adds into hiddenGradient (B, H),
/// annotationsGradient (N, L, D), projectedGradient (N, L, A) (rows chosen by `sourceRow` as in forward) and the
/// weights' gradients. `chosen` (B) as forward had it: a row whose context was the annotation a_s sends its context's
/// gradient to a_s alone, and none to α (its α learns from alphaGradient only).
public func attentionBackward(hiddenGradient: UnsafeMutablePointer<Float>,
                              annotationsGradient: UnsafeMutablePointer<Float>,
                              projectedGradient: UnsafeMutablePointer<Float>, gradients: AttentionGradients,
                              gatedGradient: UnsafePointer<Float>, alphaGradient: UnsafePointer<Float>?,
                              activations: UnsafePointer<Float>, alpha: UnsafePointer<Float>,
                              context: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                              annotations: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
                              weights: AttentionWeights, sourceRow: UnsafePointer<Int32>? = nil,
                              chosen: UnsafePointer<Int32>? = nil,
                              rows: Int, locations: Int, featureSize: Int, hiddenSize: Int, attentionSize: Int) {
    let (L, D, A, H) = (locations, featureSize, attentionSize, hiddenSize)
    let hiddenProjectionGradient = UnsafeMutablePointer<Float>.allocate(capacity: rows * A)   // (B, A)
    let contextGradient = UnsafeMutablePointer<Float>.allocate(capacity: rows * D)            // (B, D)
    let scoreGradient = UnsafeMutablePointer<Float>.allocate(capacity: rows * L)              // (B, L) ∂/∂α, then ∂/∂e
    let preGradient = UnsafeMutablePointer<Float>.allocate(capacity: rows * L * A)            // (B, L, A) ∂/∂(W_a a + W_h h)
    defer {
        hiddenProjectionGradient.deallocate(); contextGradient.deallocate()
        scoreGradient.deallocate(); preGradient.deallocate()
    }

    for b in 0..<rows {
        let dz = gatedGradient + b * D, ctx = context + b * D, beta = gate[b], dctx = contextGradient + b * D
        // z = β · context
        var betaGradient: Float = 0
        for d in 0..<D {
            betaGradient += dz[d] * ctx[d]
            dctx[d] = beta * dz[d]
        }
        // β = σ(w_β · h + b_β)
        let logitGradient = betaGradient * beta * (1 - beta)
        let h = hidden + b * H, dh = hiddenGradient + b * H
        for j in 0..<H {
            gradients.betaWeight[j] += logitGradient * h[j]
            dh[j] += logitGradient * weights.betaWeight[j]
        }
        gradients.betaBias[0] += logitGradient
    }
    // context = a_s for the rows that chose a location: a_s takes the whole gradient, and the products below none.
    if let chosen {
        for b in 0..<rows where chosen[b] >= 0 {
            let dctx = contextGradient + b * D
            let da = annotationsGradient + (sourceImage(b, sourceRow) * L + Int(chosen[b])) * D
            for d in 0..<D { da[d] += dctx[d] }
            dctx.update(repeating: 0, count: D)
        }
    }
    // context = Σ_i α_i a_i, per run of rows reading one image:
    //   ∂/∂α (n, L) = contextGradient (n, D) · annotations_imageᵀ;  annotationsGradient_image += αᵀ · contextGradient
    forEachImageRun(rows: rows, sourceRow: sourceRow) { first, count, image in
        gemm(transposeB: true, m: count, n: L, k: D, a: contextGradient + first * D, b: annotations + image * L * D,
             c: scoreGradient + first * L)
        gemm(transposeA: true, m: L, n: D, k: count, a: alpha + first * L, b: contextGradient + first * D, beta: 1,
             c: annotationsGradient + image * L * D)
    }
    if let alphaGradient {
        for i in 0..<(rows * L) { scoreGradient[i] += alphaGradient[i] }
    }
    // α = softmax(e)
    var scoreBiasGradient: Float = 0
    for b in 0..<rows {
        let rowAlpha = alpha + b * L, de = scoreGradient + b * L
        var weighted: Float = 0
        for i in 0..<L { weighted += rowAlpha[i] * de[i] }
        for i in 0..<L {
            de[i] = rowAlpha[i] * (de[i] - weighted)
            scoreBiasGradient += de[i]
        }
    }
    gradients.scoreBias[0] += scoreBiasGradient
    // e = act · w + b over (B·L, A);  act = tanh(pre)
    gemv(transposeA: true, m: rows * L, n: A, a: activations, x: scoreGradient, beta: 1, y: gradients.scoreWeight)
    // pre = projected_image + W_h h + b: ∂/∂(W_h h) sums over locations, per row (rows split over the workers)...
    hiddenProjectionGradient.initialize(repeating: 0, count: rows * A)
    parallelFor(rows) { rowRange in for b in rowRange {
        let dhp = hiddenProjectionGradient + b * A
        for i in 0..<L {
            let r = b * L + i, de = scoreGradient[r], act = activations + r * A, dpre = preGradient + r * A
            for j in 0..<A {
                dpre[j] = de * weights.scoreWeight[j] * (1 - act[j] * act[j])
                dhp[j] += dpre[j]
            }
        }
    } }
    // ...and ∂/∂projected sums over the rows that read one image: split by locations, so that two workers never
    // add into the same entry (the K captions of an image are different rows).
    parallelFor(L) { locationRange in
        for b in 0..<rows {
            let rowProjectedGradient = projectedGradient + sourceImage(b, sourceRow) * L * A
            for i in locationRange {
                let dpre = preGradient + (b * L + i) * A, dp = rowProjectedGradient + i * A
                for j in 0..<A { dp[j] += dpre[j] }
            }
        }
    }
    linearBackward(inputGradient: hiddenGradient, weightGradient: gradients.hiddenWeight,
                   biasGradient: gradients.hiddenBias, outputGradient: hiddenProjectionGradient, input: hidden,
                   weight: weights.hiddenWeight, rows: rows, inFeatures: H, outFeatures: A)
}
