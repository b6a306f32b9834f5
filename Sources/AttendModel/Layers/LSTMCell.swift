import AttendMath
import Foundation

// MARK: - LSTM cell (gate order i, f, g, o, as PyTorch)
//
//   [i f g o] = x W_ihᵀ + h W_hhᵀ + b      c' = σ(f) c + σ(i) tanh(g)      h' = σ(o) tanh(c')
//
// σ and tanh are AttendMath's vectorised ones (|error| < 1e-6), as in attention: libm's scalar tanhf and expf
// were a tenth of a training step.

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
    lstmCellActivate(newHidden: newHidden, newCell: newCell, gates: gates, cell: cell, rows: rows, hiddenSize: H)
}

/// The cell's non-linearities, after its products: gates (B, 4H) holds the pre-activations x W_ihᵀ + h W_hhᵀ + b
/// and is overwritten with σ(i), σ(f), tanh(g), σ(o); writes newCell (B, H) and newHidden (B, H) from cell (B, H).
/// (Training computes the products itself, the embedding's share for all steps at once.)
public func lstmCellActivate(newHidden: UnsafeMutablePointer<Float>, newCell: UnsafeMutablePointer<Float>,
                             gates: UnsafeMutablePointer<Float>, cell: UnsafePointer<Float>, rows: Int, hiddenSize: Int) {
    let H = hiddenSize
    parallelFor(rows, minimumPerWorker: 8) { range in for b in range {
        let g = gates + b * 4 * H
        let c = cell + b * H, cNew = newCell + b * H, hNew = newHidden + b * H
        for j in 0..<H {
            let inputGate = sigmoidApproximate(g[j])
            let forgetGate = sigmoidApproximate(g[H + j])
            let candidate = tanhApproximate(g[2 * H + j])
            let outputGate = sigmoidApproximate(g[3 * H + j])
            g[j] = inputGate
            g[H + j] = forgetGate
            g[2 * H + j] = candidate
            g[3 * H + j] = outputGate
            let value = forgetGate * c[j] + inputGate * candidate
            cNew[j] = value
            hNew[j] = outputGate * tanhApproximate(value)
        }
    } }
}

/// Where `lstmCellBackward` adds the weights' gradients (shapes as in `LSTMWeights`).
public struct LSTMGradients {
    public var inputWeight: UnsafeMutablePointer<Float>    // (4H, X)
    public var hiddenWeight: UnsafeMutablePointer<Float>   // (4H, H)
    public var bias: UnsafeMutablePointer<Float>           // (4H)

    public init(inputWeight: UnsafeMutablePointer<Float>, hiddenWeight: UnsafeMutablePointer<Float>,
                bias: UnsafeMutablePointer<Float>) {
        self.inputWeight = inputWeight
        self.hiddenWeight = hiddenWeight
        self.bias = bias
    }
}

/// Backward of `lstmCellForward`, adding into every gradient buffer. Reads what forward kept (gates (B, 4H)
/// after their non-linearities, newCell (B, H)) and its inputs input (B, X), hidden (B, H), cell (B, H).
/// newHiddenGradient, newCellGradient (B, H) are ∂loss/∂h', ∂loss/∂c'; adds into inputGradient (B, X),
/// hiddenGradient (B, H), cellGradient (B, H) (nil skips one) and the weights' gradients.
/// `gateGradient` (B, 4H) is scratch.
public func lstmCellBackward(inputGradient: UnsafeMutablePointer<Float>?, hiddenGradient: UnsafeMutablePointer<Float>?,
                             cellGradient: UnsafeMutablePointer<Float>?, gradients: LSTMGradients,
                             gateGradient: UnsafeMutablePointer<Float>,
                             newHiddenGradient: UnsafePointer<Float>, newCellGradient: UnsafePointer<Float>,
                             gates: UnsafePointer<Float>, newCell: UnsafePointer<Float>,
                             input: UnsafePointer<Float>, hidden: UnsafePointer<Float>, cell: UnsafePointer<Float>,
                             weights: LSTMWeights, rows: Int, inputSize: Int, hiddenSize: Int) {
    let H = hiddenSize
    lstmCellGateGradient(gateGradient: gateGradient, cellGradient: cellGradient, newHiddenGradient: newHiddenGradient,
                         newCellGradient: newCellGradient, gates: gates, newCell: newCell, cell: cell, rows: rows,
                         hiddenSize: H)
    linearBackward(inputGradient: inputGradient, weightGradient: gradients.inputWeight, biasGradient: gradients.bias,
                   outputGradient: gateGradient, input: input, weight: weights.inputWeight,
                   rows: rows, inFeatures: inputSize, outFeatures: 4 * H)
    linearBackward(inputGradient: hiddenGradient, weightGradient: gradients.hiddenWeight, biasGradient: nil,
                   outputGradient: gateGradient, input: hidden, weight: weights.hiddenWeight,
                   rows: rows, inFeatures: H, outFeatures: 4 * H)
}

/// Backward of `lstmCellActivate`: writes gateGradient (B, 4H) = ∂loss/∂(pre-activations) from newHiddenGradient,
/// newCellGradient (B, H) and what forward kept (gates after their non-linearities, newCell, cell); adds
/// ∂loss/∂c into cellGradient (B, H) unless nil. The products' backward is the caller's.
public func lstmCellGateGradient(gateGradient: UnsafeMutablePointer<Float>, cellGradient: UnsafeMutablePointer<Float>?,
                                 newHiddenGradient: UnsafePointer<Float>, newCellGradient: UnsafePointer<Float>,
                                 gates: UnsafePointer<Float>, newCell: UnsafePointer<Float>, cell: UnsafePointer<Float>,
                                 rows: Int, hiddenSize: Int) {
    let H = hiddenSize
    parallelFor(rows, minimumPerWorker: 8) { range in for b in range {
        let g = gates + b * 4 * H, dg = gateGradient + b * 4 * H
        let c = cell + b * H, cNew = newCell + b * H
        let dhNew = newHiddenGradient + b * H, dcNew = newCellGradient + b * H
        for j in 0..<H {
            let inputGate = g[j], forgetGate = g[H + j], candidate = g[2 * H + j], outputGate = g[3 * H + j]
            let squashed = tanhApproximate(cNew[j])
            // h' = o · tanh(c'), c' = f · c + i · g
            let dc = dcNew[j] + dhNew[j] * outputGate * (1 - squashed * squashed)
            dg[j] = dc * candidate * inputGate * (1 - inputGate)
            dg[H + j] = dc * c[j] * forgetGate * (1 - forgetGate)
            dg[2 * H + j] = dc * inputGate * (1 - candidate * candidate)
            dg[3 * H + j] = dhNew[j] * squashed * outputGate * (1 - outputGate)
            if let cellGradient { cellGradient[b * H + j] += dc * forgetGate }
        }
    } }
}
