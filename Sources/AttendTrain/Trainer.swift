import AttendEval
import AttendMath
import AttendModel
import AttendSupport
import Foundation

// MARK: - The training loop
//
// Seeded end to end: batch order, caption choice and dropout masks are functions of (seed, epoch, batch, step),
// so the same seed and thread count give the same loss curve, and a resumed run continues the same curve.

public struct TrainingSettings: Sendable {
    public var epochs = 10
    public var imagesPerBatch = 32
    /// K: captions trained per encoded picture (Flickr8k has five; the encoder pass is shared).
    public var captionsPerImage = 1
    public var maxWords = 20
    public var learningRate: Float = 4e-4
    /// Warmup steps; the cosine decay runs to the end of the last epoch.
    public var warmupSteps = 200
    public var seed: UInt64 = 1
    public var loss = LossOptions()
    public var adam = AdamOptions()
    /// Stop (after a checkpoint) once this much wall time has passed.
    public var maxMinutes: Double? = nil
    /// The best model by validation loss (or the last, without validation).
    public var outputPath: String? = nil
    /// How the output model stores its tensors (checkpoints are always f32, so a resumed run continues exactly).
    public var outputStorage = ModelFile.Storage.float32
    /// The resumable checkpoint (model file; the optimizer state sits beside it). Default: `<output>.last`.
    public var checkpointPath: String? = nil
    public var checkpointEverySteps = 200
    /// Also keep each of the newest this many checkpoints' weights as `<checkpoint>.step-NNNNNN` (0: none), for
    /// `attend average`.
    public var keepCheckpoints = 0
    /// Epochs without validation improvement before stopping (0: never stop early).
    public var patience = 3
    /// One JSON object per line per step (and per validation).
    public var logPath: String? = nil
    /// Progress lines on stderr every this many steps (0: silent).
    public var progressEvery = 10
    /// A wall-time budget: the learning rate decays by time as well as by steps, and training ends (with a
    /// checkpoint) when the budget is spent. Not reproducible step for step; meant for fixed-time recipes.
    /// The time is counted over all runs of a checkpoint, so a resumed run spends what is left of the budget.
    public var budgetMinutes: Double? = nil
    /// Stop (after a checkpoint) once this many steps are done in all: for benchmarks and tests.
    public var stopAfterSteps: Int? = nil
    /// Validation pictures whose loss is measured per epoch (the first this many of the split).
    public var validationImages = 500
    /// Validation pictures greedily captioned per epoch for BLEU-4 and CIDEr-D (0: none).
    public var validationCaptionImages = 200
    /// Random crops, colour jitter and left–right flips of the training pictures (off by default).
    public var augmentation = Augmentation.none
    /// A pretrained encoder's top blocks trained with the decoder (its family's trainable part): this many blocks
    /// and the convolution at the tap. nil: a pretrained encoder stays frozen (its grids may come from a feature
    /// cache); an encoder that is not pretrained trains whole.
    public var fineTunedBlocks: Int? = nil
    /// The model given is trained already (a fine-tuning run starts from a captioner): its output bias is kept.
    public var startsFromTrainedModel = false
    /// Self-critical training instead of teacher forcing on the references: `captionsPerImage` captions sampled per
    /// picture, each rewarded by its CIDEr-D (document frequencies of the training references).
    public var selfCritical = false
    /// Text-only groups (the training set's `textOnly`) an epoch reads, as a share of its pictures: 0.5 adds one
    /// text group for every two pictures.
    public var textShare = 0.0

    public init() {}
}

/// Why `Trainer.run` returned.
public enum TrainingStop: String, Sendable {
    case finished, budgetSpent, timeLimit, stepLimit, interrupted, earlyStopping
}

