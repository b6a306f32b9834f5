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
    /// When > 0, a word that would repeat an n-gram of this length already in the hypothesis is not allowed, unless
    /// the word is one that captions rightly repeat (`Vocabulary.repeatableWords`: "on a … on a", "a red circle and a
    /// red square"). While it is on, no word directly follows itself either, repeatable or not ("are are"). 2 by
    /// default: it stops the loops of "a man is riding a bike on a bike", and scored +0.6 CIDEr-D on Flickr8k's dev
    /// split and +0.3 on the COCO photos with the default model (docs/GROUNDING.md). 0: off.
    public var noRepeatNgram = 2
    /// α of the length normalisation score / length^α: 0 ranks by total log-probability (short captions win),
    /// 1 by the mean per word. 1 scored best on Flickr8k's dev split with the default model (docs/TRAINING.md).
    public var lengthExponent: Float = 1
    /// Whether `<unk>` may be written. Off: a caption names no word as "<unk>" (the next best word stands there
    /// instead), which only a model's vocabulary test wants otherwise.
    public var allowUnknown = false
    /// How the encoder's ImageNet classifier steers the words (models that carry one; Grounding.swift).
    public var grounding = GroundingOptions()
    /// How a hard-attention model takes each word's context (a soft model ignores it). The expectation by default:
    /// what the authors' sampler does at test time.
    public var hardInference = HardInference.expectation

    public init(beamSize: Int = 3, maxWords: Int = 20, noRepeatNgram: Int = 2, lengthExponent: Float = 1,
                allowUnknown: Bool = false, grounding: GroundingOptions = GroundingOptions(),
                hardInference: HardInference = .expectation) {
        self.beamSize = beamSize
        self.maxWords = maxWords
        self.noRepeatNgram = noRepeatNgram
        self.lengthExponent = lengthExponent
        self.allowUnknown = allowUnknown
        self.grounding = grounding
        self.hardInference = hardInference
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
    /// A hard-attention model's location (row-major in the G×G grid): where the word's context came from (argmax or
    /// drawn), or, when it took the expectation, α_t's most probable one. nil for a soft model.
    public var location: Int? = nil
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
    /// What the encoder's classifier sees, in caption words (models with a classifier, grounding on).
    public var labels: [ImageLabel] = []
    /// The objects the presence heads call absent, whose words the caption could not use (grounding on).
    public var absent: [String] = []

    public var finished: Bool { end != nil }
    public var words: [String] { tokens.map(\.word) }
    public var text: String { words.joined(separator: " ") }
}

private struct Hypothesis {
    var ids: [Int32] = []
    var logProbabilities: [Float] = []
    var attention: [[Float]] = []
    var betas: [Float] = []
    var locations: [Int32] = []   // hard attention only
    var score: Float = 0
    var row = 0          // row of this hypothesis's state in the current step's batch
    var state = SearchState.start

    func normalized(_ exponent: Float) -> Float { score / pow(Float(max(ids.count, 1)), exponent) }

    func caption(vocabulary: Vocabulary, lengthExponent: Float) -> Caption {
        var tokens: [CaptionToken] = []
        for i in ids.indices {
            tokens.append(CaptionToken(id: Int(ids[i]), word: vocabulary.word(Int(ids[i])),
                                       logProbability: logProbabilities[i], attention: attention[i], beta: betas[i],
                                       location: locations.isEmpty ? nil : Int(locations[i])))
        }
        var end: CaptionToken? = nil
        if let last = ids.last, last == Int32(Vocabulary.end) {
            end = tokens.removeLast()
        }
        return Caption(tokens: tokens, end: end, logProbability: score, normalizedScore: normalized(lengthExponent))
    }

