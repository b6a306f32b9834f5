// MARK: - Labels: what the classifier sees, in caption words
//
// A label is a caption word and the probability mass of every class it names (the 118 dog breeds' mass is
// "dog"'s). Labels drive grounded decoding (Grounding.swift) and are reported beside the caption.

/// One ImageNet class's share of a label.
public struct ClassScore: Codable, Equatable, Sendable {
    public var name: String
    public var probability: Float
}

/// A caption word and how sure the classifier is that the photo shows it.
public struct ImageLabel: Codable, Equatable, Sendable {
    public var word: String
    /// Σ probability of the classes the word names.
    public var probability: Float
    /// The most probable of those classes (at most three), most probable first.
    public var classes: [ClassScore]
}

/// An object and its presence head's probability that a caption of the photo names it.
public struct ObjectScore: Codable, Equatable, Sendable {
    public var name: String
    public var probability: Float
    /// The object's share of the head's training photos: a probability below it is evidence against the object.
    public var share: Float?

    public init(name: String, probability: Float, share: Float? = nil) {
        self.name = name
        self.probability = probability
        self.share = share
    }
}

/// What a model's heads see in one photo: the classifier's labels and the presence heads' objects, each at least as
/// probable as asked, most probable first; empty for a model without the head.
public struct ImageSight: Equatable, Sendable {
    public var labels: [ImageLabel] = []
    public var objects: [ObjectScore] = []
}

extension ImageNetClassifier {
    /// Every word's probability mass for one image's class probabilities (K).
    public func wordMass(_ probabilities: ArraySlice<Float>) -> [String: Float] {
        precondition(probabilities.count == classCount, "one probability per class")
        var mass: [String: Float] = [:]
        for (k, p) in zip(classes.indices, probabilities) {
            if let word = classes[k].word { mass[word, default: 0] += p }
        }
        return mass
    }

    /// The words whose classes together hold at least `threshold` of one image's probabilities (K), most
    /// probable first (ties by word).
    public func labels(_ probabilities: ArraySlice<Float>, threshold: Float) -> [ImageLabel] {
        let mass = wordMass(probabilities)
        let base = probabilities.startIndex
        return mass.filter { $0.value >= threshold }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { word, probability in
                let members = classes.indices.filter { classes[$0].word == word }
                    .sorted { probabilities[base + $0] > probabilities[base + $1] }
                    .prefix(3)
                    .map { ClassScore(name: classes[$0].name, probability: probabilities[base + $0]) }
                return ImageLabel(word: word, probability: probability, classes: Array(members))
            }
    }
}
