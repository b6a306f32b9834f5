import AttendMath
import Foundation

// MARK: - LSTM cell (gate order i, f, g, o, as PyTorch)
//
//   [i f g o] = x W_ihᵀ + h W_hhᵀ + b      c' = σ(f) c + σ(i) tanh(g)      h' = σ(o) tanh(c')

public struct LSTMWeights {
    public var inputWeight: UnsafePointer<Float>    // (4H, X)
    public var hiddenWeight: UnsafePointer<Float>   // (4H, H)
    public var bias: UnsafePointer<Float>           // (4H)

    public init(inputWeight: UnsafePointer<Float>, hiddenWeight: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        self.inputWeight = inputWeight
        self.hiddenWeight = hiddenWeight
        self.bias = bias
    }
}

/// One step for B rows. Reads input (B, X), hidden (B, H), cell (B, H).
/// Writes gates (B, 4H) after their non-linearities (σ(i), σ(f), tanh(g), σ(o): what backward needs),
/// newCell (B, H) and newHidden (B, H). The new state may not alias the old.
public func lstmCellForward(newHidden: UnsafeMutablePointer<Float>, newCell: UnsafeMutablePointer<Float>,
                            gates: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                            hidden: UnsafePointer<Float>, cell: UnsafePointer<Float>, weights: LSTMWeights,
                            rows: Int, inputSize: Int, hiddenSize: Int) {
    let H = hiddenSize
    linearForward(output: gates, input: input, weight: weights.inputWeight, bias: weights.bias,
                  rows: rows, inFeatures: inputSize, outFeatures: 4 * H)
    linearForward(output: gates, input: hidden, weight: weights.hiddenWeight, bias: nil,
                  rows: rows, inFeatures: H, outFeatures: 4 * H, accumulate: true)
    for b in 0..<rows {
        let g = gates + b * 4 * H
        let c = cell + b * H, cNew = newCell + b * H, hNew = newHidden + b * H
        for j in 0..<H {
            let inputGate = sigmoid(g[j])
            let forgetGate = sigmoid(g[H + j])
            let candidate = tanhf(g[2 * H + j])
            let outputGate = sigmoid(g[3 * H + j])
            g[j] = inputGate
            g[H + j] = forgetGate
            g[2 * H + j] = candidate
            g[3 * H + j] = outputGate
            let value = forgetGate * c[j] + inputGate * candidate
            cNew[j] = value
            hNew[j] = outputGate * tanhf(value)
        }
    }
}
