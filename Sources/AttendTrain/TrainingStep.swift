import AttendMath
import AttendModel
import Foundation

// MARK: - Forward and backward over one batch
//
// forward: encoder (conv → BN → ReLU → pool per stage; or the grids a frozen encoder wrote), the projection (when
// the model has one), annotations, initial state, then T teacher-forced
// steps (embedding → attention → LSTM → deep output → cross-entropy). backward walks the same lines upward.

extension TrainingGraph {
    /// Teacher-forced forward over `batch`; keeps every cache backward reads. Returns the loss per word.
    @discardableResult
    public func forward(_ batch: TrainingBatch) -> LossValue {
        let (L, D, E, H, A, V) = (config.locations, config.featureSize, config.embeddingSize, config.hiddenSize,
                                  config.attentionSize, config.vocabularySize)
        let B = batch.imageCount, K = capacity.captionsPerImage, R = B * K, S = config.imageSize, C = config.gridChannels
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
        let longest = (0..<B).map { image in (0..<K).map { batch.captions[image * K + $0].count }.max()! }
        let imageOrder = (0..<B).sorted { longest[$0] != longest[$1] ? longest[$0] > longest[$1] : $0 < $1 }
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
        var clock = DispatchTime.now().uptimeNanoseconds
        switch batch.input {
        case let .pictures(images):
            precondition(trainsEncoder, "a frozen encoder's graph reads grids, not pictures")
            precondition(images.count == 3 * B * S * S, "images must be (3, B, S, S)")
            images.withUnsafeBufferPointer { images in
                for channel in 0..<3 {
                    for (slot, image) in imageOrder.enumerated() {
                        let source = images.baseAddress! + (channel * B + image) * S * S
                        (imagesBuffer + (channel * B + slot) * S * S).update(from: source, count: S * S)
                    }
                }
            }
            encoderForward(batch: B)
            lap(&clock, "encoder forward")
        case let .grids(grids):
            precondition(!trainsEncoder, "a trained encoder's graph reads pictures")
            precondition(grids.count == B * L * C, "grids must be (B, L, C)")
            grids.withUnsafeBufferPointer { grids in
                for (slot, image) in imageOrder.enumerated() {
                    (grid + slot * L * C).update(from: grids.baseAddress! + image * L * C, count: L * C)
                }
            }
        }
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

        // T teacher-forced steps.
        coverage.update(repeating: 0, count: R * L)
        var crossEntropySum: Double = 0
        tokenCount = 0
        for t in 0..<T {
            let emb = embedded + t * R * E, embMask = embeddingMask + t * R * E
            let h = hidden + t * R * H, c = cell + t * R * H, hNext = hidden + (t + 1) * R * H, cNext = cell + (t + 1) * R * H
            let act = activations + t * R * L * A, a = alpha + t * R * L, ctx = context + t * R * D
            let beta = gate + t * R, z = gated + t * R * D, x = lstmInput + t * R * (E + D), g = gates + t * R * 4 * H
            let hDropped = droppedHidden + t * R * H, hMask = hiddenMask + t * R * H
            let deepOut = deep + t * R * E, p = probabilities + t * R * V
            let active = activeRows[t]   // rows [active, R) have ended: nothing of theirs is read again
            embeddingForward(output: emb, ids: inputIds + t * R, table: weight(layout.embedding), rows: active,
                             embeddingSize: E)
            attentionForward(gated: z, context: ctx, gate: beta, alpha: a, activations: act, hiddenProjection: hiddenProjection,
                             annotations: annotations, projected: projected, hidden: h, weights: attentionWeights,
                             sourceRow: sourceRow, rows: active, locations: L, featureSize: D, hiddenSize: H,
                             attentionSize: A)
            drawDropoutMask(embMask, count: R * E)   // drawn for every row: the same masks, packed or not
            for r in 0..<active {
                for j in 0..<E { x[r * (E + D) + j] = emb[r * E + j] * embMask[r * E + j] }
                (x + r * (E + D) + E).update(from: z + r * D, count: D)
            }
            lstmCellForward(newHidden: hNext, newCell: cNext, gates: g, input: x, hidden: h, cell: c, weights: lstmWeights,
                            rows: active, inputSize: E + D, hiddenSize: H)
            drawDropoutMask(hMask, count: R * H)
            for i in 0..<(active * H) { hDropped[i] = hNext[i] * hMask[i] }
            deepOutputForward(logits: logits, deep: deepOut, embedded: emb, hidden: hDropped, gated: z,
                              weights: deepOutputWeights, rows: active, embeddingSize: E, hiddenSize: H, featureSize: D,
                              vocabularySize: V)
            tokenCount += crossEntropyForward(losses: losses, probabilities: p, logits: logits, targets: targetIds + t * R,
                                              rows: active, vocabularySize: V)
            for r in 0..<active {
                crossEntropySum += Double(losses[r]) * (weightsRows ? Double(rowWeight[r]) : 1)
                if counted[t * R + r] { for i in 0..<L { coverage[r * L + i] += a[r * L + i] } }
            }
        }
        let penalty = attentionPenaltyForward(coverage: coverage, weight: options.attentionPenalty, rows: R, locations: L)
        lap(&clock, "decoder forward")
        let tokens = Float(max(tokenCount, 1))
        return LossValue(total: (Float(crossEntropySum) + penalty) / tokens, crossEntropy: Float(crossEntropySum) / tokens,
                         penalty: penalty / tokens, tokens: tokenCount)
    }

