// MARK: - What an encoder does: pictures in, the grid out

/// B normalised pictures, (B, 3, S, S) as PyTorch's NCHW: what every encoder reads, at inference and in training.
public struct PictureBatch: Sendable {
    /// (B, 3, S, S)
    public var values: [Float]
    /// B
    public let count: Int
    /// S
    public let side: Int

    public init(values: [Float], count: Int, side: Int) {
        precondition(values.count == count * 3 * side * side, "pictures must be (B, 3, S, S)")
        self.values = values
        self.count = count
        self.side = side
    }

    /// Pictures of this batch in another order (or some of them): picture i of the result is picture order[i].
    public func reordered(_ order: [Int]) -> PictureBatch {
        let plane = 3 * side * side
        var result = [Float](repeating: 0, count: order.count * plane)
        for (slot, picture) in order.enumerated() {
            result[(slot * plane)..<((slot + 1) * plane)] = values[(picture * plane)..<((picture + 1) * plane)]
        }
        return PictureBatch(values: result, count: order.count, side: side)
    }
}

/// A CNN for inference: normalised pictures in, the grid the decoder attends over out.
public protocol GridEncoder: AnyObject {
    var config: ModelConfig { get }
    /// images (B, 3, S, S) normalised with the family's `pixelStatistics` → grid (B, L, C), cells in row-major order.
    func encode(images: UnsafePointer<Float>, batch: Int) -> [Float]
}

/// The part of an encoder that trains with the decoder, its forward and backward side by side: the whole scratch
/// CNN, or the fine-tuned top of a pretrained one (its frozen bottom runs inside as inference).
public protocol TrainableEncoder: AnyObject {
    /// The tensors it trains (the optimizer keeps the family's other tensors as they are).
    var trainedTensorNames: Set<String> { get }
    /// Training mode: batch norms that learn use batch statistics (updating the running ones). Off for validation.
    var training: Bool { get set }
    /// Seconds per phase since it was made.
    var seconds: [String: Double] { get set }
    /// pictures (B, 3, S, S) → grid (B, L, C), keeping what `backward` reads. Reads the weights from
    /// `parameters` (P, layout order); may update batch-norm running statistics there.
    func forward(_ pictures: PictureBatch, parameters: UnsafeMutablePointer<Float>) -> [Float]
    /// gridGradient (B, L, C) of the last forward's grid → adds the gradient of every trained tensor into
    /// `gradients` (P).
    func backward(gridGradient: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                  gradients: UnsafeMutablePointer<Float>)
}
