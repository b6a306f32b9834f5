import AttendMath
import AttendModel
import XCTest

// The decoder's layers against central differences (tolerance as in GradientLayerTests unless stated).

final class GradientDecoderLayerTests: XCTestCase {
    func testAttention() {
        // 3 rows over 2 images: rows 0 and 2 read image 1, row 1 reads image 0 (as beams or shared captions do).
        let (R, N, L, D, H, A) = (3, 2, 5, 4, 6, 3)
        let sourceRow: [Int32] = [1, 0, 1]
        var annotations = randomValues(N * L * D, seed: 20), projectedFeatures = randomValues(N * L * A, seed: 21)
        var hidden = randomValues(R * H, seed: 22)
        let tensors = [randomValues(A * H, scale: 0.5, seed: 23), randomValues(A, seed: 24), randomValues(A, seed: 25),
                       randomValues(1, seed: 26), randomValues(H, seed: 27), randomValues(1, seed: 28)]
        let pGated = randomValues(R * D, seed: 29), pAlpha = randomValues(R * L, seed: 30)

        /// Σ z · P + Σ α · Q: gatedGradient P, alphaGradient Q.
        func loss(_ annotations: [Float], _ projectedFeatures: [Float], _ hidden: [Float], _ t: [[Float]]) -> Double {
            var gated = [Float](repeating: 0, count: R * D), context = gated, gate = [Float](repeating: 0, count: R)
            var alpha = [Float](repeating: 0, count: R * L), activations = [Float](repeating: 0, count: R * L * A)
            var hp = [Float](repeating: 0, count: R * A)
            let weights = AttentionWeights(hiddenWeight: t[0], hiddenBias: t[1], scoreWeight: t[2], scoreBias: t[3],
                                           betaWeight: t[4], betaBias: t[5])
            attentionForward(gated: &gated, context: &context, gate: &gate, alpha: &alpha, activations: &activations,
                             hiddenProjection: &hp, annotations: annotations, projected: projectedFeatures, hidden: hidden,
                             weights: weights, sourceRow: sourceRow, rows: R, locations: L, featureSize: D,
                             hiddenSize: H, attentionSize: A)
            return projected(gated, pGated) + projected(alpha, pAlpha)
        }
        // Forward once to get the caches, then backward.
        var gated = [Float](repeating: 0, count: R * D), context = gated, gate = [Float](repeating: 0, count: R)
        var alpha = [Float](repeating: 0, count: R * L), activations = [Float](repeating: 0, count: R * L * A)
        var hp = [Float](repeating: 0, count: R * A)
        var dHidden = [Float](repeating: 0, count: R * H), dAnnotations = [Float](repeating: 0, count: N * L * D)
        var dProjected = [Float](repeating: 0, count: N * L * A)
        let t = tensors
        let weights = AttentionWeights(hiddenWeight: t[0], hiddenBias: t[1], scoreWeight: t[2], scoreBias: t[3],
                                       betaWeight: t[4], betaBias: t[5])
        attentionForward(gated: &gated, context: &context, gate: &gate, alpha: &alpha, activations: &activations,
                         hiddenProjection: &hp, annotations: annotations, projected: projectedFeatures, hidden: hidden,
                         weights: weights, sourceRow: sourceRow, rows: R, locations: L, featureSize: D, hiddenSize: H,
                         attentionSize: A)
        let grads = zeroBuffers(tensors.map(\.count)) { g in
            let gradients = AttentionGradients(hiddenWeight: g[0], hiddenBias: g[1], scoreWeight: g[2], scoreBias: g[3],
                                               betaWeight: g[4], betaBias: g[5])
            attentionBackward(hiddenGradient: &dHidden, annotationsGradient: &dAnnotations, projectedGradient: &dProjected,
                              gradients: gradients, gatedGradient: pGated, alphaGradient: pAlpha,
                              activations: activations, alpha: alpha, context: context, gate: gate,
                              annotations: annotations, hidden: hidden, weights: weights, sourceRow: sourceRow,
                              rows: R, locations: L, featureSize: D, hiddenSize: H, attentionSize: A)
        }
        checkGradient("attention annotations", values: &annotations, analytic: dAnnotations) {
            loss($0, projectedFeatures, hidden, tensors)
        }
        checkGradient("attention projected features", values: &projectedFeatures, analytic: dProjected) {
            loss(annotations, $0, hidden, tensors)
        }
        checkGradient("attention hidden", values: &hidden, analytic: dHidden) {
            loss(annotations, projectedFeatures, $0, tensors)
        }
        let names = ["W_h", "b_h", "w", "b (score)", "w_β", "b_β"]
        for k in 0..<tensors.count where k != 3 {   // the score bias cancels in the softmax: its gradient is 0
            var tensor = tensors[k]
            checkGradient("attention \(names[k])", values: &tensor, analytic: grads[k]) { values in
                var t = tensors
                t[k] = values
                return loss(annotations, projectedFeatures, hidden, t)
            }
        }
        XCTAssertEqual(grads[3][0], 0, accuracy: 1e-5, "the score bias cancels in the softmax")
    }

