import AttendEval
import AttendModel
import AttendTrain
import XCTest

/// The presence heads' labels from captions, their fit (at the optimum, and separating what is separable), and the
/// AUC their report uses, against counting pairs.
final class PresenceTrainingTests: XCTestCase {
    func testLabelsAreTheObjectsAnyReferenceNames() {
        let references = [["A man walks his dog .", "A person and a puppy ."], ["Two dogs run on the grass ."],
                          ["An empty street ."]]
        let labels = presenceLabels(references: references, objects: ["person", "dog", "car"], words: .coco)
        XCTAssertEqual(labels, [1, 1, 0,
                                0, 1, 0,
                                0, 0, 0])
        XCTAssertEqual(presenceObjects(references: references, words: .coco, minimumPhotos: 2), ["dog"])
        XCTAssertEqual(presenceObjects(references: references, words: .coco, minimumPhotos: 1), ["person", "dog"])
    }

    /// Object j is present exactly when feature j is positive. The fitted heads rank held-out photos perfectly, and
    /// the fit stops where the regularised gradient vanishes (the optimum of a convex loss).
    func testFitSeparatesSeparableObjectsAtTheOptimum() {
        let (N, C) = (400, 6)
        let objects = [PresenceObject(name: "a", words: ["a"]), PresenceObject(name: "b", words: ["b"])]
        func sample(_ count: Int, seed: UInt64) -> (pooled: [Float], labels: [Float]) {
            var generator = SeededGenerator(seed: seed)
            let pooled = (0..<(count * C)).map { _ in generator.nextNormal() }
            let labels = (0..<count).flatMap { n in (0..<2).map { j in Float(pooled[n * C + j] > 0 ? 1 : 0) } }
            return (pooled, labels)
        }
        let train = sample(N, seed: 1), heldOut = sample(200, seed: 2)
        var settings = PresenceTrainingSettings()
        settings.steps = 2000
        settings.learningRate = 0.05
        settings.weightDecay = 1e-2
        let heads = fitObjectPresence(objects: objects, pooled: train.pooled, labels: train.labels, images: N,
                                      settings: settings)
        let probabilities = heads.probabilities(pooled: heldOut.pooled, images: 200)
        for j in 0..<2 {
            let auc = areaUnderROC(scores: (0..<200).map { probabilities[$0 * 2 + j] },
                                   labels: (0..<200).map { heldOut.labels[$0 * 2 + j] == 1 })
            XCTAssertGreaterThan(try XCTUnwrap(auc), 0.99, "object \(j)")
        }
        let gradient = heads.lossAndGradient(pooled: train.pooled, labels: train.labels, images: N)
        let stationarity = zip(gradient.weight, heads.weight).map { abs($0 + settings.weightDecay * $1) }.max()!
        XCTAssertLessThan(stationarity, 1e-3)
        XCTAssertLessThan(gradient.bias.map(abs).max()!, 1e-3)
    }

    /// Photos of an object common in training (80% of them) whose features are Gaussian around one mean when it is
    /// there and another when not. The fitted head gives a photo less than the object's training share exactly
    /// where the photo's likelihood ratio, from the two Gaussians, is below 1: the evidence the share rule reads.
    func testAHeadUnderItsTrainingShareMeansEvidenceAgainst() throws {
        let (C, rate) = (3, Float(0.8))
        let (present, absent): ([Float], [Float]) = ([1, 0.5, 0], [-0.5, 0, 0.25])
        func sample(_ count: Int, seed: UInt64) -> (pooled: [Float], labels: [Float]) {
            var generator = SeededGenerator(seed: seed)
            var pooled: [Float] = [], labels: [Float] = []
            for _ in 0..<count {
                let label: Float = Float(generator.next() % 1000) < rate * 1000 ? 1 : 0
                pooled += (label == 1 ? present : absent).map { $0 + generator.nextNormal() }
                labels.append(label)
            }
            return (pooled, labels)
        }
        let train = sample(20_000, seed: 5), heldOut = sample(500, seed: 6)
        var settings = PresenceTrainingSettings()
        settings.steps = 1500
        settings.learningRate = 0.02
        settings.weightDecay = 0
        let heads = fitObjectPresence(objects: [PresenceObject(name: "a", words: ["a"])], pooled: train.pooled,
                                      labels: train.labels, images: 20_000, settings: settings)
        let share = try XCTUnwrap(presenceRates(labels: train.labels, images: 20_000).first)
        XCTAssertEqual(share, rate, accuracy: 0.01)
        let probabilities = heads.probabilities(pooled: heldOut.pooled, images: 500)
        // log N(x; μ₁, I) − log N(x; μ₀, I) = (μ₁ − μ₀)·x − (|μ₁|² − |μ₀|²)/2
        let halfNormDifference = zip(present, absent).reduce(Float(0)) { $0 + ($1.0 * $1.0 - $1.1 * $1.1) / 2 }
        var judged = 0
        for n in 0..<500 {
            let x = heldOut.pooled[(n * C)..<((n + 1) * C)]
            let logRatio = zip(zip(present, absent), x).reduce(-halfNormDifference) { $0 + ($1.0.0 - $1.0.1) * $1.1 }
            guard abs(logRatio) > 0.2 else { continue }   // the fit's error decides the boundary's few photos
            judged += 1
            XCTAssertEqual(probabilities[n] < share, logRatio < 0, "photo \(n): log ratio \(logRatio)")
        }
        XCTAssertGreaterThan(judged, 400)
    }

    /// AUC against the fraction of (positive, negative) pairs ranked right, ties half, on scores with ties.
    func testAreaUnderROCMatchesPairCounting() throws {
        var generator = SeededGenerator(seed: 3)
        let scores = (0..<60).map { _ in Float(generator.next() % 7) }
        let labels = (0..<60).map { _ in generator.next() % 3 == 0 }
        var right = 0.0, pairs = 0.0
        for i in scores.indices where labels[i] {
            for k in scores.indices where !labels[k] {
                pairs += 1
                right += scores[i] > scores[k] ? 1 : scores[i] == scores[k] ? 0.5 : 0
            }
        }
        XCTAssertEqual(try XCTUnwrap(areaUnderROC(scores: scores, labels: labels)), right / pairs, accuracy: 1e-12)
        XCTAssertNil(areaUnderROC(scores: [1, 2], labels: [true, true]))
    }
}
