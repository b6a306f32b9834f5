import AttendMath
import AttendModel
import AttendTrain
import XCTest

// The hard-attention estimator against the exact gradient of what it estimates.
//
// A 2×2 grid (L = 4) and a caption of T = 4 targets (three words and <end>): 4⁴ = 256 location sequences. The exact variational lower bound
//   L_s(W) = Σ_s p(s | a) log p(y | s, a),   p(s | a) = Π_t α_{t, s_t}
// is computed by the inference decoder (another code path than the training graph), teacher-forced along every
// sequence, and differentiated by central differences. The training graph's backward, with every row drawing its
// locations (no expected-context rows, no entropy term, no dropout), is the estimator of eq. 12; its mean over
// 25,600 draws (R = 128 rows of the one image and caption, 200 seeded passes) must equal −(1/T) ∂L_s/∂W (the graph's
// loss is −log p per word) within 4.5 standard errors of that mean at every checked coordinate. Without the
// REINFORCE term (λ_r = 0) the same mean must miss the exact gradient by more than 6 standard errors somewhere: the
// comparison has the power to see a wrong estimator. (The exact gradient's own error, central differences of a
// Float computation, is about 1e-5: the tolerance adds 1e-4 for it.)

final class ReinforceEstimatorTests: XCTestCase {
    static let caption = [1, 4, 5, 6, 2]   // <start> w w w <end>: T = 4 targets, the last <end>