/// One step's record (also a JSONL line).
public struct StepRecord: Codable, Sendable {
    public var step: Int
    public var epoch: Int
    public var loss: Float
    public var crossEntropy: Float
    public var penalty: Float
    public var gradientNorm: Float
    public var learningRate: Float
    public var imagesPerSecond: Double
    public var seconds: Double
    /// Self-critical training: the mean CIDEr-D (0–10 scale) of the step's sampled captions.
    public var reward: Double? = nil
    /// Hard attention: the mean entropy of a word's α, and the baseline after the step (log-likelihood per word).
    public var attentionEntropy: Float? = nil
    public var baseline: Float? = nil
}

/// Set by SIGINT; the loop checks it between steps.
nonisolated(unsafe) public var trainingInterruptRequested = false

public final class Trainer {
    public let vocabulary: Vocabulary
    public let settings: TrainingSettings
    /// The encoder's trainable part (if any) and the graph from the grid.
    public let pass: TrainingPass
    public var graph: TrainingGraph { pass.graph }
    public let optimizer: AdamOptimizer
    public let plan: BatchPlan
    public private(set) var progress = TrainingProgress()
    public private(set) var records: [StepRecord] = []
    public var metadata: [String: String] = [:]
    let train: CaptionDataset
    let validation: CaptionDataset?
    /// The starting model's ImageNet classifier and class table, carried into every model written.
    let classifier: ImageNetClassifier?
    private var validationPass: TrainingPass?
    /// CIDEr-D against each training picture's references, for self-critical rewards.
    private let rewardScorer: CIDErDScorer?
    private var log: FileHandle?
    /// When this run started, and the wall time trained by the runs before it (from the checkpoint).
    private var runStarted = Date()
    private var secondsBeforeRun = 0.0

    /// A fresh run from `model` (its output bias is set to the log unigram frequencies of the training captions),
    /// or a resumed one when `resume` names a checkpoint.
    public init(model: Model, train: CaptionDataset, validation: CaptionDataset?, settings: TrainingSettings,
                resume: String? = nil) throws {
        var model = model
        let plan = BatchPlan(imagesPerBatch: min(settings.imagesPerBatch, train.count),
                             captionsPerImage: settings.captionsPerImage, maxWords: settings.maxWords, seed: settings.seed,
                             augmentation: settings.augmentation,
                             textPerEpoch: Int((Double(train.count) * settings.textShare).rounded()))
        self.plan = plan
        self.vocabulary = model.vocabulary
        self.classifier = model.classifier
        self.settings = settings
        self.train = train
        self.validation = validation
        precondition(!settings.selfCritical || train.textOnly.isEmpty, "self-critical rewards need each picture's references")
        precondition(!settings.selfCritical || settings.captionsPerImage >= 2,
                     "self-critical training compares each sample with the others of its picture: at least 2")
        precondition(!settings.selfCritical || model.config.attention == .soft,
                     "self-critical training is for soft attention")
        rewardScorer = settings.selfCritical ? CIDErDScorer(references: train.references.map { $0.map(ptbTokenize) })
                                             : nil
        let capacity = GraphCapacity(images: plan.imagesPerBatch, captionsPerImage: settings.captionsPerImage,
                                     steps: settings.maxWords + 1)
        if let resume {
            let saved = try ModelFile.read(path: resume)
            if let reason = mismatch(of: saved, with: model, vocabularyOf: "the one built from this training data",
                                     configurationOf: "this run's") {
                throw CheckpointError.mismatch(path: resume, reason: reason)
            }
            model = saved
        } else if !settings.startsFromTrainedModel {
            setOutputBiasToUnigramLogFrequencies(&model, dataset: train, plan: plan)
        }
        pass = TrainingPass(model: model, capacity: capacity, options: settings.loss, seed: settings.seed,
                            fineTunedBlocks: settings.fineTunedBlocks)
        // The encoder's tensors its trainable part does not train stay as they are (all of a frozen encoder's).
        let encoderTensors = Set(model.layout.encoderTensors.map(\.name))
        let trained = pass.encoder?.trainedTensorNames ?? []
        optimizer = AdamOptimizer(layout: model.layout, options: settings.adam, frozen: {
            encoderTensors.contains($0.name) && !trained.contains($0.name)
        })
        if let resume {
            progress = try OptimizerStateFile.read(path: OptimizerStateFile.path(forModel: resume), into: optimizer)
            secondsBeforeRun = progress.trainingSeconds
            graph.reinforceBaseline = progress.reinforceBaseline
        }
        if let path = settings.logPath {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            log = FileHandle(forWritingAtPath: path)
            log?.seekToEndOfFile()
        }
    }

