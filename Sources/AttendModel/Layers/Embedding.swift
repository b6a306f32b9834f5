// MARK: - Word embedding

/// output (N, E) = table (V, E)[ids (N)].
public func embeddingForward(output: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>,
                             table: UnsafePointer<Float>, rows: Int, embeddingSize: Int) {
    for r in 0..<rows {
        (output + r * embeddingSize).update(from: table + Int(ids[r]) * embeddingSize, count: embeddingSize)
    }
}

/// Backward of `embeddingForward`: tableGradient (V, E)[ids[r]] += outputGradient (N, E)[r].
public func embeddingBackward(tableGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
                              ids: UnsafePointer<Int32>, rows: Int, embeddingSize: Int) {
    for r in 0..<rows {
        let target = tableGradient + Int(ids[r]) * embeddingSize, source = outputGradient + r * embeddingSize
        for j in 0..<embeddingSize { target[j] += source[j] }
    }
}