    /// The words that would repeat an n-gram of length n already present: each word that followed an earlier
    /// occurrence of the hypothesis's last n − 1 words, except `repeatable` ones (Vocabulary.repeatableWords), and the
    /// last word itself.
    func repeatingWords(n: Int, repeatable: Set<Int32>) -> Set<Int32> {
        guard n > 0, let last = ids.last else { return [] }
        // No word follows itself ("are are", "a a"), repeatable or not: captions never stutter.
        var words: Set<Int32> = [last]
        guard ids.count >= n else { return words }
        let tail = ids.suffix(n - 1)
        for start in 0...(ids.count - n) where ids[start..<(start + n - 1)].elementsEqual(tail) {
            let word = ids[start + n - 1]
            if !repeatable.contains(word) { words.insert(word) }
        }
        return words
    }
}

// MARK: - Constraint states
//
// Constrained beam search (Anderson et al. 2017) keeps one beam per state of the constraints: which are met (a bit
// each), and, for a constraint met by a phrase of several words, how far into the phrase the hypothesis's last
// words are, so a half-written "space shuttle" does not compete with hypotheses that never started it. Without
// constraints there is one state and the search is the plain beam search.

struct SearchState: Hashable {
    /// Bit c: constraint c is met.
    var met: UInt8 = 0
    /// Per constraint: the longest prefix of one of its phrases that the hypothesis ends with (0 when met).
    var progress: [UInt8] = []

    static let start = SearchState()

    var metCount: Int { met.nonzeroBitCount }

    /// The state after `ids` (the whole hypothesis, the new word last), from this one.
    func after(_ ids: [Int32], required: [[[Int32]]]) -> SearchState {
        if required.isEmpty { return self }
        var next = SearchState(met: met, progress: [UInt8](repeating: 0, count: required.count))
        for (c, phrases) in required.enumerated() where next.met & (1 << c) == 0 {
            for phrase in phrases {
                let matched = longestPrefixEnding(ids, phrase: phrase)
                if matched == phrase.count { next.met |= 1 << c; next.progress[c] = 0; break }
                next.progress[c] = max(next.progress[c], UInt8(matched))
            }
        }
        return next
    }

    /// The words that take a hypothesis (ids) one step further into an unmet constraint.
    func advancing(_ ids: [Int32], required: [[[Int32]]]) -> [Int32] {
        var words: [Int32] = []
        for (c, phrases) in required.enumerated() where met & (1 << c) == 0 {
            for phrase in phrases {
                let next = phrase[longestPrefixEnding(ids, phrase: phrase, proper: true)]
                if !words.contains(next) { words.append(next) }
            }
        }
        return words
    }
}

/// The length of the longest prefix of `phrase` that `ids` ends with (a proper prefix when `proper`).
private func longestPrefixEnding(_ ids: [Int32], phrase: [Int32], proper: Bool = false) -> Int {
    var length = min(proper ? phrase.count - 1 : phrase.count, ids.count)
    while length > 0 {
        if Array(ids.suffix(length)) == Array(phrase.prefix(length)) { return length }
        length -= 1
    }
    return 0
}

