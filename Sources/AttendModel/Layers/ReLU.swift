// MARK: - ReLU

/// x = max(x, 0), in place over `count` values.
public func reluForward(_ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count where x[i] < 0 { x[i] = 0 }
}
