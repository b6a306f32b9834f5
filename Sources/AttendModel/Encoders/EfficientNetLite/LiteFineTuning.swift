import AttendMath
import AttendSupport
import Foundation

// MARK: - Fine-tuning EfficientNet-Lite's top blocks (`attend train --unfreeze N`)
//
// The bottom of the network stays frozen and runs as inference does (`LiteEncoder.activations`, one picture at a
// time); the top N MBConv blocks and the convolution that ends at the tap (the head) train with the decoder.
// Their batch norms keep the pretrained running statistics: 32 photos a step are too few to estimate 1,152
// channels' statistics from, and the decoder learnt its features under those. So every step folds each batch norm
// into its convolution, the layers run on the folded weights exactly as inference does, and `foldBatchNormBackward`
// takes the gradients back to the stored weight, γ and β (the running mean and variance never change).
//
// Activations are channels-last, (B, H, W, C) = (N, C) rows, as in LiteEncoder. Letters: B pictures, N = B·H·W
// positions at a block's input and N' = B·Ho·Wo at its output, C / C' its input and output channels, M its
// expanded width, k its kernel.

/// One trained convolution with the batch norm after it: where its tensors are, and its folded form this step.
final class TrainedConvolution {
    let layout: ConvBatchNormLayout
    let depthwise: Bool
    let outChannels: Int
    /// Cin·k·k, or k·k for a depthwise convolution.
    let fanIn: Int
    var foldedWeight: [Float]           // (Cout, fanIn), or (k, k, Cout) tap-major when depthwise
    var foldedBias: [Float]             // (Cout)
    var foldedWeightGradient: [Float]   // the same layout as foldedWeight
    var foldedBiasGradient: [Float]     // (Cout)
    private var channelMajorGradient: [Float]   // (Cout, k·k): a depthwise gradient back in the stored order

    init(_ layout: ConvBatchNormLayout, depthwise: Bool = false) {
        self.layout = layout
        self.depthwise = depthwise
        let shape = layout.convWeight.shape
        outChannels = shape[0]
        fanIn = shape.dropFirst().reduce(1, *)
        foldedWeight = [Float](repeating: 0, count: outChannels * fanIn)
        foldedBias = [Float](repeating: 0, count: outChannels)
        foldedWeightGradient = foldedWeight
        foldedBiasGradient = foldedBias
        channelMajorGradient = depthwise ? foldedWeight : []
    }

    /// The names of the tensors this convolution trains (not the running statistics).
    var trainedTensorNames: [String] { [layout.convWeight.name, layout.bnScale.name, layout.bnShift.name] }

    /// Folds the batch norm into the convolution from the current parameters (P), and clears the gradients.
    func fold(parameters: UnsafePointer<Float>) {
        let folded = FoldedConvolution(layout, parameters: parameters, depthwise: depthwise)
        foldedWeight = folded.weight
        foldedBias = folded.bias
        for i in foldedWeightGradient.indices { foldedWeightGradient[i] = 0 }
        for i in foldedBiasGradient.indices { foldedBiasGradient[i] = 0 }
    }

    /// Adds the folded gradients, taken back through the fold, into gradients (P) at this convolution's tensors.
    func backward(parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        if depthwise {
            for c in 0..<outChannels {
                for t in 0..<fanIn { channelMajorGradient[c * fanIn + t] = foldedWeightGradient[t * outChannels + c] }
            }
        }
        (depthwise ? channelMajorGradient : foldedWeightGradient).withUnsafeBufferPointer { folded in
            foldBatchNormBackward(weightGradient: gradients + layout.convWeight.offset,
                                  scaleGradient: gradients + layout.bnScale.offset,
                                  shiftGradient: gradients + layout.bnShift.offset,
                                  foldedWeightGradient: folded.baseAddress!, foldedBiasGradient: foldedBiasGradient,
                                  weight: parameters + layout.convWeight.offset, outChannels: outChannels,
                                  fanIn: fanIn, scale: parameters + layout.bnScale.offset,
                                  runningMean: parameters + layout.bnRunningMean.offset,
                                  runningVar: parameters + layout.bnRunningVar.offset,
                                  epsilon: LiteArchitecture.batchNormEpsilon)
        }
    }
}

