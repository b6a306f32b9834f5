import Foundation

// MARK: - Hard attention: the location a word takes, and the gradient its choice gives α (Xu et al. 2015, §4.1)
//
// A hard-attention step computes α_t and β_t as soft attention does (`attentionWeightsForward`), chooses one
// location s_t, and takes z_t = β_t a_{s_t} (`attentionContextForward` with `chosen`). In training s_t is drawn
// from Multinoulli(α_t), and the objective is the variational lower bound L_s = Σ_s p(s | a) log p(y | s, a) on
// log p(y | a). Its gradient, estimated from the drawn s̃ (eq. 12, with the entropy term of §4.1):
//
//   ∂L_s/∂W ≈ ∂log p(y | s̃, a)/∂W + λ_r (log p(y | s̃, a) − b) ∂log p(s̃ | a)/∂W + λ_e ∂H[s̃]/∂W
//
// with log p(s̃ | a) = Σ_t log α_{t, s̃_t} and H[s̃] = Σ_t H(α_t) along the drawn path. The first term is the
// backward pass through a_{s̃_t} (`attentionBackward` with `chosen`); this file adds the other two to ∂loss/∂α_t,
// the loss being −L_s: −λ_r A / α_{t,s} at s for the advantage A = log p(y | s̃, a) − b, and λ_e (log α_ti + 1) for
// ∂(−λ_e H)/∂α_ti. The softmax's backward in `attentionBackward` takes both on to the scores.

/// s (B) from α (B, L): for a row with a draw u ∈ [0, 1), the first location whose cumulative α passes u — a draw
/// from Multinoulli(α_b) — or the last with α > 0 when rounding leaves u past the total; −1 for a row whose draw
/// is negative (it takes the expectation).
public func hardAttentionSample(chosen: UnsafeMutablePointer<Int32>, alpha: UnsafePointer<Float>,
                                draws: UnsafePointer<Float>, rows: Int, locations: Int) {
    for b in 0..<rows {
        let u = draws[b]
        guard u >= 0 else { chosen[b] = -1; continue }
        let row = alpha + b * locations
        var cumulative: Float = 0, pick = -1
        for i in 0..<locations where row[i] > 0 {
            cumulative += row[i]
            pick = i
            if cumulative > u { break }
        }
        chosen[b] = Int32(max(pick, 0))
    }
}

/// s (B) = the most probable location of each row of α (B, L) (the first of equals).
public func hardAttentionArgmax(chosen: UnsafeMutablePointer<Int32>, alpha: UnsafePointer<Float>, rows: Int,
                                locations: Int) {
    for b in 0..<rows {
        let row = alpha + b * locations
        var best = 0
        for i in 1..<max(locations, 1) where row[i] > row[best] { best = i }
        chosen[b] = Int32(best)
    }
}

/// Per row of α (B, L): logProbability (B) = log α_s of the chosen location (0 for a row that took the
/// expectation), entropy (B) = H(α) = −Σ_i α_i log α_i.
public func hardAttentionForward(logProbability: UnsafeMutablePointer<Float>, entropy: UnsafeMutablePointer<Float>,
                                 alpha: UnsafePointer<Float>, chosen: UnsafePointer<Int32>, rows: Int,
                                 locations: Int) {
    for b in 0..<rows {
        let row = alpha + b * locations
        var h: Float = 0
        for i in 0..<locations where row[i] > 0 { h -= row[i] * log(row[i]) }
        entropy[b] = h
        logProbability[b] = chosen[b] >= 0 ? log(max(row[Int(chosen[b])], .leastNormalMagnitude)) : 0
    }
}

/// Backward of the loss Σ_b [−advantage_b log α_{b,s_b} − entropyWeight H(α_b)] over the counted rows: adds into
/// alphaGradient (B, L) −advantage_b / α_{b,s_b} at each sampled row's s_b, and entropyWeight (log α_bi + 1) at every
/// location of every counted row. `advantage` (B) is λ_r (log p(y | s̃, a) − b) with the loss's scale, 0 for a row that
/// took the expectation; `entropyWeight` is λ_e with the loss's scale; `counts` (B) masks the rows whose step
/// predicts no word.
public func hardAttentionBackward(alphaGradient: UnsafeMutablePointer<Float>, alpha: UnsafePointer<Float>,
                                  chosen: UnsafePointer<Int32>, advantage: UnsafePointer<Float>,
                                  entropyWeight: Float, counts: UnsafePointer<Bool>, rows: Int, locations: Int) {
    for b in 0..<rows where counts[b] {
        let row = alpha + b * locations, gradient = alphaGradient + b * locations
        if chosen[b] >= 0 {
            let s = Int(chosen[b])
            gradient[s] -= advantage[b] / max(row[s], .leastNormalMagnitude)
        }
        guard entropyWeight != 0 else { continue }
        // α_i = 0 (a score far below the rest) has no gradient through the softmax: any finite value serves.
        for i in 0..<locations { gradient[i] += entropyWeight * (log(max(row[i], .leastNormalMagnitude)) + 1) }
    }
}
