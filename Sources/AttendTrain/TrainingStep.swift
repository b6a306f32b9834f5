import AttendMath
import AttendModel
import AttendSupport
import Foundation

// MARK: - Forward and backward over one batch
//
// forward: from the batch's grids, the projection (when the model has one), annotations, initial state, then T
// teacher-forced steps (embedding → attention → LSTM → deep output → cross-entropy); a hard-attention model's
// attention chooses a location per step (HardAttentionTraining.swift). backward walks the same
// lines upward, down to the grid's gradient when an encoder trains below the graph.

extension TrainingGraph {
    // Longer than 80 lines: the graph's forward, one line per layer, read against `backward` below.
    /// Teacher-forced forward over `batch`; keeps every cache backward reads. Returns the loss per word.
    @discardableResult
    public func forward(_ batch: TrainingBatch) -> LossValue {
        let (L, D, E, H, A, V) = (config.locations, config.featureSize, config.embeddingSize, config.hiddenSize,
                                  config.attentionSize, config.vocabularySize)
        load(batch)
        let B = batchImages, K = capacity.captionsPerImage, R = B * K, T = batchSteps, C = config.gridChannels
        var clock = Stopwatch()
        let hard = trainsHardAttention
        if hard { drawSamplingRows() }
        if let projection = projectionWeights {
            drawDropoutMask(gridMask, count: B * L * C, probability: options.gridDropout)
            for i in 0..<(B * L * C) { grid[i] *= gridMask[i] }
            projectionForward(output: annotations, normalized: normalizedGrid, scaled: scaledGrid,
                              inverseStd: gridInverseStd, grid: grid, weights: projection, rows: B * L, channels: C,
                              outFeatures: D)
            lap(&clock, "projection forward")
        }

        // Per-image decoder state: W_a a, h_0 = tanh(init_h(mean a)), c_0 likewise.
        attentionProjectFeatures(projected: projected, annotations: annotations, weight: weight(layout.attFeatureWeight),
                                 bias: weight(layout.attFeatureBias), rows: B * L, featureSize: D, attentionSize: A)
        meanOverLocations(meanAnnotation, annotations: annotations, images: B, locations: L, featureSize: D)
        linearForward(output: initialHidden, input: meanAnnotation, weight: weight(layout.initHiddenWeight),
                      bias: weight(layout.initHiddenBias), rows: B, inFeatures: D, outFeatures: H)
        linearForward(output: initialCell, input: meanAnnotation, weight: weight(layout.initCellWeight),
                      bias: weight(layout.initCellBias), rows: B, inFeatures: D, outFeatures: H)
        tanhInPlace(initialHidden, count: B * H)
        tanhInPlace(initialCell, count: B * H)
        for r in 0..<R {
            (hidden + r * H).update(from: initialHidden + (r / K) * H, count: H)
            (cell + r * H).update(from: initialCell + (r / K) * H, count: H)
        }

        // T teacher-forced steps over packed rows (TrainingGraph): what does not wait on the recurrence — the
        // embeddings, the embedding's share of the LSTM gates, the deep output, the logits and the cross-entropy —
        // runs once over all N rows; the loop keeps attention and the recurrent products.
        let X = E + D + H, N = stepOffset[T], lstm = lstmWeights
        for t in 0..<T {
            let first = stepOffset[t]
            embeddingForward(output: embedded + first * E, ids: inputIds + t * R, table: weight(layout.embedding),
                             rows: activeRows[t], embeddingSize: E)
            // Drawn for every row, in the order of the steps (the same masks, packed or not); the rows past the
            // step's active ones are overwritten by the next step's.
            drawDropoutMask(embeddingMask + first * E, count: R * E)
            drawDropoutMask(hiddenMask + first * H, count: R * H)
        }
        for r in 0..<N {
            for j in 0..<E { lstmInput[r * X + j] = embedded[r * E + j] * embeddingMask[r * E + j] }
        }
        // gates (N, 4H) = dropout(E y) · W_ih[:, :E]ᵀ + b
        gemm(transposeB: true, m: N, n: 4 * H, k: E, a: lstmInput, lda: X, b: lstm.inputWeight, ldb: E + D, c: gates)
        addBiasRows(gates, bias: lstm.bias, rows: N, columns: 4 * H)
        for t in 0..<T {
            let first = stepOffset[t], active = activeRows[t]   // rows [active, R) have ended: nothing of theirs is read again
            let h = hidden + stateRow(t) * H, c = cell + stateRow(t) * H
            let hNext = hidden + (R + first) * H, cNext = cell + (R + first) * H
            let z = gated + first * D, x = lstmInput + first * X, g = gates + first * 4 * H
            if hard {
                hardAttentionStep(t, hidden: h)
            } else {
                attentionForward(gated: z, context: context + first * D, gate: gate + first, alpha: alpha + first * L,
                                 activations: activations + first * L * A, hiddenProjection: hiddenProjection,
                                 annotations: annotations, projected: projected, hidden: h, weights: attentionWeights,
                                 sourceRow: sourceRow, rows: active, locations: L, featureSize: D, hiddenSize: H,
                                 attentionSize: A)
            }
            for r in 0..<active {
                (x + r * X + E).update(from: z + r * D, count: D)
                (x + r * X + E + D).update(from: h + r * H, count: H)
            }
            // gates += z · W_ih[:, E:]ᵀ + h_{t−1} · W_hhᵀ, then the cell
            gemm(transposeB: true, m: active, n: 4 * H, k: D, a: x + E, lda: X, b: lstm.inputWeight + E, ldb: E + D,
                 beta: 1, c: g)
            gemm(transposeB: true, m: active, n: 4 * H, k: H, a: x + E + D, lda: X, b: lstm.hiddenWeight, beta: 1, c: g)
            lstmCellActivate(newHidden: hNext, newCell: cNext, gates: g, cell: c, rows: active, hiddenSize: H)
        }
        let outputs = hidden + R * H   // (N, H) h_{t+1} of every step
        for i in 0..<(N * H) { droppedHidden[i] = outputs[i] * hiddenMask[i] }
        deepOutputForward(logits: logits, deep: deep, embedded: embedded, hidden: droppedHidden, gated: gated,
                          weights: deepOutputWeights, rows: N, embeddingSize: E, hiddenSize: H, featureSize: D,
                          vocabularySize: V)
        coverage.update(repeating: 0, count: R * L)
        var crossEntropySum: Double = 0
        tokenCount = 0
        for t in 0..<T {
            let first = stepOffset[t], active = activeRows[t]
            tokenCount += crossEntropyForward(losses: losses + first, probabilities: probabilities + first * V,
                                              logits: logits + first * V, targets: targetIds + t * R, rows: active,
                                              vocabularySize: V)
            for r in 0..<active {
                crossEntropySum += Double(losses[first + r]) * (weightsRows ? Double(rowWeight[r]) : 1)
                if counted[t * R + r] {
                    let a = alpha + (first + r) * L
                    for i in 0..<L { coverage[r * L + i] += a[i] }
                }
            }
        }
        let penalty = attentionPenaltyForward(coverage: coverage, weight: options.attentionPenalty, rows: R, locations: L)
        let entropy = hard ? Float(hardAttentionTerms()) : 0
        lap(&clock, "decoder forward")
        let tokens = Float(max(tokenCount, 1))
        let total = (Float(crossEntropySum) + penalty - options.hardAttention.entropyWeight * entropy) / tokens
        return LossValue(total: hard ? total : (Float(crossEntropySum) + penalty) / tokens,
                         crossEntropy: Float(crossEntropySum) / tokens, penalty: penalty / tokens, tokens: tokenCount,
                         entropy: entropy / tokens)
    }

