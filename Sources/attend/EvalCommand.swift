import ArgumentParser
import Attend
import AttendEval
import AttendImage
import AttendModel
import AttendTrain
import Foundation

// `attend eval`: caption a split of a Flickr8k-layout folder, a COCO caption file or a Karpathy split file (or
// read captions made elsewhere), score them as the COCO caption toolkit does, and count the objects they name that
// no reference names (CHAIR).

// MARK: - The model hook

enum EvalError: Error, CustomStringConvertible {
    case modelFailed(String)
    case imageFailed(String)
    case unknownSplit(String, origin: String, present: [String])
    case nothingToScore(String)

    var description: String {
        switch self {
        case .modelFailed(let why): return why
        case .imageFailed(let why): return why
        case .unknownSplit(let split, let origin, let present):
            return "\(origin) has no \(split) split; its splits: \(present.joined(separator: ", "))"
        case .nothingToScore(let why): return "nothing to score: \(why)"
        }
    }
}

/// Captions each image (keys of the result: the paths as given), a batch of images per encoder pass; and the
/// side G of the model's attention grid.
/// `progress` advances once per finished image.
func captionImages(paths: [String], options: ModelOptions, progress: ProgressBar?) throws
    -> (captions: [String: Caption], gridSize: Int) {
    ImageCaptioner.setThreadCount(options.threads)
    let captioner: ImageCaptioner
    do { captioner = try ImageCaptioner(model: options.model) } catch {
        throw EvalError.modelFailed("\(error)")
    }
    var result: [String: Caption] = [:]
    let batch = 16
    for first in stride(from: 0, to: paths.count, by: batch) {
        let chunk = Array(paths[first..<min(first + batch, paths.count)])
        var pixels: [RGBImage] = []
        for path in chunk {
            do { pixels.append(try captioner.load(file: path).pixels) } catch {
                throw EvalError.imageFailed("\(path): \(error)")   // a split with an unreadable image cannot be scored
            }
        }
        let captions = captioner.caption(pixels: pixels, options: options.captionOptions)
        for (path, caption) in zip(chunk, captions) {
            result[path] = caption
            progress?.advance()
        }
    }
    return (result, captioner.gridSize)
}

// MARK: - Command

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score captions with BLEU, ROUGE-L and CIDEr-D (COCO toolkit rules) and object hallucination (CHAIR).",
        discussion: """
            The photos and references: a Flickr8k-layout folder (--data), a COCO caption file (--coco FILE \
            --images DIR) or a Karpathy split file (--karpathy FILE --images DIR). CHAIRi is the share of the object \
            mentions in the captions (COCO's 80 categories, once per caption) that name an object none of the photo's \
            references names; CHAIRs the share of captions with such a mention; object recall the share of the \
            objects named by two or more references that the caption names. Exit status: 0 scored; 1 a file is \
            missing or malformed (one line naming it) or an image cannot be read; 2 the model could not be loaded; \
            64 usage error.
            """)

    @OptionGroup(title: "Photos and references (one of --data, --coco, --karpathy)")
    var photos: CaptionDataOptions

    @Option(help: "Split to evaluate: test, dev or train (default: test; a --coco file is one set, 'all').")
    var split: String?

    @Option(help: "Evaluate only the first N images of the split.")
    var limit: Int?

    @Option(help: "Score these captions instead of running the model: JSON lines {\"image\",\"caption\"}, COCO results JSON, or path<TAB>caption lines.")
    var predictions: String?

    @Option(name: .customLong("write-coco"), help: "Also write DIR/results.json and DIR/annotations.json in the COCO caption format, and DIR/hallucination.json (score with scripts/coco_score.py DIR).")
    var writeCOCO: String?

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard photos.isGiven else { throw ValidationError("give one of --data, --coco and --karpathy") }
        let splits = CaptionCorpus.splitNames + [CaptionCorpus.wholeFile]
        if let split, !splits.contains(split) {
            throw ValidationError("unknown split \(split); expected one of \(splits.joined(separator: ", "))")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        // User errors end in one line naming the file and the cause, and exit status 1.
        do {
            try evaluate()
        } catch let error as CaptionCorpusError {
            try fail(error.description)
        } catch let error as PredictionFileError {
            try fail(error.description)
        } catch let error as EvalError {
            if case .modelFailed = error {
                FileHandle.standardError.write(Data("attend eval: \(error.description)\n".utf8))
                throw ExitCode(2)
            }
            try fail(error.description)
        }
    }

    private func evaluate() throws {
        let corpus = try CaptionCorpus.load(photos.source!)
        if corpus.missingImageCaptions > 0 {
            note("skipped \(corpus.missingImageCaptions) caption lines whose image file is missing")
        }
        let split = self.split ?? corpus.defaultEvaluationSplit
        guard corpus.splits[split] != nil else {
            throw EvalError.unknownSplit(split, origin: corpus.origin, present: corpus.splitNamesPresent)
        }
        var images = corpus.split(split)
        if let limit { images = Array(images.prefix(limit)) }
        guard !images.isEmpty else { throw EvalError.nothingToScore("the \(split) split is empty") }

        var predicted: [String: String]
        var pointing: AttentionPointing? = nil
        if let predictions {
            let file = try PredictionFile.read(path: predictions)
            let all = try file.captionsByImage(knownImages: Set(corpus.captions.keys), aliases: corpus.aliases,
                                              path: predictions)
            let wanted = Set(images)
            let inSplit = Set(corpus.split(split))
            let outside = all.keys.filter { !inSplit.contains($0) }
            if !outside.isEmpty {
                note("ignoring \(outside.count) captions of images outside the \(split) split (e.g. \(outside.sorted()[0]))")
            }
            predicted = all.filter { wanted.contains($0.key) }
            let uncovered = images.count - predicted.count
            if uncovered > 0 { note("\(predictions) has no caption for \(uncovered) of the \(images.count) \(split) images; scoring the \(predicted.count) it has") }
            guard !predicted.isEmpty else { throw EvalError.nothingToScore("\(predictions) has no caption for any \(split) image") }
        } else {
            let paths = images.map(corpus.imagePath)
            let progress = ProgressBar(total: paths.count, label: "captioning")
            let (byPath, grid) = try captionImages(paths: paths, options: modelOptions, progress: progress)
            progress.finish()
            predicted = [:]
            for (image, path) in zip(images, paths) { predicted[image] = byPath[path]?.text }
            // Synthetic scenes carry their objects' boxes: score where each colour and shape word looked.
            if case let .flickr8k(directory) = photos.source, let objects = try readSyntheticObjects(directory: directory) {
                var tally = AttentionPointing()
                for (image, path) in zip(images, paths) {
                    if let caption = byPath[path], let scene = objects[image] {
                        tally.add(caption: caption, objects: scene.objects, gridSize: grid, side: scene.side)
                    }
                }
                pointing = tally
            }
        }

        let references = Dictionary(uniqueKeysWithValues: predicted.keys.map { ($0, corpus.references($0)) })
        let scores = scoreCaptions(predictions: predicted, references: references)
        let statistics = CaptionStatistics(predictions: predicted, references: references)
        let hallucination = scoreHallucination(predictions: predicted, references: references)
        if let writeCOCO {
            try COCOExport.write(directory: writeCOCO, predictions: predicted, references: references,
                                 hallucination: hallucination)
            note("wrote \(writeCOCO)/\(COCOExport.resultsFileName), \(COCOExport.annotationsFileName) and "
                 + COCOExport.hallucinationFileName)
        }
        let report = EvalReport(split: split, scores: scores, statistics: statistics, hallucination: hallucination,
                                pointing: pointing.map { .init(words: $0.pointedWords, rate: $0.rate, chanceRate: $0.chanceRate) })
        print(json ? report.json() : report.table())
    }

    private func fail(_ message: String) throws -> Never {
        FileHandle.standardError.write(Data("attend eval: \(message)\n".utf8))
        throw ExitCode(1)
    }

    private func note(_ message: String) {
        FileHandle.standardError.write(Data("attend eval: \(message)\n".utf8))
    }
}

