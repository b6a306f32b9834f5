import ArgumentParser
import Attend
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
            EfficientNet-Lite0 from --encoder; lite1 and lite2 likewise) stays frozen: each photo is encoded once into the feature cache \
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

    @Option(help: "Model configuration: default (pretrained EfficientNet-Lite0, 7×7 head grid projected to 512), lite1 or lite2 (the same on EfficientNet-Lite1 at 240 px, 8×8, or Lite2 at 260 px, 9×9; --encoder from scripts/import_lite.py --variant), scratch (a CNN learnt from the photos, 14×14 grid), shapes (64 px synthetic scenes, 8×8 grid), tiny or lite0-tiny (tests).")
    var config: ModelConfigName = .default

    @Option(help: "A model file whose encoder tensors start this run (an imported EfficientNet-Lite, scripts/import_lite.py, or a trained model of the same family). Needed for a pretrained family; default: models/default.attend when it has that family.")
    var encoder: String?

    @Option(help: "Fine-tune a pretrained encoder: train its top N MBConv blocks and the convolution at its tap (the head) with the decoder, on the pictures (no feature cache; --augment applies). Its batch norms keep their running statistics.")
    var unfreeze: Int?

    @Option(help: "Start from this trained model (same configuration and vocabulary): every tensor, the decoder's too. For fine-tuning a captioner trained on the frozen encoder.")
    var startFrom: String?

    @Flag(help: "Self-critical training from a trained captioner (--start-from): --captions-per-image captions are sampled per picture and each is reinforced by how much its CIDEr-D beats the others' mean, in place of teacher forcing on the references.")
    var selfCritical = false

    @Option(name: .customLong("text"), help: ArgumentHelp("Captions without their photos (IMAGE#ID<TAB>sentence a line, e.g. ../shared/data/caption-text/*.tsv; repeat for several files): their words join the vocabulary, and with a frozen encoder --text-share of them train the decoder with a null visual context. Later stages (--start-from) name the same files, for the same vocabulary.", valueName: "file"))
    var textFiles: [String] = []

    @Option(help: "Text-only caption groups an epoch trains on, per photo (with --text and a frozen encoder; default 0.5 there, 0 when the run reads pictures or is self-critical: the words only).")
    var textShare: Double?

    @Option(help: "How often a word must occur in the --text files to join the vocabulary.")
    var textMinCount = 10

    @Option(help: "Feature cache of a frozen encoder's grids (built when missing or stale). Default: <out>.grids.")
    var cache: String?

    @Option(help: "With a frozen encoder: an input side other than the configuration's (448 doubles the grid's side).")
    var imageSize: Int?

    @Option(help: "With a frozen EfficientNet-Lite0: the grid the decoder attends to: head (1280 channels, stride 32), x11 (block 11's 672-channel expansion, stride 16) or b10 (block 10's 112 channels, stride 16). Lite1 and Lite2 attend over their head.")
    var tap: LiteTap?

    @Option(help: "Dropout on the cached grid's values before the projection.")
    var gridDropout: Float = 0.2

    @Option(help: "How the --out model stores its tensors: f32, or f16 (half the size; checkpoints stay f32).")
    var store: ModelFile.Storage = .float32

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

    @Option(help: "Attention mechanism: soft (the expected context) or hard (one location drawn from α per word, trained on the variational lower bound with REINFORCE; docs/TRAINING.md). Default: the --start-from model's, else soft.")
    var attention: AttentionMechanism?

    @Option(help: "Hard attention: λ_r, the weight of the REINFORCE term (arctic-captions' 0.1; 1: the bound's unbiased gradient).")
    var reinforceWeight: Float = HardAttentionOptions().reinforceWeight

    @Option(help: "Hard attention: λ_e, the weight of the attention entropy per word (arctic-captions' 0.002).")
    var entropyWeight: Float = HardAttentionOptions().entropyWeight

    @Option(help: "Hard attention: decay of the moving-average baseline of the log-likelihood.")
    var baselineDecay: Float = HardAttentionOptions().baselineDecay

    @Option(help: "Hard attention: the probability that a caption takes the expected (soft) context for a step's batch instead of drawn locations.")
    var softContextProbability: Float = HardAttentionOptions().expectationProbability

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
    var augment: Augmentation?

    @Flag(help: ArgumentHelp("Fit only the --start-from model's object-presence heads: one logistic head per COCO object that at least --presence-min-photos training photos' captions name, on the pooled grid; every other tensor is kept.",
                             discussion: "Grounded decoding then bans the words of an object its head calls absent (caption --absent-threshold)."))
    var presence = false

    @Option(help: "--presence: an object gets a head when at least this many training photos name it.")
    var presenceMinPhotos = PresenceTrainingSettings().minimumPhotos

    /// The augmentation `--augment` names, or none.
    var augmentation: Augmentation { augment ?? .none }

    func validate() throws {
        if captions.isGiven == (synthetic != nil) { throw ValidationError("give exactly one of --data, --coco, --karpathy and --synthetic") }
        if batch < 1 || epochs < 1 || threads < 1 { throw ValidationError("--batch, --epochs and --threads must be positive") }
        if keepCheckpoints < 0 { throw ValidationError("--keep-checkpoints must be 0 or more") }
        if plot != nil && log == nil { throw ValidationError("--plot draws the --log file: give --log too") }
        if synthetic != nil && !augmentation.isIdentity {
            throw ValidationError("--augment is for photos: synthetic captions name objects left to right")
        }
        if let imageSize, imageSize < 32 { throw ValidationError("--image-size must be at least 32") }
        if (tap != nil || imageSize != nil) && config.config.encoder.adjusted(imageSize: imageSize, tap: tap?.rawValue) == nil {
            throw ValidationError("--tap and --image-size are for a pretrained encoder's configuration")
        }
        if selfCritical && (startFrom == nil || !captions.isGiven) {
            throw ValidationError("--self-critical starts from a trained captioner on photos: give --data and --start-from")
        }
        if selfCritical && attention == .hard {
            throw ValidationError("--self-critical is for soft attention (a hard model's locations would need their own reward)")
        }
        if !(0...1).contains(softContextProbability) || !(0..<1).contains(baselineDecay) {
            throw ValidationError("--soft-context-probability must be in 0...1 and --baseline-decay in 0..<1")
        }
        if reinforceWeight < 0 || entropyWeight < 0 {
            throw ValidationError("--reinforce-weight and --entropy-weight must be 0 or more")
        }
        if selfCritical && (captionsPerImage ?? 5) < 2 {
            throw ValidationError("--self-critical compares a picture's samples with each other: --captions-per-image 2 or more")
        }
        let encoder = modelConfig().encoder
        if let problem = encoder.problem() { throw ValidationError(problem) }
        let defaultFamily = ModelConfigName.default.config.encoder.name
        if encoder.isPretrained && encoder.name != defaultFamily && self.encoder == nil && startFrom == nil && resume == nil {
            throw ValidationError("--config \(config.rawValue) needs --encoder: a model file of \(encoder.name) "
                                  + "(scripts/import_lite.py --variant), as models/default.attend is \(defaultFamily)")
        }
        if let unfreeze {
            guard encoder.isPretrained else {
                throw ValidationError("--unfreeze is for a pretrained encoder's configuration (the scratch one trains whole)")
            }
            if !(0...encoder.fineTunableBlocks).contains(unfreeze) {
                throw ValidationError("--unfreeze takes 0 to \(encoder.fineTunableBlocks) blocks (the tap's), not \(unfreeze)")
            }
            if synthetic != nil { throw ValidationError("--unfreeze is for --data photos") }
        }
        if let textShare {
            if textShare < 0 { throw ValidationError("--text-share must be 0 or more") }
            if textShare > 0 && textFiles.isEmpty { throw ValidationError("--text-share needs --text files") }
            if textShare > 0 && (unfreeze != nil || selfCritical) {
                throw ValidationError("--text-share trains on a frozen encoder's cached grids, with teacher forcing: "
                                      + "not with --unfreeze or --self-critical (0 keeps the words only)")
            }
        }
        if textMinCount < 1 { throw ValidationError("--text-min-count must be at least 1") }
        if presence && (startFrom == nil || !captions.isGiven) {
            throw ValidationError("--presence fits a trained captioner's heads on photos: give --data and --start-from")
        }
        if presenceMinPhotos < 1 { throw ValidationError("--presence-min-photos must be at least 1") }
        if !textFiles.isEmpty && synthetic != nil { throw ValidationError("--text is for photos' captions, not --synthetic") }
        if unfreeze == nil && captions.isGiven && !augmentation.isIdentity && encoder.isPretrained {
            throw ValidationError("--augment needs pictures: a frozen encoder trains on cached grids (add --unfreeze N)")
        }
    }

    func run() throws {
        BLAS.setThreadCount(threads)
        installInterruptHandler()
        if synthetic != nil, let score {
            let (heldOut, objects) = syntheticDataset(count: 200, seed: seed &+ 1_000_003, size: modelConfig().imageSize)
            let result = scoreSynthetic(model: try ModelFile.read(path: score), dataset: heldOut, objects: objects)
            for mistake in result.mistakes { warn("  wrong: \(mistake)") }
            print("\(score): held-out 200 scenes: \(result.summary)")
            return
        }
        let outcome = try TrainingRun(options: try runOptions(), report: warn).run()
        if let heldOut = outcome.heldOut {
            print(String(format: "trained %d steps in %.2f min (%@); held-out 200 scenes: %@", outcome.steps,
                         outcome.minutes, outcome.stop.rawValue, heldOut.summary))
        } else if !presence {
            warn("time per phase: " + outcome.seconds.sorted { $0.key < $1.key }
                .map { String(format: "%@ %.1f s", $0.key, $0.value) }.joined(separator: ", "))
            warn("stopped: \(outcome.stop.rawValue) after \(outcome.steps) steps; checkpoint \(outcome.checkpointPath ?? "-")")
        }
        if let plot, let log {
            try writeLossPlot(logPath: log, to: plot)
            warn("wrote \(plot)")
        }
    }

    /// The named configuration with --image-size and --tap applied.
    func modelConfig() -> ModelConfig {
        var model = config.config
        if let adjusted = model.encoder.adjusted(imageSize: imageSize, tap: tap?.rawValue) { model.encoder = adjusted }
        return model
    }

    /// The flags as a training run.
    func runOptions() throws -> TrainingRunOptions {
        var options = TrainingRunOptions(data: captions.source.map(TrainingData.corpus) ?? .synthetic(synthetic!),
                                         configuration: modelConfig(), configurationLabel: "--config \(config.rawValue)",
                                         settings: settings())
        options.startFrom = startFrom
        options.attention = attention
        options.resume = resume
        options.cachePath = cache
        options.textFiles = textFiles
        options.textMinimumCount = textMinCount
        options.command = CommandLine.arguments.joined(separator: " ")
        if presence {
            var settings = PresenceTrainingSettings()
            settings.minimumPhotos = presenceMinPhotos
            options.presence = settings
        }
        if options.configuration.encoder.isPretrained && startFrom == nil {
            options.encoderPath = try encoder ?? ModelLocator.locate("default")
        }
        return options
    }

    /// The trainer's settings from the flags.
    func settings() -> TrainingSettings {
        var settings = TrainingSettings()
        settings.epochs = epochs
        settings.imagesPerBatch = batch
        settings.captionsPerImage = captionsPerImage ?? (synthetic != nil ? 1 : 5)
        settings.maxWords = maxWords
        settings.learningRate = lr
        settings.warmupSteps = warmup
        settings.seed = seed
        settings.loss = LossOptions(attentionPenalty: attentionPenalty, dropout: dropout, gridDropout: gridDropout,
                                    hardAttention: HardAttentionOptions(reinforceWeight: reinforceWeight,
                                                                        entropyWeight: entropyWeight,
                                                                        baselineDecay: baselineDecay,
                                                                        expectationProbability: softContextProbability))
        settings.outputStorage = store
        settings.adam = AdamOptions(weightDecay: weightDecay, clipNorm: clip)
        settings.maxMinutes = maxMinutes
        settings.budgetMinutes = budgetMinutes
        settings.stopAfterSteps = maxSteps
        settings.outputPath = out
        settings.checkpointEverySteps = checkpointEvery
        settings.keepCheckpoints = keepCheckpoints
        settings.patience = patience
        settings.logPath = log
        settings.augmentation = augmentation
        settings.fineTunedBlocks = unfreeze
        settings.startsFromTrainedModel = startFrom != nil
        settings.selfCritical = selfCritical
        settings.textShare = textFiles.isEmpty ? 0 : textShare ?? (unfreeze != nil || selfCritical ? 0 : 0.5)
        return settings
    }
}

extension ModelConfigName: ExpressibleByArgument {}
extension AttentionMechanism: ExpressibleByArgument {}
extension LiteTap: ExpressibleByArgument {}
extension ModelFile.Storage: ExpressibleByArgument {}

extension Augmentation: ExpressibleByArgument {
    public init?(argument: String) { self.init(list: argument) }
}

func warn(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// Ctrl-C asks the training loop to checkpoint and return; a second Ctrl-C kills at once.
func installInterruptHandler() {
    signal(SIGINT) { _ in
        if trainingInterruptRequested { _exit(130) }
        trainingInterruptRequested = true
    }
}
