import AttendMath
import AttendModel
import Foundation

// MARK: - Training graph
//
// The model from the grid up, teacher-forced: the projection (when the model has one) and the decoder, as one
// forward over a batch of grids that keeps every cache the backward pass reads, and one backward that walks the
// layers in exact reverse order. The grids come from the feature cache (a frozen encoder) or from the encoder
// family's trainable part (TrainingPass runs it first and takes the grid's gradient back through it);
// `captionsPerImage` captions of each image share its annotations.
//
// Letters (as in AttendModel): B images, K captions per image, R = B·K caption rows, T steps (words
// predicted), S image side, L grid cells, D annotation size, E embedding, H LSTM state, A attention, V words.
// Caption row r belongs to image r / K.

/// Sizes a graph is allocated for; a batch may use fewer images or steps.
public struct GraphCapacity: Equatable, Sendable {
    public var images: Int
    public var captionsPerImage: Int
    /// T: the most words a caption row predicts (its ids, with <start> and <end>, number T + 1).
    public var steps: Int

    public init(images: Int, captionsPerImage: Int = 1, steps: Int) {
        self.images = images
        self.captionsPerImage = captionsPerImage
        self.steps = steps
    }
}

/// What the loss is made of, and how the graph regularises.
public struct LossOptions: Equatable, Sendable {
    /// λ of the doubly stochastic attention penalty, λ Σ_i (1 − Σ_t α_ti)² per caption (the paper's eq. 14).
    public var attentionPenalty: Float = 1
    /// Dropout probability on the word embeddings fed to the LSTM and on h_t before the deep output.
    public var dropout: Float = 0.5
    /// Dropout probability on the grid cells' values before the projection (models with one; a frozen encoder's
    /// features are otherwise the same every epoch).
    public var gridDropout: Float = 0
    /// How a hard-attention model trains (ignored for soft attention).
    public var hardAttention = HardAttentionOptions()

    public init(attentionPenalty: Float = 1, dropout: Float = 0.5, gridDropout: Float = 0,
                hardAttention: HardAttentionOptions = HardAttentionOptions()) {
        self.attentionPenalty = attentionPenalty
        self.dropout = dropout
        self.gridDropout = gridDropout
        self.hardAttention = hardAttention
    }
}

/// What a batch gives for each of its images.
public enum TrainingInput {
    /// Normalised pictures, for an encoder that trains (TrainingPass turns them into grids).
    case pictures(PictureBatch)
    /// (B, L, C) grids: a frozen encoder's (the feature cache), or the trainable encoder's output.
    case grids([Float])
}

extension TrainingInput {
    var isPictures: Bool {
        if case .pictures = self { return true }
        return false
    }
}

/// One batch: pictures (or their grids) and the caption rows that read them.
public struct TrainingBatch {
    public var input: TrainingInput
    public var imageCount: Int
    /// R = B·K rows of ids `<start> w1 … wn <end>`; row r describes image r / K.
    public var captions: [[Int]]

    /// (R) a weight per caption row on its cross-entropy (self-critical training's advantages); nil: all 1.
    public var rowWeights: [Float]? = nil

    public init(input: TrainingInput, imageCount: Int, captions: [[Int]], rowWeights: [Float]? = nil) {
        self.input = input
        self.imageCount = imageCount
        self.captions = captions
        self.rowWeights = rowWeights
    }

    /// The pictures of a batch for an encoder that trains (asking a grid batch for them is a programmer error).
    public var pictures: PictureBatch {
        guard case let .pictures(pictures) = input else { preconditionFailure("a grid batch has no pictures") }
        return pictures
    }

    /// The order the graph trains the images in: longest caption first (ties keep the batch's order), so that the
    /// rows still predicting at step t are a prefix.
    public func longestCaptionFirst() -> [Int] {
        let K = captions.count / imageCount
        let longest = (0..<imageCount).map { image in (0..<K).map { captions[image * K + $0].count }.max()! }
        return (0..<imageCount).sorted { longest[$0] != longest[$1] ? longest[$0] > longest[$1] : $0 < $1 }
    }

