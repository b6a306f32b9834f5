import AttendEval
import AttendModel
import Foundation

// MARK: - A training run: what `attend train` does, from Swift
//
// The orchestration around the trainer: the data (captioned photos in one of the caption formats, or synthetic
// scenes), the model it
// starts from (fresh, a pretrained encoder's tensors copied in, or a trained captioner), how the batches reach the
// graph (pictures for an encoder that trains, or the feature cache of a frozen one's grids), then the Trainer.
// The command line only maps its flags to `TrainingRunOptions`.

/// What a run trains on.
public enum TrainingData: Equatable, Sendable {
    /// Captioned photos: a Flickr8k-layout folder, a COCO caption file or a Karpathy split file.
    case corpus(CaptionSource)
    /// This many synthetic scenes generated in memory; 200 held-out scenes (another seed) are scored at the end.
    case synthetic(Int)
}

/// How a run's batches reach the training graph.
public enum TrainingDataMode: Equatable, Sendable {
    /// The normalised pictures, for an encoder that trains (whole, or its fine-tuned top).
    case pictures
    /// A frozen encoder's grids of every photo, computed once into the feature cache.
    case featureCache
}

public struct TrainingRunOptions: Sendable {
    public var data: TrainingData
    /// The model's configuration (a named one, with any input side or tap applied).
    public var configuration: ModelConfig
    /// How the configuration is named in messages ("--config default's").
    public var configurationLabel: String
    /// The trainer's settings; `outputPath` is where the model goes.
    public var settings: TrainingSettings
    /// A model file whose encoder tensors start a pretrained family's run (an imported network, or a trained model
    /// of the same family). Needed for a pretrained family unless `startFrom` is given.
    public var encoderPath: String? = nil
    /// A trained captioner of the same configuration and vocabulary: every tensor starts the run.
    public var startFrom: String? = nil
    /// The attention mechanism trained; nil: the `startFrom` model's, soft for a fresh model.
    public var attention: AttentionMechanism? = nil
    /// The feature cache (default: `<output>.grids`).
    public var cachePath: String? = nil
    /// A checkpoint to continue.
    public var resume: String? = nil
    /// Files of captions without their photos (`IMAGE#ID<TAB>sentence`, CaptionText): their words join the
    /// vocabulary, and `settings.textShare` of them train the language side with a null visual context.
    public var textFiles: [String] = []
    /// How often a word must occur in the text files to join the vocabulary.
    public var textMinimumCount = 10
    /// The command line, for the model's metadata.
    public var command: String = ""
    /// Fit only the `startFrom` model's object-presence heads (PresenceTraining.swift) with these settings; every
    /// other tensor is kept.
    public var presence: PresenceTrainingSettings? = nil

    public init(data: TrainingData, configuration: ModelConfig, configurationLabel: String,
                settings: TrainingSettings) {
        self.data = data
        self.configuration = configuration
        self.configurationLabel = configurationLabel
        self.settings = settings
    }

    /// The configuration of a fresh model: `configuration` with the attention mechanism asked for (soft by default).
    public var freshConfiguration: ModelConfig {
        var fresh = configuration
        fresh.attention = attention ?? .soft
        return fresh
    }

    /// Pictures when the encoder trains (a family that is not pretrained, or a fine-tuned top), else the cache.
    public var dataMode: TrainingDataMode {
        !configuration.encoder.isPretrained || settings.fineTunedBlocks != nil ? .pictures : .featureCache
    }
}

/// A model file a run starts from that does not fit it: the file and why.
public struct TrainingRunError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}

/// How a run ended.
public struct TrainingOutcome: Sendable {
    public var stop: TrainingStop
    public var steps: Int
    public var checkpointPath: String?
    /// Seconds per phase (encoder, projection, decoder, optimizer).
    public var seconds: [String: Double]
    /// Synthetic scenes: the held-out score of the final model.
    public var heldOut: SyntheticScore? = nil
    public var minutes: Double
}

public final class TrainingRun {
    public let options: TrainingRunOptions
    /// Progress and diagnostics, one line at a time (stderr in the command line).
    let report: (String) -> Void

