import AttendMath

// MARK: - Deep output layer (Xu et al. 2015, eq. 7)
//
//   p(y_t) ∝ exp(L_o (E y_{t−1} + L_h h_t + L_z z_t))

public struct DeepOutputWeights {
    public var hiddenWeight: UnsafePointer<Float>   // (E, H) L_h
    public var hiddenBias: UnsafePointer<Float>     // (E)
    public var contextWeight: UnsafePointer<Float>  // (E, D) L_z
    public var contextBias: UnsafePointer<Float>    // (E)
    public var outWeight: UnsafePointer<Float>      // (V, E) L_o
    public var outBias: UnsafePointer<Float>        // (V)

    public init(hiddenWeight: UnsafePointer<Float>, hiddenBias: UnsafePointer<Float>,
                contextWeight: UnsafePointer<Float>, contextBias: UnsafePointer<Float>,
                outWeight: UnsafePointer<Float>, outBias: UnsafePointer<Float>) {
        self.hiddenWeight = hiddenWeight
        self.hiddenBias = hiddenBias
        self.contextWeight = contextWeight
        self.contextBias = contextBias
        self.outWeight = outWeight
        self.outBias = outBias
    }
}

/// Reads embedded (B, E) = E y_{t−1}, hidden (B, H) = h_t, gated (B, D) = z_t.
/// Writes deep (B, E) = E y + L_h h + L_z z (kept for the backward pass) and logits (B, V).
public func deepOutputForward(logits: UnsafeMutablePointer<Float>, deep: UnsafeMutablePointer<Float>,
                              embedded: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
                              gated: UnsafePointer<Float>, weights: DeepOutputWeights,
                              rows: Int, embeddingSize: Int, hiddenSize: Int, featureSize: Int,
                              vocabularySize: Int) {
    let E = embeddingSize
    deep.update(from: embedded, count: rows * E)
    linearForward(output: deep, input: hidden, weight: weights.hiddenWeight, bias: weights.hiddenBias,
                  rows: rows, inFeatures: hiddenSize, outFeatures: E, accumulate: true)
    linearForward(output: deep, input: gated, weight: weights.contextWeight, bias: weights.contextBias,
                  rows: rows, inFeatures: featureSize, outFeatures: E, accumulate: true)
    linearForward(output: logits, input: deep, weight: weights.outWeight, bias: weights.outBias,
                  rows: rows, inFeatures: E, outFeatures: vocabularySize)
}
