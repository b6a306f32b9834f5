import Foundation

// CIDEr-D as pycocoevalcap's cider_scorer: tf-idf vectors of 1- to 4-grams, document frequencies from
// the references of the scored set, the candidate's weights clipped to the reference's, a Gaussian
// length penalty (sigma = 6), mean over n and over references, times 10.

// MARK: - Tf-idf vectors

/// One sentence as tf-idf vectors, one per n-gram order, with their norms.
private struct TfIdfVector: Sendable {
    var weights: [[String: Double]]  // (order) n-gram -> term frequency * idf
    var norms: [Double]              // (order)
    /// The toolkit's "length": it counts the 2-grams, i.e. max(0, words - 1). Kept as it is, because
    /// it decides the length penalty of empty and one-word captions.
    var length: Int

    init(_ grams: NGramCounts, logImageCount: Double, documentFrequency: [String: Int]) {
        weights = Array(repeating: [:], count: grams.counts.count)
        norms = Array(repeating: 0, count: grams.counts.count)
        length = 0
        for (k, counts) in grams.counts.enumerated() {
            var squares = 0.0
            for (gram, termFrequency) in counts {
                let df = log(max(1.0, Double(documentFrequency[gram] ?? 0)))
                let w = Double(termFrequency) * (logImageCount - df)
                weights[k][gram] = w
                squares += w * w
                if k == 1 { length += termFrequency }
            }
            norms[k] = squares.squareRoot()
        }
    }
}

/// Similarity of candidate and reference for each order, with clipping and length penalty.
private func similarity(_ candidate: TfIdfVector, _ reference: TfIdfVector, sigma: Double) -> [Double] {
    let delta = Double(candidate.length - reference.length)
    let penalty = exp(-(delta * delta) / (2 * sigma * sigma))
    return (0..<candidate.weights.count).map { k in
        var value = 0.0
        for (gram, w) in candidate.weights[k] {
            let r = reference.weights[k][gram] ?? 0
            value += min(w, r) * r
        }
        if candidate.norms[k] != 0 && reference.norms[k] != 0 {
            value /= candidate.norms[k] * reference.norms[k]
        }
        return value * penalty
    }
}

// MARK: - Corpus score

/// CIDEr-D against a fixed set of images' references: the document frequencies are theirs, and each reference's
/// tf-idf vectors are made once. Scores a candidate for one of those images; `ciderD` scores a corpus with it, and
/// self-critical training scores sampled captions of training images with one made from the training split.
public struct CIDErDScorer: Sendable {
    private let referenceVectors: [[TfIdfVector]]   // (image) (reference)
    private let documentFrequency: [String: Int]
    private let logImageCount: Double
    private let sigma: Double

    /// references[i]: image i's tokenised references (at least one each).
    public init(references: [[[String]]], sigma: Double = 6) {
        let referenceGrams = references.map { $0.map { NGramCounts($0) } }
        // Document frequency: in how many images' reference sets an n-gram appears.
        var documentFrequency: [String: Int] = [:]
        for refs in referenceGrams {
            var seen = Set<String>()
            for grams in refs { for counts in grams.counts { seen.formUnion(counts.keys) } }
            for gram in seen { documentFrequency[gram, default: 0] += 1 }
        }
        let logImageCount = log(Double(references.count))
        referenceVectors = referenceGrams.map { refs in
            precondition(!refs.isEmpty, "CIDEr-D needs at least one reference")
            return refs.map { TfIdfVector($0, logImageCount: logImageCount, documentFrequency: documentFrequency) }
        }
        self.documentFrequency = documentFrequency
        self.logImageCount = logImageCount
        self.sigma = sigma
    }

    /// CIDEr-D of a tokenised candidate for image `image`, on the toolkit's scale (0-10).
    public func score(_ candidate: [String], image: Int) -> Double {
        let c = TfIdfVector(NGramCounts(candidate), logImageCount: logImageCount, documentFrequency: documentFrequency)
        let refs = referenceVectors[image]
        var sums = [Double](repeating: 0, count: 4)
        for r in refs {
            for (k, v) in similarity(c, r, sigma: sigma).enumerated() { sums[k] += v }
        }
        return sums.reduce(0, +) / Double(sums.count) / Double(refs.count) * 10
    }
}

/// CIDEr-D of each image on the toolkit's scale (0-10), in the order of `candidates`.
func ciderD(candidates: [[String]], references: [[[String]]], sigma: Double = 6) -> [Double] {
    precondition(candidates.count == references.count, "one reference list per candidate")
    let scorer = CIDErDScorer(references: references, sigma: sigma)
    return candidates.enumerated().map { scorer.score($0.element, image: $0.offset) }
}