    public init(options: TrainingRunOptions, report: @escaping (String) -> Void = { _ in }) {
        self.options = options
        self.report = report
    }

    /// Trains, writes the model (and checkpoints) and says how the run ended.
    public func run() throws -> TrainingOutcome {
        switch options.data {
        case let .corpus(source): return options.presence == nil ? try runCorpus(source) : try runPresence(source)
        case let .synthetic(count): return try runSynthetic(count: count)
        }
    }

    // MARK: - Synthetic scenes

    func runSynthetic(count: Int) throws -> TrainingOutcome {
        var settings = options.settings
        settings.patience = 0
        let seed = settings.seed, side = options.configuration.imageSize
        let (heldOut, objects) = syntheticDataset(count: 200, seed: seed &+ 1_000_003, size: side)
        let (train, _) = syntheticDataset(count: count, seed: seed, size: side)
        let vocabulary = Vocabulary(trainingCaptions: train.references.flatMap { $0 }, minimumCount: 5)
        let model = Model.random(config: options.freshConfiguration, vocabulary: vocabulary, seed: seed)
        let trainer = try Trainer(model: model, train: train, validation: nil, settings: settings,
                                  resume: options.resume)
        trainer.metadata = ["command": options.command, "data": "synthetic scenes, \(count), seed \(seed)"]
        let started = Date()
        let stop = try trainer.run()
        let minutes = Date().timeIntervalSince(started) / 60
        let score = scoreSynthetic(model: trainer.currentModel(), dataset: heldOut, objects: objects)
        var final = trainer.currentModel()
        final.metadata["heldout_200"] = score.summary
        final.metadata["training_minutes"] = String(format: "%.2f", minutes)
        if let output = settings.outputPath { try ModelFile.write(final, to: output) }
        for mistake in score.mistakes { report("  wrong: \(mistake)") }
        return TrainingOutcome(stop: stop, steps: trainer.progress.step, checkpointPath: trainer.checkpointPath,
                               seconds: trainer.pass.seconds, heldOut: score, minutes: minutes)
    }

    // MARK: - Photos

    func runCorpus(_ source: CaptionSource) throws -> TrainingOutcome {
        let corpus = try CaptionCorpus.load(source)
        if corpus.missingImageCaptions > 0 {
            report("warning: skipped \(corpus.missingImageCaptions) captions whose image is missing from \(corpus.imageFolder)")
        }
        let text = try CaptionText.load(options.textFiles)
        let origin = try originModel()
        let vocabulary = self.vocabulary(corpus: corpus, text: text, classifier: origin?.model.classifier)
        let model = try startingModel(vocabulary: vocabulary, origin: origin)
        if options.settings.selfCritical && model.config.attention == .hard {
            throw TrainingRunError(path: options.startFrom ?? "--self-critical", reason: "self-critical training is for "
                                   + "soft attention; this model has hard attention")
        }
        var (train, dev) = try datasets(corpus, model: model)
        if options.settings.textShare > 0 {
            guard options.dataMode == .featureCache else {
                throw TrainingRunError(path: options.textFiles.first ?? "--text",
                                       reason: "text-only captions train a decoder on a frozen encoder's cached grids")
            }
            train.textOnly = text.groups
            report(String(format: "text: %d groups of captions without photos, %.0f an epoch (%.2f per photo)",
                          text.groups.count, (Double(train.count) * options.settings.textShare).rounded(),
                          options.settings.textShare))
        }
        let trainer = try Trainer(model: model, train: train, validation: dev, settings: options.settings,
                                  resume: options.resume)
        trainer.metadata = metadata(startingFrom: model.metadata, data: source.trainingDescription)
        let started = Date()
        let stop = try trainer.run()
        return TrainingOutcome(stop: stop, steps: trainer.progress.step, checkpointPath: trainer.checkpointPath,
                               seconds: trainer.pass.seconds, minutes: Date().timeIntervalSince(started) / 60)
    }

