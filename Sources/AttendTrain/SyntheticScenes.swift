import AttendImage

// Synthetic scenes: one to three flat-coloured shapes on a dull background, with a caption that names
// them in a fixed grammar (see SceneCaptions.swift). A model that learns to caption these has to find
// each object, so the scenes make a small, fully known test of attention.

// MARK: - Public types

/// One drawn object: its shape and colour names as the caption uses them, and the tight box of the
/// pixels it touches, [x0, y0, x1, y1] in pixels of the image with x1 and y1 exclusive.
public struct SceneObject: Codable, Equatable {
    public var shape: String
    public var colour: String
    public var box: [Int]

    public init(shape: String, colour: String, box: [Int]) {
        self.shape = shape
        self.colour = colour
        self.box = box
    }
}

/// A rendered scene and its description.
public struct Scene {
    /// (size, size, 3)
    public var image: RGBImage
    /// The objects in the order the canonical caption names them.
    public var objects: [SceneObject]
    /// The canonical caption (#0).
    public var caption: String
    /// Further wordings of the same description: #1 with size words, #2 a paraphrase (see SceneCaptions.swift).
    public var alternativeCaptions: [String]
}

// MARK: - Generator

/// An endless, seeded stream of scenes. The same seed and size give the same scenes, byte for byte,
/// on every machine.
public struct SceneGenerator {
    /// The image side in pixels.
    public let size: Int
    private var random: SceneRandom

    public init(seed: UInt64, size: Int = 64) {
        precondition(size >= 32, "synthetic scenes need at least 32×32 pixels to keep three objects apart")
        self.size = size
        self.random = SceneRandom(seed: seed)
    }

    public mutating func next() -> Scene {
        var image = renderBackground(side: size, random: &random)
        var objectCount = random.int(in: 1...3)
        // Rejection sampling: draw whole layouts until one is unambiguous. Three large objects can
        // fail for a long time, so after a while settle for one object fewer.
        var attempts = 0
        while true {
            if let (placed, arrangement) = drawLayout(objectCount: objectCount) {
                for object in placed {
                    object.coverage.composite(colour: object.colour.rgb, into: &image)
                }
                let named = placed.map {
                    NamedObject(shape: $0.shape.rawValue, colour: $0.colour.rawValue, size: $0.size.rawValue)
                }
                let captions = sceneCaptions(named, arrangement: arrangement)
                return Scene(
                    image: image,
                    objects: placed.map {
                        SceneObject(shape: $0.shape.rawValue, colour: $0.colour.rawValue, box: $0.coverage.box)
                    },
                    caption: captions[0],
                    alternativeCaptions: Array(captions.dropFirst()))
            }
            attempts += 1
            if attempts % 500 == 0 && objectCount > 1 { objectCount -= 1 }
        }
    }

    // MARK: - Layout

    private struct PlacedObject {
        var shape: SceneShape
        var colour: SceneColour
        var size: SceneSize
        var coverage: ShapeCoverage
    }

    /// One random layout of `objectCount` objects with distinct (shape, colour) pairs, in caption
    /// order, or nil if it is not one the caption grammar accepts.
    private mutating func drawLayout(objectCount: Int) -> ([PlacedObject], SceneArrangement)? {
        var drawn: [(shape: SceneShape, colour: SceneColour, size: SceneSize, x: Double, y: Double, radius: Double)] = []
        let margin = 0.03 * Double(size)
        while drawn.count < objectCount {
            let shape = SceneShape.allCases[random.int(below: SceneShape.allCases.count)]
            let colour = SceneColour.allCases[random.int(below: SceneColour.allCases.count)]
            let objectSize = SceneSize.allCases[random.int(below: SceneSize.allCases.count)]
            if drawn.contains(where: { $0.shape == shape && $0.colour == colour }) { continue }
            let radius = objectSize.diameterFraction * Double(size) / 2
            let centreX = random.double(in: margin + radius, Double(size) - margin - radius)
            let centreY = random.double(in: margin + radius, Double(size) - margin - radius)
            drawn.append((shape, colour, objectSize, centreX, centreY, radius))
        }
        // Most layouts of three objects are rejected; judging them first by their outer boxes (no
        // rasterizing) makes that cheap. The caption is decided only by the raster boxes below.
        let outerBoxes = drawn.map { $0.shape.outerBox(centreX: $0.x, centreY: $0.y, radius: $0.radius) }
        guard arrangement(of: outerBoxes, side: size) != nil else { return nil }
        var placed: [PlacedObject] = []
        for object in drawn {
            guard let coverage = ShapeCoverage(
                shape: object.shape, centreX: object.x, centreY: object.y, radius: object.radius, side: size)
            else { return nil }
            placed.append(PlacedObject(shape: object.shape, colour: object.colour, size: object.size, coverage: coverage))
        }
        guard let (form, order) = arrangement(of: placed.map { $0.coverage.box }, side: size) else { return nil }
        return (order.map { placed[$0] }, form)
    }
}
