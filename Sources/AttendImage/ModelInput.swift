// MARK: - ModelInput

/// What the model sees, and how a file becomes it.
///
/// 1. Decode (JPEG or PNG, by content): upright by EXIF orientation, alpha composited over white,
///    16-bit samples rounded to 8. A JPEG at least twice the input size in both directions is decoded
///    at 1/2, 1/4 or 1/8 size by libjpeg's DCT scaling, never below the input size.
/// 2. Squash the whole picture to `size` × `size`, aspect ratio not kept (the Flickr8k training photos
///    were squashed the same way, and nothing is cropped away from the caption), with the antialiased
///    triangle filter of `RGBImage.resized` (Pillow's BILINEAR).
/// 3. Normalise each channel: (value / 255 − mean) / std, with ImageNet's statistics, the usual choice
///    for a CNN encoder (also one trained from scratch, as here).
///
/// Steps 1–2 are `load`: the exact 8-bit pixels, which `attend preprocess` writes to a PNG.
public struct ModelInput: Sendable, Equatable {
    /// The model's side, in pixels.
    public var size: Int
    /// Per-channel mean and standard deviation (R, G, B) of values scaled to 0…1.
    public var mean: [Float]
    public var std: [Float]

    public static let defaultSize = 224
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    public init(size: Int = ModelInput.defaultSize, mean: [Float] = ModelInput.imageNetMean,
                std: [Float] = ModelInput.imageNetStd) {
        precondition(size > 0, "the input side is at least one pixel")
        precondition(mean.count == 3 && std.count == 3 && std.allSatisfy { $0 > 0 }, "three means, three positive stds")
        self.size = size
        self.mean = mean
        self.std = std
    }

    /// `options` with the target size that lets a large JPEG decode at reduced size for this input.
    public func decodeOptions(_ options: DecodeOptions = DecodeOptions()) -> DecodeOptions {
        var options = options
        options.applyOrientation = true
        options.targetSize = (size, size)
        return options
    }

    /// Decodes a file into the exact pixels the model sees (size × size, 8-bit RGB).
    public func load(contentsOf path: String, options: DecodeOptions = DecodeOptions()) throws -> ModelImage {
        ModelImage(try ImageDecoder.decode(contentsOf: path, options: decodeOptions(options)), size: size)
    }

    /// Decodes an image held in memory into the exact pixels the model sees.
    public func load(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions = DecodeOptions()) throws -> ModelImage {
        ModelImage(try ImageDecoder.decode(bytes, options: decodeOptions(options)), size: size)
    }

    public func load(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions()) throws -> ModelImage {
        try bytes.withUnsafeBytes { try load($0, options: options) }
    }

    /// Squashes an upright picture to the model's size. (A picture decoded without `decodeOptions`
    /// went through the full-size JPEG path: nearly, not exactly, what `load` gives.)
    public func pixels(from image: RGBImage) -> RGBImage {
        image.resized(width: size, height: size)
    }

    /// Memory order of a normalised tensor.
    public enum Layout: Sendable {
        /// (3, size, size): channel planes, as PyTorch's NCHW.
        case channelsFirst
        /// (size, size, 3): interleaved, as the pixels are stored.
        case channelsLast
    }

    /// Writes the normalised tensor of a size × size picture to `output` (3 × size × size floats).
    public func normalize(_ image: RGBImage, into output: UnsafeMutableBufferPointer<Float>,
                          layout: Layout = .channelsFirst) {
        precondition(image.width == size && image.height == size, "normalize takes the model's size; use pixels(from:)")
        precondition(output.count >= 3 * size * size, "output holds 3 × size × size floats")
        // One table per channel: (v / 255 − mean) / std for every byte value v.
        let tables = (0..<3).map { c in (0..<256).map { (Float($0) / 255 - mean[c]) / std[c] } }
        let plane = size * size
        image.pixels.withUnsafeBufferPointer { src in
            for c in 0..<3 {
                tables[c].withUnsafeBufferPointer { table in
                    switch layout {
                    case .channelsFirst:
                        for i in 0..<plane { output[c * plane + i] = table[Int(src[3 * i + c])] }
                    case .channelsLast:
                        for i in 0..<plane { output[3 * i + c] = table[Int(src[3 * i + c])] }
                    }
                }
            }
        }
    }

    /// The normalised tensor of a size × size picture: 3 × size × size floats in `layout` order.
    public func tensor(_ image: RGBImage, layout: Layout = .channelsFirst) -> [Float] {
        [Float](unsafeUninitializedCapacity: 3 * size * size) { buffer, count in
            normalize(image, into: buffer, layout: layout)
            count = 3 * size * size
        }
    }
}

// MARK: - ModelImage

/// A file made ready for the model.
public struct ModelImage: Sendable {
    /// What the model sees: size × size, 8-bit RGB, not yet normalised.
    public var pixels: RGBImage
    /// The upright picture it was squashed from: full size, or 1/2, 1/4, 1/8 of it for a large JPEG
    /// (`decoded.scaleDenominator`), with the file's header and the decoder's warnings.
    public var decoded: DecodedImage

    init(_ decoded: DecodedImage, size: Int) {
        self.decoded = decoded
        self.pixels = decoded.image.resized(width: size, height: size)
    }
}