    // MARK: - Object-presence heads

    func runPresence(_ source: CaptionSource) throws -> TrainingOutcome {
        let started = Date()
        guard let startFrom = options.startFrom, let settings = options.presence else {
            throw TrainingRunError(path: "--presence", reason: "presence heads are fitted to a trained model: give --start-from")
        }
        var model = try ModelFile.read(path: startFrom)
        let corpus = try CaptionCorpus.load(source)
        let splits = [corpus.trainingSplit] + (corpus.devSplit.map { [$0] } ?? [])
        let file = try openOrBuildCache(model: model, corpus: corpus, splits: splits)
        let words = ObjectWords.coco
        let trainNames = corpus.split(corpus.trainingSplit)
        let names = presenceObjects(references: trainNames.map(corpus.references), words: words,
                                    minimumPhotos: settings.minimumPhotos)
        guard !names.isEmpty else {
            throw TrainingRunError(path: source.trainingDescription, reason: "no object is named by "
                                   + "\(settings.minimumPhotos) training photos")
        }
        let train = try pooledGrids(file: file, names: trainNames)
        let labels = presenceLabels(references: trainNames.map(corpus.references), objects: names, words: words)
        let objects = zip(names, presenceRates(labels: labels, images: trainNames.count)).map {
            PresenceObject(name: $0, words: words.singleWords(of: $0), share: $1)
        }
        let presence = fitObjectPresence(objects: objects, pooled: train, labels: labels, images: trainNames.count,
                                         settings: settings)
        if let dev = corpus.devSplit.map(corpus.split) {
            report(presenceSummary(presence, pooled: try pooledGrids(file: file, names: dev),
                                   labels: presenceLabels(references: dev.map(corpus.references), objects: names,
                                                          words: words)))
        }
        model.presence = presence
        model.metadata = metadata(startingFrom: model.metadata, data: source.trainingDescription)
        guard let output = options.settings.outputPath else {
            throw TrainingRunError(path: "--out", reason: "presence heads need a model file to write")
        }
        try ModelFile.write(model, to: output, storage: options.settings.outputStorage)
        report("presence heads: \(names.count) objects (\(names.joined(separator: ", "))); wrote \(output)")
        return TrainingOutcome(stop: .finished, steps: settings.steps, checkpointPath: nil, seconds: [:],
                               minutes: Date().timeIntervalSince(started) / 60)
    }

    /// The cached grids of `names`, each averaged over its cells: (N, C).
    func pooledGrids(file: GridCacheFile, names: [String]) throws -> [Float] {
        let cache = try GridCache(file: file, names: names)
        var pooled: [Float] = []
        pooled.reserveCapacity(names.count * file.channels)
        for first in stride(from: 0, to: names.count, by: 256) {
            let indices = Array(first..<min(first + 256, names.count))
            pooled += meanPooled(grid: cache.grids(indices), images: indices.count, channels: file.channels)
        }
        return pooled
    }

    /// One line per object on dev photos: how many name it, and the heads' AUC.
    func presenceSummary(_ presence: ObjectPresence, pooled: [Float], labels: [Float]) -> String {
        let J = presence.objectCount, N = labels.count / J
        let probabilities = presence.probabilities(pooled: pooled, images: N)
        let lines = presence.objects.enumerated().map { j, object -> String in
            let column = (0..<N).map { $0 * J + j }
            let auc = areaUnderROC(scores: column.map { probabilities[$0] }, labels: column.map { labels[$0] == 1 })
            return String(format: "  %@: %d of %d dev photos, AUC %@", object.name, column.filter { labels[$0] == 1 }.count,
                          N, auc.map { String(format: "%.3f", $0) } ?? "-")
        }
        return (["presence heads on the dev split:"] + lines).joined(separator: "\n")
    }

