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
        let input = ModelInput(size: side)
        for image in corpus.split(split).prefix(limit ?? Int.max) {
            append(try input.load(contentsOf: corpus.imagePath(image)).pixels, captions: corpus.references(image),
                   name: image)
        }
    }
}
