import AttendImage
import AttendModel
import Foundation

// MARK: - Captioned images in memory
//
// Pictures are kept as bytes at the training resolution (6,000 × 224 × 224 × 3 = 900 MB for Flickr8k) and
// normalised into a batch only when the batch is built.

public struct CaptionDataset {
    /// S: every picture's side.
    public let side: Int
    /// (N, S, S, 3) bytes.
    public private(set) var pixels: [UInt8] = []
    /// Per picture: its captions' raw text (the references for scoring).
    public private(set) var references: [[String]] = []
    /// Per picture: a name (file name or scene number) for logs.
    public private(set) var names: [String] = []
    /// A frozen encoder's grids of these pictures, in the same order (the feature cache); nil when the encoder is
    /// trained and reads the pixels.
    public var gridCache: GridCache? = nil
    /// How pixels become the encoder's input: its family's (`ModelConfig.pixelStatistics`); ImageNet's by default.
    public var normalisation = PixelNormalisation(.imageNet)

    public init(side: Int) { self.side = side }

    public var count: Int { references.count }

    /// Adds a picture (S, S, 3) and its captions.
    public mutating func append(_ image: RGBImage, captions: [String], name: String) {
        precondition(image.width == side && image.height == side, "pictures must be \(side)×\(side)")
        pixels.append(contentsOf: image.pixels)
        references.append(captions)
        names.append(name)
    }

    /// Adds a picture known only by its name and captions: its grid comes from `gridCache`.
    public mutating func appendCaptions(_ captions: [String], name: String) {
        references.append(captions)
        names.append(name)
    }

    /// Picture `index` as an image.
    public func picture(_ index: Int) -> RGBImage {
        let size = side * side * 3
        return RGBImage(width: side, height: side, pixels: Array(pixels[(index * size)..<((index + 1) * size)]))
    }

    /// The normalised pictures of `indices`, (B, 3, S, S): what every encoder reads.
    public func pictures(_ indices: [Int]) -> PictureBatch {
        let plane = 3 * side * side
        var values = [Float](repeating: 0, count: indices.count * plane)
        values.withUnsafeMutableBufferPointer { buffer in
            pixels.withUnsafeBufferPointer { bytes in
                for (slot, index) in indices.enumerated() {
                    normalisation.write(bytes.baseAddress! + index * plane, side: side,
                                        into: buffer.baseAddress! + slot * plane)
                }
            }
        }
        return PictureBatch(values: values, count: indices.count, side: side)
    }

    /// (B, L, C) grids of `indices` from the feature cache, or nil without one.
    public func grids(_ indices: [Int]) -> [Float]? { gridCache?.grids(indices) }

    /// What training reads for `indices`: their cached grids, or their pictures.
    public func input(_ indices: [Int]) -> TrainingInput {
        if let grids = grids(indices) { return .grids(grids) }
        return .pictures(pictures(indices))
    }
}

/// (v / 255 − mean) / std per channel, the same expression as ModelInput.normalize, by table.
public struct PixelNormalisation {
    /// Per channel (R, G, B): the normalised value of each byte.
    let tables: [[Float]]

    public init(_ statistics: PixelStatistics) {
        tables = (0..<3).map { channel in
            (0..<256).map { (Float($0) / 255 - statistics.mean[channel]) / statistics.std[channel] }
        }
    }

    /// Writes an (S, S, 3) picture normalised into picture (3, S, S).
    func write(_ source: UnsafePointer<UInt8>, side: Int, into picture: UnsafeMutablePointer<Float>) {
        let plane = side * side
        for channel in 0..<3 {
            let target = picture + channel * plane, table = tables[channel]
            for i in 0..<plane { target[i] = table[Int(source[i * 3 + channel])] }
        }
    }
}

// MARK: - Batches

/// Splits a dataset into seeded batches: pictures shuffled per epoch, K captions per picture chosen per epoch.
public struct BatchPlan {
    public let imagesPerBatch: Int
    public let captionsPerImage: Int
    /// Longest caption kept, in words (longer ones are cut before <end>).
    public let maxWords: Int
    public let seed: UInt64
    public let augmentation: Augmentation

    public init(imagesPerBatch: Int, captionsPerImage: Int, maxWords: Int, seed: UInt64,
                augmentation: Augmentation = .none) {
        self.imagesPerBatch = imagesPerBatch
        self.captionsPerImage = captionsPerImage
        self.maxWords = maxWords
        self.seed = seed
        self.augmentation = augmentation
    }

    public func batchesPerEpoch(_ dataset: CaptionDataset) -> Int { dataset.count / imagesPerBatch }

    /// Picture order for one epoch: a pure function of the seed and the epoch.
    public func order(epoch: Int, count: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        return Array(0..<count).shuffled(using: &generator)
    }

    /// Batch `index` of `epoch`.
    public func batch(_ index: Int, epoch: Int, dataset: CaptionDataset, vocabulary: Vocabulary) -> (TrainingBatch, [Int]) {
        let order = order(epoch: epoch, count: dataset.count)
        let pictures = Array(order[(index * imagesPerBatch)..<((index + 1) * imagesPerBatch)])
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9 &+ UInt64(index) &* 0xC2B2_AE35)
        var captions: [[Int]] = []
        precondition(dataset.gridCache == nil || augmentation.isIdentity, "cached grids cannot be augmented")
        // (B, 3, S, S): written whole when nothing is augmented, else picture by picture below.
        let plane = 3 * dataset.side * dataset.side
        var images = augmentation.isIdentity ? [] : [Float](repeating: 0, count: pictures.count * plane)
        for (slot, picture) in pictures.enumerated() {
            var texts = dataset.references[picture]
            if !augmentation.isIdentity {
                let (augmented, augmentedTexts) = augmentation.apply(dataset.picture(picture), captions: texts,
                                                                     using: &generator)
                texts = augmentedTexts
                images.withUnsafeMutableBufferPointer { buffer in
                    augmented.pixels.withUnsafeBufferPointer {
                        dataset.normalisation.write($0.baseAddress!, side: dataset.side,
                                                    into: buffer.baseAddress! + slot * plane)
                    }
                }
            }
            var choice = Array(texts.indices).shuffled(using: &generator)
            while choice.count < captionsPerImage { choice.append(texts.indices.randomElement(using: &generator)!) }
            for k in choice.prefix(captionsPerImage) { captions.append(encode(texts[k], vocabulary: vocabulary)) }
        }
        let input = augmentation.isIdentity ? dataset.input(pictures)
            : .pictures(PictureBatch(values: images, count: pictures.count, side: dataset.side))
        return (TrainingBatch(input: input, imageCount: pictures.count, captions: captions), pictures)
    }

    /// `<start>` words… `<end>`, at most `maxWords` words.
    public func encode(_ caption: String, vocabulary: Vocabulary) -> [Int] {
        let ids = vocabulary.encode(caption)
        if ids.count - 2 <= maxWords { return ids }
        return Array(ids.prefix(maxWords + 1)) + [Vocabulary.end]
    }
}
