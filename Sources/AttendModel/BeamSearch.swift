import AttendMath
import Foundation

// MARK: - Beam search over many images at once
//
// Each image keeps up to K live hypotheses; every step gathers the live rows of all images into one batch
// for the decoder, so the matrix products see many rows. Scores are sums of log-probabilities; the winner
// is chosen by score / length^α (tokens including <end>; α = `lengthExponent`). α only ranks the hypotheses
// the search kept, it does not change which are kept. When no hypothesis of an image ends before the word
// limit, the best unfinished one is returned rather than nothing.

public struct CaptionOptions: Sendable, Equatable {
    /// K: live hypotheses per image; 1 is greedy decoding.
    public var beamSize = 3
    /// Decoding steps at most: a caption that has not ended after this many words is returned unfinished.
    public var maxWords = 20
    /// When > 0, a word that would repeat an n-gram of this length already in the hypothesis is not allowed.
    /// Off by default: 2 scored +1.1 CIDEr-D on Flickr8k's dev split with the default model, but it also forbids
    /// the captions that repeat a pair rightly ("a red circle and a red square"; docs/TRAINING.md).
    public var noRepeatNgram = 0
    /// α of the length normalisation score / length^α: 0 ranks by total log-probability (short captions win),
    /// 1 by the mean per word. 1 scored best on Flickr8k's dev split with the default model (docs/TRAINING.md).
    public var lengthExponent: Float = 1
    /// Whether `<unk>` may be written. Off: a caption names no word as "<unk>" (the next best word stands there
    /// instead), which only a model's vocabulary test wants otherwise.
    public var allowUnknown = false

    public init(beamSize: Int = 3, maxWords: Int = 20, noRepeatNgram: Int = 0, lengthExponent: Float = 1,
                allowUnknown: Bool = false) {
        self.beamSize = beamSize
        self.maxWords = maxWords
        self.noRepeatNgram = noRepeatNgram
        self.lengthExponent = lengthExponent
        self.allowUnknown = allowUnknown
    }
}

/// One emitted token with what the model did to produce it.
public struct CaptionToken: Sendable, Equatable {
    public var id: Int
    public var word: String
    /// log p(word | image, previous words)
    public var logProbability: Float
    /// α_t: L weights over the grid (row-major G×G), summing to 1.
    public var attention: [Float]
    /// β_t: how much the step looked at the image at all.
    public var beta: Float
}

public struct Caption: Sendable, Equatable {
    /// The words, without <end>.
    public var tokens: [CaptionToken]
    /// The <end> step, when the hypothesis finished.
    public var end: CaptionToken?
    /// Σ log p over all tokens including <end>.
    public var logProbability: Float
    /// logProbability / (tokens including <end>)^α: what the winner was chosen by.
    public var normalizedScore: Float

    public var finished: Bool { end != nil }
    public var words: [String] { tokens.map(\.word) }
    public var text: String { words.joined(separator: " ") }
}

private struct Hypothesis {
    var ids: [Int32] = []
    var logProbabilities: [Float] = []
    var attention: [[Float]] = []
    var betas: [Float] = []
    var score: Float = 0
    var row = 0          // row of this hypothesis's state in the current step's batch

    func normalized(_ exponent: Float) -> Float { score / pow(Float(max(ids.count, 1)), exponent) }

    func caption(vocabulary: Vocabulary, lengthExponent: Float) -> Caption {
        var tokens: [CaptionToken] = []
        for i in ids.indices {
            tokens.append(CaptionToken(id: Int(ids[i]), word: vocabulary.word(Int(ids[i])),
                                       logProbability: logProbabilities[i], attention: attention[i], beta: betas[i]))
        }
        var end: CaptionToken? = nil
        if let last = ids.last, last == Int32(Vocabulary.end) {
            end = tokens.removeLast()
        }
        return Caption(tokens: tokens, end: end, logProbability: score, normalizedScore: normalized(lengthExponent))
    }

    /// True when appending `word` would repeat an n-gram of length n already present.
    func repeatsNgram(_ word: Int32, n: Int) -> Bool {
        guard n > 0, ids.count >= n - 1 else { return false }
        let tail = Array(ids.suffix(n - 1)) + [word]
        if ids.count < n { return false }
        for start in 0...(ids.count - n) where Array(ids[start..<(start + n)]) == tail { return true }
        return false
    }
}

