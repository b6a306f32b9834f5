import AttendMath
import AttendModel
import AttendTrain
import Foundation

// `attend bench --train`: the teacher-forced training step of ../shared/bench's `train_speed`, same sizes —
// a random default model with V = 3000, B = 32 random pictures, one random 16-token caption each (15 predicted
// words), dropout 0.5, λ = 1, Adam — so the two images/s figures compare one-for-one.

extension BenchCommand {
    func benchTraining() {
        let words = Vocabulary.specialTokens + (0..<2996).map { "w\($0)" }
        let vocabulary = Vocabulary(words: words)
        let model = Model.random(config: ModelConfig(), vocabulary: vocabulary, seed: 1)
        let side = model.config.imageSize, V = vocabulary.count, T = 15
        var generator = SeededGenerator(seed: 5)
        // (3, B, S, S) pictures; B rows of ids <start> w1 … w14 <end>.
        let images = (0..<(3 * batch * side * side)).map { _ in generator.nextNormal() }
        let captions = (0..<batch).map { _ in
            [Vocabulary.start] + (0..<(T - 1)).map { _ in Int.random(in: Vocabulary.specialTokens.count..<V, using: &generator) }
                + [Vocabulary.end]
        }
        let trainingBatch = TrainingBatch(images: images, imageCount: batch, captions: captions)
        let graph = TrainingGraph(model: model, capacity: GraphCapacity(images: batch, steps: T),
                                  options: LossOptions(attentionPenalty: 1, dropout: 0.5), seed: 1)
        let optimizer = AdamOptimizer(layout: model.layout)
        var optimizerSeconds = 0.0
        func step() {
            _ = graph.forward(trainingBatch)
            graph.zeroGradients()
            graph.backward()
            let start = DispatchTime.now().uptimeNanoseconds
            _ = optimizer.update(parameters: graph.parameters, gradients: graph.gradients, rate: 4e-4)
            optimizerSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        // As train_speed: one warm-up step (page faults, thread start), then the mean over `repeats` steps.
        step()
        graph.seconds = [:]
        optimizerSeconds = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { step() }
        let perStep = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repeats)
        print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), \(repeats) steps of batch \(batch), V = \(V), T = \(T)")
        print(String(format: "training step              %7.2f images/s  (mean %.0f ms a step)", Double(batch) / perStep,
                     perStep * 1e3))
        var phases = graph.seconds
        phases["optimizer"] = optimizerSeconds
        let total = phases.values.reduce(0, +)
        for (phase, seconds) in phases.sorted(by: { $0.value > $1.value }) {
            let name = phase.padding(toLength: 24, withPad: " ", startingAt: 0)
            print(String(format: "  %@ %7.1f ms a step  (%4.1f%%)", name, seconds * 1e3 / Double(repeats), 100 * seconds / total))
        }
    }
}