/// One trained MBConv block and what its forward keeps for the backward.
final class TrainedBlock {
    let block: MBConvBlock
    let expand: TrainedConvolution?
    let depthwise: TrainedConvolution
    let project: TrainedConvolution
    /// Sides of its input and output.
    let inSide: Int, outSide: Int
    var input: [Float] = [] // (N, C) of the last forward
    var expanded: [Float]   // (N, M) after ReLU6; unused without an expansion (the input is expanded)
    var filtered: [Float]   // (N', M) after the depthwise convolution and its ReLU6

    init(_ block: MBConvBlock, layout: MBConvLayout, inSide: Int, pictures B: Int) {
        self.block = block
        expand = layout.expand.map { TrainedConvolution($0) }
        depthwise = TrainedConvolution(layout.depthwise, depthwise: true)
        project = TrainedConvolution(layout.project)
        self.inSide = inSide
        outSide = samePadding(inSide, kernel: block.kernel, stride: block.stride).output
        expanded = [Float](repeating: 0, count: block.hasExpansion ? B * inSide * inSide * block.midChannels : 0)
        filtered = [Float](repeating: 0, count: B * outSide * outSide * block.midChannels)
    }

    var convolutions: [TrainedConvolution] { [expand, depthwise, project].compactMap { $0 } }

    /// input (N, C) → output (N', C'), keeping the input and the activations.
    func forward(_ input: [Float], pictures B: Int) -> [Float] {
        let (C, M, Cout) = (block.inChannels, block.midChannels, block.outChannels)
        let N = B * inSide * inSide, outN = B * outSide * outSide
        precondition(input.count == N * C, "block input must be (N, C)")
        self.input = input
        if let expand {
            linearForward(output: &expanded, input: input, weight: expand.foldedWeight, bias: expand.foldedBias, rows: N,
                          inFeatures: C, outFeatures: M)
            relu6Forward(&expanded, count: N * M)
        }
        (block.hasExpansion ? expanded : input).withUnsafeBufferPointer { x in
            depthwiseConvolutionForward(output: &filtered, input: x.baseAddress!, weight: depthwise.foldedWeight,
                                        bias: depthwise.foldedBias, relu6: true, batch: B, height: inSide, width: inSide,
                                        channels: M, kernel: block.kernel, stride: block.stride)
        }
        var output = [Float](repeating: 0, count: outN * Cout)                 // (N', C')
        linearForward(output: &output, input: filtered, weight: project.foldedWeight, bias: project.foldedBias,
                      rows: outN, inFeatures: M, outFeatures: Cout)
        if block.hasResidual { for i in 0..<(outN * Cout) { output[i] += input[i] } }
        return output
    }

