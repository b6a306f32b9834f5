import AttendMath
import AttendModel
import AttendSupport
import AttendTrain
import Foundation

// `attend bench --train`: the teacher-forced training step of ../shared/bench's mirrors, same sizes, so the two
// images/s figures compare one-for-one. A random model of --config with V = 3000; 16-token random captions (15
// predicted words), dropout 0.5, λ = 1, Adam.
// - A trained encoder (scratch, torch_sat.train_speed): B = 32 random pictures, one caption each.
// - A frozen encoder (default, torch_lite0.train_speed_cached): B = 32 random grids, five captions each, grid
//   dropout 0.2; the encoder's tensors are not updated.
// `--attention hard` times a hard-attention model's step (locations drawn, the REINFORCE and entropy terms);
// `--compare-attention` times the soft and hard steps of one model and batch, alternating.

extension BenchCommand {
    func benchTraining() {
        let words = Vocabulary.specialTokens + (0..<2996).map { "w\($0)" }
        let model = Model.random(config: benchConfig(), vocabulary: Vocabulary(words: words), seed: 1)
        let batch = benchBatch(model)
        if compareAttention { return compareAttentionSteps(model: model, batch: batch) }
        let stepper = TrainingStepper(model: model, batch: batch)
        // As train_speed: one warm-up step (page faults, thread start), then the mean over `repeats` steps.
        stepper.step()
        stepper.resetClocks()
        let clock = Stopwatch()
        for _ in 0..<repeats { stepper.step() }
        let perStep = clock.seconds / Double(repeats)
        printHeader(model.config, batch: batch)
        print(String(format: "training step              %7.2f images/s  (mean %.0f ms a step)",
                     Double(batch.imageCount) / perStep, perStep * 1e3))
        var phases = stepper.pass.seconds
        phases["optimizer"] = stepper.optimizerSeconds
        let total = phases.values.reduce(0, +)
        for (phase, seconds) in phases.sorted(by: { $0.value > $1.value }) {
            let name = phase.padding(toLength: 24, withPad: " ", startingAt: 0)
            print(String(format: "  %@ %7.1f ms a step  (%4.1f%%)", name, seconds * 1e3 / Double(repeats), 100 * seconds / total))
        }
    }

    /// `repeats` rounds of one soft step then one hard step (after a warm-up step of each), the same model, batch and
    /// seeds: the median seconds of each and their ratio.
    private func compareAttentionSteps(model: Model, batch: TrainingBatch) {
        let steppers = [AttentionMechanism.soft, .hard].map { TrainingStepper(model: model.with(attention: $0), batch: batch) }
        for stepper in steppers { stepper.step() }
        var seconds: [[Double]] = [[], []]
        for _ in 0..<repeats {
            for (i, stepper) in steppers.enumerated() {
                let clock = Stopwatch()
                stepper.step()
                seconds[i].append(clock.seconds)
            }
        }
        printHeader(model.config, batch: batch, attention: "soft and hard")
        let medians = seconds.map { $0.sorted()[$0.count / 2] }
        for (name, (median, runs)) in zip(["soft", "hard"], zip(medians, seconds)) {
            print(String(format: "%@ attention step   median %6.0f ms  (%@)", name, median * 1e3,
                         runs.map { String(format: "%.0f", $0 * 1e3) }.joined(separator: ", ")))
        }
        print(String(format: "hard / soft: %.2f× (ratio of medians, %d alternating rounds)", medians[1] / medians[0], repeats))
    }

    /// The batch the mirrors time: random pictures (B, 3, S, S) or grids (B, L, C); B·K rows of ids
    /// <start> w1 … w14 <end>.
    private func benchBatch(_ model: Model) -> TrainingBatch {
        let config = model.config, side = config.imageSize, V = model.vocabulary.count, T = 15
        let frozen = config.encoder.isPretrained, K = frozen ? 5 : 1
        var generator = SeededGenerator(seed: 5)
        let input: TrainingInput = frozen
            ? .grids((0..<(batch * config.locations * config.gridChannels)).map { _ in max(generator.nextNormal(), 0) })
            : .pictures(PictureBatch(values: (0..<(3 * batch * side * side)).map { _ in generator.nextNormal() },
                                     count: batch, side: side))
        let captions = (0..<(batch * K)).map { _ in
            [Vocabulary.start] + (0..<(T - 1)).map { _ in Int.random(in: Vocabulary.specialTokens.count..<V, using: &generator) }
                + [Vocabulary.end]
        }
        return TrainingBatch(input: input, imageCount: batch, captions: captions)
    }

    private func printHeader(_ config: ModelConfig, batch: TrainingBatch, attention: String? = nil) {
        let K = batch.captions.count / batch.imageCount, T = batch.captions[0].count - 1
        print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), \(repeats) steps of batch \(batch.imageCount) × \(K) "
              + "captions, V = \(config.vocabularySize), T = \(T), \(attention ?? config.attention.rawValue) attention, "
              + (config.encoder.isPretrained ? "cached \(config.gridSize)×\(config.gridSize)×\(config.gridChannels) grids"
                                             : "pictures"))
    }
}

/// One model's training pass and Adam over one batch, stepped again and again.
private final class TrainingStepper {
    let pass: TrainingPass
    let optimizer: AdamOptimizer
    let batch: TrainingBatch
    var optimizerSeconds = 0.0

    init(model: Model, batch: TrainingBatch) {
        let frozen = model.config.encoder.isPretrained, K = batch.captions.count / batch.imageCount
        pass = TrainingPass(model: model, capacity: GraphCapacity(images: batch.imageCount, captionsPerImage: K,
                                                                  steps: batch.captions[0].count - 1),
                            options: LossOptions(attentionPenalty: 1, dropout: 0.5, gridDropout: frozen ? 0.2 : 0),
                            seed: 1)
        let encoderTensors = Set(model.layout.encoderTensors.map(\.name))
        optimizer = AdamOptimizer(layout: model.layout, frozen: { frozen && encoderTensors.contains($0.name) })
        self.batch = batch
    }

    func step() {
        _ = pass.forward(batch)
        pass.graph.zeroGradients()
        pass.backward()
        let clock = Stopwatch()
        _ = optimizer.update(parameters: pass.graph.parameters, gradients: pass.graph.gradients, rate: 4e-4)
        optimizerSeconds += clock.seconds
    }

    func resetClocks() {
        pass.graph.seconds = [:]
        pass.encoder?.seconds = [:]
        optimizerSeconds = 0
    }
}