    /// The training split's words (5 occurrences), widened by the text files' (`textMinimumCount`) and by the
    /// caption words of the classifier the run carries, so that grounding can constrain the decoder to them.
    func vocabulary(corpus: CaptionCorpus, text: CaptionText, classifier: ImageNetClassifier?) -> Vocabulary {
        let captions = corpus.split(corpus.trainingSplit).flatMap { corpus.references($0) }
        let classWords = classifier?.classes.flatMap { [$0.word].compactMap { $0 } + $0.also } ?? []
        let vocabulary = Vocabulary(trainingCaptions: captions, minimumCount: 5, text: text.sentences,
                                    textMinimumCount: options.textMinimumCount, required: classWords)
        var sources = ["training split, at least 5 occurrences"]
        if !text.groups.isEmpty { sources.append("text files, at least \(options.textMinimumCount)") }
        if !classWords.isEmpty { sources.append("the classifier's caption words") }
        report("vocabulary: \(vocabulary.count) words (\(sources.joined(separator: "; ")))")
        return vocabulary
    }

    /// The model file a run's weights come from: the trained captioner `startFrom`, else a pretrained family's
    /// encoder file; nil for a family that trains whole from scratch.
    func originModel() throws -> (path: String, model: Model)? {
        if let startFrom = options.startFrom { return (startFrom, try ModelFile.read(path: startFrom)) }
        guard options.configuration.encoder.isPretrained else { return nil }
        guard let path = options.encoderPath else {
            throw TrainingRunError(path: "--encoder", reason: "a pretrained encoder needs a model file with its weights")
        }
        return (path, try ModelFile.read(path: path))
    }

    /// A fresh model of the configuration, with a pretrained family's encoder tensors (and ImageNet classifier)
    /// copied in from `origin`, or the `startFrom` captioner itself.
    func startingModel(vocabulary: Vocabulary, origin: (path: String, model: Model)?) throws -> Model {
        var model = Model.random(config: options.freshConfiguration, vocabulary: vocabulary, seed: options.settings.seed)
        guard let origin else { return model }
        if options.startFrom != nil {
            model = try trainedModel(origin.model, path: origin.path, fitting: model)
        } else {
            model.metadata = try loadPretrainedEncoder(from: origin.model, path: origin.path, into: &model)
        }
        return model
    }

    /// The training and dev splits as the data mode wants them: decoded pictures, or the feature cache's grids.
    /// No dev split (a COCO file is one set): the trainer keeps the last weights.
    func datasets(_ corpus: CaptionCorpus, model: Model) throws -> (train: CaptionDataset, dev: CaptionDataset?) {
        let (trainSplit, devSplit) = (corpus.trainingSplit, corpus.devSplit)
        guard options.dataMode == .pictures else {
            let file = try openOrBuildCache(model: model, corpus: corpus, splits: [trainSplit] + (devSplit.map { [$0] } ?? []))
            return (try CaptionDataset(corpus: corpus, split: trainSplit, cache: file),
                    try devSplit.map { try CaptionDataset(corpus: corpus, split: $0, cache: file) })
        }
        let started = Date(), side = model.config.imageSize
        var train = try CaptionDataset(corpus: corpus, split: trainSplit, side: side)
        var dev = try devSplit.map { try CaptionDataset(corpus: corpus, split: $0, side: side) }
        train.normalisation = PixelNormalisation(model.config.pixelStatistics)
        dev?.normalisation = train.normalisation
        report(String(format: "decoded %d training and %d dev pictures in %.0f s", train.count, dev?.count ?? 0,
                      Date().timeIntervalSince(started)))
        return (train, dev)
    }

    /// This run's metadata: its command, and from the model it starts from the credit of the encoder's weights and
    /// the commands of the stages before it (oldest first), so a shipped model names its whole recipe.
    func metadata(startingFrom previous: [String: String], data: String) -> [String: String] {
        var metadata = ["command": options.command, "data": data]
        if let credit = previous["encoder_weights"] { metadata["encoder_weights"] = credit }
        if options.startFrom != nil, let command = previous["command"] {
            metadata["previous_commands"] = (previous["previous_commands"].map { $0 + " ; " } ?? "") + command
        }
        return metadata
    }

