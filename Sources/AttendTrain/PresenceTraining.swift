import AttendEval
import AttendMath
import AttendModel
import Foundation

// MARK: - Fitting the object-presence heads from the paired captions
//
// A photo's label for an object is 1 when any of its reference captions names it (COCO's categories and their words,
// COCOObjectWords.swift): the truth CHAIR judges captions by. Only objects that enough training photos name get a
// head; a head fitted on a handful of photos would ban words on a whim. The heads are J independent logistic
// regressions on the pooled grid, fitted together by full-batch Adam with weight decay: the fit is convex, so the
// result does not depend on a seed.

public struct PresenceTrainingSettings: Sendable {
    /// An object gets a head when at least this many training photos name it. 30 scored best on the two dev sets
    /// with the default model (26 heads; 50 gave 17, 20 gave 33: docs/TRAINING.md).
    public var minimumPhotos = 30
    /// Full-batch Adam steps.
    public var steps = 300
    public var learningRate: Float = 0.01
    /// L2 weight decay on the weights (not the biases), added to the gradient.
    public var weightDecay: Float = 1e-3

    public init() {}
}

/// For each photo's references, 1 for each of `objects` that any of them names: (N, J).
public func presenceLabels(references: [[String]], objects: [String], words: ObjectWords) -> [Float] {
    let column = Dictionary(uniqueKeysWithValues: objects.enumerated().map { ($1, $0) })
    var labels = [Float](repeating: 0, count: references.count * objects.count)   // (N, J)
    for (n, captions) in references.enumerated() {
        for caption in captions {
            for object in words.objects(in: caption) {
                if let j = column[object] { labels[n * objects.count + j] = 1 }
            }
        }
    }
    return labels
}

/// The categories of `words` that at least `minimumPhotos` of the photos' references name, in table order.
public func presenceObjects(references: [[String]], words: ObjectWords, minimumPhotos: Int) -> [String] {
    let all = words.categories
    let labels = presenceLabels(references: references, objects: all, words: words)
    let counts = presenceCounts(labels: labels, images: references.count)
    return all.indices.filter { counts[$0] >= minimumPhotos }.map { all[$0] }
}

/// How many of the N photos whose labels are (N, J) show each object: (J).
func presenceCounts(labels: [Float], images N: Int) -> [Int] {
    let J = labels.count / N
    return (0..<J).map { j in (0..<N).reduce(0) { $0 + Int(labels[$1 * J + j]) } }
}

/// Heads for `objects` fitted to pooled (N, C) features and their labels (N, J).
public func fitObjectPresence(objects: [PresenceObject], pooled: [Float], labels: [Float], images N: Int,
                              settings: PresenceTrainingSettings = PresenceTrainingSettings()) -> ObjectPresence {
    let J = objects.count, C = pooled.count / N
    precondition(J > 0 && labels.count == N * J && pooled.count == N * C, "pooled must be (N, C), labels (N, J)")
    // Start from each object's base rate, so the first steps learn the photos, not the prior.
    var bias = presenceRates(labels: labels, images: N).map(logit)
    var weight = [Float](repeating: 0, count: J * C)                 // (J, C)
    var moments = (first: [Float](repeating: 0, count: J * C + J), second: [Float](repeating: 0, count: J * C + J))
    let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
    for step in 1...settings.steps {
        let heads = ObjectPresence(objects: objects, weight: weight, bias: bias)
        let gradient = heads.lossAndGradient(pooled: pooled, labels: labels, images: N)
        let correction1 = 1 - pow(beta1, Float(step)), correction2 = 1 - pow(beta2, Float(step))
        for i in 0..<(J * C + J) {
            let g = i < J * C ? gradient.weight[i] + settings.weightDecay * weight[i] : gradient.bias[i - J * C]
            moments.first[i] = beta1 * moments.first[i] + (1 - beta1) * g
            moments.second[i] = beta2 * moments.second[i] + (1 - beta2) * g * g
            let delta = settings.learningRate * (moments.first[i] / correction1)
                / ((moments.second[i] / correction2).squareRoot() + epsilon)
            if i < J * C { weight[i] -= delta } else { bias[i - J * C] -= delta }
        }
    }
    return ObjectPresence(objects: objects, weight: weight, bias: bias)
}

/// Each object's share of the N photos whose labels are (N, J), kept inside [0.001, 0.999]: (J).
public func presenceRates(labels: [Float], images N: Int) -> [Float] {
    presenceCounts(labels: labels, images: N).map { min(max(Float($0) / Float(N), 1e-3), 1 - 1e-3) }
}

/// The area under the ROC curve of `scores` for binary `labels`: the chance that a random positive outscores a
/// random negative (ties count half). Nil without both kinds.
public func areaUnderROC(scores: [Float], labels: [Bool]) -> Double? {
    let positives = labels.filter { $0 }.count, negatives = labels.count - positives
    guard positives > 0, negatives > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var rankSum = 0.0, i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
        let meanRank = Double(i + j) / 2 + 1
        for k in i...j where labels[order[k]] { rankSum += meanRank }
        i = j + 1
    }
    return (rankSum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
}
