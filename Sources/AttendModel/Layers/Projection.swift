import AttendMath
import Foundation

// MARK: - Per-location projection: LayerNorm → linear → ReLU
//
// A pretrained encoder's grid (1280 channels of ImageNet features at very different scales) is normalised per
// location, then mapped to the decoder's annotation size P. Applied to each of the B·L grid cells alike.
// ε = 1e-5 (PyTorch's LayerNorm default).

public let layerNormEpsilon: Float = 1e-5

public struct ProjectionWeights {
    public let normScale: UnsafePointer<Float>   // (C) γ
    public let normShift: UnsafePointer<Float>   // (C) β
    public let weight: UnsafePointer<Float>      // (P, C)
    public let bias: UnsafePointer<Float>        // (P)

    public init(normScale: UnsafePointer<Float>, normShift: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                bias: UnsafePointer<Float>) {
        self.normScale = normScale
        self.normShift = normShift
        self.weight = weight
        self.bias = bias
    }
}

/// output (N, P) = ReLU(LayerNorm(grid (N, C)) · Wᵀ + b). Keeps for backward normalized (N, C) = x̂,
/// scaled (N, C) = γ x̂ + β (the linear layer's input) and inverseStd (N).
public func projectionForward(output: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>,
                              scaled: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>,
                              grid: UnsafePointer<Float>,
                              weights: ProjectionWeights, rows N: Int, channels C: Int, outFeatures P: Int) {
    parallelFor(N, minimumPerWorker: 8) { range in
        for n in range {
            let x = grid + n * C, xHat = normalized + n * C, y = scaled + n * C
            var sum = 0.0, squares = 0.0
            for c in 0..<C { sum += Double(x[c]) }
            let mean = sum / Double(C)
            for c in 0..<C { let d = Double(x[c]) - mean; squares += d * d }
            let invStd = Float(1 / (squares / Double(C) + Double(layerNormEpsilon)).squareRoot())
            inverseStd[n] = invStd
            let m = Float(mean)
            for c in 0..<C {
                xHat[c] = (x[c] - m) * invStd
                y[c] = xHat[c] * weights.normScale[c] + weights.normShift[c]
            }
        }
    }
    linearForward(output: output, input: scaled, weight: weights.weight, bias: weights.bias, rows: N,
                  inFeatures: C, outFeatures: P)
    for i in 0..<(N * P) { output[i] = max(output[i], 0) }
}

public struct ProjectionGradients {
    public let normScale: UnsafeMutablePointer<Float>   // (C)
    public let normShift: UnsafeMutablePointer<Float>   // (C)
    public let weight: UnsafeMutablePointer<Float>      // (P, C)
    public let bias: UnsafeMutablePointer<Float>        // (P)

    public init(normScale: UnsafeMutablePointer<Float>, normShift: UnsafeMutablePointer<Float>,
                weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>) {
        self.normScale = normScale
        self.normShift = normShift
        self.weight = weight
        self.bias = bias
    }
}

/// Backward of `projectionForward`, adding into the parameter gradients (and into gridGradient (N, C) when given).
/// outputGradient (N, P) is overwritten with the gradient before the ReLU; normalizedGradient (N, C) is scratch
/// (∂ of the scaled values).
public func projectionBackward(gridGradient: UnsafeMutablePointer<Float>?, gradients: ProjectionGradients,
                               normalizedGradient: UnsafeMutablePointer<Float>,
                               outputGradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>,
                               normalized: UnsafePointer<Float>, scaled: UnsafePointer<Float>,
                               inverseStd: UnsafePointer<Float>,
                               weights: ProjectionWeights, rows N: Int, channels C: Int, outFeatures P: Int) {
    for i in 0..<(N * P) where output[i] <= 0 { outputGradient[i] = 0 }
    normalizedGradient.update(repeating: 0, count: N * C)
    linearBackward(inputGradient: normalizedGradient, weightGradient: gradients.weight, biasGradient: gradients.bias,
                   outputGradient: outputGradient, input: scaled, weight: weights.weight, rows: N,
                   inFeatures: C, outFeatures: P)
    // y = γ x̂ + β: ∂γ += Σ dy x̂, ∂β += Σ dy; with g = dy γ, ∂x = inverseStd (g − mean(g) − x̂ mean(g x̂)).
    for n in 0..<N {
        let dy = normalizedGradient + n * C, xHat = normalized + n * C
        var meanG = 0.0, meanGX = 0.0
        for c in 0..<C {
            gradients.normScale[c] += dy[c] * xHat[c]
            gradients.normShift[c] += dy[c]
            let g = Double(dy[c] * weights.normScale[c])
            meanG += g
            meanGX += g * Double(xHat[c])
        }
        guard let gridGradient else { continue }
        meanG /= Double(C)
        meanGX /= Double(C)
        let dx = gridGradient + n * C
        for c in 0..<C {
            dx[c] += inverseStd[n] * Float(Double(dy[c] * weights.normScale[c]) - meanG - Double(xHat[c]) * meanGX)
        }
    }
}
