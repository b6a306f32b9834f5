import AttendMath
import AttendSupport
import Foundation

// MARK: - EfficientNet-Lite for inference
//
// Every batch norm is folded into the convolution before it (weights scaled per output channel, a bias added), so
// a block is: 1×1 expansion (sgemm over the (B·H·W, C) rows) + bias + ReLU6, depthwise k×k + bias + ReLU6, 1×1
// projection + bias, + the block's input. Activations are channels-last (B, H, W, C) throughout, which is also
// the (B, L, C) grid the decoder reads: no transpose at the end.

/// One folded convolution.
public struct FoldedConvolution {
    /// (Cout, Cin·k·k) for a full or 1×1 convolution; (k, k, C) tap-major for a depthwise one.
    public let weight: [Float]
    /// (Cout)
    public let bias: [Float]

    /// Folds `layout`'s batch norm into its convolution. `depthwise` also transposes (C, 1, k, k) to (k, k, C).
    init(_ layout: ConvBatchNormLayout, model: Model, depthwise: Bool = false) {
        self = model.parameters.withUnsafeBufferPointer {
            FoldedConvolution(layout, parameters: $0.baseAddress!, depthwise: depthwise)
        }
    }

    /// The same from a parameter buffer (P) in layout order: fine-tuning folds the current weights every step.
    public init(_ layout: ConvBatchNormLayout, parameters: UnsafePointer<Float>, depthwise: Bool = false) {
        let shape = layout.convWeight.shape
        let outChannels = shape[0], fanIn = shape.dropFirst().reduce(1, *)
        var weight = Array(UnsafeBufferPointer(start: parameters + layout.convWeight.offset, count: layout.convWeight.count))
        let bias = weight.withUnsafeMutableBufferPointer { w in
            foldBatchNorm(weight: w.baseAddress!, outChannels: outChannels, fanIn: fanIn,
                          scale: parameters + layout.bnScale.offset, shift: parameters + layout.bnShift.offset,
                          runningMean: parameters + layout.bnRunningMean.offset,
                          runningVar: parameters + layout.bnRunningVar.offset, epsilon: LiteArchitecture.batchNormEpsilon)
        }
        if depthwise {
            let taps = fanIn
            var tapMajor = [Float](repeating: 0, count: weight.count)
            for c in 0..<outChannels { for t in 0..<taps { tapMajor[t * outChannels + c] = weight[c * taps + t] } }
            weight = tapMajor
        }
        self.weight = weight
        self.bias = bias
    }
}

public final class LiteEncoder: GridEncoder {
    public let config: ModelConfig
    /// The variant's blocks at the model's input side, up to its tap.
    let network: LiteNetwork
    let stem: FoldedConvolution
    let blocks: [(block: MBConvBlock, expand: FoldedConvolution?, depthwise: FoldedConvolution, project: FoldedConvolution)]
    /// The 1×1 convolution + ReLU6 that ends at the tap (head or block 11's expansion), if any.
    let last: FoldedConvolution?
    /// Workspaces not in use; a pass takes one (or makes one) and gives it back, so passes on several threads
    /// never share buffers, and in steady state no pass allocates.
    private var spareWorkspaces: [LiteWorkspace] = []
    private let workspaceLock = NSLock()

    init(model: Model, network: LiteNetwork, layout: LiteLayout) {
        config = model.config
        self.network = network
        stem = FoldedConvolution(layout.stem, model: model)
        blocks = zip(network.blocks, layout.blocks).map { block, convolutions in
            (block, convolutions.expand.map { FoldedConvolution($0, model: model) },
             FoldedConvolution(convolutions.depthwise, model: model, depthwise: true),
             FoldedConvolution(convolutions.project, model: model))
        }
        last = layout.last.map { FoldedConvolution($0, model: model) }
    }

    /// Pictures encoded together. A batch's activations are B × 112 × 112 × 96 floats after the first expansion
    /// (4.8 MB a picture at 224): past one picture they leave the caches, and the depthwise layers, bound by memory
    /// traffic, slow down per picture. Measured with `attend bench --batch 32` (2 threads): 13.9 ms a picture one
    /// at a time, 17.3 two, 21.4 four, 20.3 eight, 29.3 all 32 together.
    static let picturesPerPass = 1

