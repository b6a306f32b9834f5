import AttendMath
import Foundation

// MARK: - Sampled captions (for self-critical training)
//
// Each word drawn from the model's distribution p(w | words so far, image) instead of the best one: the captions a
// policy-gradient step scores and reinforces. `<pad>`, `<start>` and (unless allowed) `<unk>` are never drawn,
// as beam search never writes them.

/// `samplesPerImage` captions of every image of `prepared` (N images), word ids without `<start>` and `<end>`,
/// image by image: result[i · K + k]. `finished[i · K + k]` says whether that caption drew `<end>` within
/// `maxWords` words.
public func sampleCaptions(decoder: InferenceDecoder, prepared: InferenceDecoder.Prepared, images: Int,
                           samplesPerImage K: Int, maxWords: Int, allowUnknown: Bool = false,
                           using generator: inout SeededGenerator) -> (ids: [[Int]], finished: [Bool]) {
    let (H, V) = (decoder.config.hiddenSize, decoder.config.vocabularySize)
    var ids = [[Int]](repeating: [], count: images * K)
    var finished = [Bool](repeating: false, count: images * K)
    // Live rows: which caption each is, and its state; every caption starts from its image's initial state.
    var caption = Array(0..<(images * K))
    var hidden: [Float] = [], cell: [Float] = []
    for index in caption {
        let image = index / K
        hidden += prepared.hidden[(image * H)..<((image + 1) * H)]
        cell += prepared.cell[(image * H)..<((image + 1) * H)]
    }
    var previous = [Int32](repeating: Int32(Vocabulary.start), count: caption.count)
    for _ in 0..<maxWords where !caption.isEmpty {
        let rows = caption.count
        var output = decoder.makeStepOutput(rows: rows)
        decoder.step(previous: previous, hidden: hidden, cell: cell, sourceRow: caption.map { Int32($0 / K) },
                     prepared: prepared, output: &output)
        logSoftmaxRows(&output.logits, rows: rows, columns: V)
        var keep: [Int] = []
        var nextPrevious: [Int32] = []
        for row in 0..<rows {
            let word = output.logits.withUnsafeBufferPointer { logProbabilities in
                drawWord(logProbabilities.baseAddress! + row * V, count: V, allowUnknown: allowUnknown,
                         using: &generator)
            }
            if word == Vocabulary.end {
                finished[caption[row]] = true
            } else {
                ids[caption[row]].append(word)
                keep.append(row)
                nextPrevious.append(Int32(word))
            }
        }
        caption = keep.map { caption[$0] }
        hidden = keep.flatMap { output.hidden[($0 * H)..<(($0 + 1) * H)] }
        cell = keep.flatMap { output.cell[($0 * H)..<(($0 + 1) * H)] }
        previous = nextPrevious
    }
    return (ids, finished)
}

/// One word drawn from the distribution exp(row) (count log-probabilities), never `<pad>` or `<start>`, nor `<unk>`
/// unless allowed: their mass is left out and the rest renormalised.
func drawWord(_ row: UnsafePointer<Float>, count: Int, allowUnknown: Bool, using generator: inout SeededGenerator) -> Int {
    func allowed(_ id: Int) -> Bool {
        id != Vocabulary.pad && id != Vocabulary.start && (allowUnknown || id != Vocabulary.unknown)
    }
    var total: Double = 0
    for id in 0..<count where allowed(id) { total += Double(exp(row[id])) }
    var target = Double(generator.nextUnitFloat()) * total
    var last = Vocabulary.end
    for id in 0..<count where allowed(id) {
        target -= Double(exp(row[id]))
        last = id
        if target < 0 { return id }
    }
    return last   // rounding left a sliver past the last word
}