// Longer than 80 lines: one step of every image's beams a loop pass, read as one piece.
/// Captions every image of `prepared` (N images). `constraints` (N, or empty for none) says what each image's
/// caption must and must not say.
public func beamSearch(decoder: InferenceDecoder, prepared: InferenceDecoder.Prepared, images: Int,
                       vocabulary: Vocabulary, options: CaptionOptions,
                       constraints: [DecodingConstraints] = []) -> [Caption] {
    precondition(options.beamSize >= 1, "beam size must be at least 1")
    precondition(constraints.isEmpty || constraints.count == images, "one set of constraints per image")
    precondition(constraints.allSatisfy { $0.required.count <= 8 }, "at most 8 constraints")
    let config = decoder.config
    let (L, H, V) = (config.locations, config.hiddenSize, config.vocabularySize)
    let K = options.beamSize
    let rules = constraints.isEmpty ? Array(repeating: DecodingConstraints.none, count: images) : constraints
    let repeatable = Set(Vocabulary.repeatableWords.map { Int32(vocabulary.id(of: $0)) })
        .subtracting([Int32(Vocabulary.unknown)])
    var live: [[Hypothesis]] = (0..<images).map { [Hypothesis(row: $0)] }
    var finished: [[Hypothesis]] = Array(repeating: [], count: images)
    var hidden = prepared.hidden, cell = prepared.cell
    var previous = [Int32](repeating: Int32(Vocabulary.start), count: images)
    var sourceRow = (0..<images).map(Int32.init)
    let hard = config.attention == .hard
    var locationDraws = LocationDraws(prepared: prepared, images: images, config: config,
                                      active: hard && options.hardInference == .sample)

    for _ in 0..<options.maxWords {
        let rows = previous.count
        if rows == 0 { break }
        var output = decoder.makeStepOutput(rows: rows)
        decoder.step(previous: previous, hidden: hidden, cell: cell, sourceRow: sourceRow, prepared: prepared,
                     context: locationDraws.choice(options.hardInference, sourceRow: sourceRow), output: &output)
        logSoftmaxRows(&output.logits, rows: rows, columns: V)

        var next = NextStep()
        for image in 0..<images where !live[image].isEmpty {
            let required = rules[image].required
            let candidates = output.logits.withUnsafeBufferPointer { logProbabilities in
                expansions(of: live[image], logProbabilities: logProbabilities.baseAddress!, vocabularySize: V,
                           rules: rules[image], repeatable: repeatable, options: options)
            }
            // Each state keeps its K best live hypotheses; the <end>s ranked above its K-th are finished.
            var survivors: [Hypothesis] = []
            var liveCount: [SearchState: Int] = [:]
            for candidate in candidates {
                let parent = live[image][candidate.hypothesis]
                let state = required.isEmpty ? parent.state
                                             : parent.state.after(parent.ids + [candidate.word], required: required)
                if liveCount[state, default: 0] == K { continue }
                var child = parent
                child.ids.append(candidate.word)
                child.logProbabilities.append(candidate.score - parent.score)
                child.attention.append(Array(output.alpha[(parent.row * L)..<((parent.row + 1) * L)]))
                child.betas.append(output.beta[parent.row])
                if hard { child.locations.append(output.location[parent.row]) }
                child.score = candidate.score
                child.state = state
                if candidate.word == Int32(Vocabulary.end) {
                    finished[image].append(child)
                } else {
                    liveCount[state, default: 0] += 1
                    child.row = next.previous.count
                    next.append(word: candidate.word, image: image, parentRow: parent.row, output: output, H: H)
                    survivors.append(child)
                }
            }
            // An image is done once K hypotheses that meet every constraint have ended: its live ones would only be
            // ranked after them.
            let complete = finished[image].filter { $0.state.metCount == required.count }.count
            if complete >= K {
                next.drop(last: survivors.count, H: H)
                survivors = []
            }
            live[image] = survivors
        }
        previous = next.previous
        sourceRow = next.sourceRow
        hidden = next.hidden
        cell = next.cell
    }

    return (0..<images).map { image in
        bestCaption(of: finished[image] + live[image], vocabulary: vocabulary, lengthExponent: options.lengthExponent)
    }
}

/// One image's caption: of the hypotheses that meet the most constraints (a constraint the search could not meet is
/// dropped), the finished ones if any, ranked by score / length^α.
private func bestCaption(of pool: [Hypothesis], vocabulary: Vocabulary, lengthExponent α: Float) -> Caption {
    let most = pool.map(\.state.metCount).max() ?? 0
    let meeting = pool.filter { $0.state.metCount == most }
    let ended = meeting.filter { $0.ids.last == Int32(Vocabulary.end) }
    guard let best = (ended.isEmpty ? meeting : ended).max(by: { $0.normalized(α) < $1.normalized(α) }) else {
        return Caption(tokens: [], end: nil, logProbability: 0, normalizedScore: 0)   // every word was banned
    }
    return best.caption(vocabulary: vocabulary, lengthExponent: α)
}

/// Hard attention's draws for `.sample` decoding: a generator per image, seeded by the image's own annotations, so
/// an image's caption is the same whichever images are decoded with it.
private struct LocationDraws {
    var generators: [SeededGenerator] = []

