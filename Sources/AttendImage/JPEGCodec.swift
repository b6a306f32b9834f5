import CAttendShims

// MARK: - JPEG decoding (libjpeg-turbo, through the C shim)

enum JPEGDecoder {
    /// An open libjpeg reader over `bytes`, header read; closed on deinit.
    private final class Reader {
        let handle: OpaquePointer
        let header: attend_jpeg_header

        init(_ bytes: UnsafeRawBufferPointer, allowTruncated: Bool) throws {
            var handle: OpaquePointer?
            var header = attend_jpeg_header()
            var message = ShimMessage()
            let status = message.call {
                attend_jpeg_open(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                                 allowTruncated ? 1 : 0, &handle, &header, $0, $1)
            }
            guard status == ATTEND_OK, let handle else { throw shimError(status, .jpeg, message.text) }
            self.handle = handle
            self.header = header
        }

        deinit { attend_jpeg_close(handle) }

        var info: ImageInfo {
            let h = header
            let orientation = h.exif.map { exifOrientation(UnsafeRawBufferPointer(start: $0, count: h.exif_length)) }
            let n = Int(h.components)
            let hs = withUnsafeBytes(of: h.h_samp) { Array($0.bindMemory(to: Int32.self).prefix(n)).map(Int.init) }
            let vs = withUnsafeBytes(of: h.v_samp) { Array($0.bindMemory(to: Int32.self).prefix(n)).map(Int.init) }
            let models = [1: "grayscale", 2: "rgb", 3: "ycbcr", 4: "cmyk", 5: "ycck"]
            return ImageInfo(
                format: .jpeg, width: Int(h.width), height: Int(h.height),
                orientation: (orientation ?? nil) ?? .up, channels: n, bitDepth: Int(h.precision),
                colorModel: models[Int(h.color_space)] ?? "unknown", hasAlpha: false,
                interlaced: h.progressive != 0, hasICCProfile: h.has_icc != 0,
                chromaSubsampling: n >= 3 ? chromaSubsampling(h: hs, v: vs) : nil,
                arithmeticCoding: h.arithmetic != 0, restartInterval: Int(h.restart_interval))
        }
    }

    static func info(_ bytes: UnsafeRawBufferPointer) throws -> ImageInfo {
        try Reader(bytes, allowTruncated: false).info
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws -> DecodedImage {
        let reader = try Reader(bytes, allowTruncated: options.allowTruncated)
        let info = reader.info
        try options.checkSize(info)
        let scale = options.jpegScaleDenominator(width: info.width, height: info.height, orientation: info.orientation)

        var width: UInt32 = 0, height: UInt32 = 0
        var channels: Int32 = 0
        var message = ShimMessage()
        let status = message.call { attend_jpeg_start(reader.handle, Int32(scale), &width, &height, &channels, $0, $1) }
        guard status == ATTEND_OK else { throw shimError(status, .jpeg, message.text) }
        let (w, h, c) = (Int(width), Int(height), Int(channels))

        let pixels = try [UInt8](unsafeUninitializedCapacity: w * h * c) { buffer, count in
            var message = ShimMessage()
            let status = message.call { attend_jpeg_read(reader.handle, buffer.baseAddress, $0, $1) }
            guard status == ATTEND_OK else {
                count = 0
                throw shimError(status, .jpeg, message.text)
            }
            if c == 4 {
                cmykToRGBInPlace(buffer.baseAddress!, pixelCount: w * h, inverted: reader.header.adobe != 0)
            }
            count = w * h * 3
        }
        let warnings = shimWarnings(count: Int(attend_jpeg_warning_count(reader.handle))) {
            attend_jpeg_warning(reader.handle, Int32($0))
        }
        var image = RGBImage(width: w, height: h, pixels: pixels)
        if options.applyOrientation { image = image.oriented(info.orientation) }
        return DecodedImage(image: image, info: info, scaleDenominator: scale, warnings: warnings)
    }
}

// MARK: - JPEG writing (test fixtures, benchmark input, samples)

/// Writes JPEGs through libjpeg: not for the model's path (JPEG is lossy), but to make inputs.
public enum JPEGWriter {
    public struct Options: Sendable {
        public var quality = 90
        public var progressive = false
        public var arithmetic = false
        /// MCUs between restart markers (0: none).
        public var restartInterval = 0
        /// Luma sampling factors: (1, 1) 4:4:4, (2, 1) 4:2:2, (2, 2) 4:2:0 (libjpeg's default).
        public var lumaSampling: (h: Int, v: Int)? = nil
        /// Stored colour space for 4-component input: false CMYK, true YCCK. 3-component input is
        /// stored as YCbCr unless `storeRGB`.
        public var ycck = false
        public var storeRGB = false
        /// Bytes of an APP1 marker, e.g. `exifBlock(orientation:)`.
        public var app1: [UInt8]? = nil

        public init() {}
    }

    /// Encodes packed rows of `components` 1 (grey), 3 (RGB) or 4 (CMYK, stored as given: pass
    /// 255 − ink for the Adobe convention that libjpeg's Adobe marker announces).
    public static func encode(pixels: [UInt8], width: Int, height: Int, components: Int,
                              options: Options = Options()) throws -> [UInt8] {
        precondition([1, 3, 4].contains(components) && pixels.count == width * height * components)
        var raw = attend_jpeg_encode_options()
        raw.quality = Int32(options.quality)
        raw.progressive = options.progressive ? 1 : 0
        raw.arithmetic = options.arithmetic ? 1 : 0
        raw.restart_interval = Int32(options.restartInterval)
        raw.h_samp = Int32(options.lumaSampling?.h ?? 0)
        raw.v_samp = Int32(options.lumaSampling?.v ?? 0)
        if components == 4 { raw.color_space = Int32(options.ycck ? ATTEND_JCS_YCCK : ATTEND_JCS_CMYK) }
        if components == 3 && options.storeRGB { raw.color_space = Int32(ATTEND_JCS_RGB) }
        let app1 = options.app1 ?? []
        var jpeg: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = ShimMessage()
        let status = app1.withUnsafeBufferPointer { app1Buffer in
            raw.app1 = app1.isEmpty ? nil : app1Buffer.baseAddress
            raw.app1_length = app1.count
            return pixels.withUnsafeBufferPointer { px in
                message.call {
                    attend_jpeg_encode(px.baseAddress, UInt32(width), UInt32(height), Int32(components), &raw,
                                       &jpeg, &size, $0, $1)
                }
            }
        }
        defer { attend_free(jpeg) }
        guard status == ATTEND_OK, let jpeg else { throw ImageError.io("JPEG encoding failed: \(message.text)") }
        return Array(UnsafeBufferPointer(start: jpeg, count: size))
    }
}
