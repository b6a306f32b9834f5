import AttendMath
import Foundation

// MARK: - EfficientNet-Lite0 for inference
//
// Every batch norm is folded into the convolution before it (weights scaled per output channel, a bias added), so
// a block is: 1×1 expansion (sgemm over the (B·H·W, C) rows) + bias + ReLU6, depthwise k×k + bias + ReLU6, 1×1
// projection + bias, + the block's input. Activations are channels-last (B, H, W, C) throughout, which is also
// the (B, L, C) grid the decoder reads: no transpose at the end.

/// One folded convolution.
struct FoldedConvolution {
    /// (Cout, Cin·k·k) for a full or 1×1 convolution; (k, k, C) tap-major for a depthwise one.
    let weight: [Float]
    /// (Cout)
    let bias: [Float]

    /// Folds `layout`'s batch norm into its convolution. `depthwise` also transposes (C, 1, k, k) to (k, k, C).
    init(_ layout: ConvBatchNormLayout, model: Model, depthwise: Bool = false) {
        let shape = layout.convWeight.shape
        let outChannels = shape[0], fanIn = shape.dropFirst().reduce(1, *)
        var weight = model.values(of: layout.convWeight)
        let bias = weight.withUnsafeMutableBufferPointer { w in
            foldBatchNorm(weight: w.baseAddress!, outChannels: outChannels, fanIn: fanIn,
                          scale: model.values(of: layout.bnScale), shift: model.values(of: layout.bnShift),
                          runningMean: model.values(of: layout.bnRunningMean),
                          runningVar: model.values(of: layout.bnRunningVar), epsilon: Lite0Architecture.batchNormEpsilon)
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

public final class Lite0Encoder: GridEncoder {
    public let config: ModelConfig
    let lite0: Lite0EncoderConfig
    let stem: FoldedConvolution
    let blocks: [(block: MBConvBlock, expand: FoldedConvolution?, depthwise: FoldedConvolution, project: FoldedConvolution)]
    /// The 1×1 convolution + ReLU6 that ends at the tap (head or block 11's expansion), if any.
    let last: FoldedConvolution?

    public init(model: Model) {
        guard case let .efficientNetLite0(lite0) = model.config.encoder, let layout = model.layout.lite0 else {
            preconditionFailure("Lite0Encoder needs an efficientnet-lite0 model")
        }
        config = model.config
        self.lite0 = lite0
        stem = FoldedConvolution(layout.stem, model: model)
        blocks = zip(Lite0Architecture.blocks, layout.blocks).map { block, convolutions in
            (block, convolutions.expand.map { FoldedConvolution($0, model: model) },
             FoldedConvolution(convolutions.depthwise, model: model, depthwise: true),
             FoldedConvolution(convolutions.project, model: model))
        }
        last = layout.last.map { FoldedConvolution($0, model: model) }
    }

    /// Pictures encoded together. A batch's activations are B × 112 × 112 × 96 floats after the first expansion
    /// (4.8 MB a picture): past one picture they leave the caches, and the depthwise layers, bound by memory
    /// traffic, slow down per picture. Measured with `attend bench --batch 32` (2 threads): 13.9 ms a picture one
    /// at a time, 17.3 two, 21.4 four, 20.3 eight, 29.3 all 32 together.
    static let picturesPerPass = 1

    /// images (B, 3, S, S) normalised as (v − 127) / 128 → grid (B, L, C), `picturesPerPass` pictures at a time.
    public func encode(images: UnsafePointer<Float>, batch B: Int) -> [Float] {
        let chunk = Self.picturesPerPass
        if B <= chunk { return encodePass(images: images, batch: B) }
        let plane = 3 * lite0.imageSize * lite0.imageSize
        var grid: [Float] = []
        grid.reserveCapacity(B * config.locations * config.gridChannels)
        for first in stride(from: 0, to: B, by: chunk) {
            grid += encodePass(images: images + first * plane, batch: min(chunk, B - first))
        }
        return grid
    }

    /// One pass of the network over B pictures.
    private func encodePass(images: UnsafePointer<Float>, batch B: Int) -> [Float] {
        let (blockOutput, side) = activations(images: images, batch: B, wholeBlocks: lite0.tap.wholeBlocks)
        guard let last else { return blockOutput }
        return pointwise(blockOutput, rows: B * side * side,
                         inChannels: Lite0Architecture.blocks[lite0.tap.wholeBlocks - 1].outChannels, last, relu6: true)
    }

    /// images (B, 3, S, S) → the output of the stem and the first `wholeBlocks` blocks, (B, side, side, C)
    /// channels-last. Fine-tuning runs the frozen blocks through this and the rest itself.
    public func activations(images: UnsafePointer<Float>, batch B: Int, wholeBlocks: Int) -> (values: [Float], side: Int) {
        precondition((0...blocks.count).contains(wholeBlocks), "wholeBlocks \(wholeBlocks) outside 0...\(blocks.count)")
        let S = lite0.imageSize
        // Stem: 3×3 stride-2 SAME convolution as im2col rows (B·Ho·Wo, 27) times the weight (32, 27).
        let (side, top) = samePadding(S, kernel: 3, stride: 2)
        var columns = [Float](repeating: 0, count: B * side * side * 27)
        columns.withUnsafeMutableBufferPointer { cols in
            parallelFor(B * side, minimumPerWorker: 4) { rows in
                for row in rows {
                    let b = row / side, oy = row % side
                    for ox in 0..<side {
                        let column = cols.baseAddress! + (row * side + ox) * 27
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
        }
        var current = pointwise(columns, rows: B * side * side, inChannels: 27, stem, relu6: true)
        var height = side, channels = Lite0Architecture.stemChannels

        for (block, expand, depthwise, project) in blocks.prefix(wholeBlocks) {
            let positions = B * height * height
            let expanded = expand.map { pointwise(current, rows: positions, inChannels: channels, $0, relu6: true) } ?? current
            let (outSide, _) = samePadding(height, kernel: block.kernel, stride: block.stride)
            var filtered = [Float](repeating: 0, count: B * outSide * outSide * block.midChannels)
            expanded.withUnsafeBufferPointer { x in
                filtered.withUnsafeMutableBufferPointer { y in
                    depthwiseConvolutionForward(output: y.baseAddress!, input: x.baseAddress!, weight: depthwise.weight,
                                                bias: depthwise.bias, relu6: true, batch: B, height: height,
                                                width: height, channels: block.midChannels, kernel: block.kernel,
                                                stride: block.stride)
                }
            }
            var projected = pointwise(filtered, rows: B * outSide * outSide, inChannels: block.midChannels, project,
                                      relu6: false)
            if block.hasResidual { for i in 0..<projected.count { projected[i] += current[i] } }
            current = projected
            height = outSide
            channels = block.outChannels
        }
        return (current, height)
    }

    /// rows (N, Cin) → (N, Cout) = rows · Wᵀ + b, then ReLU6 when asked.
    private func pointwise(_ input: [Float], rows: Int, inChannels: Int, _ convolution: FoldedConvolution,
                           relu6: Bool) -> [Float] {
        let outChannels = convolution.bias.count
        var output = [Float](repeating: 0, count: rows * outChannels)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                linearForward(output: y.baseAddress!, input: x.baseAddress!, weight: convolution.weight,
                              bias: convolution.bias, rows: rows, inFeatures: inChannels, outFeatures: outChannels)
                if relu6 { relu6Forward(y.baseAddress!, count: y.count) }
            }
        }
        return output
    }
}
