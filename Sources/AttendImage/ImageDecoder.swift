// MARK: - DecodeOptions

/// How to decode: limits, the background for transparent pixels, and how lenient to be.
public struct DecodeOptions: Sendable {
    /// 100 megapixels: a 12,000 × 8,000 picture, larger than any camera's, is still under it.
    public static let defaultMaxPixels = 100_000_000

    /// The most pixels (stored width × stored height, from the header) an image may have. Checked
    /// before any pixel buffer exists, so a 60,000 × 60,000 header in a 100-byte file costs nothing.
    public var maxPixels: Int
    /// Transparent pixels are composited over this (PNG alpha and tRNS). White, as a viewer's page.
    public var background: RGBColor
    /// A file that ends before its end marker (JPEG EOI, PNG IEND): false fails with
    /// `ImageError.truncated`; true keeps what was decoded and adds a warning. For a JPEG that is
    /// the part before the cut, the rest grey (a progressive JPEG: a coarser whole picture); a PNG
    /// must still hold every pixel (only the chunks after the image data may be missing).
    public var allowTruncated: Bool
    /// Turn the picture upright by its EXIF orientation (JPEG APP1, PNG eXIf).
    public var applyOrientation: Bool
    /// The upright size the caller will resize to, if it will. A JPEG at least 2, 4 or 8 times that
    /// in both directions is then decoded at 1/2, 1/4 or 1/8 size (libjpeg's DCT scaling), never
    /// smaller than it: most of the decoding cost of a large photo is skipped.
    public var targetSize: (width: Int, height: Int)?

    public init(maxPixels: Int = DecodeOptions.defaultMaxPixels, background: RGBColor = .white,
                allowTruncated: Bool = false, applyOrientation: Bool = true,
                targetSize: (width: Int, height: Int)? = nil) {
        self.maxPixels = maxPixels
        self.background = background
        self.allowTruncated = allowTruncated
        self.applyOrientation = applyOrientation
        self.targetSize = targetSize
    }

    /// Largest file any image within `maxPixels` could need: 16-bit RGBA PNG stored without
    /// compression is 8 bytes a pixel plus a filter byte a row, so 9 bytes a pixel bounds every
    /// layout; 16 MB more for metadata.
    public var maxFileBytes: Int {
        let (product, overflow) = maxPixels.multipliedReportingOverflow(by: 9)
        return overflow || product > Int.max - (16 << 20) ? Int.max : product + (16 << 20)
    }

    func checkSize(_ info: ImageInfo) throws {
        if info.width * info.height > maxPixels {
            throw ImageError.tooLarge(width: info.width, height: info.height, maxPixels: maxPixels)
        }
    }

    /// 1, 2, 4 or 8: how much smaller a JPEG of this stored size may be decoded for `targetSize`.
    func jpegScaleDenominator(width: Int, height: Int, orientation: Orientation) -> Int {
        guard let target = targetSize, target.width > 0, target.height > 0 else { return 1 }
        let (tw, th) = orientation.swapsAxes ? (target.height, target.width) : (target.width, target.height)
        return [8, 4, 2].first { width >= $0 * tw && height >= $0 * th } ?? 1
    }
}

// MARK: - DecodedImage

/// A decoded picture and what was learnt on the way.
public struct DecodedImage: Sendable {
    /// Upright (when `applyOrientation`), RGB, alpha composited.
    public var image: RGBImage
    /// The header: stored size, orientation, colour model…
    public var info: ImageInfo
    /// 1, or 2, 4 or 8 when a large JPEG was decoded at reduced size for `DecodeOptions.targetSize`.
    public var scaleDenominator: Int
    /// What the decoder recovered from (corrupt data it skipped, a truncated end it filled in).
    public var warnings: [String]
}

// MARK: - ImageDecoder

/// Decodes JPEG and PNG files, recognised by content, into upright RGB.
public enum ImageDecoder {
    /// Decodes an image held in memory.
    public static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions = .init()) throws -> DecodedImage {
        switch ImageFormat.identify(bytes) {
        case .failure(let error): throw error
        case .success(.jpeg): return try JPEGDecoder.decode(bytes, options: options)
        case .success(.png): return try PNGDecoder.decode(bytes, options: options)
        }
    }

    public static func decode(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> DecodedImage {
        try bytes.withUnsafeBytes { try decode($0, options: options) }
    }

    /// Decodes an image file. Only a JPEG or PNG is read past its first bytes, and only if it is no
    /// bigger than an image within the pixel limit could be.
    public static func decode(contentsOf path: String, options: DecodeOptions = .init()) throws -> DecodedImage {
        let file = try InputFile(path)
        try file.fill(to: 64)
        if case .failure(let error) = file.bytes.withUnsafeBytes({ ImageFormat.identify($0) }) { throw error }
        let limit = options.maxFileBytes
        if let size = file.size, size > limit { throw ImageError.fileTooLarge(bytes: size, maxBytes: limit) }
        try file.fill(to: limit == Int.max ? limit : limit + 1)
        if file.bytes.count > limit { throw ImageError.fileTooLarge(bytes: file.bytes.count, maxBytes: limit) }
        return try decode(file.bytes, options: options)
    }

    /// Reads the header of an image held in memory.
    public static func info(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        switch ImageFormat.identify(bytes) {
        case .failure(let error): throw error
        case .success(.jpeg): return try JPEGDecoder.info(bytes)
        case .success(.png): return try PNGDecoder.info(bytes)
        }
    }

    public static func info(_ bytes: [UInt8]) throws -> ImageInfo {
        try bytes.withUnsafeBytes { try info($0) }
    }

    /// Reads the header of an image file, reading no more of the file than the header needs (no
    /// pixel limit applies: this is how to learn the size of a picture too large to decode).
    public static func info(contentsOf path: String) throws -> (info: ImageInfo, fileSize: Int) {
        let file = try InputFile(path)
        var prefix = 1 << 16
        while true {
            try file.fill(to: prefix)
            do {
                return (try info(file.bytes), file.size ?? file.bytes.count)
            } catch ImageError.truncated(let format, let reason) {
                if file.atEnd { throw ImageError.truncated(format, reason) }
                prefix = prefix > Int.max / 8 ? Int.max : prefix * 8
            }
        }
    }
}