    /// The `startFrom` model, which must have `fresh`'s configuration and vocabulary (the one this data builds); its
    /// attention mechanism is the run's when `attention` names one.
    func trainedModel(_ stored: Model, path: String, fitting fresh: Model) throws -> Model {
        let trained = stored.with(attention: options.attention ?? stored.config.attention)
        if let reason = mismatch(of: trained, with: fresh.with(attention: trained.config.attention),
                                 vocabularyOf: "the one built from this training data",
                                 configurationOf: options.configurationLabel + "'s") {
            throw TrainingRunError(path: path, reason: reason)
        }
        if trained.config.attention != stored.config.attention {
            report("attention: \(path) was trained with \(stored.config.attention) attention; this run trains "
                   + "\(trained.config.attention)")
        }
        let trains = options.settings.fineTunedBlocks.map {
            "; the encoder's top \($0) blocks train (with the convolution at its tap, where it has one)"
        } ?? ""
        report("start: every tensor from \(path)" + trains)
        return trained
    }

    /// Copies the encoder tensors of `source` (the file at `path`) into `model`: same family, and every encoder
    /// tensor of `model` present there with its shape (a smaller tap or another input side needs no other weights),
    /// and its ImageNet classifier where it has one that reads `model`'s grid. Returns the credit of those weights
    /// for the new model's metadata.
    func loadPretrainedEncoder(from source: Model, path: String, into model: inout Model) throws -> [String: String] {
        guard source.config.encoder.name == model.config.encoder.name else {
            throw TrainingRunError(path: path, reason: "its encoder is \(source.config.encoder.name), this "
                                   + "configuration's is \(model.config.encoder.name)")
        }
        for spec in model.layout.encoderTensors {
            guard let from = source.layout.tensor(named: spec.name), from.shape == spec.shape else {
                throw TrainingRunError(path: path, reason: "no tensor \(spec.name) of shape \(spec.shape)")
            }
            model.parameters.replaceSubrange(spec.offset..<(spec.offset + spec.count), with: source.values(of: from))
        }
        if let classifier = source.classifier, classifier.channels == model.config.gridChannels {
            model.classifier = classifier
        }
        report("encoder: \(model.config.encoder.name) from \(path) (\(model.layout.encoderParameterCount) weights, frozen"
               + (model.classifier == nil ? ")" : "; its ImageNet classifier too)"))
        return source.metadata.filter { $0.key == "encoder_weights" }
    }

    /// The feature cache of `splits`' photos for `model`'s encoder: `cachePath` (default `<output>.grids`) when it
    /// holds them for this encoder and preprocessing, else built anew.
    func openOrBuildCache(model: Model, corpus: CaptionCorpus, splits: [String]) throws -> GridCacheFile {
        let path = options.cachePath ?? (options.settings.outputPath ?? "attend") + ".grids"
        let names = splits.flatMap { corpus.split($0) }
        if let file = GridCacheFile(path: path, key: GridCacheKey(model: model)), Set(names).isSubset(of: file.names) {
            report("feature cache: \(path) (\(file.names.count) grids)")
            return file
        }
        if FileManager.default.fileExists(atPath: path) {
            report("feature cache: \(path) was made by another encoder, preprocessing or photo list: rebuilding it")
        }
        let started = Date()
        let file = try GridCacheFile.build(path: path, model: model, names: names, paths: names.map(corpus.imagePath)) { done in
            if done % 512 < 32 || done == names.count {
                let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
                self.report(String(format: "feature cache: %d/%d photos, %.1f photos/s", done, names.count, rate))
            }
        }
        report(String(format: "feature cache: %@, %d grids of %d×%d in %.0f s", path, names.count,
                      model.config.locations, model.config.gridChannels, Date().timeIntervalSince(started)))
        return file
    }
}

extension CaptionSource {
    /// What trains, for a model's metadata.
    var trainingDescription: String {
        switch self {
        case .flickr8k: return "Flickr8k train split"
        case let .coco(annotations, _): return "COCO captions \(annotations), every image"
        case let .karpathy(file, _): return "Karpathy split file \(file), train and restval"
        }
    }
}
