import ArgumentParser
import AttendImage
import AttendMath
import AttendModel
import AttendSupport
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

    @Option(help: "The random model's input side, when not the configuration's (a pretrained family's encoder at another size: lite1 at 224).")
    var imageSize: Int?

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 2

    @Option(help: "Repetitions of each measurement; medians are printed.")
    var repeats: Int = 7

    @Option(help: "Images in the batched encoder and greedy measurement (and in a training step).")
    var batch: Int = 32

    @Option(parsing: .upToNextOption, help: "Also time beam-3 decoding of these photos with and without grounding in the classifier's labels (models with a classifier), alternating.")
    var photos: [String] = []

    @Flag(help: "Time each stage of the EfficientNet-Lite encoder on one picture (its FLOPs, bytes moved, and share of this machine's sgemm rate or memory bandwidth) instead.")
    var layers = false

    @Flag(help: "Time teacher-forced training steps (forward, backward, Adam) instead, as the PyTorch mirrors' train_speed (scratch) and train_speed_cached (a frozen pretrained encoder: on cached grids).")
    var train = false

    @Option(help: "Attention mechanism of the random model timed (and by --train): soft or hard.")
    var attention: AttentionMechanism = .soft

    @Flag(help: "With --train: time soft- and hard-attention steps of the same model and batch, alternating for --repeats rounds, and print the ratio of their medians.")
    var compareAttention = false

    func validate() throws {
        guard let named = ModelConfig.named(config) else {
            throw ValidationError("--config must be one of \(ModelConfig.names.joined(separator: ", "))")
        }
        if imageSize != nil && model != nil { throw ValidationError("--image-size sizes the random model: not with --model") }
        if let imageSize {
            guard let encoder = named.encoder.adjusted(imageSize: imageSize, tap: nil) else {
                throw ValidationError("--image-size: the \(config) configuration's encoder reads one size only")
            }
            if let problem = encoder.problem() { throw ValidationError("--image-size: \(problem)") }
        }
        if compareAttention && !train { throw ValidationError("--compare-attention times training steps: add --train") }
    }

    /// The configuration of the random model timed.
    func benchConfig() -> ModelConfig {
        var benchConfig = ModelConfig.named(config)!
        benchConfig.attention = attention
        if let imageSize, let encoder = benchConfig.encoder.adjusted(imageSize: imageSize, tap: nil) {
            benchConfig.encoder = encoder
        }
        return benchConfig
    }

    func run() throws {
        BLAS.setThreadCount(threads)
        if train { return benchTraining() }
        let captioner: Captioner
        var loadTime: Double? = nil
        if let model {
            let clock = Stopwatch()
            captioner = Captioner(model: try ModelFile.read(path: model))
            loadTime = clock.seconds
        } else {
            let words = Vocabulary.specialTokens + (0..<2996).map { "w\($0)" }
            captioner = Captioner(model: Model.random(config: benchConfig(), vocabulary: Vocabulary(words: words),
                                                      seed: 1))
        }
        if layers { return try benchLayers(captioner) }
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
        print("encoder \(config.encoder.name) at \(side) px, \(config.gridSize)×\(config.gridSize)×\(config.gridChannels) grid, "
              + String(format: "%.2f GFLOPs", Double(config.encoderFLOPs) / 1e9))
        print(String(format: "sgemm 512×512×512          %7.1f GFLOP/s", sgemm))
        if let loadTime {
            print(String(format: "model load                 %7.2f ms (read, f16 → f32, batch norm folded)", loadTime * 1e3))
        }
        print(String(format: "encoder, 1 image           %7.2f ms  %6.1f GFLOP/s  (%.0f%% of sgemm)",
                     encoderTime * 1e3, encoderRate, 100 * encoderRate / sgemm))
        print(String(format: "encoder, batch %-3d         %7.2f ms/image  %6.1f GFLOP/s  (%.0f%% of sgemm)",
                     batch, batchEncoderTime * 1e3 / Double(batch), batchEncoderRate, 100 * batchEncoderRate / sgemm))
        print(String(format: "decoder, beam 3, 1 image   %7.2f ms", beamTime * 1e3))
        print(String(format: "caption latency, beam 3    %7.2f ms (encoder + decoder)", (encoderTime + beamTime) * 1e3))
        print(String(format: "greedy batch %-3d           %7.1f images/s (encoder + decoder)",
                     batch, Double(batch) / (batchEncoderTime + greedyTime)))
        if !photos.isEmpty { try benchGrounding(captioner) }
    }

    /// Beam-3 decoding of each photo with the labels' constraints and bans and without, the two alternating within
    /// each repeat; medians over the photos' sums.
    func benchGrounding(_ captioner: Captioner) throws {
        let input = captioner.config.modelInput
        let plane = 3 * input.size * input.size
        var tensor = [Float](repeating: 0, count: photos.count * plane)      // (B, 3, S, S)
        for (i, path) in photos.enumerated() {
            let picture = try input.load(contentsOf: path, options: DecodeOptions()).pixels
            tensor.withUnsafeMutableBufferPointer {
                input.normalize(picture, into: UnsafeMutableBufferPointer(rebasing: $0[(i * plane)..<((i + 1) * plane)]))
            }
        }
        let grids = tensor.withUnsafeBufferPointer { base in
            (0..<photos.count).map { captioner.encoder.encode(images: base.baseAddress! + $0 * plane, batch: 1) }
        }
        var grounded: [Double] = [], plain: [Double] = []
        for _ in 0..<repeats {
            for (times, labels) in [(0, true), (1, false)] {
                let options = CaptionOptions(beamSize: 3, grounding: GroundingOptions(enabled: labels))
                let start = DispatchTime.now().uptimeNanoseconds
                for grid in grids { _ = captioner.caption(grid: grid, count: 1, options: options) }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(grids.count)
                if times == 0 { grounded.append(seconds) } else { plain.append(seconds) }
            }
        }
        let (g, p) = (grounded.sorted()[repeats / 2], plain.sorted()[repeats / 2])
        print(String(format: "decoder, beam 3, %d photos: %7.2f ms grounded, %7.2f ms labels off (%.2fx)",
                     photos.count, g * 1e3, p * 1e3, g / p))
    }

    static func median(_ repeats: Int, _ body: () -> Void) -> Double {
        body()   // warm-up: page faults, thread start
        var times: [Double] = []
        for _ in 0..<repeats {
            let clock = Stopwatch()
            body()
            times.append(clock.seconds)
        }
        return times.sorted()[times.count / 2]
    }

    /// The `--layers` table: every stage of the EfficientNet-Lite encoder on one picture against this machine's limits.
    func benchLayers(_ captioner: Captioner) throws {
        guard let encoder = captioner.encoder as? LiteEncoder else {
            throw ValidationError("--layers times an EfficientNet-Lite encoder; this model's encoder is another")
        }
        let side = captioner.config.imageSize
        var generator = SeededGenerator(seed: 5)
        let image = (0..<(3 * side * side)).map { _ in generator.nextNormal() }
        let sgemm = Self.sgemmRate(n: 512, repeats: repeats)
        let cacheTriad = MemoryBandwidth.triad(floatsPerArray: 1 << 20, repeats: repeats)      // 3 × 4 MB: in L3
        let memoryTriad = MemoryBandwidth.triad(floatsPerArray: 1 << 24, repeats: 3)           // 3 × 64 MB: DRAM
        let memoryCopy = MemoryBandwidth.copy(floatsPerArray: 1 << 24, repeats: 3)
        let times = image.withUnsafeBufferPointer { encoder.stageTimes(image: $0.baseAddress!, repeats: repeats) }
        print("OpenBLAS core \(BLAS.coreName), \(threads) thread(s), median of \(repeats), one picture at \(side)")
        print(String(format: "sgemm 512×512×512 %.1f GFLOP/s; triad 3×4 MB (cache) %.1f GB/s, 3×64 MB (memory) %.1f GB/s; copy 2×64 MB %.1f GB/s",
                     sgemm, cacheTriad, memoryTriad, memoryCopy))
        print("| stage | ms | MFLOP | MB moved | GFLOP/s | GB/s | % of limit |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        var total = 0.0, pointwiseTime = 0.0, depthwiseTime = 0.0, flops = 0, bytes = 0
        for (stage, time) in zip(encoder.stages, times) {
            let rate = Double(stage.flops) / time / 1e9, bandwidth = Double(stage.bytes) / time / 1e9
            // Pointwise: share of the sgemm rate; depthwise: share of the in-cache triad bandwidth (a picture's
            // activations, ≤ 4.8 MB, stay in L3).
            let share = stage.isDepthwise ? bandwidth / cacheTriad : rate / sgemm
            print(String(format: "| %@ | %.3f | %.1f | %.2f | %.1f | %.1f | %.0f%% %@ |", stage.name, time * 1e3,
                         Double(stage.flops) / 1e6, Double(stage.bytes) / 1e6, rate, bandwidth, 100 * share,
                         stage.isDepthwise ? "bw" : "sgemm"))
            total += time
            flops += stage.flops
            bytes += stage.bytes
            if stage.isDepthwise { depthwiseTime += time } else { pointwiseTime += time }
        }
        print(String(format: "| **all** | %.3f | %.1f | %.2f | %.1f | %.1f | |", total * 1e3, Double(flops) / 1e6,
                     Double(bytes) / 1e6, Double(flops) / total / 1e9, Double(bytes) / total / 1e9))
        print(String(format: "pointwise and stem %.2f ms (%.0f%%), depthwise %.2f ms (%.0f%%)", pointwiseTime * 1e3,
                     100 * pointwiseTime / total, depthwiseTime * 1e3, 100 * depthwiseTime / total))
    }

    static func sgemmRate(n: Int, repeats: Int) -> Double {
        let a = [Float](repeating: 0.5, count: n * n), b = a
        var c = [Float](repeating: 0, count: n * n)
        let time = median(repeats) { gemm(m: n, n: n, k: n, a: a, b: b, c: &c) }
        return 2 * Double(n * n * n) / time / 1e9
    }
}

// MARK: - Memory bandwidth (STREAM's copy and triad)

enum MemoryBandwidth {
    /// a = b + 3 c over arrays of `floatsPerArray`, split over the workers: bytes read and written (12 a float,
    /// counted as STREAM counts them) per second, in GB/s.
    static func triad(floatsPerArray n: Int, repeats: Int) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n), b = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        b.initialize(repeating: 1, count: n)
        c.initialize(repeating: 2, count: n)
        a.initialize(repeating: 0, count: n)
        let time = BenchCommand.median(repeats) {
            parallelFor(n, minimumPerWorker: 1 << 14) { range in
                for i in range { a[i] = b[i] + 3 * c[i] }
            }
        }
        return 12 * Double(n) / time / 1e9
    }

    /// a = b: 8 bytes a float.
    static func copy(floatsPerArray n: Int, repeats: Int) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n), b = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate() }
        b.initialize(repeating: 1, count: n)
        a.initialize(repeating: 0, count: n)
        let time = BenchCommand.median(repeats) {
            parallelFor(n, minimumPerWorker: 1 << 14) { range in
                (a + range.lowerBound).update(from: b + range.lowerBound, count: range.count)
            }
        }
        return 8 * Double(n) / time / 1e9
    }
}
