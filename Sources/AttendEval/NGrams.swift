// N-gram counting shared by BLEU and CIDEr-D.

/// Counts of every n-gram of 1...maxOrder words in `words`, keyed by the words joined with a space
/// (tokens never contain a space). `order` of a key is its word count.
struct NGramCounts {
    /// One dictionary per order: counts[n - 1] holds the n-grams.
    var counts: [[String: Int]]

    init(_ words: [String], maxOrder: Int = 4) {
        counts = Array(repeating: [:], count: maxOrder)
        for n in 1...maxOrder where words.count >= n {
            for start in 0...(words.count - n) {
                counts[n - 1][words[start..<(start + n)].joined(separator: " "), default: 0] += 1
            }
        }
    }
}
