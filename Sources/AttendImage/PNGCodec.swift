import AttendSupport
import CAttendShims

// MARK: - PNG decoding (libpng, through the C shim)

enum PNGDecoder {
    /// An open libpng reader over `bytes`, closed on deinit.
    private final class Reader {
        let handle: OpaquePointer
        let header: attend_png_header

        init(_ bytes: UnsafeRawBufferPointer) throws {
            var handle: OpaquePointer?
            var header = attend_png_header()
            var message = ShimMessage()
            let status = message.call {
                attend_png_open(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                                &handle, &header, $0, $1)
            }
            guard status == ATTEND_OK, let handle else { throw shimError(status, .png, message.text) }
            self.handle = handle
            self.header = header
        }

        deinit { attend_png_close(handle) }

        var info: ImageInfo {
            let h = header
            let orientation = h.exif.map { exifOrientation(UnsafeRawBufferPointer(start: $0, count: h.exif_length)) }
            let models = [0: "grayscale", 2: "rgb", 3: "palette", 4: "grayscale+alpha", 6: "rgba"]
            return ImageInfo(
                format: .png, width: Int(h.width), height: Int(h.height),
                orientation: (orientation ?? nil) ?? .up, channels: Int(h.channels), bitDepth: Int(h.bit_depth),
                colorModel: models[Int(h.color_type)] ?? "unknown", hasAlpha: h.output_channels == 4,
                interlaced: h.interlaced != 0, hasICCProfile: h.has_iccp != 0, chromaSubsampling: nil,
                arithmeticCoding: false, restartInterval: 0)
        }

        var warnings: [String] {
            shimWarnings(count: Int(attend_png_warning_count(handle))) { attend_png_warning(handle, Int32($0)) }
        }
    }

    static func info(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        try Reader(bytes).info
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws -> DecodedImage {
        let reader = try Reader(bytes)
        let info = reader.info
        try options.checkSize(info)
        let (width, height) = (info.width, info.height)
        let channels = Int(reader.header.output_channels)
        let pixels = try [UInt8](unsafeUninitializedCapacity: width * height * channels) { buffer, count in
            var message = ShimMessage()
            let status = message.call { attend_png_read(reader.handle, buffer.baseAddress, options.allowTruncated ? 1 : 0, $0, $1) }
            guard status == ATTEND_OK else {
                count = 0
                throw shimError(status, .png, message.text)
            }
            if channels == 4 {
                compositeRGBAInPlace(buffer.baseAddress!, pixelCount: width * height, over: options.background)
            }
            count = width * height * 3
        }
        var image = RGBImage(width: width, height: height, pixels: pixels)
        if options.applyOrientation { image = image.oriented(info.orientation) }
        return DecodedImage(image: image, info: info, scaleDenominator: 1, warnings: reader.warnings)
    }
}

// MARK: - PNG writing

/// Writes 8-bit RGB and RGBA PNGs through libpng.
public enum PNGWriter {
    /// zlib level 6, libpng's default: within a few percent of level 9's size at a fraction of the time.
    public static let defaultCompression = 6

    /// Encodes packed 8-bit rows of `channels` (3: RGB, 4: RGBA), (height, width, channels).
    public static func encode(pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int,
                              compression: Int = defaultCompression) throws -> [UInt8] {
        precondition(channels == 3 || channels == 4, "PNGWriter writes RGB or RGBA")
        precondition(width > 0 && height > 0 && pixels.count == width * height * channels,
                     "pixels must hold height × width × channels bytes")
        precondition(width <= Int(Int32.max) && height <= Int(Int32.max), "PNG sides fit in 31 bits")
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = ShimMessage()
        let status = message.call {
            attend_png_encode(pixels.baseAddress, UInt32(width), UInt32(height), Int32(channels),
                              Int32(compression), &png, &size, $0, $1)
        }
        defer { attend_free(png) }
        guard status == ATTEND_OK, let png else {
            throw status == ATTEND_OUT_OF_MEMORY ? ImageError.outOfMemory : ImageError.io("PNG encoding failed: \(message.text)")
        }
        return Array(UnsafeBufferPointer(start: png, count: size))
    }

    public static func encode(_ image: RGBImage, compression: Int = defaultCompression) throws -> [UInt8] {
        try image.pixels.withUnsafeBufferPointer {
            try encode(pixels: $0, width: image.width, height: image.height, channels: 3, compression: compression)
        }
    }

    /// Encodes `image` and writes it to `path` (atomically: a temporary file renamed into place).
    public static func write(_ image: RGBImage, to path: String, compression: Int = defaultCompression) throws {
        try writeAtomically(encode(image, compression: compression), to: path)
    }

    /// Encodes packed RGBA, (height, width, 4), and writes it to `path`.
    public static func write(rgba: [UInt8], width: Int, height: Int, to path: String,
                             compression: Int = defaultCompression) throws {
        let png = try rgba.withUnsafeBufferPointer {
            try encode(pixels: $0, width: width, height: height, channels: 4, compression: compression)
        }
        try writeAtomically(png, to: path)
    }

    /// `writeFileAtomically`, its failure as an image error.
    private static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        do { try writeFileAtomically(bytes, to: path) } catch let error as FileWriteError { throw ImageError.io(error.description) }
    }
}
