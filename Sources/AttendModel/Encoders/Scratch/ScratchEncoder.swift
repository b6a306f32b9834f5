import AttendMath
import Foundation

// MARK: - The scratch family's encoder for inference
//
// The CNN with each batch norm folded into the convolution before it (weights scaled, a bias added), so an
// inference pass is convolution + ReLU (+ pool) per stage. Activations are (C, B, H, W) throughout.

public final class ScratchEncoder: GridEncoder {
    public let config: ModelConfig
    let scratch: ScratchEncoderConfig
    /// Folded weights (Cout, Cin·9) and biases (Cout), one pair per stage.
    private let weights: [[Float]]
    private let biases: [[Float]]

    init(model: Model, family scratch: ScratchEncoderConfig, layout: ScratchLayout) {
        config = model.config
        self.scratch = scratch
        var weights: [[Float]] = [], biases: [[Float]] = []
        var inChannels = 3
        for (stage, layout) in zip(scratch.channels, layout.stages) {
            var weight = model.values(of: layout.convWeight)
            let bias = weight.withUnsafeMutableBufferPointer { w in
                foldBatchNorm(weight: w.baseAddress!, outChannels: stage, fanIn: inChannels * 9,
                              scale: model.values(of: layout.bnScale), shift: model.values(of: layout.bnShift),
                              runningMean: model.values(of: layout.bnRunningMean),
                              runningVar: model.values(of: layout.bnRunningVar))
            }
            weights.append(weight)
            biases.append(bias)
            inChannels = stage
        }
        self.weights = weights
        self.biases = biases
    }

    /// images (B, 3, S, S) normalised, PyTorch's NCHW → grid (B, L, C).
    public func encode(images: UnsafePointer<Float>, batch: Int) -> [Float] {
        var side = config.imageSize, inChannels = 3
        var current = [Float](unsafeUninitializedCapacity: batch * 3 * side * side) { values, count in   // (3, B, S, S)
            batchToChannelMajor(values.baseAddress!, images, batch: batch, channels: 3, plane: side * side)
            count = batch * 3 * side * side
        }
        for stage in 0..<scratch.channels.count {
            let outChannels = scratch.channels[stage], stride = scratch.strides[stage]
            let outSide = convOutputSize(side, stride: stride)
            let positions = outSide * outSide
            var output = [Float](repeating: 0, count: outChannels * batch * positions)
            let chunkRows = min(batch * outSide, convolutionRowsPerChunk(inChannels: inChannels, outputWidth: outSide))
            var columns = [Float](repeating: 0, count: inChannels * 9 * chunkRows * outSide)
            current.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    columns.withUnsafeMutableBufferPointer { cols in
                        // Folded batch-norm bias, then ReLU.
                        convolutionForward(output: out.baseAddress!, columns: cols.baseAddress!,
                                           input: input.baseAddress!,
                                           weight: weights[stage], bias: biases[stage], relu: true,
                                           inChannels: inChannels, outChannels: outChannels, batch: batch,
                                           height: side, width: side, stride: stride, rowsPerChunk: chunkRows)
                    }
                }
            }
            side = outSide
            if scratch.poolAfter[stage] {
                var pooled = [Float](repeating: 0, count: outChannels * batch * (side / 2) * (side / 2))
                output.withUnsafeBufferPointer { input in
                    pooled.withUnsafeMutableBufferPointer { out in
                        maxPoolForward(output: out.baseAddress!, argmax: nil, input: input.baseAddress!,
                                       planes: outChannels * batch, height: side, width: side)
                    }
                }
                output = pooled
                side /= 2
            }
            current = output
            inChannels = outChannels
        }
        let L = side * side
        return [Float](unsafeUninitializedCapacity: batch * L * inChannels) { grid, count in   // (B, L, C)
            current.withUnsafeBufferPointer {
                channelMajorToRows(grid.baseAddress!, features: $0.baseAddress!, channels: inChannels, batch: batch,
                                   locations: L)
            }
            count = batch * L * inChannels
        }
    }
}
