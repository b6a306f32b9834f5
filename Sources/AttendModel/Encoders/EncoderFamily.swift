// MARK: - Encoder families
//
// An encoder family is one kind of CNN, and one folder beside this file: its configuration (a type conforming to
// `EncoderFamily`, stored in the model file), its tensors (an `EncoderLayout`), its pixel statistics, its
// inference pass (a `GridEncoder`) and the part of it that trains with the decoder (a `TrainableEncoder`).
// `EncoderFamilies.all` registers it. A pretrained family's ImageNet classifier is not the family's code: it is a
// linear map over the pooled head grid, which the import script stores in the model file beside the class table
// (`Model.classifier`, Grounding/), so it reads any family's grid. The rest of attend asks the family
// through this protocol: the decoder, beam search, the training graph, the feature cache and the model file see
// only the grid it writes, (B, L, C).

/// What an encoder family provides. The conforming type holds the family's own numbers (input side, tap, …) and is
/// what the model file stores under "encoder", with "family": `name`.
public protocol EncoderFamily: Codable, Equatable, Sendable {
    /// Its tensors' offsets in the model's flat parameters.
    associatedtype Layout: EncoderLayout

    /// The name stored in the model file ("scratch", "efficientnet-lite0", "efficientnet-lite1", …).
    static var name: String { get }
    /// S: side of the square picture the encoder reads.
    var imageSize: Int { get }
    /// G: side of the grid it writes.
    var gridSize: Int { get }
    /// C: channels of a grid cell.
    var gridChannels: Int { get }
    /// Multiply and add counted apart, one picture.
    var flops: Int { get }
    /// How bytes v become its input, (v / 255 − mean) / std: the statistics it was trained with.
    var pixelStatistics: PixelStatistics { get }
    /// Whether its weights come trained from elsewhere (ImageNet): a run then copies them from a model file of the
    /// family, keeps them frozen unless asked to fine-tune, and may train the decoder on a feature cache of its grids.
    /// A family that is not pretrained trains whole with the decoder.
    var isPretrained: Bool { get }
    /// The most top blocks a fine-tuning run may train (0 for a family that trains whole).
    var fineTunableBlocks: Int { get }
    /// The first inconsistency in its numbers, if any.
    func problem() -> String?
    /// The same family reading another input side or attending to another of its activations (`attend train
    /// --image-size`, `--tap`, by the tap's name); nil when it takes neither (the scratch CNN is learnt whole at
    /// the configuration's size). Its validity is `problem()`'s to say.
    func adjusted(imageSize: Int?, tap: String?) -> Self?

    /// Adds its tensors to `table`, in file order (names starting "encoder."), and says where they are.
    func addTensors(to table: inout TensorTable) -> Layout
    /// The inference pass with `model`'s weights.
    func gridEncoder(model: Model, layout: Layout) -> GridEncoder
    /// The part that trains with the decoder: the whole network for a family that is not pretrained; the top
    /// `fineTunedBlocks` blocks (and the convolution at the tap) of a pretrained one, or nil (frozen) without them.
    /// It takes at most `pictures` pictures a step.
    func trainablePart(model: Model, layout: Layout, fineTunedBlocks: Int?, pictures: Int) -> TrainableEncoder?
}

extension EncoderFamily {
    /// `model`'s layout of this family's tensors (a model of another family here is a programmer error).
    func ownLayout(_ model: Model) -> Layout {
        guard let layout = model.layout.encoder as? Layout else {
            preconditionFailure("a \(Self.name) encoder asked for the tensors of a \(model.config.encoder.name) model")
        }
        return layout
    }

    func isEqual(to other: any EncoderFamily) -> Bool { (other as? Self) == self }
}

/// Where a family's tensors sit in the model's parameters.
public protocol EncoderLayout: Sendable {}

/// Per-channel (R, G, B) mean and standard deviation of values scaled to 0…1.
public struct PixelStatistics: Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// ImageNet's statistics, the usual choice for a CNN trained from scratch.
    public static let imageNet = PixelStatistics(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
}

// MARK: - The registered families

public enum EncoderFamilies {
    /// Every family a model file may name. Adding a family: its folder, and one line here.
    public static let all: [any EncoderFamily.Type] = [
        ScratchEncoderConfig.self,
        Lite0EncoderConfig.self,
        Lite1EncoderConfig.self,
        Lite2EncoderConfig.self,
    ]

    static func named(_ name: String) -> (any EncoderFamily.Type)? { all.first { $0.name == name } }
}

// MARK: - A model's encoder

/// Which family turns the picture into the grid, with that family's numbers.
public struct EncoderConfig: Equatable, Sendable {
    public let family: any EncoderFamily

    public init(_ family: any EncoderFamily) { self.family = family }

    public static func == (lhs: EncoderConfig, rhs: EncoderConfig) -> Bool { lhs.family.isEqual(to: rhs.family) }

    /// The family's name, as stored in the model file.
    public var name: String { type(of: family).name }
    public var imageSize: Int { family.imageSize }
    public var gridSize: Int { family.gridSize }
    /// C: channels of a grid cell.
    public var outputChannels: Int { family.gridChannels }
    public var flops: Int { family.flops }
    public var pixelStatistics: PixelStatistics { family.pixelStatistics }
    public var isPretrained: Bool { family.isPretrained }
    public var fineTunableBlocks: Int { family.fineTunableBlocks }
    public func problem() -> String? { family.problem() }

    /// See `EncoderFamily.adjusted`.
    public func adjusted(imageSize: Int?, tap: String?) -> EncoderConfig? {
        family.adjusted(imageSize: imageSize, tap: tap).map(EncoderConfig.init)
    }
}

extension EncoderConfig: Codable {
    enum CodingKeys: String, CodingKey { case family }

    public init(from decoder: Decoder) throws {
        let name = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .family)
        guard let family = EncoderFamilies.named(name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown encoder family \"\(name)\""))
        }
        self.init(try family.init(from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(name, forKey: .family)
        try family.encode(to: encoder)
    }
}

// MARK: - Asking a model's family

extension EncoderFamily {
    fileprivate func gridEncoder(model: Model) -> GridEncoder { gridEncoder(model: model, layout: ownLayout(model)) }

    fileprivate func trainablePart(model: Model, fineTunedBlocks: Int?, pictures: Int) -> TrainableEncoder? {
        trainablePart(model: model, layout: ownLayout(model), fineTunedBlocks: fineTunedBlocks, pictures: pictures)
    }
}

/// The inference encoder of `model`'s family.
public func makeGridEncoder(model: Model) -> GridEncoder { model.config.encoder.family.gridEncoder(model: model) }

extension Model {
    /// The part of the encoder that trains with the decoder (nil: frozen): see `EncoderFamily.trainablePart`.
    public func trainableEncoder(fineTunedBlocks: Int?, pictures: Int) -> TrainableEncoder? {
        config.encoder.family.trainablePart(model: self, fineTunedBlocks: fineTunedBlocks, pictures: pictures)
    }
}