    /// outputGradient (N', C') → the folded gradients of its convolutions, and inputGradient (N, C) when asked
    /// (nil for the lowest trained block: nothing below it trains).
    func backward(pictures B: Int, outputGradient: [Float], inputGradient: UnsafeMutablePointer<Float>?) {
        let (C, M, Cout) = (block.inChannels, block.midChannels, block.outChannels)
        let N = B * inSide * inSide, outN = B * outSide * outSide
        if let inputGradient {
            inputGradient.update(repeating: 0, count: N * C)
            if block.hasResidual { for i in 0..<(N * C) { inputGradient[i] = outputGradient[i] } }
        }
        var filteredGradient = [Float](repeating: 0, count: outN * M)          // (N', M)
        linearBackward(inputGradient: &filteredGradient, weightGradient: &project.foldedWeightGradient,
                       biasGradient: &project.foldedBiasGradient, outputGradient: outputGradient, input: filtered,
                       weight: project.foldedWeight, rows: outN, inFeatures: M, outFeatures: Cout)
        var beforeReLU = [Float](repeating: 0, count: outN * M)                // (N', M)
        relu6Backward(inputGradient: &beforeReLU, outputGradient: filteredGradient, output: filtered, count: outN * M)
        guard let expand else {
            (input).withUnsafeBufferPointer { x in
                depthwiseConvolutionBackward(inputGradient: inputGradient, weightGradient: &depthwise.foldedWeightGradient,
                                             biasGradient: &depthwise.foldedBiasGradient, outputGradient: beforeReLU,
                                             input: x.baseAddress!, weight: depthwise.foldedWeight, batch: B,
                                             height: inSide, width: inSide, channels: M, kernel: block.kernel,
                                             stride: block.stride)
            }
            return
        }
        var expandedGradient = [Float](repeating: 0, count: N * M)             // (N, M)
        depthwiseConvolutionBackward(inputGradient: &expandedGradient, weightGradient: &depthwise.foldedWeightGradient,
                                     biasGradient: &depthwise.foldedBiasGradient, outputGradient: beforeReLU,
                                     input: expanded, weight: depthwise.foldedWeight, batch: B, height: inSide,
                                     width: inSide, channels: M, kernel: block.kernel, stride: block.stride)
        var expandedBeforeReLU = [Float](repeating: 0, count: N * M)           // (N, M)
        relu6Backward(inputGradient: &expandedBeforeReLU, outputGradient: expandedGradient, output: expanded,
                      count: N * M)
        linearBackward(inputGradient: inputGradient, weightGradient: &expand.foldedWeightGradient,
                       biasGradient: &expand.foldedBiasGradient, outputGradient: expandedBeforeReLU, input: input,
                       weight: expand.foldedWeight, rows: N, inFeatures: C, outFeatures: M)
    }
}

/// The trained top of an EfficientNet-Lite encoder: pictures in, the grid the projection reads out, and the
/// gradients of its tensors from the grid's.
public final class LiteFineTuner: TrainableEncoder {
    /// The variant's blocks at the model's input side, up to its tap.
    public let network: LiteNetwork
    /// MBConv blocks trained (the top ones before the tap).
    public let trainedBlockCount: Int
    let frozen: LiteEncoder
    let blocks: [TrainedBlock]
    /// The convolution that ends at the tap (the head; block 11's expansion for `x11`), if the tap has one.
    let last: TrainedConvolution?
    let capacity: Int
    /// (B·L, C_last) the input of `last` in the last forward.
    var lastInput: [Float] = []
    /// (B, L, C) the grid of the last forward.
    public private(set) var grid: [Float] = []
    /// Seconds per part, like TrainingGraph.seconds.
    public var seconds: [String: Double] = [:]
    /// No batch norm here learns statistics (they stay the pretrained ones), so training and validation run alike.
    public var training = true

    /// `blocks` top blocks of `model`'s encoder (and the convolution at its tap) train; pictures come `pictures` at
    /// a time at most.
    init(model: Model, network: LiteNetwork, layout: LiteLayout, blocks count: Int, pictures: Int) {
        let whole = network.wholeBlocks
        precondition((0...whole).contains(count), "\(count) trained blocks: the tap has \(whole) below it")
        self.network = network
        trainedBlockCount = count
        capacity = pictures
        frozen = LiteEncoder(model: model, network: network, layout: layout)
        var side = network.side(afterBlocks: whole - count)
        var trained: [TrainedBlock] = []
        for index in (whole - count)..<whole {
            let block = TrainedBlock(network.blocks[index], layout: layout.blocks[index], inSide: side,
                                     pictures: pictures)
            trained.append(block)
            side = block.outSide
        }
        self.blocks = trained
        last = layout.last.map { TrainedConvolution($0) }
    }

    var convolutions: [TrainedConvolution] { blocks.flatMap(\.convolutions) + (last.map { [$0] } ?? []) }

    /// Every tensor that trains: the optimizer leaves the encoder's others as they are.
    public var trainedTensorNames: Set<String> { Set(convolutions.flatMap(\.trainedTensorNames)) }