    /// images (B, 3, S, S) normalised as (v − 127) / 128 → grid (B, L, C), `picturesPerPass` pictures at a time.
    public func encode(images: UnsafePointer<Float>, batch B: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: B * config.locations * config.gridChannels) { grid, count in
            encode(images: images, batch: B, into: grid.baseAddress!)
            count = grid.count
        }
    }

    /// `encode(images:batch:)` into the caller's grid (B, L, C).
    public func encode(images: UnsafePointer<Float>, batch B: Int, into grid: UnsafeMutablePointer<Float>) {
        withWorkspace { workspace in
            let plane = 3 * network.imageSize * network.imageSize, cell = config.locations * config.gridChannels
            for first in stride(from: 0, to: B, by: Self.picturesPerPass) {
                let n = min(Self.picturesPerPass, B - first)
                encodePass(images: images + first * plane, batch: n, into: grid + first * cell, workspace)
            }
        }
    }

    /// images (B, 3, S, S) → the output of the stem and the first `wholeBlocks` blocks, (B, side, side, C)
    /// channels-last. Fine-tuning runs the frozen blocks through this and the rest itself.
    public func activations(images: UnsafePointer<Float>, batch B: Int, wholeBlocks: Int) -> (values: [Float], side: Int) {
        precondition((0...blocks.count).contains(wholeBlocks), "wholeBlocks \(wholeBlocks) outside 0...\(blocks.count)")
        let side = network.side(afterBlocks: wholeBlocks), channels = network.channels(afterBlocks: wholeBlocks)
        let plane = 3 * network.imageSize * network.imageSize, picture = side * side * channels
        let values = [Float](unsafeUninitializedCapacity: B * picture) { values, count in
            withWorkspace { workspace in
                for first in stride(from: 0, to: B, by: Self.picturesPerPass) {
                    let n = min(Self.picturesPerPass, B - first)
                    let (result, _) = blockPass(images: images + first * plane, batch: n, wholeBlocks: wholeBlocks,
                                                workspace, clock: nil)
                    (values.baseAddress! + first * picture).update(from: result, count: n * picture)
                }
            }
            count = B * picture
        }
        return (values, side)
    }

    // MARK: - Workspaces

    private func withWorkspace<R>(_ body: (LiteWorkspace) -> R) -> R {
        workspaceLock.lock()
        let workspace = spareWorkspaces.popLast() ?? LiteWorkspace(network: network, pictures: Self.picturesPerPass)
        workspaceLock.unlock()
        defer {
            workspaceLock.lock()
            spareWorkspaces.append(workspace)
            workspaceLock.unlock()
        }
        return body(workspace)
    }

    // MARK: - The pass

    /// One pass of the network over B ≤ `picturesPerPass` pictures, the grid written to `grid` (B, L, C).
    private func encodePass(images: UnsafePointer<Float>, batch B: Int, into grid: UnsafeMutablePointer<Float>,
                            _ workspace: LiteWorkspace, clock: StageClock? = nil) {
        let wholeBlocks = network.wholeBlocks
        let (blockOutput, side) = blockPass(images: images, batch: B, wholeBlocks: wholeBlocks, workspace, clock: clock)
        let channels = network.channels(afterBlocks: wholeBlocks)
        guard let last else {
            grid.update(from: blockOutput, count: B * side * side * channels)
            return
        }
        pointwise(output: grid, input: blockOutput, rows: B * side * side, inChannels: channels, last, relu6: true)
        clock?.lap()
    }

    /// images (B, 3, S, S) → the stem and the first `wholeBlocks` blocks: a pointer into `workspace` holding
    /// (B, side, side, C), valid until the workspace's next pass.
    private func blockPass(images: UnsafePointer<Float>, batch B: Int, wholeBlocks: Int, _ workspace: LiteWorkspace,
                           clock: StageClock?) -> (UnsafePointer<Float>, side: Int) {
        precondition(B <= workspace.pictures, "a workspace holds \(workspace.pictures) pictures")
        let S = network.imageSize
        // Stem: 3×3 stride-2 SAME convolution as im2col rows (B·Ho·Wo, 27) times the weight (32, 27).
        let (side, top) = samePadding(S, kernel: 3, stride: 2)
        let columns = workspace.columns                                                   // (B·Ho·Wo, 27)
        parallelFor(B * side, minimumPerWorker: 4) { rows in
            for row in rows {
                let b = row / side, oy = row % side
                for ox in 0..<side {
                    let column = columns + (row * side + ox) * 27
                    for c in 0..<3 {
                        for ky in 0..<3 {
                            let iy = oy * 2 - top + ky
                            for kx in 0..<3 {
                                let ix = ox * 2 - top + kx
                                let inside = iy >= 0 && iy < S && ix >= 0 && ix < S
                                column[c * 9 + ky * 3 + kx] = inside ? images[((b * 3 + c) * S + iy) * S + ix] : 0
                            }
                        }
                    }
                }
            }
        }
        // Block input and output alternate between two buffers; expansion and depthwise have their own.
        var current = workspace.activationA, next = workspace.activationB               // (B, H, W, C)
        let expanded = workspace.expanded, filtered = workspace.filtered                // (B, H, W, Cmid), (B, Ho, Wo, Cmid)
        pointwise(output: current, input: columns, rows: B * side * side, inChannels: 27, stem, relu6: true)
        clock?.lap()
        var height = side, channels = LiteArchitecture.stemChannels

        for (block, expand, depthwise, project) in blocks.prefix(wholeBlocks) {
            let positions = B * height * height
            var depthwiseInput = UnsafePointer(current)
            if let expand {
                pointwise(output: expanded, input: current, rows: positions, inChannels: channels, expand, relu6: true)
                depthwiseInput = UnsafePointer(expanded)
                clock?.lap()
            }
            let (outSide, _) = samePadding(height, kernel: block.kernel, stride: block.stride)
            depthwiseConvolutionForward(output: filtered, input: depthwiseInput, weight: depthwise.weight,
                                        bias: depthwise.bias, relu6: true, batch: B, height: height, width: height,
                                        channels: block.midChannels, kernel: block.kernel, stride: block.stride)
            clock?.lap()
            let outPositions = B * outSide * outSide
            pointwise(output: next, input: filtered, rows: outPositions, inChannels: block.midChannels, project,
                      relu6: false)
            if block.hasResidual { addInPlace(next, current, count: outPositions * block.outChannels) }
            clock?.lap()
            swap(&current, &next)
            height = outSide
            channels = block.outChannels
        }
        return (UnsafePointer(current), height)
    }

    /// output (N, Cout) = input (N, Cin) · Wᵀ + b, then ReLU6 when asked.
    private func pointwise(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, rows: Int,
                           inChannels: Int, _ convolution: FoldedConvolution, relu6: Bool) {
        let outChannels = convolution.bias.count
        gemm(transposeB: true, m: rows, n: outChannels, k: inChannels, a: input, b: convolution.weight, c: output)
        addBiasRows(output, bias: convolution.bias, rows: rows, columns: outChannels, relu6: relu6)
    }

    // MARK: - Per-stage timing

    /// One stage of the network as `stageTimes` reports it.
    public struct Stage: Sendable {
        /// "stem", "b3 expand", "b3 depthwise 5x5/2", "b3 project", "head".
        public let name: String
        /// What limits it: sgemm's rate (pointwise, the stem) or memory bandwidth (depthwise).
        public let isDepthwise: Bool
        /// Multiply and add counted apart, per picture.
        public let flops: Int
        /// Floats read and written once each (input, output, weights, bias, the residual), per picture, × 4.
        public let bytes: Int
    }

    /// The stages one picture goes through, in order (what `stageTimes` times).
    public var stages: [Stage] {
        var stages: [Stage] = []
        func pointwise(_ name: String, rows: Int, cin: Int, cout: Int, residual: Bool = false) {
            stages.append(Stage(name: name, isDepthwise: false, flops: 2 * rows * cin * cout,
                                bytes: 4 * (rows * cin + rows * cout * (residual ? 2 : 1) + cin * cout + cout)))
        }
        var side = samePadding(network.imageSize, kernel: 3, stride: 2).output
        pointwise("stem 3x3/2", rows: side * side, cin: 27, cout: LiteArchitecture.stemChannels)
        for (index, (block, expand, _, _)) in blocks.prefix(network.wholeBlocks).enumerated() {
            if expand != nil { pointwise("b\(index) expand", rows: side * side, cin: block.inChannels, cout: block.midChannels) }
            let out = samePadding(side, kernel: block.kernel, stride: block.stride).output
            let k = block.kernel, c = block.midChannels
            stages.append(Stage(name: "b\(index) depthwise \(k)x\(k)/\(block.stride)", isDepthwise: true,
                                flops: 2 * out * out * c * k * k,
                                bytes: 4 * (side * side * c + out * out * c + k * k * c + c)))
            pointwise("b\(index) project", rows: out * out, cin: c, cout: block.outChannels, residual: block.hasResidual)
            side = out
        }
        if let last {
            let channels = network.channels(afterBlocks: network.wholeBlocks)
            pointwise(network.tap == .head ? "head" : "tap", rows: side * side, cin: channels, cout: last.bias.count)
        }
        return stages
    }

    /// Seconds each of `stages` takes on one picture (B = 1), the median of `repeats` passes.
    public func stageTimes(image: UnsafePointer<Float>, repeats: Int) -> [Double] {
        let grid = UnsafeMutablePointer<Float>.allocate(capacity: config.locations * config.gridChannels)
        defer { grid.deallocate() }
        return withWorkspace { workspace in
            encodePass(images: image, batch: 1, into: grid, workspace)   // warm-up
            var laps: [[Double]] = []
            for _ in 0..<max(1, repeats) {
                let clock = StageClock()
                encodePass(images: image, batch: 1, into: grid, workspace, clock: clock)
                laps.append(clock.laps)
            }
            return (0..<laps[0].count).map { stage in
                let sorted = laps.map { $0[stage] }.sorted()
                return sorted[sorted.count / 2]
            }
        }
    }
}

