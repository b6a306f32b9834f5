// ROUGE-L as pycocoevalcap's rouge.py: longest common subsequence against each reference, the best
// precision and the best recall (taken independently), combined as an F-measure with beta = 1.2.

/// Length of the longest common subsequence of two token lists.
func longestCommonSubsequence(_ a: [String], _ b: [String]) -> Int {
    guard !a.isEmpty && !b.isEmpty else { return 0 }
    var previous = [Int](repeating: 0, count: b.count + 1)  // (|b| + 1)
    var current = previous
    for i in 1...a.count {
        for j in 1...b.count {
            current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : max(previous[j], current[j - 1])
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// ROUGE-L of one candidate on the 0-1 scale.
func rougeL(candidate: [String], references: [[String]], beta: Double = 1.2) -> Double {
    precondition(!references.isEmpty, "ROUGE-L needs at least one reference")
    // The toolkit splits the tokenised text on " ", so an empty caption is one empty token.
    func words(_ tokens: [String]) -> [String] { tokens.isEmpty ? [""] : tokens }
    let c = words(candidate)
    var bestPrecision = 0.0
    var bestRecall = 0.0
    for reference in references {
        let r = words(reference)
        let lcs = Double(longestCommonSubsequence(r, c))
        bestPrecision = max(bestPrecision, lcs / Double(c.count))
        bestRecall = max(bestRecall, lcs / Double(r.count))
    }
    guard bestPrecision != 0 && bestRecall != 0 else { return 0 }
    return (1 + beta * beta) * bestPrecision * bestRecall / (bestRecall + beta * beta * bestPrecision)
}
