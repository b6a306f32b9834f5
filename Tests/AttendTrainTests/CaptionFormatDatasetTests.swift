import AttendEval
import AttendModel
import AttendTrain
import XCTest

/// Photos read from a Karpathy split file train as Flickr8k's do: the same decoding, and the captions' raw text
/// tokenised by the training captions' rule (Vocabulary.tokenize), never by the file's own "tokens".
final class CaptionFormatDatasetTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AttendEvalTests/Fixtures")

    func testKarpathyTrainingSplitDecodesAndTokenisesLikeFlickr8k() throws {
        let corpus = try CaptionCorpus.load(.karpathy(file: Self.fixtures.appendingPathComponent("karpathy/dataset_tiny.json").path,
                                                      images: Self.fixtures.appendingPathComponent("karpathy/images").path))
        let train = try CaptionDataset(corpus: corpus, split: corpus.trainingSplit, side: 8)
        XCTAssertEqual(train.count, 2, "train and restval")
        XCTAssertEqual(train.names, ["COCO_train2014_000000000011.png", "COCO_train2014_000000000012.png"])
        // The fixture's pixels are gradients of yellow (255, 255, 0) from black at the top left: blue stays 0 and
        // red rises along the diagonal.
        let picture = train.picture(0)
        XCTAssertEqual(picture.pixels[2], 0)
        XCTAssertLessThan(picture.pixels[0], picture.pixels[(7 * 8 + 7) * 3])

        let vocabulary = Vocabulary(trainingCaptions: train.references.flatMap { $0 }, minimumCount: 1)
        // The file's tokens say "dogs"; the raw text, tokenised as the Flickr8k captions are, says "dog's".
        XCTAssertNotEqual(vocabulary.id(of: "dog's"), Vocabulary.unknown)
        XCTAssertEqual(vocabulary.id(of: "dogs"), Vocabulary.unknown)
        let plan = BatchPlan(imagesPerBatch: 1, captionsPerImage: 1, maxWords: 20, seed: 1)
        XCTAssertEqual(plan.encode(train.references[0][0], vocabulary: vocabulary),
                       vocabulary.encode("a dog's ball on the grass"))
    }
}
