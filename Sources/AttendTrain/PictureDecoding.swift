import AttendEval
import AttendImage
import Foundation

// MARK: - Pictures of a caption corpus, decoded for training
//
// `decodePicture` is the one place training reads picture files, so AttendImage's `ModelInput.load(path:size:)`
// replaces it in one line once it is on main.

public enum PictureError: Error, CustomStringConvertible {
    case undecodable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .undecodable(path, reason): return "\(path): cannot decode picture: \(reason)"
        }
    }
}

extension CaptionDataset {
    /// Decodes the pictures of one split ("train", "dev", "test") of a corpus at side × side, with their captions.
    public init(corpus: CaptionCorpus, split: String, side: Int, limit: Int? = nil) throws {
        self.init(side: side)
        for image in corpus.split(split).prefix(limit ?? Int.max) {
            append(try decodePicture(path: corpus.imagePath(image), side: side), captions: corpus.references(image),
                   name: image)
        }
    }
}

/// The picture at `path` as side × side RGB.
func decodePicture(path: String, side: Int) throws -> RGBImage {
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw PictureError.undecodable(path: path, reason: "cannot read the file")
    }
    throw PictureError.undecodable(path: path, reason: "JPEG decoding arrives with AttendImage's ModelInput "
                                   + "(branch image), not yet on main")
}
