import AttendImage

// MARK: - image: a picture file through the CLI's entry

extension FuzzTarget {
    /// Sniffing, the libjpeg/libpng shims, EXIF orientation, the DCT-scaled decode and the squash to the model's
    /// input, then normalisation: `ModelInput.load` as `attend caption` calls it. The first byte picks the options
    /// (bit 0: keep a truncated file's decoded part), the rest is the file.
    static let image = FuzzTarget(
        name: "image",
        summary: "a JPEG or PNG file through ModelInput.load (sniffing, shims, EXIF orientation, resize)",
        run: { input in
            guard let flags = input.first else { return }
            let file = Array(input.dropFirst())
            // 4 megapixels: every code path is reached at this size, and each input stays well under a second.
            let options = DecodeOptions(maxPixels: 1 << 22, allowTruncated: flags & 1 != 0)
            let model = ModelInput(size: 32)
            _ = try? ImageDecoder.info(file)
            guard let loaded = try? model.load(file, options: options) else { return }
            precondition(loaded.pixels.width == 32 && loaded.pixels.height == 32, "the model's input size")
            let tensor = model.tensor(loaded.pixels)
            precondition(tensor.count == 3 * 32 * 32, "three planes")
        },
        seeds: { imageSeeds().map { [0] + $0 } + imageSeeds().prefix(2).map { [1] + Array($0.prefix($0.count / 2)) } })

    /// Small pictures of every kind the decoders treat differently, made here.
    static func imageSeeds() -> [[UInt8]] {
        let picture = RGBImage.testPattern(width: 40, height: 24, seed: 7)
        var seeds: [[UInt8]] = []
        func jpeg(_ configure: (inout JPEGWriter.Options) -> Void, components: Int = 3) {
            var options = JPEGWriter.Options()
            options.quality = 75
            configure(&options)
            let pixels: [UInt8]
            switch components {
            case 1: pixels = stride(from: 0, to: picture.pixels.count, by: 3).map { picture.pixels[$0] }
            case 4: pixels = stride(from: 0, to: picture.pixels.count, by: 3).flatMap { picture.pixels[$0..<($0 + 3)] + [255] }
            default: pixels = picture.pixels
            }
            if let bytes = try? JPEGWriter.encode(pixels: pixels, width: picture.width, height: picture.height,
                                                  components: components, options: options) { seeds.append(bytes) }
        }
        jpeg { _ in }
        jpeg { $0.progressive = true }
        jpeg { $0.app1 = exifBlock(orientation: 6) }
        jpeg { $0.app1 = exifBlock(orientation: 3, bigEndian: true) }
        jpeg { $0.restartInterval = 1; $0.lumaSampling = (2, 1) }
        jpeg({ _ in }, components: 1)
        jpeg({ $0.ycck = true }, components: 4)
        if let png = try? PNGWriter.encode(picture) { seeds.append(png) }
        let rgba = stride(from: 0, to: picture.pixels.count, by: 3).flatMap { picture.pixels[$0..<($0 + 3)] + [UInt8($0 % 256)] }
        if let png = try? rgba.withUnsafeBufferPointer({
            try PNGWriter.encode(pixels: $0, width: picture.width, height: picture.height, channels: 4)
        }) { seeds.append(png) }
        return seeds
    }
}
