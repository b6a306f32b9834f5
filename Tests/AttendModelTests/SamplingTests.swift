@testable import AttendModel
import AttendMath
import XCTest

/// Sampled captions (self-critical training draws them): words come from the model's own distribution, image by
/// image, and never the tokens beam search never writes.
final class SamplingTests: XCTestCase {
    /// 40,000 draws from a 7-word distribution whose <pad>, <start> and <unk> carry mass: those are never drawn, and
    /// each other word comes up in proportion to its renormalised probability (within 4 standard deviations).
    func testDrawnWordsFollowTheDistributionWithoutTheBannedTokens() {
        let probabilities: [Double] = [0.1, 0.2, 0.05, 0.15, 0.3, 0.12, 0.08]   // <pad> <start> <end> <unk> w4 w5 w6
        let logProbabilities = probabilities.map { Float(log($0)) }
        for allowUnknown in [false, true] {
            var generator = SeededGenerator(seed: 3)
            var counts = [Int](repeating: 0, count: probabilities.count)
            let draws = 40_000
            logProbabilities.withUnsafeBufferPointer { row in
                for _ in 0..<draws {
                    counts[drawWord(row.baseAddress!, count: row.count, allowUnknown: allowUnknown, using: &generator)] += 1
                }
            }
            var banned: Set<Int> = [Vocabulary.pad, Vocabulary.start]
            if !allowUnknown { banned.insert(Vocabulary.unknown) }
            let mass = probabilities.indices.filter { !banned.contains($0) }.map { probabilities[$0] }.reduce(0, +)
            for id in probabilities.indices {
                if banned.contains(id) { XCTAssertEqual(counts[id], 0, "token \(id) is never drawn"); continue }
                let p = probabilities[id] / mass, expected = p * Double(draws)
                let sigma = (Double(draws) * p * (1 - p)).squareRoot()
                XCTAssertLessThan(abs(Double(counts[id]) - expected), 4 * sigma,
                                  "word \(id): \(counts[id]) draws, \(expected) expected (unk allowed: \(allowUnknown))")
            }
        }
    }

    /// The first word of 3,000 samples per image, from two images of a random model: each image's frequencies follow
    /// that image's first-step distribution (the sampler's rows keep to their own image), and every caption is
    /// free of <pad>, <start> and <unk>.
    func testSamplesFollowEachImagesOwnDistribution() {
        func randomValues(_ count: Int, scale: Float, seed: UInt64) -> [Float] {
            var generator = SeededGenerator(seed: seed)
            return (0..<count).map { _ in scale * generator.nextNormal() }
        }
        let model = Model.referenceRandom(configName: "tiny", vocabularySize: 12, seed: 21)
        let images = 2, K = 3000, cells = model.config.locations * model.config.gridChannels
        // Two unlike grids (faint and strong features), so that the images' first-word distributions differ.
        let grid = randomValues(cells, scale: 0.1, seed: 5) + randomValues(cells, scale: 8, seed: 6)   // (2, L, C)
        let decoder = InferenceDecoder(model: model)
        let prepared = decoder.prepare(grid: grid, images: images)
        var generator = SeededGenerator(seed: 8)
        let (samples, finished) = sampleCaptions(decoder: decoder, prepared: prepared, images: images, samplesPerImage: K,
                                                 maxWords: 4, using: &generator)
        XCTAssertEqual(samples.count, images * K)
        XCTAssertTrue(samples.joined().allSatisfy { ![Vocabulary.pad, Vocabulary.start, Vocabulary.unknown, Vocabulary.end].contains($0) })
        XCTAssertTrue(samples.enumerated().allSatisfy { finished[$0.offset] || $0.element.count == 4 },
                      "a caption is cut only at maxWords")
        // The first step's distribution of each image, renormalised without the banned tokens.
        let V = model.config.vocabularySize
        var output = decoder.makeStepOutput(rows: images)
        decoder.step(previous: [Int32](repeating: Int32(Vocabulary.start), count: images), hidden: prepared.hidden,
                     cell: prepared.cell, sourceRow: [0, 1], prepared: prepared, output: &output)
        logSoftmaxRows(&output.logits, rows: images, columns: V)
        var distance = 0.0
        for image in 0..<images {
            let row = (0..<V).map { id in [Vocabulary.pad, Vocabulary.start, Vocabulary.unknown].contains(id)
                                           ? 0 : exp(Double(output.logits[image * V + id])) }
            let mass = row.reduce(0, +)
            var counts = [Int](repeating: 0, count: V)
            for k in 0..<K { counts[samples[image * K + k].first ?? Vocabulary.end] += 1 }
            for id in 0..<V where row[id] > 0 {
                let p = row[id] / mass, expected = p * Double(K), sigma = (Double(K) * p * (1 - p)).squareRoot()
                XCTAssertLessThan(abs(Double(counts[id]) - expected), 4 * sigma + 1, "image \(image), word \(id)")
            }
            if image == 1 {
                let other = (0..<V).map { id in [Vocabulary.pad, Vocabulary.start, Vocabulary.unknown].contains(id)
                                                 ? 0 : exp(Double(output.logits[id])) }
                let otherMass = other.reduce(0, +)
                distance = (0..<V).map { abs(row[$0] / mass - other[$0] / otherMass) }.reduce(0, +)
            }
        }
        XCTAssertGreaterThan(distance, 0.3, "the two images' distributions must differ for the test to see a mix-up")
    }
}