    /// Takes in `batch`: its grids and caption rows in the graph's image order (longest caption first, so that the
    /// rows still predicting at step t are a prefix), its row weights, and its sizes.
    func load(_ batch: TrainingBatch) {
        let L = config.locations
        let B = batch.imageCount, K = capacity.captionsPerImage, R = B * K, C = config.gridChannels
        precondition(B >= 1 && B <= capacity.images, "batch of \(B) images; the graph holds \(capacity.images)")
        precondition(batch.captions.count == R, "expected \(R) caption rows (\(K) per image)")
        let T = batch.captions.map { $0.count - 1 }.max()!
        precondition(T >= 1 && T <= capacity.steps, "captions predict \(T) words; the graph holds \(capacity.steps)")
        batchImages = B
        batchSteps = T
        // Images in the order of their longest caption, longest first (ties keep the batch's order): the rows still
        // predicting at step t are then a prefix, and each step runs on that prefix alone. A Flickr8k batch trains
        // T = 21 steps for captions of 11 words on average. Loss and gradients are sums over rows and images, which
        // the order does not change; only which dropout mask meets which row does.
        let imageOrder = batch.longestCaptionFirst()
        slotImages = imageOrder
        weightsRows = batch.rowWeights != nil
        if let weights = batch.rowWeights {
            precondition(weights.count == R, "one weight per caption row")
            for (slot, image) in imageOrder.enumerated() {
                for k in 0..<K { rowWeight[slot * K + k] = weights[image * K + k] }
            }
        }
        loadCaptions(imageOrder.flatMap { image in batch.captions[(image * K)..<(image * K + K)] }, rows: R, steps: T,
                     captionsPerImage: K)
        guard case let .grids(grids) = batch.input else {
            preconditionFailure("the graph starts at the grid: TrainingPass encodes a batch of pictures first")
        }
        precondition(grids.count == B * L * C, "grids must be (B, L, C)")
        grids.withUnsafeBufferPointer { grids in
            for (slot, image) in imageOrder.enumerated() {
                (grid + slot * L * C).update(from: grids.baseAddress! + image * L * C, count: L * C)
            }
        }
    }