// MARK: - Output

struct EvalReport: Encodable {
    /// Synthetic scenes only: where colour and shape words looked.
    struct Pointing: Encodable {
        var words: Int
        var rate: Double
        var chanceRate: Double
    }
    var split: String
    var scores: CaptionScores
    var statistics: CaptionStatistics
    var hallucination: HallucinationScores
    var pointing: Pointing?

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        let s = scores, t = statistics, h = hallucination
        func row(_ name: String, _ value: String) -> String { name.padding(toLength: 22, withPad: " ", startingAt: 0) + value }
        return [
            row("split", "\(split) (\(t.images) images)"),
            row("BLEU-1", String(format: "%6.2f", s.bleu[0])),
            row("BLEU-2", String(format: "%6.2f", s.bleu[1])),
            row("BLEU-3", String(format: "%6.2f", s.bleu[2])),
            row("BLEU-4", String(format: "%6.2f", s.bleu[3])),
            row("ROUGE-L", String(format: "%6.2f", s.rougeL)),
            row("CIDEr-D", String(format: "%6.2f", s.ciderD)),
            row("CHAIRi", String(format: "%6.1f %% of %d object mentions name an object no reference names",
                                 h.chairI, h.mentions)),
            row("CHAIRs", String(format: "%6.1f %% of %d captions hold one", h.chairS, h.captions)),
            row("object recall", String(format: "%6.1f %% of %d objects named by 2+ references", h.objectRecall,
                                        h.salientObjects)),
            row("hallucinated objects", h.hallucinatedCategories.prefix(6).map { "\($0.category) \($0.count)" }
                .joined(separator: ", ")),
            row("distinct captions", String(format: "%6.1f %%", 100 * t.distinctShare)),
            row("vocabulary used", "\(t.vocabularyUsed) words"),
            row("mean length", String(format: "%6.2f words (references %.2f)", t.meanPredictionLength, t.meanReferenceLength)),
        ].joined(separator: "\n") + (pointing.map {
            "\n" + row("attention pointing", String(format: "%6.1f %% of %d colour and shape words (chance %.1f %%)",
                                                     100 * $0.rate, $0.words, 100 * $0.chanceRate))
        } ?? "")
    }
}