    /// pictures (B, 3, S, S) → grid (B, L, C), keeping what the backward reads. The batch norms are folded from
    /// `parameters` (P) first, so every step sees the current weights.
    public func forward(_ pictures: PictureBatch, parameters: UnsafeMutablePointer<Float>) -> [Float] {
        let B = pictures.count, S = network.imageSize, plane = 3 * S * S
        precondition(B >= 1 && B <= capacity && pictures.side == S,
                     "\(B) pictures of \(pictures.side) px; the fine-tuner holds \(capacity) of \(S) px")
        var clock = Stopwatch()
        for convolution in convolutions { convolution.fold(parameters: parameters) }
        // The frozen part, one picture at a time (its activations stay in cache; see LiteEncoder).
        let frozenBlocks = network.wholeBlocks - trainedBlockCount
        let frozenSide = network.side(afterBlocks: frozenBlocks), frozenChannels = network.channels(afterBlocks: frozenBlocks)
        let perPicture = frozenSide * frozenSide * frozenChannels
        var current = [Float](repeating: 0, count: B * perPicture)   // (B·H·W, C) the frozen part's output
        for b in 0..<B {
            let (values, _) = pictures.values.withUnsafeBufferPointer {
                frozen.activations(images: $0.baseAddress! + b * plane, batch: 1, wholeBlocks: frozenBlocks)
            }
            current.replaceSubrange((b * perPicture)..<((b + 1) * perPicture), with: values)
        }
        lap(&clock, "frozen encoder")
        for block in blocks { current = block.forward(current, pictures: B) }
        let cells = B * network.gridSize * network.gridSize
        if let last {
            lastInput = current
            grid = [Float](repeating: 0, count: cells * last.outChannels)
            linearForward(output: &grid, input: lastInput, weight: last.foldedWeight, bias: last.foldedBias, rows: cells,
                          inFeatures: last.fanIn, outFeatures: last.outChannels)
            relu6Forward(&grid, count: cells * last.outChannels)
        } else {
            grid = current
        }
        lap(&clock, "fine-tuned encoder forward")
        return grid
    }

    /// gridGradient (B, L, C) of the last forward's grid → adds the gradients of every trained tensor into
    /// gradients (P).
    public func backward(gridGradient: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                         gradients: UnsafeMutablePointer<Float>) {
        var clock = Stopwatch()
        let cells = grid.count / network.gridChannels, B = cells / (network.gridSize * network.gridSize)
        let gridGradient = Array(UnsafeBufferPointer(start: gridGradient, count: grid.count))   // (B, L, C)
        var gradient: [Float]                                    // the current layer's output gradient
        if let last {
            var beforeReLU = [Float](repeating: 0, count: cells * last.outChannels)   // (B·L, C)
            relu6Backward(inputGradient: &beforeReLU, outputGradient: gridGradient, output: grid,
                          count: cells * last.outChannels)
            gradient = [Float](repeating: 0, count: blocks.isEmpty ? 0 : cells * last.fanIn)   // (B·L, C_last)
            gradient.withUnsafeMutableBufferPointer { inputGradient in
                linearBackward(inputGradient: blocks.isEmpty ? nil : inputGradient.baseAddress!,
                               weightGradient: &last.foldedWeightGradient, biasGradient: &last.foldedBiasGradient,
                               outputGradient: beforeReLU, input: lastInput, weight: last.foldedWeight, rows: cells,
                               inFeatures: last.fanIn, outFeatures: last.outChannels)
            }
        } else {
            gradient = gridGradient
        }
        for (i, block) in blocks.enumerated().reversed() {
            var inputGradient = [Float](repeating: 0, count: i == 0 ? 0 : block.input.count)   // (N, C)
            inputGradient.withUnsafeMutableBufferPointer { buffer in
                block.backward(pictures: B, outputGradient: gradient, inputGradient: i == 0 ? nil : buffer.baseAddress!)
            }
            gradient = inputGradient
        }
        for convolution in convolutions { convolution.backward(parameters: parameters, gradients: gradients) }
        lap(&clock, "fine-tuned encoder backward")
    }

    private func lap(_ clock: inout Stopwatch, _ phase: String) { seconds[phase, default: 0] += clock.lap() }
}
