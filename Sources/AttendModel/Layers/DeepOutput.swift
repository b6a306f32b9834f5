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

/// Where `deepOutputBackward` adds the weights' gradients (shapes as in `DeepOutputWeights`).
public struct DeepOutputGradients {
    public var hiddenWeight: UnsafeMutablePointer<Float>   // (E, H)
    public var hiddenBias: UnsafeMutablePointer<Float>     // (E)
    public var contextWeight: UnsafeMutablePointer<Float>  // (E, D)
    public var contextBias: UnsafeMutablePointer<Float>    // (E)
    public var outWeight: UnsafeMutablePointer<Float>      // (V, E)
    public var outBias: UnsafeMutablePointer<Float>        // (V)

    public init(hiddenWeight: UnsafeMutablePointer<Float>, hiddenBias: UnsafeMutablePointer<Float>,
                contextWeight: UnsafeMutablePointer<Float>, contextBias: UnsafeMutablePointer<Float>,
                outWeight: UnsafeMutablePointer<Float>, outBias: UnsafeMutablePointer<Float>) {
        self.hiddenWeight = hiddenWeight
        self.hiddenBias = hiddenBias
        self.contextWeight = contextWeight
        self.contextBias = contextBias
        self.outWeight = outWeight
        self.outBias = outBias
    }
}

/// Backward of `deepOutputForward`, adding into every gradient buffer. logitsGradient (B, V) is ∂loss/∂logits;
/// reads the kept deep (B, E) and the inputs hidden (B, H), gated (B, D). Adds into embeddedGradient (B, E),
/// hiddenGradient (B, H), gatedGradient (B, D) and the weights' gradients. `deepGradient` (B, E) is scratch.
public func deepOutputBackward(embeddedGradient: UnsafeMutablePointer<Float>, hiddenGradient: UnsafeMutablePointer<Float>,
                               gatedGradient: UnsafeMutablePointer<Float>, gradients: DeepOutputGradients,
                               deepGradient: UnsafeMutablePointer<Float>, logitsGradient: UnsafePointer<Float>,
                               deep: UnsafePointer<Float>, hidden: UnsafePointer<Float>, gated: UnsafePointer<Float>,
                               weights: DeepOutputWeights, rows: Int, embeddingSize: Int, hiddenSize: Int,
                               featureSize: Int, vocabularySize: Int) {
    let E = embeddingSize
    deepGradient.initialize(repeating: 0, count: rows * E)
    linearBackward(inputGradient: deepGradient, weightGradient: gradients.outWeight, biasGradient: gradients.outBias,
                   outputGradient: logitsGradient, input: deep, weight: weights.outWeight,
                   rows: rows, inFeatures: E, outFeatures: vocabularySize)
    for i in 0..<(rows * E) { embeddedGradient[i] += deepGradient[i] }
    linearBackward(inputGradient: hiddenGradient, weightGradient: gradients.hiddenWeight,
                   biasGradient: gradients.hiddenBias, outputGradient: deepGradient, input: hidden,
                   weight: weights.hiddenWeight, rows: rows, inFeatures: hiddenSize, outFeatures: E)
    linearBackward(inputGradient: gatedGradient, weightGradient: gradients.contextWeight,
                   biasGradient: gradients.contextBias, outputGradient: deepGradient, input: gated,
                   weight: weights.contextWeight, rows: rows, inFeatures: featureSize, outFeatures: E)
}
