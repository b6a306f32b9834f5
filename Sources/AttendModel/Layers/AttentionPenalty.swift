// MARK: - Doubly stochastic attention penalty (Xu et al. 2015, eq. 14)
//
//   λ Σ_i (1 − Σ_t α_ti)²
//
// Σ_i α_ti = 1 at every step by the softmax; the penalty asks that Σ_t α_ti ≈ 1 too, so that over the
// whole caption the model looks at every part of the picture about once. `coverage` (B, L) = Σ_t α_ti
// over the steps that predict a real word (not <pad>).

/// Returns λ Σ_rows Σ_i (1 − coverage_ri)² for coverage (B, L).
public func attentionPenaltyForward(coverage: UnsafePointer<Float>, weight lambda: Float, rows: Int,
                                    locations: Int) -> Float {
    var total: Double = 0
    for k in 0..<(rows * locations) {
        let gap = Double(1 - coverage[k])
        total += gap * gap
    }
    return lambda * Float(total)
}

/// Backward for the loss `scale · attentionPenaltyForward(...)`: every counted step t has the same
/// ∂/∂α_ti = −2 λ scale (1 − coverage_i); this adds it into alphaGradient (B, L) for one step. `counts` (B),
/// when given, masks rows whose step is not counted (0) from those that are (non-zero).
public func attentionPenaltyBackward(alphaGradient: UnsafeMutablePointer<Float>, coverage: UnsafePointer<Float>,
                                     weight lambda: Float, scale: Float, counts: UnsafePointer<Bool>?,
                                     rows: Int, locations: Int) {
    for r in 0..<rows {
        if let counts, !counts[r] { continue }
        for i in 0..<locations {
            alphaGradient[r * locations + i] += -2 * lambda * scale * (1 - coverage[r * locations + i])
        }
    }
}