    /// The batch with its images (their captions, row weights, pictures or grids) in `order`.
    public func reordered(_ order: [Int]) -> TrainingBatch {
        let K = captions.count / imageCount
        let rows = order.flatMap { image in (image * K)..<(image * K + K) }
        var result = self
        result.captions = rows.map { captions[$0] }
        result.rowWeights = rowWeights.map { weights in rows.map { weights[$0] } }
        switch input {
        case let .pictures(pictures): result.input = .pictures(pictures.reordered(order))
        case let .grids(grids):
            let cell = grids.count / imageCount
            result.input = .grids(order.flatMap { grids[($0 * cell)..<(($0 + 1) * cell)] })
        }
        return result
    }
}

/// The loss of one forward pass, per predicted word.
public struct LossValue: Equatable, Sendable {
    /// (Σ cross-entropy + penalty) / tokens: what backward differentiates.
    public var total: Float
    /// Σ cross-entropy / tokens: the figure to compare runs by.
    public var crossEntropy: Float
    /// penalty / tokens.
    public var penalty: Float
    /// Words predicted (non-<pad> targets).
    public var tokens: Int
    /// Hard attention in training: Σ_t H(α_t) / tokens, the mean entropy of a word's α (λ_e times it is taken off
    /// `total`); 0 otherwise.
    public var entropy: Float = 0
}

public final class TrainingGraph {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let capacity: GraphCapacity
    public var options: LossOptions
    /// Training mode: dropout on. Off for validation.
    public var training = true

    /// (P) every parameter, in layout order. Batch-norm running statistics are updated by forward.
    public let parameters: UnsafeMutablePointer<Float>
    /// (P) gradients in the same layout; backward adds into them, `zeroGradients` clears them.
    public let gradients: UnsafeMutablePointer<Float>

    var arena: [UnsafeMutableRawPointer] = []
    var dropoutRandom: SeededGenerator
    /// Hard attention's draws: which rows sample, and where (reseeded with the dropout masks, from another seed).
    var locationRandom: SeededGenerator

    /// Whether backward computes the gradient of the grid, for an encoder that trains (TrainingPass).
    public let computesGridGradient: Bool

    // The grid and its projection (when the model has one; else `grid` is `annotations`).
    let grid: UnsafeMutablePointer<Float>                 // (B, L, C) the encoder's output (after grid dropout)
    let gridGradient: UnsafeMutablePointer<Float>         // (B, L, C) for a trained encoder (`annotationsGradient` without a projection)
    let gridMask: UnsafeMutablePointer<Float>             // (B, L, C) grid dropout: 0 or 1/(1−p)
    let normalizedGrid: UnsafeMutablePointer<Float>       // (B, L, C) x̂ of the LayerNorm
    let scaledGrid: UnsafeMutablePointer<Float>           // (B, L, C) γ x̂ + β
    let scaledGridGradient: UnsafeMutablePointer<Float>   // (B, L, C)
    let gridInverseStd: UnsafeMutablePointer<Float>       // (B, L)

    // Per-image decoder state.
    let annotations: UnsafeMutablePointer<Float>          // (B, L, D)
    let annotationsGradient: UnsafeMutablePointer<Float>  // (B, L, D)
    let projected: UnsafeMutablePointer<Float>            // (B, L, A)
    let projectedGradient: UnsafeMutablePointer<Float>    // (B, L, A)
    let meanAnnotation: UnsafeMutablePointer<Float>       // (B, D)
    let meanGradient: UnsafeMutablePointer<Float>         // (B, D)
    let initialHidden: UnsafeMutablePointer<Float>        // (B, H) tanh(init_h(mean a))
    let initialCell: UnsafeMutablePointer<Float>          // (B, H)
    let initialGradient: UnsafeMutablePointer<Float>      // (B, H) scratch

