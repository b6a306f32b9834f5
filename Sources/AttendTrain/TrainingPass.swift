import AttendModel

// MARK: - One step over the whole trained model
//
// The encoder family's trainable part (when the encoder trains: the scratch CNN, or a pretrained network's
// fine-tuned top) turns the batch's pictures into grids; the graph runs from the grid (projection, decoder, loss);
// backward runs the graph's backward, then the family's, from the grid's gradient. A frozen encoder's batches
// bring their grids (the feature cache) and skip the first part.

public final class TrainingPass {
    public let graph: TrainingGraph
    /// The part of the encoder that trains, if any.
    public let encoder: TrainableEncoder?
    /// Whether the last `encode` ran the trainable encoder (a batch of pictures): `backward` then ends with its backward.
    private var encoderRan = false
    /// Training mode (dropout, batch statistics) for both parts; off for validation.
    public var training: Bool {
        get { graph.training }
        set {
            graph.training = newValue
            encoder?.training = newValue
        }
    }

    /// `model`'s graph for `capacity`, and its family's trainable part: the whole encoder of a family that is not
    /// pretrained, the top `fineTunedBlocks` blocks of one that is (none: frozen).
    public init(model: Model, capacity: GraphCapacity, options: LossOptions = LossOptions(), seed: UInt64 = 0,
                fineTunedBlocks: Int? = nil) {
        encoder = model.trainableEncoder(fineTunedBlocks: fineTunedBlocks, pictures: capacity.images)
        graph = TrainingGraph(model: model, capacity: capacity, options: options, seed: seed,
                              gridGradient: encoder != nil)
    }

    /// The batch with grids, and the order of its images (what image i of the result was in `batch`). A batch of
    /// pictures goes through the trainable encoder, its images first put in the order the graph trains them, longest
    /// caption first, so that the encoder's batch statistics and sums do not depend on the order a batch was drawn
    /// in; a batch of grids stays as it is.
    public func encode(_ batch: TrainingBatch) -> (batch: TrainingBatch, order: [Int]) {
        encoderRan = false
        guard case .pictures = batch.input else { return (batch, Array(0..<batch.imageCount)) }
        guard let encoder else { preconditionFailure("a frozen encoder's batches bring their grids") }
        encoderRan = true
        let order = batch.longestCaptionFirst()
        var sorted = batch.reordered(order)
        sorted.input = .grids(encoder.forward(sorted.pictures, parameters: graph.parameters))
        return (sorted, order)
    }

    /// Teacher-forced forward over `batch`: pictures (encoded first), or grids (cached, or the last `encode`'s, which
    /// self-critical training samples from before the graph runs). Keeps what `backward` reads. The loss per word.
    @discardableResult
    public func forward(_ batch: TrainingBatch) -> LossValue {
        graph.forward(batch.input.isPictures ? encode(batch).batch : batch)
    }

    /// Backward of the last forward: adds ∂loss/∂parameters into `graph.gradients`, the encoder's last.
    public func backward() {
        graph.backward()
        guard let encoder, encoderRan else { return }
        let gridGradient = graph.gridGradientInBatchOrder()
        gridGradient.withUnsafeBufferPointer {
            encoder.backward(gridGradient: $0.baseAddress!, parameters: graph.parameters, gradients: graph.gradients)
        }
    }

    /// Seconds per phase of both parts.
    public var seconds: [String: Double] { graph.seconds.merging(encoder?.seconds ?? [:]) { $0 + $1 } }
}
