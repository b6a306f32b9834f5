import ArgumentParser
import AttendMath
import AttendModel
import Foundation

/// Per-stage timings of the captioner and the sgemm rate of this CPU, measured in one process.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the encoder, the decoder and sgemm on this machine (a benchmark, not a test).")

    @Option(help: "Model file to time (default: a random model of --config).")
    var model: String?

    @Option(help: "Configuration of the random model timed without --model (and by --train): default or scratch, or any name train takes.")
    var config: String = "default"

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 2

    @Option(help: "Repetitions of each measurement; medians are printed.")
    var repeats: Int = 7

    @Option(help: "Images in the batched encoder and greedy measurement (and in a training step).")
    var batch: Int = 32

    @Flag(help: "Time teacher-forced training steps (forward, backward, Adam) instead, as the PyTorch mirrors' train_speed (scratch) and train_speed_cached (a frozen pretrained encoder: on cached grids).")
    var train = false

    func validate() throws {
        if ModelConfig.named(config) == nil {
            throw ValidationError("--config must be one of \(ModelConfig.names.joined(separator: ", "))")
        }
    }

    /// The configuration of the random model timed.
    func benchConfig() -> ModelConfig { ModelConfig.named(config)! }

    func run() throws {
        BLAS.setThreadCount(threads)
        if train { return benchTraining() }
        let captioner: Captioner
        if let model {
            captioner = Captioner(model: try ModelFile.read(path: model))
        } else {
            let words = Vocabulary.specialTokens + (0..<2996).map { "w\($0)" }
            captioner = Captioner(model: Model.random(config: benchConfig(), vocabulary: Vocabulary(words: words),
                                                      seed: 1))
        }
        let config = captioner.config
        let side = config.imageSize
        var generator = SeededGenerator(seed: 5)
        let oneImage = (0..<(3 * side * side)).map { _ in generator.nextNormal() }
        let manyImages = (0..<batch).flatMap { _ in oneImage }

        let sgemm = Self.sgemmRate(n: 512, repeats: repeats)
        let encoderTime = Self.median(repeats) {
            _ = oneImage.withUnsafeBufferPointer { captioner.encoder.encode(images: $0.baseAddress!, batch: 1) }
        }
        let grid = oneImage.withUnsafeBufferPointer { captioner.encoder.encode(images: $0.baseAddress!, batch: 1) }
        let beamTime = Self.median(repeats) {
            _ = captioner.caption(grid: grid, count: 1, options: CaptionOptions(beamSize: 3))
        }
        let batchEncoderTime = Self.median(max(1, repeats / 2)) {
            _ = manyImages.withUnsafeBufferPointer { captioner.encoder.encode(images: $0.baseAddress!, batch: batch) }
        }
        let manyGrids = manyImages.withUnsafeBufferPointer {
            captioner.encoder.encode(images: $0.baseAddress!, batch: batch)
        }
        let greedyTime = Self.median(max(1, repeats / 2)) {
            _ = captioner.caption(grid: manyGrids, count: batch, options: CaptionOptions(beamSize: 1))
        }
        let encoderRate = Double(config.encoderFLOPs) / encoderTime / 1e9
        let batchEncoderRate = Double(config.encoderFLOPs * batch) / batchEncoderTime / 1e9
        print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), median of \(repeats)")
        print(String(format: "sgemm 512×512×512          %7.1f GFLOP/s", sgemm))
        print(String(format: "encoder, 1 image           %7.2f ms  %6.1f GFLOP/s  (%.0f%% of sgemm)",
                     encoderTime * 1e3, encoderRate, 100 * encoderRate / sgemm))
        print(String(format: "encoder, batch %-3d         %7.2f ms/image  %6.1f GFLOP/s  (%.0f%% of sgemm)",
                     batch, batchEncoderTime * 1e3 / Double(batch), batchEncoderRate, 100 * batchEncoderRate / sgemm))
        print(String(format: "decoder, beam 3, 1 image   %7.2f ms", beamTime * 1e3))
        print(String(format: "caption latency, beam 3    %7.2f ms (encoder + decoder)", (encoderTime + beamTime) * 1e3))
        print(String(format: "greedy batch %-3d           %7.1f images/s (encoder + decoder)",
                     batch, Double(batch) / (batchEncoderTime + greedyTime)))
    }

    static func median(_ repeats: Int, _ body: () -> Void) -> Double {
        body()   // warm-up: page faults, thread start
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    static func sgemmRate(n: Int, repeats: Int) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = a
        var c = [Float](repeating: 0, count: n * n)
        let time = median(repeats) { gemm(m: n, n: n, k: n, a: a, b: b, c: &c) }
        return 2 * Double(n * n * n) / time / 1e9
    }
}
