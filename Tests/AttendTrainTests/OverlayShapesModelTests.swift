import Attend
import Foundation
import XCTest
import AttendImage
import AttendModel
import AttendTrain

/// With the synthetic-scenes model, the overlay of a shape word is brightest inside that shape's box.
/// Needs models/shapes.attend (trained on branch `train`); skipped, saying so, when it is absent.
final class OverlayShapesModelTests: XCTestCase {

    /// package root/models/shapes.attend, found from this file's path.
    private static let modelPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models/shapes.attend").path

    func testShapeWordsLookAtTheirShapes() throws {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            throw XCTSkip("models/shapes.attend is absent (it comes from branch train): overlay-on-shapes test not run")
        }
        let captioner = Captioner(model: try ModelFile.read(path: Self.modelPath))
        let input = captioner.config.modelInput
        let grid = captioner.config.gridSize
        let shapes: Set<String> = ["circle", "square", "triangle", "diamond"]

        var generator = SceneGenerator(seed: 9_001, size: 96)   // larger than the model's input: squashed, as any photo
        var checked = 0, inside = 0, chance = 0.0
        for _ in 0..<40 {
            let scene = generator.next()
            let picture = scene.image
            let caption = captioner.caption(images: input.tensor(input.pixels(from: picture)), count: 1)[0]
            for token in caption.tokens where shapes.contains(token.word) {
                // Only shapes drawn once: otherwise the word does not say which box.
                let boxes = scene.objects.filter { $0.shape == token.word }.map(\.box)
                guard boxes.count == 1, let box = boxes.first else { continue }
                let map = AttentionMap(weights: token.attention, grid: grid, width: picture.width,
                                       height: picture.height)
                let peak = map.values.indices.max { map.values[$0] < map.values[$1] }!
                let (x, y) = (peak % picture.width, peak / picture.width)
                checked += 1
                if x >= box[0] && x < box[2] && y >= box[1] && y < box[3] { inside += 1 }
                chance += Double((box[2] - box[0]) * (box[3] - box[1])) / Double(picture.width * picture.height)
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 20, "too few shape words to judge")
        let rate = Double(inside) / Double(max(checked, 1))
        let chanceRate = chance / Double(max(checked, 1))
        print("shape words whose overlay peaks inside their box: \(inside)/\(checked) = \(rate) (chance \(chanceRate))")
        XCTAssertGreaterThanOrEqual(rate, max(0.6, 3 * chanceRate))
    }
}
