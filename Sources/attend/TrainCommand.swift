import ArgumentParser
import Attend
import AttendEval
import AttendMath
import AttendModel
import AttendTrain
import Foundation

// MARK: - attend train

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a captioning model on the CPU (Flickr8k layout, COCO or Karpathy files, or synthetic scenes).",
        discussion: """
            Progress goes to stderr; --log writes one JSON line per step. A checkpoint (<out>.last and \
            <out>.last.optim) is written every --checkpoint-every steps, at each epoch, on Ctrl-C and at \
            --max-minutes; --resume <out>.last continues the same run. A pretrained encoder (--config default, \
            EfficientNet-Lite0 from --encoder) stays frozen: each photo is encoded once into the feature cache \
            (--cache), and the decoder trains on the cached grids. --unfreeze N then fine-tunes its top N blocks \
            and head with the decoder, on the (augmented) pictures, usually from a trained captioner (--start-from).
            """)

    @OptionGroup(title: "Photos and captions (one of --data, --coco, --karpathy; or --synthetic)")
    var captions: CaptionDataOptions

    @Option(help: "Train on this many synthetic scenes generated in memory (instead of --data); 200 held-out scenes are scored at the end.")
    var synthetic: Int?

    @Option(help: "With --synthetic: only score this model on the 200 held-out scenes (no training).")
    var score: String?

    @Option(help: "Where to write the model (the best by validation loss when there is a dev split).")
    var out: String

    @Option(help: "Model configuration: default (pretrained EfficientNet-Lite0, 7×7 head grid projected to 512), scratch (a CNN learnt from the photos, 14×14 grid), shapes (64 px synthetic scenes, 8×8 grid), tiny or lite0-tiny (tests).")
    var config: String = "default"

    @Option(help: "A model file whose encoder tensors start this run (an imported EfficientNet-Lite0, scripts/import_lite0.py, or a trained model of the same family). Needed for a pretrained family; default: models/default.attend when it has that family.")
    var encoder: String?

    @Option(help: "Fine-tune a pretrained encoder: train its top N MBConv blocks and the convolution at its tap (the head) with the decoder, on the pictures (no feature cache; --augment applies). Its batch norms keep their running statistics.")
    var unfreeze: Int?

    @Option(help: "Start from this trained model (same configuration and vocabulary): every tensor, the decoder's too. For fine-tuning a captioner trained on the frozen encoder.")
    var startFrom: String?

    @Flag(help: "Self-critical training from a trained captioner (--start-from): --captions-per-image captions are sampled per picture and each is reinforced by how much its CIDEr-D beats the others' mean, in place of teacher forcing on the references.")
    var selfCritical = false

    @Option(help: "Feature cache of a frozen encoder's grids (built when missing or stale). Default: <out>.grids.")
    var cache: String?

    @Option(help: "With a frozen encoder: an input side other than the configuration's (448 doubles the grid's side).")
    var imageSize: Int?

    @Option(help: "With a frozen EfficientNet-Lite0: the grid the decoder attends to: head (1280 channels, stride 32), x11 (block 11's 672-channel expansion, stride 16) or b10 (block 10's 112 channels, stride 16).")
    var tap: String?

    @Option(help: "Dropout on the cached grid's values before the projection.")
    var gridDropout: Float = 0.2

    @Option(help: "How the --out model stores its tensors: f32, or f16 (half the size; checkpoints stay f32).")
    var store: String = "f32"

    @Option(help: "Epochs over the training pictures.")
    var epochs: Int = 10

    @Option(help: "Pictures per step.")
    var batch: Int = 32

    @Option(help: "Captions trained per picture per step (they share one encoder pass).")
    var captionsPerImage: Int?

    @Option(help: "Peak learning rate (Adam).")
    var lr: Float = 4e-4

    @Option(help: "Warmup steps before the cosine decay.")
    var warmup: Int = 200

    @Option(help: "Seed for initialisation, batch order and dropout.")
    var seed: UInt64 = 1

    @Option(help: "BLAS threads.")
    var threads: Int = 2

    @Option(help: "Continue from a checkpoint (a model file with its .optim beside it).")
    var resume: String?

    @Option(help: "Stop (with a checkpoint) after this many minutes.")
    var maxMinutes: Double?

    @Option(help: "Fixed-time recipe: the learning rate decays by wall time too and training ends when this many minutes are spent.")
    var budgetMinutes: Double?

    @Option(help: "Stop (with a checkpoint) after this many steps in all: for benchmarks.")
    var maxSteps: Int?

    @Option(help: "Write one JSON line per step here.")
    var log: String?

    @Option(help: "Draw the loss curves of the --log file to this PNG at the end (and at each stop).")
    var plot: String?

    @Option(help: "Dropout on embeddings and on h before the deep output.")
    var dropout: Float = 0.5

    @Option(help: "λ of the doubly stochastic attention penalty.")
    var attentionPenalty: Float = 1

    @Option(help: "Decoupled weight decay on weight matrices.")
    var weightDecay: Float = 0

    @Option(help: "Clip the global gradient norm to this (0: off).")
    var clip: Float = 5

    @Option(help: "Checkpoint every this many steps.")
    var checkpointEvery: Int = 200

    @Option(help: "Keep the weights of the newest N checkpoints as <checkpoint>.step-NNNNNN, to average with 'attend average' (0: none).")
    var keepCheckpoints: Int = 0

    @Option(help: "Stop after this many epochs without validation improvement (0: never).")
    var patience: Int = 3

    @Option(help: "Longest caption trained, in words.")
    var maxWords: Int = 20

    @Option(help: ArgumentHelp(
        "Augment training pictures: a comma-separated list of crop, jitter, flip.",
        discussion: "crop: a random 80–100% crop squashed back; jitter: brightness, contrast and saturation ±20%; "
            + "flip: mirror half the pictures and swap \"left\" and \"right\" in their captions. Not for "
            + "synthetic scenes, whose captions name objects left to right."))
    var augment: String?

    /// The augmentation `--augment` names.
    func augmentation() throws -> Augmentation {
        guard let augment else { return .none }
        var result = Augmentation.none
        for item in augment.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch item {
            case "crop": result.minimumCropFraction = Augmentation.photos.minimumCropFraction
            case "jitter": result.colourJitter = Augmentation.photos.colourJitter
            case "flip": result.flip = true
            default: throw ValidationError("--augment takes crop, jitter and flip, not '\(item)'")
            }
        }
        return result
    }

    func validate() throws {
        if captions.isGiven == (synthetic != nil) { throw ValidationError("give exactly one of --data, --coco, --karpathy and --synthetic") }
        if batch < 1 || epochs < 1 || threads < 1 { throw ValidationError("--batch, --epochs and --threads must be positive") }
        if keepCheckpoints < 0 { throw ValidationError("--keep-checkpoints must be 0 or more") }
        if plot != nil && log == nil { throw ValidationError("--plot draws the --log file: give --log too") }
        if try synthetic != nil && !augmentation().isIdentity {
            throw ValidationError("--augment is for photos: synthetic captions name objects left to right")
        }
        if ModelConfig.named(config) == nil {
            throw ValidationError("--config must be one of \(ModelConfig.names.joined(separator: ", "))")
        }
        if ModelFile.Storage(rawValue: store) == nil { throw ValidationError("--store takes f32 or f16, not '\(store)'") }
        if let tap, Lite0Tap(rawValue: tap) == nil {
            throw ValidationError("--tap takes \(Lite0Tap.allCases.map(\.rawValue).joined(separator: ", ")), not '\(tap)'")
        }
        if let imageSize, imageSize < 32 { throw ValidationError("--image-size must be at least 32") }
        if (tap != nil || imageSize != nil), case .scratch = ModelConfig.named(config)!.encoder {
            throw ValidationError("--tap and --image-size are for a pretrained encoder's configuration")
        }
        if selfCritical && (startFrom == nil || !captions.isGiven) {
            throw ValidationError("--self-critical starts from a trained captioner on photos: give --data and --start-from")
        }
        if selfCritical && (captionsPerImage ?? 5) < 2 {
            throw ValidationError("--self-critical compares a picture's samples with each other: --captions-per-image 2 or more")
        }
        if let unfreeze {
            guard case let .efficientNetLite0(lite0) = modelConfig().encoder else {
                throw ValidationError("--unfreeze is for a pretrained encoder's configuration (the scratch one trains whole)")
            }
            if !(0...lite0.tap.wholeBlocks).contains(unfreeze) {
                throw ValidationError("--unfreeze takes 0 to \(lite0.tap.wholeBlocks) blocks (the tap's), not \(unfreeze)")
            }
            if synthetic != nil { throw ValidationError("--unfreeze is for --data photos") }
        }
        if try unfreeze == nil && captions.isGiven && !augmentation().isIdentity && modelConfig().scratch == nil {
            throw ValidationError("--augment needs pictures: a frozen encoder trains on cached grids (add --unfreeze N)")
        }
    }

    func run() throws {
        BLAS.setThreadCount(threads)
        var settings = TrainingSettings()
        settings.epochs = epochs
        settings.imagesPerBatch = batch
        settings.maxWords = maxWords
        settings.learningRate = lr
        settings.warmupSteps = warmup
        settings.seed = seed
        settings.loss = LossOptions(attentionPenalty: attentionPenalty, dropout: dropout, gridDropout: gridDropout)
        settings.outputStorage = ModelFile.Storage(rawValue: store)!
        settings.adam = AdamOptions(weightDecay: weightDecay, clipNorm: clip)
        settings.maxMinutes = maxMinutes
        settings.budgetMinutes = budgetMinutes
        settings.stopAfterSteps = maxSteps
        settings.outputPath = out
        settings.checkpointEverySteps = checkpointEvery
        settings.keepCheckpoints = keepCheckpoints
        settings.patience = patience
        settings.logPath = log
        settings.augmentation = try augmentation()
        settings.fineTunedBlocks = unfreeze
        settings.startsFromTrainedModel = startFrom != nil
        settings.selfCritical = selfCritical
        installInterruptHandler()

        if let synthetic {
            try runSynthetic(count: synthetic, settings: settings)
        } else {
            try runCorpus(settings: settings)
        }
        if let plot, let log {
            try writeLossPlot(logPath: log, to: plot)
            warn("wrote \(plot)")
        }
    }

    /// The named configuration with --image-size and --tap applied.
    func modelConfig() -> ModelConfig {
        var model = ModelConfig.named(config)!
        if case var .efficientNetLite0(lite0) = model.encoder {
            if let imageSize { lite0.imageSize = imageSize }
            if let tap { lite0.tap = Lite0Tap(rawValue: tap)! }
            model.encoder = .efficientNetLite0(lite0)
        }
        return model
    }

    func runSynthetic(count: Int, settings: TrainingSettings) throws {
        var settings = settings
        settings.captionsPerImage = captionsPerImage ?? 1
        settings.patience = 0
        let side = modelConfig().imageSize
        let (heldOut, objects) = syntheticDataset(count: 200, seed: seed &+ 1_000_003, size: side)
        if let score {
            let result = scoreSynthetic(model: try ModelFile.read(path: score), dataset: heldOut, objects: objects)
            for mistake in result.mistakes { warn("  wrong: \(mistake)") }
            print("\(score): held-out 200 scenes: \(result.summary)")
            return
        }
        let (train, _) = syntheticDataset(count: count, seed: seed, size: side)
        let vocabulary = Vocabulary(trainingCaptions: train.references.flatMap { $0 }, minimumCount: 5)
        let model = Model.random(config: modelConfig(), vocabulary: vocabulary, seed: seed)
        let trainer = try Trainer(model: model, train: train, validation: nil, settings: settings, resume: resume)
        trainer.metadata = ["command": CommandLine.arguments.joined(separator: " "), "data": "synthetic scenes, \(count), seed \(seed)"]
        let started = Date()
        let stop = try trainer.run()
        let minutes = Date().timeIntervalSince(started) / 60
        let score = scoreSynthetic(model: trainer.currentModel(), dataset: heldOut, objects: objects)
        var final = trainer.currentModel()
        final.metadata["heldout_200"] = score.summary
        final.metadata["training_minutes"] = String(format: "%.2f", minutes)
        try ModelFile.write(final, to: out)
        for mistake in score.mistakes { warn("  wrong: \(mistake)") }
        print(String(format: "trained %d steps in %.2f min (%@); held-out 200 scenes: %@", trainer.progress.step, minutes,
                     stop.rawValue, score.summary))
    }

    func runCorpus(settings: TrainingSettings) throws {
        var settings = settings
        settings.captionsPerImage = captionsPerImage ?? 5
        let side = modelConfig().imageSize
        let corpus = try CaptionCorpus.load(captions.source!)
        if corpus.missingImageCaptions > 0 {
            warn("warning: skipped \(corpus.missingImageCaptions) captions whose image is missing from \(corpus.imageFolder)")
        }
        let trainingCaptions = corpus.split(corpus.trainingSplit).flatMap { corpus.references($0) }
        let vocabulary = Vocabulary(trainingCaptions: trainingCaptions, minimumCount: 5)
        warn("vocabulary: \(vocabulary.count) words (training split, at least 5 occurrences)")
        var model = Model.random(config: modelConfig(), vocabulary: vocabulary, seed: seed)
        if let startFrom {
            model = try trainedModel(startFrom, fitting: model)
        } else if model.config.scratch == nil {
            model.metadata = try loadPretrainedEncoder(into: &model)
        }
        var train: CaptionDataset, dev: CaptionDataset?   // no dev for a COCO file: the last weights are kept
        let (trainSplit, devSplit) = (corpus.trainingSplit, corpus.devSplit)
        let started = Date()
        if model.config.scratch != nil || unfreeze != nil {
            // The encoder (or its top) trains: it reads the pictures, normalised as its family wants.
            train = try CaptionDataset(corpus: corpus, split: trainSplit, side: side)
            dev = try devSplit.map { try CaptionDataset(corpus: corpus, split: $0, side: side) }
            train.normalisation = PixelNormalisation(model.config.modelInput)
            dev?.normalisation = train.normalisation
            warn(String(format: "decoded %d training and %d dev pictures in %.0f s", train.count, dev?.count ?? 0,
                        Date().timeIntervalSince(started)))
        } else {
            let file = try openOrBuildCache(model: model, corpus: corpus, splits: [trainSplit] + (devSplit.map { [$0] } ?? []))
            train = try CaptionDataset(corpus: corpus, split: trainSplit, cache: file)
            dev = try devSplit.map { try CaptionDataset(corpus: corpus, split: $0, cache: file) }
        }
        let trainer = try Trainer(model: model, train: train, validation: dev, settings: settings, resume: resume)
        trainer.metadata = runMetadata(startingFrom: model.metadata)
        let stop = try trainer.run()
        let seconds = trainer.graph.seconds.merging(trainer.fineTuner?.seconds ?? [:]) { $0 + $1 }
        warn("time per phase: " + seconds.sorted { $0.key < $1.key }
            .map { String(format: "%@ %.1f s", $0.key, $0.value) }.joined(separator: ", "))
        warn("stopped: \(stop.rawValue) after \(trainer.progress.step) steps; checkpoint \(trainer.checkpointPath ?? "-")")
    }

    /// This run's metadata: its command, and from the model it starts from the credit of the encoder's weights and
    /// the commands of the stages before it (oldest first), so a shipped model names its whole recipe.
    func runMetadata(startingFrom previous: [String: String]) -> [String: String] {
        var metadata = ["command": CommandLine.arguments.joined(separator: " "), "data": captions.trainingDescription]
        if let credit = previous["encoder_weights"] { metadata["encoder_weights"] = credit }
        if startFrom != nil, let command = previous["command"] {
            metadata["previous_commands"] = (previous["previous_commands"].map { $0 + " ; " } ?? "") + command
        }
        return metadata
    }

    /// The --start-from model, which must have `fresh`'s configuration and vocabulary (the one this data builds).
    func trainedModel(_ path: String, fitting fresh: Model) throws -> Model {
        let trained = try ModelFile.read(path: path)
        if let reason = mismatch(of: trained, with: fresh, vocabularyOf: "the one built from this training data",
                                 configurationOf: "--config \(config)'s") {
            throw ValidationError("\(path): \(reason)")
        }
        var trains = ""
        if let unfreeze, case let .efficientNetLite0(lite0) = trained.config.encoder {
            let last = [Lite0Tap.head: " and the head", .expansion11: " and block 11's expansion"][lite0.tap] ?? ""
            trains = "; the encoder's top \(unfreeze) blocks\(last) train"
        }
        warn("start: every tensor from \(path)" + trains)
        return trained
    }

    /// Copies the encoder tensors of --encoder (or of the shipped default model) into `model`: same family, and
    /// every encoder tensor of `model` present there with its shape (a smaller tap or another input side needs
    /// no other weights). Returns the credit of those weights for the new model's metadata.
    func loadPretrainedEncoder(into model: inout Model) throws -> [String: String] {
        let path = try encoder ?? ModelLocator.locate("default")
        let source = try ModelFile.read(path: path)
        guard source.config.encoder.family == model.config.encoder.family else {
            throw ValidationError("\(path): its encoder is \(source.config.encoder.family), this configuration's is "
                + "\(model.config.encoder.family)")
        }
        for spec in model.layout.tensors where spec.name.hasPrefix("encoder.") {
            guard let from = source.layout.tensor(named: spec.name), from.shape == spec.shape else {
                throw ValidationError("\(path): no tensor \(spec.name) of shape \(spec.shape)")
            }
            model.parameters.replaceSubrange(spec.offset..<(spec.offset + spec.count), with: source.values(of: from))
        }
        warn("encoder: \(model.config.encoder.family) from \(path) (\(model.layout.encoderParameterCount) weights, frozen)")
        return source.metadata.filter { $0.key == "encoder_weights" }
    }

    /// The feature cache of `splits`' photos for `model`'s encoder: --cache (default <out>.grids) when it holds
    /// them for this encoder and preprocessing, else built anew.
    func openOrBuildCache(model: Model, corpus: CaptionCorpus, splits: [String]) throws -> GridCacheFile {
        let path = cache ?? out + ".grids"
        let names = splits.flatMap { corpus.split($0) }
        let key = GridCacheKey(model: model)
        if let file = GridCacheFile(path: path, key: key), Set(names).isSubset(of: file.names) {
            warn("feature cache: \(path) (\(file.names.count) grids)")
            return file
        }
        if FileManager.default.fileExists(atPath: path) {
            warn("feature cache: \(path) was made by another encoder, preprocessing or photo list: rebuilding it")
        }
        let started = Date()
        let file = try GridCacheFile.build(path: path, model: model, names: names, paths: names.map(corpus.imagePath)) { done in
            if done % 512 < 32 || done == names.count {
                let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
                warn(String(format: "feature cache: %d/%d photos, %.1f photos/s", done, names.count, rate))
            }
        }
        warn(String(format: "feature cache: %@, %d grids of %d×%d in %.0f s", path, names.count, model.config.locations,
                    model.config.gridChannels, Date().timeIntervalSince(started)))
        return file
    }
}

func warn(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// Ctrl-C asks the training loop to checkpoint and return; a second Ctrl-C kills at once.
func installInterruptHandler() {
    signal(SIGINT) { _ in
        if trainingInterruptRequested { _exit(130) }
        trainingInterruptRequested = true
    }
}