    // Per-step caches, packed: step t's active_t rows are rows stepOffset[t] ..< stepOffset[t] + active_t of each
    // (N) buffer, N = Σ_t active_t ≤ T·R, so the products outside the recurrence run once over all N rows.
    let inputIds: UnsafeMutablePointer<Int32>             // (T, R) y_{t−1}
    let targetIds: UnsafeMutablePointer<Int32>            // (T, R) y_t
    let counted: UnsafeMutablePointer<Bool>               // (T, R) target is not <pad>
    let sourceRow: UnsafeMutablePointer<Int32>            // (R) r / K
    let rowWeight: UnsafeMutablePointer<Float>            // (R) the batch's row weights, in slot order
    var weightsRows = false                               // whether the batch in flight has row weights
    let embedded: UnsafeMutablePointer<Float>             // (N, E) E y_{t−1}
    let embeddingMask: UnsafeMutablePointer<Float>        // (N, E) 0 or 1/(1−p)
    let hidden: UnsafeMutablePointer<Float>               // (R + N, H) h_0, then h_{t+1} of step t at row R + stepOffset[t]
    let cell: UnsafeMutablePointer<Float>                 // (R + N, H) c, likewise
    let hiddenProjection: UnsafeMutablePointer<Float>     // (R, A) scratch
    let activations: UnsafeMutablePointer<Float>          // (N, L, A)
    let alpha: UnsafeMutablePointer<Float>                // (N, L)
    let context: UnsafeMutablePointer<Float>              // (N, D)
    let gate: UnsafeMutablePointer<Float>                 // (N) β
    let gated: UnsafeMutablePointer<Float>                // (N, D) z
    let lstmInput: UnsafeMutablePointer<Float>            // (N, E + D + H) [dropout(E y_{t−1}); z_t; h_{t−1}]
    let gates: UnsafeMutablePointer<Float>                // (N, 4H)
    let droppedHidden: UnsafeMutablePointer<Float>        // (N, H) dropout(h_{t+1})
    let hiddenMask: UnsafeMutablePointer<Float>           // (N, H)
    let deep: UnsafeMutablePointer<Float>                 // (N, E)
    let logits: UnsafeMutablePointer<Float>               // (N, V) forward's logits; backward's ∂loss/∂logits
    let probabilities: UnsafeMutablePointer<Float>        // (N, V)
    let losses: UnsafeMutablePointer<Float>               // (N)
    let coverage: UnsafeMutablePointer<Float>             // (R, L) Σ_t α_t over counted steps

    // Hard attention in training (HardAttentionTraining.swift): the chosen locations and what the estimator reads.
    let chosen: UnsafeMutablePointer<Int32>               // (N) s_t, or −1 where the row takes the expectation
    let samplesLocations: UnsafeMutablePointer<Bool>      // (R) the row draws its locations this batch
    let locationDraws: UnsafeMutablePointer<Float>        // (R) one step's uniform draws (−1: the expectation)
    let locationLogProbability: UnsafeMutablePointer<Float> // (N) log α_{t, s_t}
    let attentionEntropy: UnsafeMutablePointer<Float>     // (N) H(α_t)
    let rowLogLikelihood: UnsafeMutablePointer<Float>     // (R) log p(y | s, a): Σ_t −cross-entropy
    let advantage: UnsafeMutablePointer<Float>            // (R) λ_r (log p(y | s, a) − b) · scale, 0 if not sampling
    /// b: the moving average of the log-likelihood per word of the sampled rows (nil before the first batch).
    /// Backward uses it and then updates it; a checkpoint stores it with the optimizer state.
    public var reinforceBaseline: Float?

    // Backward: gradients of the packed caches (N rows), and scratch for one step (R rows).
    let embeddedGradient: UnsafeMutablePointer<Float>     // (N, E)
    let droppedHiddenGradient: UnsafeMutablePointer<Float> // (N, H) ∂/∂dropout(h), then ∂/∂h through the output
    let gatedGradient: UnsafeMutablePointer<Float>        // (N, D)
    let deepGradient: UnsafeMutablePointer<Float>         // (N, E)
    let gateGradient: UnsafeMutablePointer<Float>         // (N, 4H)
    let alphaGradient: UnsafeMutablePointer<Float>        // (R, L)
    var hiddenGradient: UnsafeMutablePointer<Float>       // (R, H) ∂/∂h_t
    var cellGradient: UnsafeMutablePointer<Float>         // (R, H) ∂/∂c_t
    var previousHiddenGradient: UnsafeMutablePointer<Float>  // (R, H) ∂/∂h_{t−1}
    var previousCellGradient: UnsafeMutablePointer<Float>    // (R, H)

