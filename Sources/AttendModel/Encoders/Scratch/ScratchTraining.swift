import AttendMath
import AttendSupport

// MARK: - The scratch CNN in training: forward and backward
//
// Each stage is a 3×3 convolution (no bias) then batch norm → ReLU (→ 2×2 max-pool) as one fused layer, with batch
// statistics in training (the running ones updated) and the running statistics for validation. Activations are
// channel-major, (C, B, H, W), so one product covers the whole batch (in bands of output rows, as at inference).
// Letters: B pictures, S picture side, C a stage's channels, Ho × Wo its convolution's output, L grid cells.

public final class ScratchTraining: TrainableEncoder {
    let config: ScratchEncoderConfig
    let layout: ScratchLayout
    let capacity: Int
    public var training = true
    public var seconds: [String: Double] = [:]

    private var arena: [UnsafeMutableRawPointer] = []
    private var batch = 0
    private var stageSides: [(input: Int, output: Int, pooled: Int)] = []
    private var rowsPerChunk: [Int] = []                          // a convolution's output rows per im2col chunk
    private let images: UnsafeMutablePointer<Float>               // (3, B, S, S)
    private var convOutput: [UnsafeMutablePointer<Float>] = []    // (Cout, B, Ho, Wo) batch-norm input
    private var stageOutput: [UnsafeMutablePointer<Float>] = []   // (Cout, B, Ho/2, Wo/2) pooled, or (Cout, B, Ho, Wo)
    private var argmax: [UnsafeMutablePointer<Int32>?] = []       // (Cout, B, Ho/2, Wo/2) with a pool
    private var bnMean: [UnsafeMutablePointer<Float>] = []        // (Cout)
    private var bnInverseStd: [UnsafeMutablePointer<Float>] = []  // (Cout)
    private var stageOutputGradient: [UnsafeMutablePointer<Float>] = []  // each stage output's gradient
    private let columns: UnsafeMutablePointer<Float>              // (Cin·9, n·Wo), the largest stage's chunk of n rows
    private let columnsGradient: UnsafeMutablePointer<Float>      // same
    private let convGradient: UnsafeMutablePointer<Float>         // (Cout, B, Ho, Wo), the largest stage

    init(config: ScratchEncoderConfig, layout: ScratchLayout, pictures B: Int) {
        self.config = config
        self.layout = layout
        capacity = B
        var arena: [UnsafeMutableRawPointer] = []
        func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            arena.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
        let S = config.imageSize
        images = floats(3 * B * S * S)
        var side = S, inChannels = 3, largestColumns = 0, largestStage = 0
        for stage in 0..<config.channels.count {
            let outChannels = config.channels[stage]
            let outSide = convOutputSize(side, stride: config.strides[stage])
            let pooledSide = config.poolAfter[stage] ? outSide / 2 : outSide
            stageSides.append((side, outSide, pooledSide))
            let chunkRows = min(B * outSide, convolutionRowsPerChunk(inChannels: inChannels, outputWidth: outSide))
            rowsPerChunk.append(chunkRows)
            largestColumns = max(largestColumns, inChannels * 9 * chunkRows * outSide)
            largestStage = max(largestStage, outChannels * B * outSide * outSide)
            convOutput.append(floats(outChannels * B * outSide * outSide))
            stageOutput.append(floats(outChannels * B * pooledSide * pooledSide))
            if config.poolAfter[stage] {
                let indices = UnsafeMutablePointer<Int32>.allocate(capacity: outChannels * B * pooledSide * pooledSide)
                indices.initialize(repeating: 0, count: outChannels * B * pooledSide * pooledSide)
                arena.append(UnsafeMutableRawPointer(indices))
                argmax.append(indices)
            } else {
                argmax.append(nil)
            }
            bnMean.append(floats(outChannels))
            bnInverseStd.append(floats(outChannels))
            stageOutputGradient.append(floats(outChannels * B * pooledSide * pooledSide))
            side = pooledSide
            inChannels = outChannels
        }
        columns = floats(largestColumns)
        columnsGradient = floats(largestColumns)
        convGradient = floats(largestStage)
        self.arena = arena
    }

    deinit { for pointer in arena { pointer.deallocate() } }

    public var trainedTensorNames: Set<String> {
        Set(layout.stages.flatMap { [$0.convWeight.name, $0.bnScale.name, $0.bnShift.name] })
    }

