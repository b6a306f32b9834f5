import AttendImage
import AttendMath
import AttendModel

// MARK: - The public API: caption a file or a picture

/// Loads a model once, then captions image files or in-memory pictures.
///
/// ```swift
/// import Attend
///
/// let captioner = try ImageCaptioner(model: "shapes")          // a path, a short name, or nil for the default
/// let caption = try captioner.caption(file: "samples/scene-01.png")
/// print(caption.text)                                          // "a red circle and a blue square"
/// for token in caption.tokens {
///     print(token.word, token.logProbability, token.beta, token.attention.count)  // attention: G×G weights
/// }
/// ```
public final class ImageCaptioner: @unchecked Sendable {
    public let captioner: Captioner
    public let modelPath: String
    public let input: ModelInput

    /// `model`: a file path, a short name found by `ModelLocator` ("default", "shapes"), or nil for the default.
    public init(model: String? = nil) throws {
        modelPath = try ModelLocator.locate(model)
        captioner = Captioner(model: try ModelFile.read(path: modelPath))
        input = captioner.config.modelInput
    }

    public init(model: Model, path: String = "<memory>") {
        modelPath = path
        captioner = Captioner(model: model)
        input = model.config.modelInput
    }

    public var vocabulary: Vocabulary { captioner.vocabulary }
    public var gridSize: Int { captioner.config.gridSize }

    /// Decodes `path` (JPEG or PNG, by content) to the model's input.
    public func load(file path: String, decoding: DecodeOptions = DecodeOptions()) throws -> ModelImage {
        try input.load(contentsOf: path, options: decoding)
    }

    public func caption(file path: String, options: CaptionOptions = CaptionOptions(),
                        decoding: DecodeOptions = DecodeOptions()) throws -> Caption {
        caption(pixels: [try load(file: path, decoding: decoding).pixels], options: options)[0]
    }

    /// Captions upright pictures of any size (each is squashed to the model's square input).
    public func caption(images: [RGBImage], options: CaptionOptions = CaptionOptions()) -> [Caption] {
        caption(pixels: images.map { input.pixels(from: $0) }, options: options)
    }

    /// Captions pictures already at the model's size, all in one batch.
    public func caption(pixels: [RGBImage], options: CaptionOptions = CaptionOptions()) -> [Caption] {
        if pixels.isEmpty { return [] }
        return captioner.caption(images: normalized(pixels), count: pixels.count, options: options)
    }

    /// What the model's heads see in pictures already at the model's size: the caption words whose ImageNet classes
    /// hold at least `threshold`, and the objects whose presence heads give at least `threshold`, most probable first.
    /// Nil when the model has neither head.
    public func sights(pixels: [RGBImage], threshold: Float) -> [ImageSight]? {
        guard captioner.model.classifier != nil || captioner.model.presence != nil else { return nil }
        if pixels.isEmpty { return [] }
        let tensor = normalized(pixels)
        let grid = tensor.withUnsafeBufferPointer { captioner.encoder.encode(images: $0.baseAddress!, batch: pixels.count) }
        return captioner.sights(grid: grid, count: pixels.count, threshold: threshold)
    }

    /// (B, 3, S, S) the pictures, normalised as the model's encoder wants.
    private func normalized(_ pixels: [RGBImage]) -> [Float] {
        let side = input.size, plane = 3 * side * side
        var tensor = [Float](repeating: 0, count: pixels.count * plane)   // (B, 3, S, S)
        tensor.withUnsafeMutableBufferPointer { buffer in
            for (i, picture) in pixels.enumerated() {
                input.normalize(picture, into: UnsafeMutableBufferPointer(rebasing: buffer[(i * plane)..<((i + 1) * plane)]))
            }
        }
        return tensor
    }

    /// Sets the number of threads the matrix products use.
    public static func setThreadCount(_ count: Int) { BLAS.setThreadCount(count) }
}