    /// The scratch encoder over imagesBuffer (3, B, S, S): conv → BN → ReLU (→ pool) per stage, into grid (B, L, C).
    func encoderForward(batch B: Int) {
        let scratch = config.scratch!
        var input = UnsafePointer(imagesBuffer), inChannels = 3
        for stage in 0..<scratch.channels.count {
            let spec = layout.stages[stage], outChannels = scratch.channels[stage], sides = stageSides[stage]
            convolutionForward(output: convOutput[stage], columns: columns, input: input, weight: weight(spec.convWeight),
                               bias: nil, inChannels: inChannels, outChannels: outChannels, batch: B,
                               height: sides.input, width: sides.input, stride: scratch.strides[stage],
                               rowsPerChunk: rowsPerChunk[stage])
            // Validation normalises by the running statistics, as inference does; no backward follows.
            batchNormReLUPoolForward(output: stageOutput[stage], argmax: argmax[stage], mean: bnMean[stage],
                                     inverseStd: bnInverseStd[stage], input: convOutput[stage],
                                     scale: weight(spec.bnScale), shift: weight(spec.bnShift),
                                     runningMean: weight(spec.bnRunningMean), runningVar: weight(spec.bnRunningVar),
                                     batchStatistics: training, channels: outChannels, batch: B,
                                     height: sides.output, width: sides.output, pool: scratch.poolAfter[stage])
            input = UnsafePointer(stageOutput[stage])
            inChannels = outChannels
        }
        channelMajorToRows(grid, features: input, channels: config.gridChannels, batch: B, locations: config.locations)
    }

