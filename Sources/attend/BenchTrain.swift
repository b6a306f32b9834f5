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

extension BenchCommand {
    func benchTraining() {
        let words = Vocabulary.specialTokens + (0..<2996).map { "w\($0)" }
        let vocabulary = Vocabulary(words: words)
        let model = Model.random(config: benchConfig(), vocabulary: vocabulary, seed: 1)
        let config = model.config, side = config.imageSize, V = vocabulary.count, T = 15
        let frozen = config.encoder.isPretrained, K = frozen ? 5 : 1
        var generator = SeededGenerator(seed: 5)
        // (B, 3, S, S) pictures or (B, L, C) grids; B·K rows of ids <start> w1 … w14 <end>.
        let input: TrainingInput = frozen
            ? .grids((0..<(batch * config.locations * config.gridChannels)).map { _ in max(generator.nextNormal(), 0) })
            : .pictures(PictureBatch(values: (0..<(3 * batch * side * side)).map { _ in generator.nextNormal() },
                                     count: batch, side: side))
        let captions = (0..<(batch * K)).map { _ in
            [Vocabulary.start] + (0..<(T - 1)).map { _ in Int.random(in: Vocabulary.specialTokens.count..<V, using: &generator) }
                + [Vocabulary.end]
        }
        let trainingBatch = TrainingBatch(input: input, imageCount: batch, captions: captions)
        let pass = TrainingPass(model: model, capacity: GraphCapacity(images: batch, captionsPerImage: K, steps: T),
                                options: LossOptions(attentionPenalty: 1, dropout: 0.5, gridDropout: frozen ? 0.2 : 0),
                                seed: 1)
        let graph = pass.graph
        let encoderTensors = Set(model.layout.encoderTensors.map(\.name))
        let optimizer = AdamOptimizer(layout: model.layout, frozen: { frozen && encoderTensors.contains($0.name) })
        var optimizerSeconds = 0.0
        func step() {
            _ = pass.forward(trainingBatch)
            graph.zeroGradients()
            pass.backward()
            let clock = Stopwatch()
            _ = optimizer.update(parameters: graph.parameters, gradients: graph.gradients, rate: 4e-4)
            optimizerSeconds += clock.seconds
        }
        // As train_speed: one warm-up step (page faults, thread start), then the mean over `repeats` steps.
        step()
        graph.seconds = [:]
        pass.encoder?.seconds = [:]
        optimizerSeconds = 0
        let clock = Stopwatch()
        for _ in 0..<repeats { step() }
        let perStep = clock.seconds / Double(repeats)
        print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), \(repeats) steps of batch \(batch) × \(K) captions, "
              + "V = \(V), T = \(T), \(frozen ? "cached \(config.gridSize)×\(config.gridSize)×\(config.gridChannels) grids" : "pictures")")
        print(String(format: "training step              %7.2f images/s  (mean %.0f ms a step)", Double(batch) / perStep,
                     perStep * 1e3))
        var phases = pass.seconds
        phases["optimizer"] = optimizerSeconds
        let total = phases.values.reduce(0, +)
        for (phase, seconds) in phases.sorted(by: { $0.value > $1.value }) {
            let name = phase.padding(toLength: 24, withPad: " ", startingAt: 0)
            print(String(format: "  %@ %7.1f ms a step  (%4.1f%%)", name, seconds * 1e3 / Double(repeats), 100 * seconds / total))
        }
    }
}