    // Longer than 80 lines: the graph's backward, the layers of `forward` in exact reverse order.
    /// Backward of the last `forward` (in training mode): adds ∂loss.total/∂parameters into `gradients`, and
    /// computes the grid's gradient when asked (`computesGridGradient`).
    public func backward() {
        precondition(training, "backward needs a forward in training mode")
        let (L, D, E, H, A, V) = (config.locations, config.featureSize, config.embeddingSize, config.hiddenSize,
                                  config.attentionSize, config.vocabularySize)
        let B = batchImages, K = capacity.captionsPerImage, R = B * K, T = batchSteps
        let scale = 1 / Float(max(tokenCount, 1))
        var clock = Stopwatch()
        let hard = trainsHardAttention
        if hard { prepareAdvantages(scale: scale) }
        annotationsGradient.update(repeating: 0, count: B * L * D)
        projectedGradient.update(repeating: 0, count: B * L * A)
        hiddenGradient.update(repeating: 0, count: R * H)
        cellGradient.update(repeating: 0, count: R * H)

        // Outside the recurrence, all N rows at once: ∂/∂logits (into `logits`), the deep output.
        let X = E + D + H, N = stepOffset[T], lstm = lstmWeights, lstmGradient = lstmGradients
        logits.update(repeating: 0, count: N * V)
        for t in 0..<T {
            crossEntropyBackward(logitsGradient: logits + stepOffset[t] * V, probabilities: probabilities + stepOffset[t] * V,
                                 targets: targetIds + t * R, scale: scale, rows: activeRows[t], vocabularySize: V,
                                 rowWeights: weightsRows ? rowWeight : nil)
        }
        embeddedGradient.update(repeating: 0, count: N * E)
        droppedHiddenGradient.update(repeating: 0, count: N * H)
        gatedGradient.update(repeating: 0, count: N * D)
        deepOutputBackward(embeddedGradient: embeddedGradient, hiddenGradient: droppedHiddenGradient,
                           gatedGradient: gatedGradient, gradients: deepOutputGradients, deepGradient: deepGradient,
                           logitsGradient: logits, deep: deep, hidden: droppedHidden, gated: gated,
                           weights: deepOutputWeights, rows: N, embeddingSize: E, hiddenSize: H, featureSize: D,
                           vocabularySize: V)
        for i in 0..<(N * H) { droppedHiddenGradient[i] *= hiddenMask[i] }   // ∂/∂h_{t+1} through the output

        // T steps, last first: the cell, the recurrent products, attention.
        for t in stride(from: T - 1, through: 0, by: -1) {
            let first = stepOffset[t], active = activeRows[t]   // the rows forward ran; the others' gradients stay zero
            let h = hidden + stateRow(t) * H, c = cell + stateRow(t) * H, cNext = cell + (R + first) * H
            let dg = gateGradient + first * 4 * H, dz = gatedGradient + first * D
            previousHiddenGradient.update(repeating: 0, count: R * H)
            previousCellGradient.update(repeating: 0, count: R * H)
            alphaGradient.update(repeating: 0, count: R * L)

            for i in 0..<(active * H) { hiddenGradient[i] += droppedHiddenGradient[first * H + i] }
            lstmCellGateGradient(gateGradient: dg, cellGradient: previousCellGradient, newHiddenGradient: hiddenGradient,
                                 newCellGradient: cellGradient, gates: gates + first * 4 * H, newCell: cNext, cell: c,
                                 rows: active, hiddenSize: H)
            // ∂/∂h_{t−1} += dg · W_hh;  ∂/∂z_t += dg · W_ih[:, E:]
            gemm(m: active, n: H, k: 4 * H, a: dg, b: lstm.hiddenWeight, beta: 1, c: previousHiddenGradient)
            gemm(m: active, n: D, k: 4 * H, a: dg, b: lstm.inputWeight + E, ldb: E + D, beta: 1, c: dz)
            attentionPenaltyBackward(alphaGradient: alphaGradient, coverage: coverage, weight: options.attentionPenalty,
                                     scale: scale, counts: counted + t * R, rows: active, locations: L)
            if hard {
                hardAttentionBackward(alphaGradient: alphaGradient, alpha: alpha + first * L, chosen: chosen + first,
                                      advantage: advantage, entropyWeight: options.hardAttention.entropyWeight * scale,
                                      counts: counted + t * R, rows: active, locations: L)
            }
            attentionBackward(hiddenGradient: previousHiddenGradient, annotationsGradient: annotationsGradient,
                              projectedGradient: projectedGradient, gradients: attentionGradients,
                              gatedGradient: dz, alphaGradient: alphaGradient, activations: activations + first * L * A,
                              alpha: alpha + first * L, context: context + first * D, gate: gate + first,
                              annotations: annotations, hidden: h, weights: attentionWeights,
                              sourceRow: sourceRow, chosen: hard ? chosen + first : nil, rows: active, locations: L,
                              featureSize: D, hiddenSize: H, attentionSize: A)
            swap(&hiddenGradient, &previousHiddenGradient)
            swap(&cellGradient, &previousCellGradient)
        }

        // The LSTM's weights, and the embedding's share of its input, all N rows at once.
        gemm(transposeA: true, m: 4 * H, n: E + D, k: N, a: gateGradient, b: lstmInput, ldb: X, beta: 1,
             c: lstmGradient.inputWeight)
        gemm(transposeA: true, m: 4 * H, n: H, k: N, a: gateGradient, b: lstmInput + E + D, ldb: X, beta: 1,
             c: lstmGradient.hiddenWeight)
        for r in 0..<N {
            let row = gateGradient + r * 4 * H
            for j in 0..<(4 * H) { lstmGradient.bias[j] += row[j] }
        }
        gemm(m: N, n: E, k: 4 * H, a: gateGradient, b: lstm.inputWeight, ldb: E + D, c: deepGradient)   // ∂/∂dropout(E y)
        for i in 0..<(N * E) { embeddedGradient[i] += deepGradient[i] * embeddingMask[i] }
        for t in 0..<T {
            embeddingBackward(tableGradient: gradient(layout.embedding), outputGradient: embeddedGradient + stepOffset[t] * E,
                              ids: inputIds + t * R, rows: activeRows[t], embeddingSize: E)
        }

        // Initial state: the K captions of an image share h_0, c_0.
        meanGradient.update(repeating: 0, count: B * D)
        for (state, stateGradient, spec) in [(initialHidden, hiddenGradient, (layout.initHiddenWeight, layout.initHiddenBias)),
                                             (initialCell, cellGradient, (layout.initCellWeight, layout.initCellBias))] {
            initialGradient.update(repeating: 0, count: B * H)
            for r in 0..<R {
                for j in 0..<H { initialGradient[(r / K) * H + j] += stateGradient[r * H + j] }
            }
            for i in 0..<(B * H) { initialGradient[i] *= 1 - state[i] * state[i] }
            linearBackward(inputGradient: meanGradient, weightGradient: gradient(spec.0), biasGradient: gradient(spec.1),
                           outputGradient: initialGradient, input: meanAnnotation, weight: weight(spec.0),
                           rows: B, inFeatures: D, outFeatures: H)
        }
        meanOverLocationsBackward(annotationsGradient, meanGradient: meanGradient, images: B, locations: L, featureSize: D)
        linearBackward(inputGradient: annotationsGradient, weightGradient: gradient(layout.attFeatureWeight),
                       biasGradient: gradient(layout.attFeatureBias), outputGradient: projectedGradient,
                       input: annotations, weight: weight(layout.attFeatureWeight), rows: B * L, inFeatures: D,
                       outFeatures: A)

        lap(&clock, "decoder backward")

        let C = config.gridChannels
        if let projection = projectionWeights, let projectionGradients {
            if computesGridGradient { gridGradient.update(repeating: 0, count: B * L * C) }
            projectionBackward(gridGradient: computesGridGradient ? gridGradient : nil, gradients: projectionGradients,
                               normalizedGradient: scaledGridGradient, outputGradient: annotationsGradient,
                               output: annotations, normalized: normalizedGrid, scaled: scaledGrid,
                               inverseStd: gridInverseStd, weights: projection, rows: B * L, channels: C, outFeatures: D)
            if computesGridGradient { for i in 0..<(B * L * C) { gridGradient[i] *= gridMask[i] } }
            lap(&clock, "projection backward")
        }
    }