    /// Seconds spent per phase (encoder/decoder forward/backward) since the graph was made.
    public var seconds: [String: Double] = [:]

    // The batch in flight.
    var batchImages = 0, batchSteps = 0, tokenCount = 0
    /// (T) caption rows still predicting at step t: a prefix, the graph's images being ordered by their longest
    /// caption. Every step runs on its prefix only.
    var activeRows: [Int] = []
    /// The batch's image in each of the graph's slots (images are ordered by their longest caption).
    var slotImages: [Int] = []
    /// (T + 1) Σ_{s<t} activeRows[s]: where step t's rows start in the packed per-step buffers.
    var stepOffset: [Int] = []

    // Longer than 80 lines: allocates every buffer of the graph, one line each, in the order they are declared.
    /// `gridGradient`: the grid's gradient is wanted too (`gridGradientInBatchOrder`), for an encoder that trains.
    public init(model: Model, capacity: GraphCapacity, options: LossOptions = LossOptions(), seed: UInt64 = 0,
                gridGradient: Bool = false) {
        config = model.config
        layout = model.layout
        self.capacity = capacity
        self.options = options
        dropoutRandom = SeededGenerator(seed: seed ^ 0x5EED_D80F)
        locationRandom = SeededGenerator(seed: seed ^ Self.locationSeed)
        let (L, D, E, H, A, V) = (config.locations, config.featureSize, config.embeddingSize, config.hiddenSize,
                                  config.attentionSize, config.vocabularySize)
        let B = capacity.images, R = capacity.images * capacity.captionsPerImage, T = capacity.steps
        var arena: [UnsafeMutableRawPointer] = []
        func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            arena.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
        func integers(_ count: Int) -> UnsafeMutablePointer<Int32> {
            let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            arena.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
        let parameterCount = model.layout.count
        let parameterBuffer = floats(parameterCount)
        model.parameters.withUnsafeBufferPointer { parameterBuffer.update(from: $0.baseAddress!, count: parameterCount) }
        parameters = parameterBuffer
        gradients = floats(parameterCount)

        let C = config.gridChannels
        computesGridGradient = gridGradient
        annotations = floats(B * L * D)
        annotationsGradient = floats(B * L * D)
        let projects = layout.projection != nil
        grid = projects ? floats(B * L * C) : annotations
        self.gridGradient = projects ? floats(gridGradient ? B * L * C : 0) : annotationsGradient
        gridMask = floats(projects ? B * L * C : 0)
        normalizedGrid = floats(projects ? B * L * C : 0)
        scaledGrid = floats(projects ? B * L * C : 0)
        scaledGridGradient = floats(projects ? B * L * C : 0)
        gridInverseStd = floats(projects ? B * L : 0)
        projected = floats(B * L * A)
        projectedGradient = floats(B * L * A)
        meanAnnotation = floats(B * D)
        meanGradient = floats(B * D)
        initialHidden = floats(B * H)
        initialCell = floats(B * H)
        initialGradient = floats(B * H)

        inputIds = integers(T * R)
        targetIds = integers(T * R)
        let countedPointer = UnsafeMutablePointer<Bool>.allocate(capacity: max(T * R, 1))
        countedPointer.initialize(repeating: false, count: max(T * R, 1))
        arena.append(UnsafeMutableRawPointer(countedPointer))
        counted = countedPointer
        sourceRow = integers(R)
        rowWeight = floats(R)
        embedded = floats(T * R * E)
        embeddingMask = floats(T * R * E)
        hidden = floats((T + 1) * R * H)
        cell = floats((T + 1) * R * H)
        hiddenProjection = floats(R * A)
        activations = floats(T * R * L * A)
        alpha = floats(T * R * L)
        context = floats(T * R * D)
        gate = floats(T * R)
        gated = floats(T * R * D)
        lstmInput = floats(T * R * (E + D + H))
        gates = floats(T * R * 4 * H)
        droppedHidden = floats(T * R * H)
        hiddenMask = floats(T * R * H)
        deep = floats(T * R * E)
        logits = floats(T * R * V)
        probabilities = floats(T * R * V)
        losses = floats(T * R)
        coverage = floats(R * L)
        let hard = config.attention == .hard
        chosen = integers(hard ? T * R : 0)
        let samplesPointer = UnsafeMutablePointer<Bool>.allocate(capacity: max(R, 1))
        samplesPointer.initialize(repeating: false, count: max(R, 1))
        arena.append(UnsafeMutableRawPointer(samplesPointer))
        samplesLocations = samplesPointer
        locationDraws = floats(hard ? R : 0)
        locationLogProbability = floats(hard ? T * R : 0)
        attentionEntropy = floats(hard ? T * R : 0)
        rowLogLikelihood = floats(hard ? R : 0)
        advantage = floats(hard ? R : 0)

        embeddedGradient = floats(T * R * E)
        droppedHiddenGradient = floats(T * R * H)
        gatedGradient = floats(T * R * D)
        deepGradient = floats(T * R * E)
        gateGradient = floats(T * R * 4 * H)
        alphaGradient = floats(R * L)
        hiddenGradient = floats(R * H)
        cellGradient = floats(R * H)
        previousHiddenGradient = floats(R * H)
        previousCellGradient = floats(R * H)
        self.arena = arena
    }

    deinit { for pointer in arena { pointer.deallocate() } }

    // MARK: - Parameters

    /// A model holding the graph's current parameters.
    public func model(vocabulary: Vocabulary, metadata: [String: String] = [:]) -> Model {
        Model(config: config, vocabulary: vocabulary,
              parameters: Array(UnsafeBufferPointer(start: parameters, count: layout.count)), metadata: metadata)
    }

    /// (B, L, C) the last backward's gradient of the batch's grids, in the batch's image order.
    public func gridGradientInBatchOrder() -> [Float] {
        precondition(computesGridGradient, "this graph was not asked for the grid's gradient")
        let cell = config.locations * config.gridChannels
        var result = [Float](repeating: 0, count: batchImages * cell)
        for (slot, image) in slotImages.enumerated() {
            result.withUnsafeMutableBufferPointer { ($0.baseAddress! + image * cell).update(from: gridGradient + slot * cell, count: cell) }
        }
        return result
    }

    public func zeroGradients() { gradients.update(repeating: 0, count: layout.count) }

    /// Reseeds the dropout masks and hard attention's draws (the trainer does it per step, so a resumed run draws
    /// the same masks and locations).
    public func reseedDropout(_ seed: UInt64) {
        dropoutRandom = SeededGenerator(seed: seed ^ 0x5EED_D80F)
        locationRandom = SeededGenerator(seed: seed ^ Self.locationSeed)
    }

    static let locationSeed: UInt64 = 0x10CA_7105

    func weight(_ spec: TensorSpec) -> UnsafeMutablePointer<Float> { parameters + spec.offset }
    func gradient(_ spec: TensorSpec) -> UnsafeMutablePointer<Float> { gradients + spec.offset }

    var attentionWeights: AttentionWeights { AttentionWeights(layout: layout, in: parameters) }
    var attentionGradients: AttentionGradients { AttentionGradients(layout: layout, in: gradients) }
    var lstmWeights: LSTMWeights { LSTMWeights(layout: layout, in: parameters) }
    var lstmGradients: LSTMGradients { LSTMGradients(layout: layout, in: gradients) }
    var deepOutputWeights: DeepOutputWeights { DeepOutputWeights(layout: layout, in: parameters) }
    var deepOutputGradients: DeepOutputGradients { DeepOutputGradients(layout: layout, in: gradients) }
    var projectionWeights: ProjectionWeights? { layout.projection.map { ProjectionWeights(layout: $0, in: parameters) } }
    var projectionGradients: ProjectionGradients? {
        layout.projection.map { ProjectionGradients(layout: $0, in: gradients) }
    }

}
