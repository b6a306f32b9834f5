import AttendImage
import AttendModel
@testable import AttendTrain
import XCTest

final class AugmentationTests: XCTestCase {
    /// A picture whose left half is red and right half blue.
    let picture: RGBImage = {
        var image = RGBImage(width: 8, height: 4, fill: (0, 0, 255))
        for y in 0..<4 { for x in 0..<4 { image.pixels[(y * 8 + x) * 3] = 255; image.pixels[(y * 8 + x) * 3 + 2] = 0 } }
        return image
    }()

    func testSwapLeftAndRightWordByWord() {
        XCTAssertEqual(Augmentation.swapLeftAndRight("A dog on the left, a man to the right."),
                       "A dog on the right, a man to the left.")
        XCTAssertEqual(Augmentation.swapLeftAndRight("Left leftover rights"), "Right leftover rights")
    }

    func testFlipMirrorsThePictureAndSwapsTheCaptionTogether() {
        let flip = Augmentation(flip: true)
        var generator = SeededGenerator(seed: 3)
        var sawFlip = false, sawKeep = false
        for _ in 0..<40 {
            let (image, captions) = flip.apply(picture, captions: ["the red half is on the left"], using: &generator)
            let leftIsRed = image.pixels[0] == 255
            if leftIsRed {
                sawKeep = true
                XCTAssertEqual(captions, ["the red half is on the left"])
            } else {
                sawFlip = true
                XCTAssertEqual(image.pixels[2], 255, "mirrored: blue on the left")
                XCTAssertEqual(captions, ["the red half is on the right"])
            }
        }
        XCTAssertTrue(sawFlip && sawKeep, "about half the pictures are flipped")
    }

    func testCropAndJitterKeepTheSizeAndAreSeeded() {
        let augmentation = Augmentation.photos
        var first = SeededGenerator(seed: 9), second = SeededGenerator(seed: 9)
        let a = augmentation.apply(picture, captions: ["x"], using: &first)
        let b = augmentation.apply(picture, captions: ["x"], using: &second)
        XCTAssertEqual(a.0, b.0, "same seed, same augmentation")
        XCTAssertEqual(a.0.width, 8)
        XCTAssertEqual(a.0.height, 4)
        XCTAssertNotEqual(Augmentation.photos.apply(picture, captions: [], using: &first).0.pixels, picture.pixels)
    }

    func testIdentityAugmentationLeavesBatchesUnchanged() {
        var dataset = CaptionDataset(side: 8)
        dataset.append(RGBImage(width: 8, height: 8, fill: (10, 200, 30)), captions: ["a b"], name: "0")
        dataset.append(RGBImage(width: 8, height: 8, fill: (90, 20, 130)), captions: ["b a"], name: "1")
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["a", "b"])
        let plain = BatchPlan(imagesPerBatch: 2, captionsPerImage: 1, maxWords: 5, seed: 1)
        let jittered = BatchPlan(imagesPerBatch: 2, captionsPerImage: 1, maxWords: 5, seed: 1,
                                 augmentation: Augmentation(colourJitter: 0.3))
        let (plainBatch, _) = plain.batch(0, epoch: 0, dataset: dataset, vocabulary: vocabulary)
        XCTAssertEqual(plainBatch.pictures.values, dataset.pictures(plain.order(epoch: 0, count: 2)).values)
        let (jitteredBatch, _) = jittered.batch(0, epoch: 0, dataset: dataset, vocabulary: vocabulary)
        XCTAssertEqual(jitteredBatch.pictures.values.count, plainBatch.pictures.values.count)
        XCTAssertNotEqual(jitteredBatch.pictures.values, plainBatch.pictures.values)
    }
}