    init(prepared: InferenceDecoder.Prepared, images: Int, config: ModelConfig, active: Bool) {
        guard active else { return }
        let size = config.locations * config.featureSize
        generators = (0..<images).map { image in
            // FNV-1a over the bits of the image's annotations.
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for value in prepared.annotations[(image * size)..<((image + 1) * size)] {
                hash = (hash ^ UInt64(value.bitPattern)) &* 0x0000_0100_0000_01B3
            }
            return SeededGenerator(seed: hash)
        }
    }

    /// The context choice of a step whose rows read images `sourceRow` (an image's rows in hypothesis order).
    mutating func choice(_ inference: HardInference, sourceRow: [Int32]) -> ContextChoice {
        switch inference {
        case .expectation: return .expectation
        case .argmax: return .argmax
        case .sample:
            if generators.isEmpty { return .expectation }   // a soft model: the step ignores it
            return .draws(sourceRow.map { generators[Int($0)].nextUnitFloat() })
        }
    }
}

/// The live rows of the next step, gathered image by image.
private struct NextStep {
    var previous: [Int32] = [], sourceRow: [Int32] = []
    var hidden: [Float] = [], cell: [Float] = []

    mutating func append(word: Int32, image: Int, parentRow: Int, output: InferenceDecoder.StepOutput, H: Int) {
        previous.append(word)
        sourceRow.append(Int32(image))
        hidden.append(contentsOf: output.hidden[(parentRow * H)..<((parentRow + 1) * H)])
        cell.append(contentsOf: output.cell[(parentRow * H)..<((parentRow + 1) * H)])
    }

    mutating func drop(last count: Int, H: Int) {
        guard count > 0 else { return }
        previous.removeLast(count)
        sourceRow.removeLast(count)
        hidden.removeLast(count * H)
        cell.removeLast(count * H)
    }
}

/// Every (score, hypothesis, word) worth keeping from one image's live hypotheses, best first: each hypothesis's
/// 2K best words (enough to fill K slots past any <end>s) and the words that advance an unmet constraint.
private func expansions(of live: [Hypothesis], logProbabilities: UnsafePointer<Float>, vocabularySize V: Int,
                        rules: DecodingConstraints, repeatable: Set<Int32>, options: CaptionOptions)
    -> [(score: Float, hypothesis: Int, word: Int32)] {
    let K = options.beamSize
    var candidates: [(score: Float, hypothesis: Int, word: Int32)] = []
    for (h, hypothesis) in live.enumerated() {
        let row = logProbabilities + hypothesis.row * V
        let repeating = hypothesis.repeatingWords(n: options.noRepeatNgram, repeatable: repeatable)
        func allowed(_ id: Int32) -> Bool {
            if id == Int32(Vocabulary.pad) || id == Int32(Vocabulary.start) { return false }
            if id == Int32(Vocabulary.unknown) && !options.allowUnknown { return false }
            return !rules.banned.contains(id) && !repeating.contains(id)
        }
        var words = topIndices(row, count: V, k: 2 * K) { allowed(Int32($0)) }.map(Int32.init)
        for word in hypothesis.state.advancing(hypothesis.ids, required: rules.required)
        where !words.contains(word) && allowed(word) {
            words.append(word)
        }
        for id in words { candidates.append((hypothesis.score + row[Int(id)], h, id)) }
    }
    candidates.sort { $0.score > $1.score }
    return candidates
}

/// Indices of the k largest entries of row (count) that are `allowed`, largest first. `allowed` is asked only of the
/// entries that would enter the k best, a few dozen of thousands, so a long list of banned words costs nothing.
private func topIndices(_ row: UnsafePointer<Float>, count: Int, k: Int, allowed: (Int) -> Bool) -> [Int] {
    let k = min(k, count)
    var best: [(value: Float, index: Int)] = []
    best.reserveCapacity(k + 1)
    for i in 0..<count {
        let value = row[i]
        if best.count == k && value <= best[k - 1].value { continue }
        if !allowed(i) { continue }
        var position = best.count
        while position > 0 && best[position - 1].value < value { position -= 1 }
        best.insert((value, i), at: position)
        if best.count > k { best.removeLast() }
    }
    return best.map(\.index)
}