    /// Backward of the last `forward` (in training mode): adds ∂loss.total/∂parameters into `gradients`.
    public func backward() {
        precondition(training, "backward needs a forward in training mode (batch statistics)")
        let (L, D, E, H, A, V) = (config.locations, config.featureSize, config.embeddingSize, config.hiddenSize,
                                  config.attentionSize, config.vocabularySize)
        let B = batchImages, K = capacity.captionsPerImage, R = B * K, T = batchSteps
        let scale = 1 / Float(max(tokenCount, 1))
        var clock = DispatchTime.now().uptimeNanoseconds
        annotationsGradient.update(repeating: 0, count: B * L * D)
        projectedGradient.update(repeating: 0, count: B * L * A)
        hiddenGradient.update(repeating: 0, count: R * H)
        cellGradient.update(repeating: 0, count: R * H)

        // T steps, last first.
        for t in stride(from: T - 1, through: 0, by: -1) {
            let embMask = embeddingMask + t * R * E
            let h = hidden + t * R * H, c = cell + t * R * H, cNext = cell + (t + 1) * R * H
            let act = activations + t * R * L * A, a = alpha + t * R * L, ctx = context + t * R * D
            let beta = gate + t * R, z = gated + t * R * D, x = lstmInput + t * R * (E + D), g = gates + t * R * 4 * H
            let hDropped = droppedHidden + t * R * H, hMask = hiddenMask + t * R * H
            let deepOut = deep + t * R * E, p = probabilities + t * R * V
            let active = activeRows[t]   // the rows forward ran; the others' gradients stay zero
            logitsGradient.update(repeating: 0, count: R * V)
            embeddedGradient.update(repeating: 0, count: R * E)
            droppedHiddenGradient.update(repeating: 0, count: R * H)
            gatedGradient.update(repeating: 0, count: R * D)
            lstmInputGradient.update(repeating: 0, count: R * (E + D))
            previousHiddenGradient.update(repeating: 0, count: R * H)
            previousCellGradient.update(repeating: 0, count: R * H)
            alphaGradient.update(repeating: 0, count: R * L)

            crossEntropyBackward(logitsGradient: logitsGradient, probabilities: p, targets: targetIds + t * R, scale: scale,
                                 rows: active, vocabularySize: V, rowWeights: weightsRows ? rowWeight : nil)
            deepOutputBackward(embeddedGradient: embeddedGradient, hiddenGradient: droppedHiddenGradient,
                               gatedGradient: gatedGradient, gradients: deepOutputGradients, deepGradient: deepGradient,
                               logitsGradient: logitsGradient, deep: deepOut, hidden: hDropped, gated: z,
                               weights: deepOutputWeights, rows: active, embeddingSize: E, hiddenSize: H, featureSize: D,
                               vocabularySize: V)
            for i in 0..<(active * H) { hiddenGradient[i] += droppedHiddenGradient[i] * hMask[i] }
            lstmCellBackward(inputGradient: lstmInputGradient, hiddenGradient: previousHiddenGradient,
                             cellGradient: previousCellGradient, gradients: lstmGradients, gateGradient: gateGradient,
                             newHiddenGradient: hiddenGradient, newCellGradient: cellGradient, gates: g, newCell: cNext,
                             input: x, hidden: h, cell: c, weights: lstmWeights, rows: active, inputSize: E + D,
                             hiddenSize: H)
            for r in 0..<active {
                for j in 0..<E { embeddedGradient[r * E + j] += lstmInputGradient[r * (E + D) + j] * embMask[r * E + j] }
                for d in 0..<D { gatedGradient[r * D + d] += lstmInputGradient[r * (E + D) + E + d] }
            }
            attentionPenaltyBackward(alphaGradient: alphaGradient, coverage: coverage, weight: options.attentionPenalty,
                                     scale: scale, counts: counted + t * R, rows: active, locations: L)
            attentionBackward(hiddenGradient: previousHiddenGradient, annotationsGradient: annotationsGradient,
                              projectedGradient: projectedGradient, gradients: attentionGradients,
                              gatedGradient: gatedGradient, alphaGradient: alphaGradient, activations: act, alpha: a,
                              context: ctx, gate: beta, annotations: annotations, hidden: h, weights: attentionWeights,
                              sourceRow: sourceRow, rows: active, locations: L, featureSize: D, hiddenSize: H,
                              attentionSize: A)
            embeddingBackward(tableGradient: gradient(layout.embedding), outputGradient: embeddedGradient,
                              ids: inputIds + t * R, rows: active, embeddingSize: E)
            swap(&hiddenGradient, &previousHiddenGradient)
            swap(&cellGradient, &previousCellGradient)
        }

        // Initial state: the K captions of an image share h_0, c_0.
        meanGradient.update(repeating: 0, count: B * D)
        for (state, stateGradient, spec) in [(initialHidden, hiddenGradient, (layout.initHiddenWeight!, layout.initHiddenBias!)),
                                             (initialCell, cellGradient, (layout.initCellWeight!, layout.initCellBias!))] {
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
        guard let scratch = config.scratch else { return }

        // Encoder, last stage first.
        let lastStage = scratch.channels.count - 1
        rowsToChannelMajor(stageOutputGradient[lastStage], rows: layout.projection == nil ? annotationsGradient : gridGradient,
                           channels: C, batch: B, locations: L)
        for stage in stride(from: lastStage, through: 0, by: -1) {
            let spec = layout.stages[stage], outChannels = scratch.channels[stage], sides = stageSides[stage]
            let inChannels = stage == 0 ? 3 : scratch.channels[stage - 1]
            batchNormReLUPoolBackward(inputGradient: convGradient, scaleGradient: gradient(spec.bnScale),
                                      shiftGradient: gradient(spec.bnShift), outputGradient: stageOutputGradient[stage],
                                      output: stageOutput[stage], argmax: argmax[stage], input: convOutput[stage],
                                      mean: bnMean[stage], inverseStd: bnInverseStd[stage], scale: weight(spec.bnScale),
                                      channels: outChannels, batch: B, height: sides.output, width: sides.output,
                                      pool: scratch.poolAfter[stage])
            let stageInput = UnsafePointer(stage == 0 ? imagesBuffer : stageOutput[stage - 1])
            var inputGradient: UnsafeMutablePointer<Float>? = nil
            if stage > 0 {
                inputGradient = stageOutputGradient[stage - 1]
                inputGradient!.update(repeating: 0, count: inChannels * B * sides.input * sides.input)
            }
            convolutionBackward(inputGradient: inputGradient, weightGradient: gradient(spec.convWeight), biasGradient: nil,
                                columns: columns, columnsGradient: columnsGradient, outputGradient: convGradient,
                                input: stageInput, weight: weight(spec.convWeight), inChannels: inChannels,
                                outChannels: outChannels, batch: B, height: sides.input, width: sides.input,
                                stride: scratch.strides[stage], rowsPerChunk: rowsPerChunk[stage])
        }
        lap(&clock, "encoder backward")
    }

    /// Adds the seconds since `clock` to `seconds[phase]` and restarts the clock.
    func lap(_ clock: inout UInt64, _ phase: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        seconds[phase, default: 0] += Double(now - clock) / 1e9
        clock = now
    }

    // MARK: - Helpers

    /// Fills inputIds, targetIds, counted (T, R) from caption rows padded with <pad>, sourceRow, and activeRows:
    /// one past the last row whose target at step t is a word (rows stop predicting for good at their <end>).
    func loadCaptions(_ captions: [[Int]], rows R: Int, steps T: Int, captionsPerImage K: Int) {
        activeRows = (0..<T).map { t in (captions.lastIndex { t + 1 < $0.count } ?? -1) + 1 }
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

    /// mask (count) = 1/(1−p) with probability 1−p, else 0; all ones when not training or p = 0.
    func drawDropoutMask(_ mask: UnsafeMutablePointer<Float>, count: Int, probability: Float? = nil) {
        let p = probability ?? options.dropout
        guard training && p > 0 else { mask.update(repeating: 1, count: count); return }
        let keep = 1 / (1 - p)
        for i in 0..<count { mask[i] = dropoutRandom.nextUnitFloat() < p ? 0 : keep }
    }
}

// MARK: - Layout changes between the encoder and the decoder

/// rows (B, L, D) ← features (D, B, L).
func channelMajorToRows(_ rows: UnsafeMutablePointer<Float>, features: UnsafePointer<Float>, channels D: Int,
                        batch B: Int, locations L: Int) {
    for d in 0..<D {
        for b in 0..<B {
            let source = features + (d * B + b) * L, target = rows + b * L * D + d
            for l in 0..<L { target[l * D] = source[l] }
        }
    }
}

/// features (D, B, L) ← rows (B, L, D): the adjoint of `channelMajorToRows` (a permutation, so a copy).
func rowsToChannelMajor(_ features: UnsafeMutablePointer<Float>, rows: UnsafePointer<Float>, channels D: Int,
                        batch B: Int, locations L: Int) {
    for d in 0..<D {
        for b in 0..<B {
            let target = features + (d * B + b) * L, source = rows + b * L * D + d
            for l in 0..<L { target[l] = source[l * D] }
        }
    }
}

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
