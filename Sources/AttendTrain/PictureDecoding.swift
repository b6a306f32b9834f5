import AttendEval
import AttendImage
import Foundation

// MARK: - Pictures of a caption corpus, decoded for training
//
// Training reads picture files exactly as inference does: AttendImage's ModelInput (decode, EXIF upright,
// squash to the model's side). Only the 8-bit pixels are kept; CaptionDataset normalises per batch.

extension CaptionDataset {
    /// Decodes the pictures of one split ("train", "dev", "test") of a corpus at side × side, with their captions.
    public init(corpus: CaptionCorpus, split: String, side: Int, limit: Int? = nil) throws {
        self.init(side: side)
        let input = ModelInput(size: side)   // pixels only: normalisation happens per batch
        for image in corpus.split(split).prefix(limit ?? Int.max) {
            append(try input.load(contentsOf: corpus.imagePath(image)).pixels, captions: corpus.references(image),
                   name: image)
        }
    }
}

extension CaptionDataset {
    /// The captions of one split, pictures read from `cache` (built from the split's files when it lacks them).
    public init(corpus: CaptionCorpus, split: String, cache: GridCacheFile, limit: Int? = nil) throws {
        self.init(side: cache.key.inputSize)
        for image in corpus.split(split).prefix(limit ?? Int.max) {
            appendCaptions(corpus.references(image), name: image)
        }
        gridCache = try GridCache(file: cache, names: names)
    }
}
