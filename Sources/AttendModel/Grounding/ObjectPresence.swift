import AttendMath
import Foundation

// MARK: - Object presence: is a person, a dog, a bicycle in the photo?
//
// ImageNet has no "person" class, and its classes say little about whether a couch or a car is in a photo, yet those
// are the objects a Flickr8k-trained decoder invents most. Object presence is one logistic head per object, on the
// same pooled head grid as the ImageNet classifier, trained on the paired photos with the objects their reference
// captions name as the labels (the visual-concept detectors of Fang et al. 2015, "From Captions to Visual Concepts
// and Back", as one linear layer). A head says how likely any reference caption of the photo would be to name the
// object; grounded decoding bans an object's words when that is low (Grounding.swift).

/// One object the heads judge, and the caption words that name it.
public struct PresenceObject: Codable, Equatable, Sendable {
    /// The object's name (a COCO category: "person", "dining table").
    public var name: String
    /// Single caption words that name it, singular and plural ("man", "men", "people"), banned together.
    public var words: [String]
    /// The share of the training photos whose references name it: the prior the head was fitted under. A head
    /// that gives a photo less than this finds the photo less likely to show the object than the average training
    /// photo (its likelihood ratio is below 1). Nil in files whose heads were fitted without recording it.
    public var share: Float?

    public init(name: String, words: [String], share: Float? = nil) {
        self.name = name
        self.words = words
        self.share = share
    }

    /// Why this entry cannot be used, or nil.
    func problem() -> String? {
        if name.isEmpty { return "empty object name" }
        if let share, !(share > 0 && share < 1) { return "share \(share) of object \"\(name)\" is not in (0, 1)" }
        for word in words where word.isEmpty || Vocabulary.tokenize(word) != [word] {
            return "word \"\(word)\" is not one lowercase caption token"
        }
        return nil
    }
}

public struct ObjectPresence: Equatable, Sendable {
    /// The objects in output order.
    public let objects: [PresenceObject]
    /// (J, C) J objects over C head channels.
    public let weight: [Float]
    /// (J)
    public let bias: [Float]

    public init(objects: [PresenceObject], weight: [Float], bias: [Float]) {
        precondition(!objects.isEmpty && bias.count == objects.count && weight.count % objects.count == 0,
                     "presence weight must be (J, C) and bias (J)")
        self.objects = objects
        self.weight = weight
        self.bias = bias
    }

    /// J
    public var objectCount: Int { objects.count }
    /// C
    public var channels: Int { weight.count / objects.count }

    /// grid (N, L, C) → each object's probability of being named (N, J).
    public func probabilities(grid: [Float], images N: Int) -> [Float] {
        probabilities(pooled: meanPooled(grid: grid, images: N, channels: channels), images: N)
    }

    /// pooled (N, C) → (N, J) σ(pooled · Wᵀ + b).
    public func probabilities(pooled: [Float], images N: Int) -> [Float] {
        let (J, C) = (objectCount, channels)
        precondition(pooled.count == N * C, "pooled must be (N, C)")
        var logits = [Float](repeating: 0, count: N * J)         // (N, J)
        linearForward(output: &logits, input: pooled, weight: weight, bias: bias, rows: N, inFeatures: C,
                      outFeatures: J)
        return logits.map(sigmoid)
    }

    /// The objects of one image's probabilities (J) at least `threshold` probable, most probable first (ties by name).
    public func scores(_ probabilities: ArraySlice<Float>, threshold: Float) -> [ObjectScore] {
        precondition(probabilities.count == objectCount, "one probability per object")
        return zip(objects, probabilities).filter { $0.1 >= threshold }
            .map { ObjectScore(name: $0.0.name, probability: $0.1, share: $0.0.share) }
            .sorted { $0.probability != $1.probability ? $0.probability > $1.probability : $0.name < $1.name }
    }

    /// The mean binary cross-entropy over `pooled` (N, C) against `labels` (N, J) of 0 and 1, and its gradient
    /// with respect to the weight (J, C) and bias (J).
    public func lossAndGradient(pooled: [Float], labels: [Float], images N: Int)
        -> (loss: Float, weight: [Float], bias: [Float]) {
        let (J, C) = (objectCount, channels)
        precondition(labels.count == N * J, "labels must be (N, J)")
        let probabilities = self.probabilities(pooled: pooled, images: N)   // (N, J)
        let scale = 1 / Float(N * J)
        var loss: Double = 0
        var logitGradient = [Float](repeating: 0, count: N * J)    // (N, J) ∂loss/∂logit = (p − y) / (N J)
        for i in 0..<(N * J) {
            let (p, y) = (min(max(probabilities[i], 1e-7), 1 - 1e-7), labels[i])
            loss -= Double(y * log(p) + (1 - y) * log(1 - p))
            logitGradient[i] = (probabilities[i] - y) * scale
        }
        var weightGradient = [Float](repeating: 0, count: J * C)   // (J, C)
        var biasGradient = [Float](repeating: 0, count: J)         // (J)
        linearBackward(inputGradient: nil, weightGradient: &weightGradient, biasGradient: &biasGradient,
                       outputGradient: logitGradient, input: pooled, weight: weight, rows: N, inFeatures: C,
                       outFeatures: J)
        return (Float(loss) * scale, weightGradient, biasGradient)
    }
}

/// grid (N, L, C) → its mean over the L cells (N, C): what EfficientNet's classifier reads.
public func meanPooled(grid: [Float], images N: Int, channels C: Int) -> [Float] {
    precondition(N > 0 && grid.count % (N * C) == 0, "grid must be (N, L, C)")
    let L = grid.count / (N * C)
    var pooled = [Float](repeating: 0, count: N * C)       // (N, C)
    for n in 0..<N {
        for l in 0..<L {
            for c in 0..<C { pooled[n * C + c] += grid[(n * L + l) * C + c] }
        }
    }
    let scale = 1 / Float(L)
    for i in pooled.indices { pooled[i] *= scale }
    return pooled
}