    func testLSTMCell() {
        let (R, X, H) = (3, 4, 5)
        var x = randomValues(R * X, seed: 40), h = randomValues(R * H, seed: 41), c = randomValues(R * H, seed: 42)
        var wIn = randomValues(4 * H * X, scale: 0.6, seed: 43), wHidden = randomValues(4 * H * H, scale: 0.6, seed: 44)
        var bias = randomValues(4 * H, seed: 45)
        let pHidden = randomValues(R * H, seed: 46), pCell = randomValues(R * H, seed: 47)
        func loss(_ x: [Float], _ h: [Float], _ c: [Float], _ wIn: [Float], _ wHidden: [Float], _ bias: [Float]) -> Double {
            var hNew = [Float](repeating: 0, count: R * H), cNew = hNew, gates = [Float](repeating: 0, count: R * 4 * H)
            lstmCellForward(newHidden: &hNew, newCell: &cNew, gates: &gates, input: x, hidden: h, cell: c,
                            weights: LSTMWeights(inputWeight: wIn, hiddenWeight: wHidden, bias: bias),
                            rows: R, inputSize: X, hiddenSize: H)
            return projected(hNew, pHidden) + projected(cNew, pCell)
        }
        var hNew = [Float](repeating: 0, count: R * H), cNew = hNew, gates = [Float](repeating: 0, count: R * 4 * H)
        let weights = LSTMWeights(inputWeight: wIn, hiddenWeight: wHidden, bias: bias)
        lstmCellForward(newHidden: &hNew, newCell: &cNew, gates: &gates, input: x, hidden: h, cell: c, weights: weights,
                        rows: R, inputSize: X, hiddenSize: H)
        var dx = [Float](repeating: 0, count: R * X), dh = [Float](repeating: 0, count: R * H), dc = dh
        var dWIn = [Float](repeating: 0, count: wIn.count), dWHidden = [Float](repeating: 0, count: wHidden.count)
        var dBias = [Float](repeating: 0, count: bias.count), scratch = [Float](repeating: 0, count: R * 4 * H)
        dWIn.withUnsafeMutableBufferPointer { a in dWHidden.withUnsafeMutableBufferPointer { b in
        dBias.withUnsafeMutableBufferPointer { d in
            lstmCellBackward(inputGradient: &dx, hiddenGradient: &dh, cellGradient: &dc,
                             gradients: LSTMGradients(inputWeight: a.baseAddress!, hiddenWeight: b.baseAddress!,
                                                      bias: d.baseAddress!),
                             gateGradient: &scratch, newHiddenGradient: pHidden, newCellGradient: pCell, gates: gates,
                             newCell: cNew, input: x, hidden: h, cell: c, weights: weights, rows: R, inputSize: X,
                             hiddenSize: H)
        } } }
        checkGradient("LSTM input", values: &x, analytic: dx) { loss($0, h, c, wIn, wHidden, bias) }
        checkGradient("LSTM hidden", values: &h, analytic: dh) { loss(x, $0, c, wIn, wHidden, bias) }
        checkGradient("LSTM cell", values: &c, analytic: dc) { loss(x, h, $0, wIn, wHidden, bias) }
        checkGradient("LSTM W_ih", values: &wIn, analytic: dWIn) { loss(x, h, c, $0, wHidden, bias) }
        checkGradient("LSTM W_hh", values: &wHidden, analytic: dWHidden) { loss(x, h, c, wIn, $0, bias) }
        checkGradient("LSTM bias", values: &bias, analytic: dBias) { loss(x, h, c, wIn, wHidden, $0) }
    }

