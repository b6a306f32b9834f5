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
    /// Groups of captions without a picture (text for the language side), numbered after the pictures: item
    /// `count + g` is group g. Their grid is the null visual context, all zeros, which the projection's LayerNorm
    /// turns into its learned bias: the decoder learns the words of these captions with nothing to look at. They
    /// train from a feature cache only (an encoder that trains has no picture to read).
    public var textOnly: [[String]] = []

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

    /// The captions of item `index`: a picture's references, or a text-only group past the pictures.
    public func captions(of index: Int) -> [String] { index < count ? references[index] : textOnly[index - count] }

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

    /// (B, L, C) grids of `indices` from the feature cache (zeros for a text-only item), or nil without one.
    public func grids(_ indices: [Int]) -> [Float]? {
        guard let gridCache else { return nil }
        if indices.allSatisfy({ $0 < count }) { return gridCache.grids(indices) }
        let cell = gridCache.file.locations * gridCache.file.channels
        let pictured = indices.indices.filter { indices[$0] < count }   // batch slots holding a picture
        let cached = gridCache.grids(pictured.map { indices[$0] })      // (P, L, C)
        var grids = [Float](repeating: 0, count: indices.count * cell)  // (B, L, C)
        for (k, slot) in pictured.enumerated() {
            grids.replaceSubrange((slot * cell)..<((slot + 1) * cell), with: cached[(k * cell)..<((k + 1) * cell)])
        }
        return grids
    }

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

/// Splits a dataset into seeded batches: pictures shuffled per epoch, K captions per picture chosen per epoch. With
/// `textPerEpoch`, each epoch also takes that many of the dataset's text-only groups (the next ones of a seeded
/// order of them, so successive epochs read different text), shuffled in among the pictures.
public struct BatchPlan {
    public let imagesPerBatch: Int
    public let captionsPerImage: Int
    /// Longest caption kept, in words (longer ones are cut before <end>).
    public let maxWords: Int
    public let seed: UInt64
    public let augmentation: Augmentation
    /// Text-only groups an epoch trains on besides its pictures.
    public let textPerEpoch: Int

    public init(imagesPerBatch: Int, captionsPerImage: Int, maxWords: Int, seed: UInt64,
                augmentation: Augmentation = .none, textPerEpoch: Int = 0) {
        self.textPerEpoch = textPerEpoch
        self.imagesPerBatch = imagesPerBatch
        self.captionsPerImage = captionsPerImage
        self.maxWords = maxWords
        self.seed = seed
        self.augmentation = augmentation
    }

    public func batchesPerEpoch(_ dataset: CaptionDataset) -> Int { itemsPerEpoch(dataset) / imagesPerBatch }

    /// Pictures and text-only groups an epoch reads.
    func itemsPerEpoch(_ dataset: CaptionDataset) -> Int {
        dataset.count + (dataset.textOnly.isEmpty ? 0 : textPerEpoch)
    }

    /// Picture order for one epoch: a pure function of the seed and the epoch.
    public func order(epoch: Int, count: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        return Array(0..<count).shuffled(using: &generator)
    }

    /// Item order for one epoch: the pictures and this epoch's text-only groups (items `count + g`), shuffled
    /// together; a pure function of the seed and the epoch. Without text it is `order(epoch:count:)`.
    public func order(epoch: Int, dataset: CaptionDataset) -> [Int] {
        let groups = dataset.textOnly.count
        guard groups > 0, textPerEpoch > 0 else { return order(epoch: epoch, count: dataset.count) }
        var textGenerator = SeededGenerator(seed: seed &+ 0x7E57_0000)
        let textOrder = Array(0..<groups).shuffled(using: &textGenerator)   // the same for every epoch
        let text = (0..<textPerEpoch).map { dataset.count + textOrder[(epoch * textPerEpoch + $0) % groups] }
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        return (Array(0..<dataset.count) + text).shuffled(using: &generator)
    }

    /// Batch `index` of `epoch`.
    public func batch(_ index: Int, epoch: Int, dataset: CaptionDataset, vocabulary: Vocabulary) -> (TrainingBatch, [Int]) {
        let order = order(epoch: epoch, dataset: dataset)
        let pictures = Array(order[(index * imagesPerBatch)..<((index + 1) * imagesPerBatch)])
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9 &+ UInt64(index) &* 0xC2B2_AE35)
        var captions: [[Int]] = []
        precondition(dataset.gridCache == nil || augmentation.isIdentity, "cached grids cannot be augmented")
        precondition(dataset.textOnly.isEmpty || dataset.gridCache != nil, "text-only captions train on cached grids")
        // (B, 3, S, S): written whole when nothing is augmented, else picture by picture below.
        let plane = 3 * dataset.side * dataset.side
        var images = augmentation.isIdentity ? [] : [Float](repeating: 0, count: pictures.count * plane)
        for (slot, picture) in pictures.enumerated() {
            var texts = dataset.captions(of: picture)
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