    /// Adds the seconds since `clock` to `seconds[phase]` and restarts the clock.
    func lap(_ clock: inout Stopwatch, _ phase: String) { seconds[phase, default: 0] += clock.lap() }

    // MARK: - Helpers

    /// Fills inputIds, targetIds, counted (T, R) from caption rows padded with <pad>, sourceRow, and activeRows:
    /// one past the last row whose target at step t is a word (rows stop predicting for good at their <end>).
    func loadCaptions(_ captions: [[Int]], rows R: Int, steps T: Int, captionsPerImage K: Int) {
        activeRows = (0..<T).map { t in (captions.lastIndex { t + 1 < $0.count } ?? -1) + 1 }
        stepOffset = [0]
        for t in 0..<T { stepOffset.append(stepOffset[t] + activeRows[t]) }
        for r in 0..<R {
            sourceRow[r] = Int32(r / K)
            let ids = captions[r]
            for t in 0..<T {
                let input = t < ids.count ? ids[t] : Vocabulary.pad
                let target = t + 1 < ids.count ? ids[t + 1] : Vocabulary.pad
                inputIds[t * R + r] = Int32(input)
                targetIds[t * R + r] = Int32(target)
                counted[t * R + r] = target != Vocabulary.pad
            }
        }
    }

    /// The row of h_t and c_t in `hidden` and `cell`: h_0 first (R rows), then each step's outputs, packed.
    func stateRow(_ t: Int) -> Int { t == 0 ? 0 : batchImages * capacity.captionsPerImage + stepOffset[t - 1] }