    static func model() -> Model {
        var config = ModelConfig()
        config.encoder = EncoderConfig(ScratchEncoderConfig(imageSize: 8, channels: [4, 5], strides: [2, 1],
                                                            poolAfter: [true, false]))   // 8 → 4 → 2: a 2×2 grid
        config.embeddingSize = 5
        config.hiddenSize = 6
        config.attentionSize = 4
        config.attention = .hard
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["red", "circle", "and", "blue"])
        return Model.random(config: config, vocabulary: vocabulary, seed: 17, randomizeAll: true)
    }

    static let grid: [Float] = randomValues(4 * 5, scale: 3, seed: 18)

    /// L_s by enumeration: the decoder teacher-forced along every location sequence.
    static func bound(_ model: Model) -> Double {
        let decoder = InferenceDecoder(model: model), caption = Self.caption
        let prepared = decoder.prepare(grid: grid, images: 1)
        let (L, V, T) = (model.config.locations, model.config.vocabularySize, caption.count - 1)
        func expand(_ t: Int, hidden: [Float], cell: [Float], logPathProbability: Double, logLikelihood: Double) -> Double {
            if t == T { return exp(logPathProbability) * logLikelihood }
            var total = 0.0
            for s in 0..<L {
                var output = decoder.makeStepOutput(rows: 1)
                decoder.step(previous: [Int32(caption[t])], hidden: hidden, cell: cell, sourceRow: [0], prepared: prepared,
                             context: .locations([Int32(s)]), output: &output)
                logSoftmaxRows(&output.logits, rows: 1, columns: V)
                total += expand(t + 1, hidden: output.hidden, cell: output.cell,
                                logPathProbability: logPathProbability + log(Double(output.alpha[s])),
                                logLikelihood: logLikelihood + Double(output.logits[caption[t + 1]]))
            }
            return total
        }
        return expand(0, hidden: prepared.hidden, cell: prepared.cell, logPathProbability: 0, logLikelihood: 0)
    }

    /// The checked coordinates: every attention weight that has a gradient, and a few of the other tensors.
    static func coordinates(_ layout: ParameterLayout) -> [Int] {
        var indices: [Int] = []
        for name in ["decoder.att_hidden.weight", "decoder.att_score.weight", "decoder.att_features.weight",
                     "decoder.att_hidden.bias", "decoder.beta.weight"] {
            let spec = layout.tensor(named: name)!
            indices += (0..<min(spec.count, 12)).map { spec.offset + $0 }
        }
        for name in ["decoder.embedding", "decoder.lstm.weight_ih", "decoder.out.weight", "decoder.init_h.weight"] {
            let spec = layout.tensor(named: name)!
            indices += (0..<6).map { spec.offset + ($0 * 37) % spec.count }
        }
        return indices
    }

    /// The mean and standard error of the graph's gradient at `indices` over `passes` seeded passes.
    static func estimatorMean(_ model: Model, reinforceWeight: Float, indices: [Int], rows: Int = 128,
                              passes: Int = 200) -> (mean: [Double], standardError: [Double]) {
        let options = LossOptions(attentionPenalty: 0, dropout: 0, gridDropout: 0,
                                  hardAttention: HardAttentionOptions(reinforceWeight: reinforceWeight, entropyWeight: 0,
                                                                      expectationProbability: 0))
        let graph = TrainingGraph(model: model, capacity: GraphCapacity(images: 1, captionsPerImage: rows,
                                                                        steps: caption.count - 1), options: options)
        let batch = TrainingBatch(input: .grids(grid), imageCount: 1, captions: Array(repeating: caption, count: rows))
        var sum = [Double](repeating: 0, count: indices.count), squares = sum
        for pass in 0...passes {   // pass 0 only starts the baseline, which must not depend on the draws it weighs
            graph.reseedDropout(UInt64(pass) &* 7919 &+ 3)
            graph.forward(batch)
            graph.zeroGradients()
            graph.backward()
            guard pass > 0 else { continue }
            for (k, index) in indices.enumerated() {
                let value = Double(graph.gradients[index])
                sum[k] += value
                squares[k] += value * value
            }
        }
        let n = Double(passes)
        let mean = sum.map { $0 / n }
        let standardError = zip(squares, mean).map { (($0.0 / n - $0.1 * $0.1) * n / (n - 1) / n).squareRoot() }
        return (mean, standardError)
    }

    func testEstimatorMeanIsTheBoundsGradient() {
        let model = Self.model(), indices = Self.coordinates(model.layout), T = Double(Self.caption.count - 1)
        // −(1/T) ∂L_s/∂W by central differences of the enumerated bound.
        let exact = indices.map { index -> Double in
            let h: Float = 1e-2
            var plus = model.parameters, minus = model.parameters
            plus[index] += h
            minus[index] -= h
            let derivative = (Self.bound(Model(config: model.config, vocabulary: model.vocabulary, parameters: plus))
                - Self.bound(Model(config: model.config, vocabulary: model.vocabulary, parameters: minus))) / Double(2 * h)
            return -derivative / T
        }
        let estimator = Self.estimatorMean(model, reinforceWeight: 1, indices: indices)
        var misses: [String] = []
        for k in indices.indices {
            let allowed = 4.5 * estimator.standardError[k] + 1e-4 + 1e-3 * abs(exact[k])
            if abs(estimator.mean[k] - exact[k]) > allowed {
                misses.append("[\(indices[k])] mean \(estimator.mean[k]) ± \(estimator.standardError[k]), exact \(exact[k])")
            }
        }
        XCTAssertTrue(misses.isEmpty, "\(misses.count)/\(indices.count): " + misses.prefix(5).joined(separator: "; "))
        XCTAssertGreaterThan(exact.map(abs).max()!, 1e-2, "the checked gradient is not negligible")

        // The pathwise gradient alone (no REINFORCE term) is another quantity: the comparison must see it.
        let pathwise = Self.estimatorMean(model, reinforceWeight: 0, indices: indices)
        // (Its attention weights get no gradient at all; the other tensors' means are off by many standard errors.)
        let separation = indices.indices.filter { pathwise.standardError[$0] > 0 }
            .map { abs(pathwise.mean[$0] - exact[$0]) / pathwise.standardError[$0] }
        XCTAssertGreaterThan(separation.max()!, 20, "without the REINFORCE term the mean must miss the exact gradient")
        let misfit = indices.indices.filter { abs(exact[$0]) > 1e-3 }
            .map { abs(estimator.mean[$0] - exact[$0]) / estimator.standardError[$0] }
        print(String(format: "estimator mean against the exact bound gradient (|gradient| > 1e-3): largest |mean − exact| "
                     + "%.1f standard errors; without REINFORCE: %.0f", misfit.max()!, separation.max()!))
    }
}
