import Foundation

// Corpus-level BLEU-1..4 as pycocoevalcap's bleu_scorer computes it with option "closest": clipped
// n-gram matches and candidate lengths are summed over the corpus first, the brevity penalty compares
// the summed candidate length with the summed "closest" reference lengths.

// MARK: - Statistics of one candidate

/// What BLEU needs from one candidate against its references.
struct BLEUStatistics {
    var candidateLength = 0
    /// The reference length closest to the candidate's; the shorter one on a tie.
    var referenceLength = 0
    /// guesses[k]: number of (k+1)-grams in the candidate.
    var guesses = [Int](repeating: 0, count: 4)
    /// matches[k]: (k+1)-grams of the candidate, each clipped to its largest count in one reference.
    var matches = [Int](repeating: 0, count: 4)

    init() {}

    init(candidate: [String], references: [[String]]) {
        precondition(!references.isEmpty, "BLEU needs at least one reference")
        candidateLength = candidate.count
        referenceLength = references.map(\.count).min {
            (abs($0 - candidate.count), $0) < (abs($1 - candidate.count), $1)
        }!
        var maxReferenceCounts = [[String: Int]](repeating: [:], count: 4)
        for reference in references {
            for (k, grams) in NGramCounts(reference).counts.enumerated() {
                for (gram, count) in grams { maxReferenceCounts[k][gram] = max(maxReferenceCounts[k][gram] ?? 0, count) }
            }
        }
        for (k, grams) in NGramCounts(candidate).counts.enumerated() {
            guesses[k] = max(0, candidate.count - k)
            for (gram, count) in grams { matches[k] += min(count, maxReferenceCounts[k][gram] ?? 0) }
        }
    }

    static func += (total: inout BLEUStatistics, one: BLEUStatistics) {
        total.candidateLength += one.candidateLength
        total.referenceLength += one.referenceLength
        for k in 0..<4 {
            total.guesses[k] += one.guesses[k]
            total.matches[k] += one.matches[k]
        }
    }
}

// MARK: - Corpus score

/// BLEU-1...4 on the 0-1 scale from corpus totals. The toolkit's smoothing: 1e-15 added to matches
/// (so no match gives a score of ~0, not a log of zero) and 1e-9 to guesses (no division by zero).
func corpusBLEU(_ total: BLEUStatistics) -> [Double] {
    let tiny = 1e-15
    let small = 1e-9
    var product = 1.0
    var scores: [Double] = []
    for k in 0..<4 {
        product *= (Double(total.matches[k]) + tiny) / (Double(total.guesses[k]) + small)
        scores.append(pow(product, 1.0 / Double(k + 1)))
    }
    let ratio = (Double(total.candidateLength) + tiny) / (Double(total.referenceLength) + small)
    if ratio < 1 {
        let brevityPenalty = exp(1 - 1 / ratio)
        scores = scores.map { $0 * brevityPenalty }
    }
    return scores
}
