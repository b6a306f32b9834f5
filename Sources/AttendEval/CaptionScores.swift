// The public scoring entry point: raw captions in, COCO-toolkit scores out (0-100 scale).

// MARK: - Scores

/// Caption metrics on the 0-100 scale, as the COCO caption toolkit (pycocoevalcap) reports them ×100.
public struct CaptionScores: Codable, Equatable {
    /// BLEU-1, BLEU-2, BLEU-3, BLEU-4 (corpus level, "closest" brevity penalty).
    public var bleu: [Double]
    public var rougeL: Double
    /// pycocoevalcap's "CIDEr", which is CIDEr-D (clipping and length penalty).
    public var ciderD: Double

    public init(bleu: [Double], rougeL: Double, ciderD: Double) {
        self.bleu = bleu
        self.rougeL = rougeL
        self.ciderD = ciderD
    }
}

/// Scores `predictions` (image id -> caption) against `references` (image id -> captions), both raw
/// text; tokenisation happens inside. The scored set is the images of `predictions`; each must have at
/// least one reference. CIDEr-D's document frequencies come from the references of that set only.
public func scoreCaptions(predictions: [String: String], references: [String: [String]]) -> CaptionScores {
    let ids = predictions.keys.sorted()
    let candidates = ids.map { ptbTokenize(predictions[$0]!) }
    let referenceTokens = ids.map { id -> [[String]] in
        guard let refs = references[id], !refs.isEmpty else {
            preconditionFailure("image \(id) has a prediction but no reference")
        }
        return refs.map(ptbTokenize)
    }
    return scoreTokenized(candidates: candidates, references: referenceTokens)
}

/// Scores already tokenised captions; candidates[i] is scored against references[i].
func scoreTokenized(candidates: [[String]], references: [[[String]]]) -> CaptionScores {
    precondition(candidates.count == references.count, "one reference list per candidate")
    guard !candidates.isEmpty else { return CaptionScores(bleu: [0, 0, 0, 0], rougeL: 0, ciderD: 0) }
    var bleuTotals = BLEUStatistics()
    var rougeSum = 0.0
    for (candidate, refs) in zip(candidates, references) {
        bleuTotals += BLEUStatistics(candidate: candidate, references: refs)
        rougeSum += rougeL(candidate: candidate, references: refs)
    }
    let cider = ciderD(candidates: candidates, references: references)
    let n = Double(candidates.count)
    return CaptionScores(
        bleu: corpusBLEU(bleuTotals).map { $0 * 100 },
        rougeL: rougeSum / n * 100,
        ciderD: cider.reduce(0, +) / n * 100)
}
