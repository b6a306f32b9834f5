import AttendMath
import AttendModel
import AttendTrain
import XCTest

// Hard attention's gradients. The deterministic parts against central differences, as every layer: the attention
// step with chosen locations (the context's gradient goes to a_s alone), the estimator's terms on α (REINFORCE and
// entropy), and the whole graph with the draws held fixed. The REINFORCE part, whose single draws are noise, by
// its mean: over many draws the estimator must match the exact gradient of the variational lower bound, computed
// by enumerating every location sequence of a 2×2 grid over a 4-word caption (and without its REINFORCE term it
// must not: the test can fail).

final class GradientHardAttentionTests: XCTestCase {
    func testAttentionWithChosenLocations() {
        // 3 rows over 2 images: rows 0 and 2 read image 1 and take cells 2 and 4, row 1 reads image 0 and takes the
        // expectation.
        let (R, N, L, D, H, A) = (3, 2, 5, 4, 6, 3)
        let sourceRow: [Int32] = [1, 0, 1], chosen: [Int32] = [2, -1, 4]
        var annotations = randomValues(N * L * D, seed: 60), projectedFeatures = randomValues(N * L * A, seed: 61)
        var hidden = randomValues(R * H, seed: 62)
        let tensors = [randomValues(A * H, scale: 0.5, seed: 63), randomValues(A, seed: 64), randomValues(A, seed: 65),
                       randomValues(1, seed: 66), randomValues(H, seed: 67), randomValues(1, seed: 68)]
        let pGated = randomValues(R * D, seed: 69), pAlpha = randomValues(R * L, seed: 70)
        func weights(_ t: [[Float]]) -> AttentionWeights {
            AttentionWeights(hiddenWeight: t[0], hiddenBias: t[1], scoreWeight: t[2], scoreBias: t[3], betaWeight: t[4],
                             betaBias: t[5])
        }
        /// The step's outputs and caches: gated, context, gate, alpha, activations.
        func forward(_ annotations: [Float], _ projectedFeatures: [Float], _ hidden: [Float], _ t: [[Float]])
            -> (gated: [Float], context: [Float], gate: [Float], alpha: [Float], activations: [Float]) {
            var gated = [Float](repeating: 0, count: R * D), context = gated, gate = [Float](repeating: 0, count: R)
            var alpha = [Float](repeating: 0, count: R * L), activations = [Float](repeating: 0, count: R * L * A)
            var hp = [Float](repeating: 0, count: R * A)
            attentionWeightsForward(gate: &gate, alpha: &alpha, activations: &activations, hiddenProjection: &hp,
                                    projected: projectedFeatures, hidden: hidden, weights: weights(t),
                                    sourceRow: sourceRow, rows: R, locations: L, hiddenSize: H, attentionSize: A)
            attentionContextForward(gated: &gated, context: &context, alpha: alpha, gate: gate, annotations: annotations,
                                    sourceRow: sourceRow, chosen: chosen, rows: R, locations: L, featureSize: D)
            return (gated, context, gate, alpha, activations)
        }
        func loss(_ annotations: [Float], _ projectedFeatures: [Float], _ hidden: [Float], _ t: [[Float]]) -> Double {
            let out = forward(annotations, projectedFeatures, hidden, t)
            return projected(out.gated, pGated) + projected(out.alpha, pAlpha)
        }
        let out = forward(annotations, projectedFeatures, hidden, tensors)
        for d in 0..<D {   // the chosen rows' context is their cell's annotation itself
            XCTAssertEqual(out.context[d], annotations[(1 * L + 2) * D + d])
            XCTAssertEqual(out.context[2 * D + d], annotations[(1 * L + 4) * D + d])
        }
        var dHidden = [Float](repeating: 0, count: R * H), dAnnotations = [Float](repeating: 0, count: N * L * D)
        var dProjected = [Float](repeating: 0, count: N * L * A)
        let grads = zeroBuffers(tensors.map(\.count)) { g in
            let gradients = AttentionGradients(hiddenWeight: g[0], hiddenBias: g[1], scoreWeight: g[2], scoreBias: g[3],
                                               betaWeight: g[4], betaBias: g[5])
            attentionBackward(hiddenGradient: &dHidden, annotationsGradient: &dAnnotations, projectedGradient: &dProjected,
                              gradients: gradients, gatedGradient: pGated, alphaGradient: pAlpha,
                              activations: out.activations, alpha: out.alpha, context: out.context, gate: out.gate,
                              annotations: annotations, hidden: hidden, weights: weights(tensors), sourceRow: sourceRow,
                              chosen: chosen, rows: R, locations: L, featureSize: D, hiddenSize: H, attentionSize: A)
        }
        checkGradient("hard attention annotations", values: &annotations, analytic: dAnnotations) {
            loss($0, projectedFeatures, hidden, tensors)
        }
        checkGradient("hard attention projected features", values: &projectedFeatures, analytic: dProjected) {
            loss(annotations, $0, hidden, tensors)
        }
        checkGradient("hard attention hidden", values: &hidden, analytic: dHidden) {
            loss(annotations, projectedFeatures, $0, tensors)
        }
        for k in [0, 1, 2, 4, 5] {   // the score bias cancels in the softmax
            var tensor = tensors[k]
            checkGradient("hard attention tensor \(k)", values: &tensor, analytic: grads[k]) { values in
                var t = tensors
                t[k] = values
                return loss(annotations, projectedFeatures, hidden, t)
            }
        }
    }

