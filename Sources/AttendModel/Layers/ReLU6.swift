import AttendMath

// MARK: - ReLU6 (EfficientNet-Lite's activation)
//
// min(max(x, 0), 6): bounded so that the quantised deployments Lite was designed for keep their range. The
// depthwise convolution applies it fused (`depthwiseConvolutionForward(relu6: true)`); this is its definition,
// used after the 1×1 convolutions.

/// x = min(max(x, 0), 6), in place over `count` values.
public func relu6Forward(_ x: UnsafeMutablePointer<Float>, count: Int) {
    parallelFor(count, minimumPerWorker: 1 << 16) { range in
        for i in range { x[i] = min(max(x[i], 0), 6) }
    }
}

/// Backward of the in-place `relu6Forward`, given its output (count): inputGradient (count) += outputGradient
/// (count) where 0 < output < 6. At a clamped value (exactly 0 or 6) the gradient is 0, as in PyTorch's hardtanh.
public func relu6Backward(inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                          output: UnsafePointer<Float>, count: Int) {
    parallelFor(count, minimumPerWorker: 1 << 16) { range in
        for i in range where output[i] > 0 && output[i] < 6 { inputGradient[i] += outputGradient[i] }
    }
}