    public var totalSteps: Int { settings.epochs * plan.batchesPerEpoch(train) }

    public var checkpointPath: String? { settings.checkpointPath ?? settings.outputPath.map { $0 + ".last" } }

    /// The model as it stands.
    /// The weights as they are now, with the starting model's ImageNet classifier (which no step trains).
    public func currentModel() -> Model {
        var model = graph.model(vocabulary: vocabulary, metadata: metadata)
        model.classifier = classifier
        return model
    }

    // MARK: Loop

    public func run() throws -> TrainingStop {
        let schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps,
                                            totalSteps: totalSteps)
        let batches = plan.batchesPerEpoch(train)
        runStarted = Date()
        secondsBeforeRun = progress.trainingSeconds
        var window = (images: 0, start: Date())
        while progress.epoch < settings.epochs {
            while progress.batchInEpoch < batches {
                if trainingInterruptRequested {
                    try checkpoint()
                    return .interrupted
                }
                if let limit = settings.stopAfterSteps, progress.step >= limit {
                    try checkpoint()
                    return .stepLimit
                }
                if let limit = settings.maxMinutes, Date().timeIntervalSince(runStarted) > limit * 60 {
                    try checkpoint()
                    return .timeLimit
                }
                let (batch, pictures) = plan.batch(progress.batchInEpoch, epoch: progress.epoch, dataset: train,
                                                   vocabulary: vocabulary)
                let timeFraction = settings.budgetMinutes.map { trainingSeconds() / ($0 * 60) }
                if let timeFraction, timeFraction >= 1 {
                    // The budget ends mid-epoch at the lowest learning rate: those annealed weights are validated
                    // too, so they can become the best model.
                    _ = try endEpoch()
                    try checkpoint()
                    return try finish(.budgetSpent)
                }
                let rate = schedule.rate(at: progress.step, timeFraction: timeFraction)
                pass.training = true
                graph.reseedDropout(settings.seed &+ UInt64(progress.step) &* 0x2545_F491)
                var reward: Double? = nil
                let encoded = pass.encode(batch)
                var trained = encoded.batch
                if rewardScorer != nil {
                    (trained, reward) = selfCriticalBatch(trained, pictures: encoded.order.map { pictures[$0] })
                }
                let loss = pass.forward(trained)
                graph.zeroGradients()
                pass.backward()
                let optimizerClock = Stopwatch()
                let norm = optimizer.update(parameters: graph.parameters, gradients: graph.gradients, rate: rate)
                graph.seconds["optimizer", default: 0] += optimizerClock.seconds
                progress.step += 1
                progress.batchInEpoch += 1
                window.images += batch.imageCount
                let elapsed = Date().timeIntervalSince(window.start)
                let record = stepRecord(loss, gradientNorm: norm, learningRate: rate,
                                        imagesPerSecond: Double(window.images) / max(elapsed, 1e-9), reward: reward)
                records.append(record)
                writeLog(record)
                if settings.progressEvery > 0 && progress.step % settings.progressEvery == 0 {
                    let remaining = Double(totalSteps - progress.step) * Double(plan.imagesPerBatch) / max(record.imagesPerSecond, 1e-9)
                    let measure = reward.map { String(format: "sampled CIDEr-D %.3f", $0) }
                        ?? String(format: "loss %.4f (ce %.4f)", loss.total, loss.crossEntropy)
                    report(String(format: "step %d/%d  epoch %d  %@  |g| %.2f  lr %.2e  %.1f img/s  ETA %@",
                                  progress.step, totalSteps, progress.epoch + 1, measure, norm, rate,
                                  record.imagesPerSecond, formatDuration(remaining)))
                    window = (0, Date())
                }
                if settings.checkpointEverySteps > 0 && progress.step % settings.checkpointEverySteps == 0 {
                    try checkpoint()
                }
            }
            progress.epoch += 1
            progress.batchInEpoch = 0
            let stop = try endEpoch()
            try checkpoint()
            if stop { return .earlyStopping }
        }
        return try finish(.finished)
    }

    /// The record of the step just taken.
    private func stepRecord(_ loss: LossValue, gradientNorm: Float, learningRate: Float, imagesPerSecond: Double,
                            reward: Double?) -> StepRecord {
        var record = StepRecord(step: progress.step, epoch: progress.epoch, loss: loss.total,
                                crossEntropy: loss.crossEntropy, penalty: loss.penalty, gradientNorm: gradientNorm,
                                learningRate: learningRate, imagesPerSecond: imagesPerSecond, seconds: trainingSeconds(),
                                reward: reward)
        if graph.config.attention == .hard {
            record.attentionEntropy = loss.entropy
            record.baseline = graph.reinforceBaseline
        }
        return record
    }

    /// Without validation there is no best model: the output is the last one.
    private func finish(_ reason: TrainingStop) throws -> TrainingStop {
        if validation == nil, let output = settings.outputPath {
            try ModelFile.write(currentModel(), to: output, storage: settings.outputStorage)
        }
        return reason
    }

    /// Validation, best-model keeping and early stopping; true when training should stop.
    private func endEpoch() throws -> Bool {
        guard let validation, validation.count > 0 else { return false }
        let loss = validationLoss(validation)
        var entry: [String: Any] = ["epoch": progress.epoch, "step": progress.step, "validationLoss": loss.total,
                                    "validationCrossEntropy": loss.crossEntropy]
        var line = String(format: "epoch %d  validation loss %.4f (ce %.4f)", progress.epoch, loss.total, loss.crossEntropy)
        // What "best" means: the dev cross-entropy, which teacher forcing minimises; a self-critical run maximises
        // CIDEr-D and moves its cross-entropy away from the references', so it is judged by the greedy CIDEr-D.
        var criterion = loss.crossEntropy
        if settings.validationCaptionImages > 0 {
            let (scores, samples) = validationCaptionScores(validation, images: settings.validationCaptionImages)
            if settings.selfCritical { criterion = -Float(scores.ciderD) }
            entry["validationBLEU4"] = scores.bleu[3]
            entry["validationCIDErD"] = scores.ciderD
            entry["samples"] = samples
            line += String(format: "  greedy BLEU-4 %.2f  CIDEr-D %.2f", scores.bleu[3], scores.ciderD)
            line += "\n  e.g. " + samples.prefix(3).joined(separator: "\n  e.g. ")
        }
        report(line)
        if let log, let data = try? JSONSerialization.data(withJSONObject: entry) {
            log.write(data + Data("\n".utf8))
        }
        if progress.bestValidationLoss.map({ criterion < $0 }) ?? true {
            progress.bestValidationLoss = criterion
            progress.epochsWithoutImprovement = 0
            if let output = settings.outputPath {
                var model = currentModel()
                model.metadata["validation_cross_entropy"] = String(loss.crossEntropy)
                model.metadata["epoch"] = String(progress.epoch)
                try ModelFile.write(model, to: output, storage: settings.outputStorage)
            }
        } else {
            progress.epochsWithoutImprovement += 1
        }
        return settings.patience > 0 && progress.epochsWithoutImprovement >= settings.patience
    }

    /// Self-critical sequence training (Rennie et al. 2017), with each sample's baseline the mean reward of the other
    /// samples of its picture (Luo 2020) rather than a greedy caption's: the batch's references give way to
    /// K captions sampled per picture from the current model, each weighted by its advantage, CIDEr-D − baseline,
    /// so that the cross-entropy's gradient is the policy gradient −Σ_k advantage_k ∇ log p(sample_k). Returns that
    /// batch and the samples' mean reward.
    func selfCriticalBatch(_ batch: TrainingBatch, pictures: [Int]) -> (TrainingBatch, Double) {
        guard let rewardScorer, case let .grids(grids) = batch.input else {
            preconditionFailure("self-critical training reads grids (cached, or from the fine-tuned encoder)")
        }
        let B = batch.imageCount, K = settings.captionsPerImage
        let decoder = InferenceDecoder(model: currentModel())
        let prepared = decoder.prepare(grid: grids, images: B)
        var generator = SeededGenerator(seed: settings.seed &+ UInt64(progress.step) &* 0x9E37_79B9 &+ 0x5C57)
        let (samples, finished) = sampleCaptions(decoder: decoder, prepared: prepared, images: B, samplesPerImage: K,
                                                 maxWords: settings.maxWords, using: &generator)
        let rewards = samples.enumerated().map { index, ids in
            rewardScorer.score(vocabulary.decode(ids), image: pictures[index / K])
        }
        var advantages = [Float](repeating: 0, count: B * K)   // (R)
        for image in 0..<B {
            let own = rewards[(image * K)..<((image + 1) * K)], total = own.reduce(0, +)
            for (k, reward) in own.enumerated() {
                advantages[image * K + k] = Float(reward - (total - reward) / Double(K - 1))
            }
        }
        let captions = samples.enumerated().map { index, ids in
            [Vocabulary.start] + ids + (finished[index] ? [Vocabulary.end] : [])
        }
        let mean = rewards.reduce(0, +) / Double(rewards.count)
        return (TrainingBatch(input: batch.input, imageCount: B, captions: captions, rowWeights: advantages), mean)
    }

    /// Mean loss per word on (the first `validationImages` pictures of) a split: no dropout, running BN statistics.
    public func validationLoss(_ dataset: CaptionDataset) -> LossValue {
        let B = plan.imagesPerBatch, K = settings.captionsPerImage
        let count = min(dataset.count, settings.validationImages)
        if validationPass == nil {
            validationPass = TrainingPass(model: currentModel(), capacity: graph.capacity, options: settings.loss,
                                          fineTunedBlocks: settings.fineTunedBlocks)
        }
        let evaluator = validationPass!
        evaluator.graph.parameters.update(from: graph.parameters, count: graph.layout.count)
        evaluator.training = false
        var crossEntropy = 0.0, penalty = 0.0, tokens = 0
        var first = 0
        while first < count {
            let pictures = Array(first..<min(first + B, count))
            var captions: [[Int]] = []
            for picture in pictures {
                let texts = dataset.references[picture]
                for k in 0..<K { captions.append(plan.encode(texts[k % texts.count], vocabulary: vocabulary)) }
            }
            let loss = evaluator.forward(TrainingBatch(input: dataset.input(pictures), imageCount: pictures.count,
                                                       captions: captions))
            crossEntropy += Double(loss.crossEntropy) * Double(loss.tokens)
            penalty += Double(loss.penalty) * Double(loss.tokens)
            tokens += loss.tokens
            first += B
        }
        let n = Double(max(tokens, 1))
        return LossValue(total: Float((crossEntropy + penalty) / n), crossEntropy: Float(crossEntropy / n),
                         penalty: Float(penalty / n), tokens: tokens)
    }

    /// Greedy captions of the first `images` pictures of a split, scored against their references
    /// (AttendEval, as the COCO toolkit), and a few "name: caption" samples.
    public func validationCaptionScores(_ dataset: CaptionDataset, images: Int) -> (CaptionScores, [String]) {
        let captioner = Captioner(model: currentModel())
        var predictions: [String: String] = [:], references: [String: [String]] = [:], samples: [String] = []
        let count = min(images, dataset.count)
        var first = 0
        while first < count {
            let indices = Array(first..<min(first + 16, count))
            let options = CaptionOptions(beamSize: 1, maxWords: settings.maxWords)
            let captions: [Caption]
            if let grids = dataset.grids(indices) {
                captions = captioner.caption(grid: grids, count: indices.count, options: options)
            } else {
                captions = captioner.caption(images: dataset.pictures(indices).values, count: indices.count,
                                             options: options)
            }
            for (caption, index) in zip(captions, indices) {
                let name = dataset.names[index]
                predictions[name] = caption.text
                references[name] = dataset.references[index]
                if samples.count < 5 { samples.append("\(name): \(caption.text)") }
            }
            first += 16
        }
        return (scoreCaptions(predictions: predictions, references: references), samples)
    }

    /// Wall time trained over all runs of this checkpoint.
    private func trainingSeconds() -> Double { secondsBeforeRun + Date().timeIntervalSince(runStarted) }

    /// Writes the model and optimizer state (with the time trained so far) to the checkpoint path (atomically),
    /// if there is one.
    public func checkpoint() throws {
        guard let path = checkpointPath else { return }
        progress.trainingSeconds = trainingSeconds()
        progress.reinforceBaseline = graph.reinforceBaseline
        let model = currentModel()
        try ModelFile.write(model, to: path)
        try OptimizerStateFile.write(progress: progress, optimizer: optimizer, to: OptimizerStateFile.path(forModel: path))
        if settings.keepCheckpoints > 0 { try keepSnapshot(model, checkpointPath: path) }
    }

    /// Writes `<checkpoint>.step-NNNNNN` (zero-padded, so names sort by step) and removes all but the newest
    /// `keepCheckpoints` of them.
    private func keepSnapshot(_ model: Model, checkpointPath path: String) throws {
        try ModelFile.write(model, to: path + String(format: ".step-%06d", progress.step))
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path, prefix = url.lastPathComponent + ".step-"
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let snapshots = kept.filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".partial") }.sorted()
        for old in snapshots.dropLast(settings.keepCheckpoints) {
            try? FileManager.default.removeItem(atPath: directory + "/" + old)
        }
    }

    private func writeLog(_ record: StepRecord) {
        guard let log, let line = try? JSONEncoder().encode(record) else { return }
        log.write(line + Data("\n".utf8))
    }

    private func report(_ line: String) {
        guard settings.progressEvery > 0 else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

// MARK: - Helpers

/// b_o = log of each word's frequency among the training targets (add-one smoothed), so the first steps start
/// from the unigram distribution instead of a uniform one.
func setOutputBiasToUnigramLogFrequencies(_ model: inout Model, dataset: CaptionDataset, plan: BatchPlan) {
    let V = model.config.vocabularySize
    var counts = [Double](repeating: 1, count: V)
    counts[Vocabulary.pad] = 0
    counts[Vocabulary.start] = 0
    for captions in dataset.references + dataset.textOnly {
        for caption in captions {
            for id in plan.encode(caption, vocabulary: model.vocabulary).dropFirst() { counts[id] += 1 }
        }
    }
    let total = counts.reduce(0, +)
    let bias = model.layout.outBias
    for v in 0..<V {
        model.parameters[bias.offset + v] = counts[v] > 0 ? Float(log(counts[v] / total)) : -20
    }
}

/// The numbers a mismatch message names: encoder family, input, grid, sizes.
func describe(_ config: ModelConfig) -> String {
    "\(config.encoder.name) \(config.imageSize) px, grid \(config.gridSize)×\(config.gridSize)×\(config.gridChannels), "
        + "P \(config.projectionSize), E \(config.embeddingSize), H \(config.hiddenSize), V \(config.vocabularySize)"
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds)
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
}
