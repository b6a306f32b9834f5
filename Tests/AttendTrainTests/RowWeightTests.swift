import AttendMath
import AttendModel
@testable import AttendTrain
import XCTest

/// Caption rows weighted in the cross-entropy (self-critical training's advantages, some negative): the loss is
/// Σ_r w_r · CE_r / tokens, and the gradients of every tensor are that loss's, by central differences.
final class RowWeightTests: XCTestCase {
    /// 32 px: a 2×2 grid of block 10's 112 channels.
    func model() -> Model { smallLite0Captioner(imageSize: 32, tap: .block10, seed: 4) }

    let captions = [[1, 4, 2], [1, 7, 5, 6, 4, 2], [1, 4, 5, 7, 2], [1, 7, 5, 2]]

    func batch(_ model: Model, weights: [Float]?) -> TrainingBatch {
        let (L, C) = (model.config.locations, model.config.gridChannels)
        return TrainingBatch(input: .grids(randomValues(2 * L * C, scale: 3, seed: 31)), imageCount: 2,
                             captions: captions, rowWeights: weights)
    }

    func testLossIsTheWeightedSumOfTheRowsCrossEntropies() {
        let model = self.model()
        let graph = TrainingGraph(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                  options: LossOptions(attentionPenalty: 0, dropout: 0))
        graph.training = false
        let weights: [Float] = [0.5, -1.2, 2, 0.25]
        let total = graph.forward(batch(model, weights: weights))
        // Each row alone (weight 1 on it, 0 elsewhere) gives its own cross-entropy sum.
        var expected = 0.0
        for r in 0..<4 {
            var one = [Float](repeating: 0, count: 4)
            one[r] = 1
            expected += Double(weights[r]) * Double(graph.forward(batch(model, weights: one)).crossEntropy)
        }
        XCTAssertEqual(Double(total.crossEntropy), expected, accuracy: 1e-5 * max(1, abs(expected)))
        let unweighted = graph.forward(batch(model, weights: nil)).crossEntropy
        XCTAssertEqual(graph.forward(batch(model, weights: [1, 1, 1, 1])).crossEntropy, unweighted, accuracy: 1e-6)
    }

    func testGradientsOfAWeightedBatch() {
        let model = self.model()
        let pass = TrainingPass(model: model, capacity: GraphCapacity(images: 2, captionsPerImage: 2, steps: 6),
                                options: LossOptions(attentionPenalty: 0.5, dropout: 0.3, gridDropout: 0.2))
        checkGraphGradients(pass, batch: batch(model, weights: [0.5, -1.2, 2, 0.25]), coordinates: 10) { spec in
            spec.name.hasPrefix("decoder.project") ? 1e-3 : 1e-2
        }
    }
}