/// Buffers of one encoder pass of up to `pictures` pictures, each sized for the largest activation it holds
/// anywhere in the network. Allocated once; a pass writes every value it later reads.
final class LiteWorkspace {
    let pictures: Int
    /// The stem's im2col rows: (P·Ho·Wo, 27).
    let columns: UnsafeMutablePointer<Float>
    /// A block's input and output, in turn: (P, H, W, C) at most.
    let activationA: UnsafeMutablePointer<Float>
    let activationB: UnsafeMutablePointer<Float>
    /// The expansion's output, the depthwise input: (P, H, W, Cmid) at most.
    let expanded: UnsafeMutablePointer<Float>
    /// The depthwise output: (P, Ho, Wo, Cmid) at most.
    let filtered: UnsafeMutablePointer<Float>

    init(network: LiteNetwork, pictures: Int) {
        self.pictures = pictures
        var side = samePadding(network.imageSize, kernel: 3, stride: 2).output
        let stemColumns = side * side * 27
        var activation = side * side * LiteArchitecture.stemChannels, expanded = 0, filtered = 0
        for block in network.blocks {
            if block.hasExpansion { expanded = max(expanded, side * side * block.midChannels) }
            let out = samePadding(side, kernel: block.kernel, stride: block.stride).output
            filtered = max(filtered, out * out * block.midChannels)
            activation = max(activation, out * out * block.outChannels)
            side = out
        }
        columns = .allocate(capacity: pictures * stemColumns)
        activationA = .allocate(capacity: pictures * activation)
        activationB = .allocate(capacity: pictures * activation)
        self.expanded = .allocate(capacity: pictures * max(expanded, 1))
        self.filtered = .allocate(capacity: pictures * filtered)
    }

    deinit {
        for buffer in [columns, activationA, activationB, expanded, filtered] { buffer.deallocate() }
    }
}

/// Lap times of one timed pass.
final class StageClock {
    private(set) var laps: [Double] = []
    private var stopwatch = Stopwatch()

    func lap() { laps.append(stopwatch.lap()) }
}
