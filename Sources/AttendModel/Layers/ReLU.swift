import AttendMath

// MARK: - ReLU
//
// Training runs it fused with the batch norm before it (BatchNormReLUPool.swift); this is its definition.

/// x = max(x, 0), in place over `count` values.
public func reluForward(_ x: UnsafeMutablePointer<Float>, count: Int) {
    parallelFor(count, minimumPerWorker: 1 << 16) { range in
        for i in range where x[i] < 0 { x[i] = 0 }
    }
}

/// Backward of the in-place `reluForward`, given its output: inputGradient += outputGradient where output > 0.
public func reluBackward(inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                         output: UnsafePointer<Float>, count: Int) {
    parallelFor(count, minimumPerWorker: 1 << 16) { range in
        for i in range where output[i] > 0 { inputGradient[i] += outputGradient[i] }
    }
}
