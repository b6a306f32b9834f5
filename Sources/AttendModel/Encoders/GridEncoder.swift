// MARK: - The encoder's one duty

/// A CNN for inference: normalised pictures in, the grid the decoder attends over out.
public protocol GridEncoder: AnyObject {
    var config: ModelConfig { get }
    /// images (B, 3, S, S) normalised with `config.pixelStatistics` → grid (B, L, C), cells in row-major order.
    func encode(images: UnsafePointer<Float>, batch: Int) -> [Float]
}

/// The inference encoder of `model`'s family.
public func makeGridEncoder(model: Model) -> GridEncoder {
    switch model.config.encoder {
    case .scratch: return ScratchEncoder(model: model)
    case .efficientNetLite0: return Lite0Encoder(model: model)
    }
}
