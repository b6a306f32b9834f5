import AttendMath
import AttendModel
import Foundation

// MARK: - Training and scoring on synthetic scenes
//
// The scenes' captions are fully determined by the picture and every object's box is known, so two figures
// say whether training works: the share of held-out captions that are exactly right, and how often the
// attention map of each colour or shape word peaks on a grid cell that overlaps that object's box.

/// The small configuration for 64×64 scenes: 64 → 32 (stride 2) → 16 → 8 (pools), then three more stages
/// at 8×8, so that every cell's receptive field (69 px) covers the whole picture: captions name objects in
/// left-to-right or top-to-bottom order, and a cell can only tell where it is from the picture's borders.
/// An 8×8 grid of 64-d annotations; sized to train to high accuracy in a few minutes on two cores.
public func shapesConfiguration() -> ModelConfig { ModelConfig.named("shapes")! }

/// `count` scenes of side `size` from `seed`, captioned by their canonical caption (#0), and their objects.
public func syntheticDataset(count: Int, seed: UInt64, size: Int = 64) -> (CaptionDataset, [[SceneObject]]) {
    var generator = SceneGenerator(seed: seed, size: size)
    var dataset = CaptionDataset(side: size)
    var objects: [[SceneObject]] = []
    for index in 0..<count {
        let scene = generator.next()
        dataset.append(scene.image, captions: [scene.caption], name: "scene \(index)")
        objects.append(scene.objects)
    }
    return (dataset, objects)
}

/// Held-out figures of a model on synthetic scenes.
public struct SyntheticScore: Codable, Sendable {
    public var scenes: Int
    /// Captions equal to the canonical one (as tokens).
    public var exactCaptions: Int
    /// Colour and shape words that name the right object in the right place, and how many of them
    /// have the argmax cell of their attention map on that object's box.
    public var pointedWords: Int
    public var pointingHits: Int
    /// The rate a uniformly random cell would hit the same boxes.
    public var chanceRate: Double
    /// A few wrong captions, "got | expected", for the log.
    public var mistakes: [String] = []

    public var exactRate: Double { Double(exactCaptions) / Double(max(scenes, 1)) }
    public var pointingRate: Double { Double(pointingHits) / Double(max(pointedWords, 1)) }

    public var summary: String {
        String(format: "exact captions %d/%d = %.1f%%  attention pointing %d/%d = %.1f%% (chance %.1f%%)",
               exactCaptions, scenes, 100 * exactRate, pointingHits, pointedWords, 100 * pointingRate, 100 * chanceRate)
    }
}

/// Attention pointing on synthetic scenes: for each colour or shape word that names the right object, whether the
/// argmax cell of its attention map overlaps that object's box; and the rate a uniformly random cell would.
public struct AttentionPointing: Sendable {
    public private(set) var pointedWords = 0
    public private(set) var hits = 0
    private var chanceSum = 0.0

    public init() {}

    public var rate: Double { Double(hits) / Double(max(pointedWords, 1)) }
    public var chanceRate: Double { chanceSum / Double(max(pointedWords, 1)) }

    static let colours: Set = ["red", "green", "blue", "yellow", "white", "purple"]
    static let shapes: Set = ["circle", "square", "triangle", "diamond"]

    /// Scores one caption of a square scene of `side` pixels whose `objects` are in the order its caption names them.
    public mutating func add(caption: Caption, objects: [SceneObject], gridSize G: Int, side: Int) {
        let cell = Double(side) / Double(G)
        // The k-th colour word and k-th shape word name the k-th object of the caption.
        var colourCount = 0, shapeCount = 0
        for token in caption.tokens {
            let isColour = Self.colours.contains(token.word), isShape = Self.shapes.contains(token.word)
            guard isColour || isShape else { continue }
            let k = isColour ? colourCount : shapeCount
            if isColour { colourCount += 1 } else { shapeCount += 1 }
            guard k < objects.count else { continue }
            let object = objects[k]
            guard token.word == (isColour ? object.colour : object.shape) else { continue }
            func overlaps(_ l: Int) -> Bool {
                let (gy, gx) = (Double(l / G), Double(l % G))
                return gx * cell < Double(object.box[2]) && (gx + 1) * cell > Double(object.box[0])
                    && gy * cell < Double(object.box[3]) && (gy + 1) * cell > Double(object.box[1])
            }
            let peak = token.attention.indices.max { token.attention[$0] < token.attention[$1] }!
            pointedWords += 1
            if overlaps(peak) { hits += 1 }
            chanceSum += Double((0..<(G * G)).filter(overlaps).count) / Double(G * G)
        }
    }
}

/// Greedy-decodes every scene and scores captions and attention.
public func scoreSynthetic(model: Model, dataset: CaptionDataset, objects: [[SceneObject]]) -> SyntheticScore {
    let captioner = Captioner(model: model)
    let G = model.config.gridSize
    var score = SyntheticScore(scenes: dataset.count, exactCaptions: 0, pointedWords: 0, pointingHits: 0, chanceRate: 0)
    var pointing = AttentionPointing()
    let chunk = 50
    var first = 0
    while first < dataset.count {
        let indices = Array(first..<min(first + chunk, dataset.count))
        let images = dataset.pictures(indices).values
        let captions = captioner.caption(images: images, count: indices.count,
                                         options: CaptionOptions(beamSize: 1, maxWords: 20))
        for (caption, index) in zip(captions, indices) {
            let expected = Vocabulary.tokenize(dataset.references[index][0])
            if caption.words == expected {
                score.exactCaptions += 1
            } else if score.mistakes.count < 8 {
                score.mistakes.append(caption.text + " | " + expected.joined(separator: " "))
            }
            pointing.add(caption: caption, objects: objects[index], gridSize: G, side: dataset.side)
        }
        first += chunk
    }
    score.pointedWords = pointing.pointedWords
    score.pointingHits = pointing.hits
    score.chanceRate = pointing.chanceRate
    return score
}

// MARK: - The shapes recipe

/// How models/shapes.attend is trained: `make shapes-model` passes the same values as flags to `attend train`,
/// and SyntheticTrainingTests runs this recipe. Keep the three in step.
public func shapesTrainingSettings() -> TrainingSettings {
    var settings = TrainingSettings()
    settings.epochs = 20
    settings.imagesPerBatch = 32
    settings.captionsPerImage = 1
    settings.learningRate = 2e-3
    settings.warmupSteps = 50
    settings.seed = 1
    // The penalty asks every cell to be looked at about once per caption; with 64 cells and ~8 words that
    // spreads attention thin, the opposite of pointing at one object. Dropout is light: the scenes are clean.
    settings.loss = LossOptions(attentionPenalty: 0, dropout: 0.3)
    settings.budgetMinutes = 4.5
    settings.patience = 0
    return settings
}