    /// The estimator's terms on α: −A log α_s and −λ_e H(α) over the counted rows, against central differences in α.
    func testEstimatorTermsOnAlpha() {
        let (R, L) = (4, 5)
        var alpha = randomValues(R * L, seed: 80).map { 0.05 + abs($0) }   // positive, any scale: α is free here
        let chosen: [Int32] = [3, -1, 0, 4], advantage: [Float] = [0.7, 0, -1.3, 2.1]
        let counts = [true, true, true, false], entropyWeight: Float = 0.3
        func loss(_ alpha: [Float]) -> Double {
            var total = 0.0
            for b in 0..<R where counts[b] {
                if chosen[b] >= 0 { total -= Double(advantage[b]) * log(Double(alpha[b * L + Int(chosen[b])])) }
                for i in 0..<L { total += Double(entropyWeight) * Double(alpha[b * L + i]) * log(Double(alpha[b * L + i])) }
            }
            return total
        }
        var gradient = [Float](repeating: 0, count: R * L)
        hardAttentionBackward(alphaGradient: &gradient, alpha: alpha, chosen: chosen, advantage: advantage,
                              entropyWeight: entropyWeight, counts: counts, rows: R, locations: L)
        XCTAssertTrue(gradient[(3 * L)..<(4 * L)].allSatisfy { $0 == 0 }, "a row whose step is not counted")
        checkGradient("estimator terms on α", values: &alpha, analytic: gradient,
                      tolerance: GradientTolerance(step: 1e-3, relative: 1e-2, absolute: 1e-4)) { loss($0) }

        // The forward's figures: log α_s (0 for the expectation) and H(α), on a normalised α.
        let normalised = (0..<R).flatMap { b -> [Float] in
            let row = alpha[(b * L)..<((b + 1) * L)], sum = row.reduce(0, +)
            return row.map { $0 / sum }
        }
        var logProbability = [Float](repeating: 9, count: R), entropy = logProbability
        hardAttentionForward(logProbability: &logProbability, entropy: &entropy, alpha: normalised, chosen: chosen,
                             rows: R, locations: L)
        for b in 0..<R {
            let row = normalised[(b * L)..<((b + 1) * L)]
            XCTAssertEqual(entropy[b], -row.reduce(0) { $0 + $1 * log($1) }, accuracy: 1e-5)
            XCTAssertEqual(logProbability[b], chosen[b] < 0 ? 0 : log(row[b * L + Int(chosen[b])]), accuracy: 1e-6)
        }
    }

    /// The whole graph of a hard-attention model with its draws held fixed (the generator is reseeded before each
    /// forward): every trainable tensor against central differences of the loss, which then is the pathwise part
    /// (λ_r = 0: the REINFORCE term has no value to difference) with the entropy term and the penalty; half the
    /// caption rows draw locations and half take the expectation.
    func testWholeHardModelGradientWithFixedDraws() {
        let model = GradientModelTests.tinyModel().with(attention: .hard)
        let hardOptions = HardAttentionOptions(reinforceWeight: 0, entropyWeight: 0.05, expectationProbability: 0.5)
        let pass = TrainingPass(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                options: LossOptions(attentionPenalty: 0.5, dropout: 0.3, hardAttention: hardOptions))
        let batch = GradientModelTests.tinyBatch(config: model.config)
        let soft = TrainingPass(model: GradientModelTests.tinyModel(), capacity: pass.graph.capacity,
                                options: LossOptions(attentionPenalty: 0.5, dropout: 0.3))
        pass.graph.reseedDropout(11)
        soft.graph.reseedDropout(11)
        let (hardLoss, softLoss) = (pass.forward(batch), soft.forward(batch))
        XCTAssertNotEqual(hardLoss.crossEntropy, softLoss.crossEntropy, "some rows took drawn locations")
        XCTAssertGreaterThan(hardLoss.entropy, 0)
        checkGraphGradients(pass, batch: batch) { $0.name.hasPrefix("encoder.") ? 3e-3 : 1e-2 }
    }

    /// With every row taking the expectation and no entropy term, a hard-attention model trains exactly as soft
    /// attention: the same loss and gradients, bit for bit.
    func testAllExpectationRowsTrainAsSoftAttention() {
        let batch = GradientModelTests.tinyBatch(config: GradientModelTests.tinyModel().config)
        var results: [(Float, [Float])] = []
        for attention in [AttentionMechanism.soft, .hard] {
            let options = LossOptions(attentionPenalty: 0.5, dropout: 0.3,
                                      hardAttention: HardAttentionOptions(entropyWeight: 0, expectationProbability: 1))
            let pass = TrainingPass(model: GradientModelTests.tinyModel().with(attention: attention),
                                    capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6), options: options)
            pass.graph.reseedDropout(11)
            let loss = pass.forward(batch)
            pass.graph.zeroGradients()
            pass.backward()
            results.append((loss.total, Array(UnsafeBufferPointer(start: pass.graph.gradients, count: pass.graph.layout.count))))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
    }
}