    func testDeepOutput() {
        let (R, E, H, D, V) = (2, 3, 4, 5, 6)
        var embedded = randomValues(R * E, seed: 50), hidden = randomValues(R * H, seed: 51)
        var gated = randomValues(R * D, seed: 52)
        let tensors = [randomValues(E * H, seed: 53), randomValues(E, seed: 54), randomValues(E * D, seed: 55),
                       randomValues(E, seed: 56), randomValues(V * E, seed: 57), randomValues(V, seed: 58)]
        let p = randomValues(R * V, seed: 59)
        func loss(_ embedded: [Float], _ hidden: [Float], _ gated: [Float], _ t: [[Float]]) -> Double {
            var logits = [Float](repeating: 0, count: R * V), deep = [Float](repeating: 0, count: R * E)
            deepOutputForward(logits: &logits, deep: &deep, embedded: embedded, hidden: hidden, gated: gated,
                              weights: DeepOutputWeights(hiddenWeight: t[0], hiddenBias: t[1], contextWeight: t[2],
                                                         contextBias: t[3], outWeight: t[4], outBias: t[5]),
                              rows: R, embeddingSize: E, hiddenSize: H, featureSize: D, vocabularySize: V)
            return projected(logits, p)
        }
        let t = tensors
        let weights = DeepOutputWeights(hiddenWeight: t[0], hiddenBias: t[1], contextWeight: t[2], contextBias: t[3],
                                        outWeight: t[4], outBias: t[5])
        var logits = [Float](repeating: 0, count: R * V), deep = [Float](repeating: 0, count: R * E)
        deepOutputForward(logits: &logits, deep: &deep, embedded: embedded, hidden: hidden, gated: gated, weights: weights,
                          rows: R, embeddingSize: E, hiddenSize: H, featureSize: D, vocabularySize: V)
        var dEmbedded = [Float](repeating: 0, count: R * E), dHidden = [Float](repeating: 0, count: R * H)
        var dGated = [Float](repeating: 0, count: R * D), scratch = [Float](repeating: 0, count: R * E)
        let grads = zeroBuffers(tensors.map(\.count)) { g in
            deepOutputBackward(embeddedGradient: &dEmbedded, hiddenGradient: &dHidden, gatedGradient: &dGated,
                               gradients: DeepOutputGradients(hiddenWeight: g[0], hiddenBias: g[1], contextWeight: g[2],
                                                              contextBias: g[3], outWeight: g[4], outBias: g[5]),
                               deepGradient: &scratch, logitsGradient: p, deep: deep, hidden: hidden, gated: gated,
                               weights: weights, rows: R, embeddingSize: E, hiddenSize: H, featureSize: D,
                               vocabularySize: V)
        }
        checkGradient("deep output embedded", values: &embedded, analytic: dEmbedded) { loss($0, hidden, gated, tensors) }
        checkGradient("deep output hidden", values: &hidden, analytic: dHidden) { loss(embedded, $0, gated, tensors) }
        checkGradient("deep output gated", values: &gated, analytic: dGated) { loss(embedded, hidden, $0, tensors) }
        for k in 0..<tensors.count {
            var tensor = tensors[k]
            checkGradient("deep output tensor \(k)", values: &tensor, analytic: grads[k]) { values in
                var t = tensors
                t[k] = values
                return loss(embedded, hidden, gated, t)
            }
        }
    }
}
