// MARK: - Word embedding

/// output (N, E) = table (V, E)[ids (N)].
public func embeddingForward(output: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>,
                             table: UnsafePointer<Float>, rows: Int, embeddingSize: Int) {
    for r in 0..<rows {
        (output + r * embeddingSize).update(from: table + Int(ids[r]) * embeddingSize, count: embeddingSize)
    }
}