// Longer than 80 lines: one step of every image's beams a loop pass, read as one piece.
/// Captions every image of `prepared` (N images).
public func beamSearch(decoder: InferenceDecoder, prepared: InferenceDecoder.Prepared, images: Int,
                       vocabulary: Vocabulary, options: CaptionOptions) -> [Caption] {
    precondition(options.beamSize >= 1, "beam size must be at least 1")
    let config = decoder.config
    let (L, H, V) = (config.locations, config.hiddenSize, config.vocabularySize)
    let K = options.beamSize
    var live: [[Hypothesis]] = (0..<images).map { [Hypothesis(row: $0)] }
    var finished: [[Hypothesis]] = Array(repeating: [], count: images)
    var hidden = prepared.hidden, cell = prepared.cell
    var previous = [Int32](repeating: Int32(Vocabulary.start), count: images)
    var sourceRow = (0..<images).map(Int32.init)

    for _ in 0..<options.maxWords {
        let rows = previous.count
        if rows == 0 { break }
        var output = decoder.makeStepOutput(rows: rows)
        decoder.step(previous: previous, hidden: hidden, cell: cell, sourceRow: sourceRow, prepared: prepared,
                     output: &output)
        logSoftmaxRows(&output.logits, rows: rows, columns: V)

        var nextPrevious: [Int32] = [], nextSource: [Int32] = []
        var nextHidden: [Float] = [], nextCell: [Float] = []
        for image in 0..<images where !live[image].isEmpty {
            // Best (score, hypothesis, word) candidates: 2K suffice to fill K live slots past any <end>s.
            var candidates: [(score: Float, hypothesis: Int, word: Int32)] = []
            output.logits.withUnsafeBufferPointer { logProbabilities in
                for (h, hypothesis) in live[image].enumerated() {
                    let row = logProbabilities.baseAddress! + hypothesis.row * V
                    for word in topIndices(row, count: V, k: 2 * K + 3) {   // + <pad>, <start>, <unk>
                        let id = Int32(word)
                        if id == Int32(Vocabulary.pad) || id == Int32(Vocabulary.start) { continue }
                        if id == Int32(Vocabulary.unknown) && !options.allowUnknown { continue }
                        if hypothesis.repeatsNgram(id, n: options.noRepeatNgram) { continue }
                        candidates.append((hypothesis.score + row[word], h, id))
                    }
                }
            }
            candidates.sort { $0.score > $1.score }
            var survivors: [Hypothesis] = []
            for candidate in candidates {
                if survivors.count == K { break }
                let parent = live[image][candidate.hypothesis]
                var child = parent
                child.ids.append(candidate.word)
                child.logProbabilities.append(candidate.score - parent.score)
                child.attention.append(Array(output.alpha[(parent.row * L)..<((parent.row + 1) * L)]))
                child.betas.append(output.beta[parent.row])
                child.score = candidate.score
                if candidate.word == Int32(Vocabulary.end) {
                    finished[image].append(child)
                } else {
                    child.row = nextPrevious.count
                    nextPrevious.append(candidate.word)
                    nextSource.append(Int32(image))
                    nextHidden.append(contentsOf: output.hidden[(parent.row * H)..<((parent.row + 1) * H)])
                    nextCell.append(contentsOf: output.cell[(parent.row * H)..<((parent.row + 1) * H)])
                    survivors.append(child)
                }
            }
            // An image is done once K hypotheses have ended: its live ones would only be ranked after them.
            if finished[image].count >= K {
                let dropped = survivors.count
                if dropped > 0 {
                    nextPrevious.removeLast(dropped)
                    nextSource.removeLast(dropped)
                    nextHidden.removeLast(dropped * H)
                    nextCell.removeLast(dropped * H)
                }
                survivors = []
            }
            live[image] = survivors
        }
        previous = nextPrevious
        sourceRow = nextSource
        hidden = nextHidden
        cell = nextCell
    }

    return (0..<images).map { image in
        let pool = finished[image].isEmpty ? live[image] : finished[image]
        let α = options.lengthExponent
        guard let best = pool.max(by: { $0.normalized(α) < $1.normalized(α) }) else {
            return Caption(tokens: [], end: nil, logProbability: 0, normalizedScore: 0)   // every word was banned
        }
        return best.caption(vocabulary: vocabulary, lengthExponent: α)
    }
}

/// Indices of the k largest entries of row (count), largest first.
private func topIndices(_ row: UnsafePointer<Float>, count: Int, k: Int) -> [Int] {
    let k = min(k, count)
    var best: [(value: Float, index: Int)] = []
    best.reserveCapacity(k + 1)
    for i in 0..<count {
        let value = row[i]
        if best.count == k && value <= best[k - 1].value { continue }
        var position = best.count
        while position > 0 && best[position - 1].value < value { position -= 1 }
        best.insert((value, i), at: position)
        if best.count > k { best.removeLast() }
    }
    return best.map(\.index)
}