    /// pictures (B, 3, S, S) → conv → BN → ReLU (→ pool) per stage → grid (B, L, C).
    public func forward(_ pictures: PictureBatch, parameters: UnsafeMutablePointer<Float>) -> [Float] {
        let B = pictures.count, S = config.imageSize
        precondition(B >= 1 && B <= capacity && pictures.side == S, "\(B) pictures of \(pictures.side) px; "
                     + "the encoder holds \(capacity) of \(S) px")
        var clock = Stopwatch()
        batch = B
        pictures.values.withUnsafeBufferPointer {
            batchToChannelMajor(images, $0.baseAddress!, batch: B, channels: 3, plane: S * S)
        }
        var input = UnsafePointer(images), inChannels = 3
        for stage in 0..<config.channels.count {
            let spec = layout.stages[stage], outChannels = config.channels[stage], sides = stageSides[stage]
            convolutionForward(output: convOutput[stage], columns: columns, input: input,
                               weight: parameters + spec.convWeight.offset, bias: nil, inChannels: inChannels,
                               outChannels: outChannels, batch: B, height: sides.input, width: sides.input,
                               stride: config.strides[stage], rowsPerChunk: rowsPerChunk[stage])
            // Validation normalises by the running statistics, as inference does; no backward follows.
            batchNormReLUPoolForward(output: stageOutput[stage], argmax: argmax[stage], mean: bnMean[stage],
                                     inverseStd: bnInverseStd[stage], input: convOutput[stage],
                                     scale: parameters + spec.bnScale.offset, shift: parameters + spec.bnShift.offset,
                                     runningMean: parameters + spec.bnRunningMean.offset,
                                     runningVar: parameters + spec.bnRunningVar.offset,
                                     batchStatistics: training, channels: outChannels, batch: B,
                                     height: sides.output, width: sides.output, pool: config.poolAfter[stage])
            input = UnsafePointer(stageOutput[stage])
            inChannels = outChannels
        }
        let L = config.gridSize * config.gridSize
        let grid = [Float](unsafeUninitializedCapacity: B * L * inChannels) { grid, count in   // (B, L, C)
            channelMajorToRows(grid.baseAddress!, features: input, channels: inChannels, batch: B, locations: L)
            count = B * L * inChannels
        }
        seconds["encoder forward", default: 0] += clock.lap()
        return grid
    }

    /// gridGradient (B, L, C) → the stages' gradients, last stage first.
    public func backward(gridGradient: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                         gradients: UnsafeMutablePointer<Float>) {
        precondition(training, "backward needs a forward in training mode (batch statistics)")
        var clock = Stopwatch()
        let B = batch, lastStage = config.channels.count - 1, L = config.gridSize * config.gridSize
        rowsToChannelMajor(stageOutputGradient[lastStage], rows: gridGradient, channels: config.gridChannels, batch: B,
                           locations: L)
        for stage in stride(from: lastStage, through: 0, by: -1) {
            let spec = layout.stages[stage], outChannels = config.channels[stage], sides = stageSides[stage]
            let inChannels = stage == 0 ? 3 : config.channels[stage - 1]
            batchNormReLUPoolBackward(inputGradient: convGradient, scaleGradient: gradients + spec.bnScale.offset,
                                      shiftGradient: gradients + spec.bnShift.offset,
                                      outputGradient: stageOutputGradient[stage], output: stageOutput[stage],
                                      argmax: argmax[stage], input: convOutput[stage], mean: bnMean[stage],
                                      inverseStd: bnInverseStd[stage], scale: parameters + spec.bnScale.offset,
                                      channels: outChannels, batch: B, height: sides.output, width: sides.output,
                                      pool: config.poolAfter[stage])
            let stageInput = UnsafePointer(stage == 0 ? images : stageOutput[stage - 1])
            var inputGradient: UnsafeMutablePointer<Float>? = nil
            if stage > 0 {
                inputGradient = stageOutputGradient[stage - 1]
                inputGradient!.update(repeating: 0, count: inChannels * B * sides.input * sides.input)
            }
            convolutionBackward(inputGradient: inputGradient, weightGradient: gradients + spec.convWeight.offset,
                                biasGradient: nil, columns: columns, columnsGradient: columnsGradient,
                                outputGradient: convGradient, input: stageInput,
                                weight: parameters + spec.convWeight.offset, inChannels: inChannels,
                                outChannels: outChannels, batch: B, height: sides.input, width: sides.input,
                                stride: config.strides[stage], rowsPerChunk: rowsPerChunk[stage])
        }
        seconds["encoder backward", default: 0] += clock.lap()
    }
}

// MARK: - Layout changes between the picture batch, the stages and the grid

/// channelMajor (C, B, P) ← images (B, C, P).
func batchToChannelMajor(_ channelMajor: UnsafeMutablePointer<Float>, _ images: UnsafePointer<Float>, batch: Int,
                         channels: Int, plane: Int) {
    for b in 0..<batch {
        for c in 0..<channels {
            (channelMajor + (c * batch + b) * plane).update(from: images + (b * channels + c) * plane, count: plane)
        }
    }
}

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