    /// mask (count) = 1/(1−p) with probability 1−p, else 0; all ones when not training or p = 0.
    func drawDropoutMask(_ mask: UnsafeMutablePointer<Float>, count: Int, probability: Float? = nil) {
        let p = probability ?? options.dropout
        guard training && p > 0 else { mask.update(repeating: 1, count: count); return }
        let keep = 1 / (1 - p)
        for i in 0..<count { mask[i] = dropoutRandom.nextUnitFloat() < p ? 0 : keep }
    }
}

// MARK: - The annotations' mean

/// mean (B, D) = average over L of annotations (B, L, D).
func meanOverLocations(_ mean: UnsafeMutablePointer<Float>, annotations: UnsafePointer<Float>, images B: Int,
                       locations L: Int, featureSize D: Int) {
    mean.update(repeating: 0, count: B * D)
    let scale = 1 / Float(L)
    for b in 0..<B {
        for l in 0..<L {
            let row = annotations + (b * L + l) * D
            for d in 0..<D { mean[b * D + d] += row[d] * scale }
        }
    }
}

/// annotationsGradient (B, L, D) += meanGradient (B, D) / L.
func meanOverLocationsBackward(_ annotationsGradient: UnsafeMutablePointer<Float>, meanGradient: UnsafePointer<Float>,
                               images B: Int, locations L: Int, featureSize D: Int) {
    let scale = 1 / Float(L)
    for b in 0..<B {
        for l in 0..<L {
            let row = annotationsGradient + (b * L + l) * D
            for d in 0..<D { row[d] += meanGradient[b * D + d] * scale }
        }
    }
}
