import ArgumentParser
import Attend
import AttendImage
import AttendModel
import Foundation

/// `attend caption IMAGE...`: one line per image (`path<TAB>caption`, or the caption alone for one image), or
/// one JSON object per image with every word's log-probability, β and attention map.
struct CaptionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caption",
        abstract: "Caption images (JPEG or PNG).",
        discussion: """
            Exit status: 0 every image captioned, 1 some image failed (each named on standard error; the \
            others are still captioned), 2 the model could not be loaded, 64 usage error.
            """)

    @Argument(help: "Image files (JPEG or PNG, recognised by content).")
    var images: [String]

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptions

    @Option(help: ArgumentHelp("""
        text: the caption (after "path<TAB>" when there are several images); json: one object per image with \
        every word's log-probability, β and attention map; alt: the caption ready for an HTML alt attribute \
        (sentence case, a full stop, no "a picture of").
        """, valueName: "format"))
    var format: CaptionFormat?

    @Flag(help: "The same as --format json.")
    var json = false

    @Option(help: "Images encoded together in one batch.")
    var batch = 8

    func validate() throws {
        try modelOptions.validate()
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        if json && format != nil && format != .json { throw ValidationError("--json contradicts --format \(format!.rawValue)") }
    }

    func run() throws {
        let captioner = try modelOptions.loadCaptioner()
        let options = modelOptions.captionOptions
        let format = json ? .json : (self.format ?? .text)
        var failed = false
        var start = 0
        while start < images.count {
            let paths = Array(images[start..<min(start + batch, images.count)])
            start += paths.count
            var loaded: [(path: String, pixels: RGBImage)] = []
            for path in paths {
                do {
                    loaded.append((path, try captioner.load(file: path, decoding: imageOptions.decodeOptions).pixels))
                } catch let error as ImageError {
                    report(path, error)
                    failed = true
                } catch {
                    report(path, "\(error)")
                    failed = true
                }
            }
            let captions = captioner.caption(pixels: loaded.map(\.pixels), options: options)
            for ((path, _), caption) in zip(loaded, captions) {
                let text = format == .alt ? AltText.format(caption.text) : caption.text
                if format == .json {
                    print(CaptionJSON(path: path, caption: caption, gridSize: captioner.gridSize).line())
                } else if images.count == 1 {
                    print(text)
                } else {
                    print("\(path)\t\(text)")
                }
            }
            fflush(stdout)
        }
        if failed { throw ExitCode.failure }
    }
}

extension HardInference: ExpressibleByArgument {}

/// What `attend caption` prints for each image.
enum CaptionFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, alt
}

/// The options every command that runs the model shares.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model file, or the name of one in models/ (default: 'default', or $ATTEND_MODEL).")
    var model: String?

    @Option(help: "Beam width; 1 is greedy decoding.")
    var beam = 3

    @Option(help: "Decoding steps at most; a caption still open then is returned unfinished.")
    var maxWords = 20

    @Option(help: "Forbid repeating an n-gram of this length, unless it ends in a function word or a colour ('on a … on a', 'a red circle and a red square'), and any word directly following itself ('are are'); 0: off.")
    var noRepeatNgram = CaptionOptions().noRepeatNgram

    @Option(help: "Length normalisation α: the caption with the best log-probability / length^α wins (0: total log-probability, which favours short captions; 1: mean per word).")
    var lengthAlpha: Float = CaptionOptions().lengthExponent

    @Flag(help: "Let captions contain <unk> (a word outside the model's vocabulary); by default the next best word stands there.")
    var allowUnk = false

    @Flag(help: "Caption from the decoder alone: do not steer the words by the encoder's ImageNet labels.")
    var noLabels = false

    @Option(help: "A label at least this probable must be named in the caption (models with a classifier).")
    var labelThreshold: Float = GroundingOptions().constraintThreshold

    @Option(help: "An object word is not written when its classes (\"dog\": 118 breeds), or all the classes of its kind (\"cat\": every animal), hold less than this.")
    var banThreshold: Float = GroundingOptions().banThreshold

    @Option(help: "An object (person, car, couch) whose presence head gives less than this, or less than the object's share of the training photos, is not named (models with presence heads; 0 turns the rule off).")
    var absentThreshold: Float = GroundingOptions().absentThreshold

    @Option(help: "λ: an object is also not named when its presence head's odds are under λ times those of its share of the training photos. 1 asks only that the photo not be evidence against it; 3 asks for clear evidence for it: fewer people written into photos without any (a rocket, a street), more photos of people captioned without them.")
    var absentOdds: Float = GroundingOptions().absentOdds

    @Option(help: "A hard-attention model's context per word: expectation (β Σ α a, as the authors' sampler at test time), argmax (the most probable location) or sample (a location drawn from α, seeded by the picture). Soft models ignore it.")
    var hardInference: HardInference = CaptionOptions().hardInference

    @Option(help: "Threads for the matrix products.")
    var threads = 2

    func validate() throws {
        guard beam >= 1 else { throw ValidationError("--beam must be at least 1") }
        guard maxWords >= 1 else { throw ValidationError("--max-words must be at least 1") }
        guard noRepeatNgram >= 0 else { throw ValidationError("--no-repeat-ngram must be 0 or more") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard lengthAlpha.isFinite && lengthAlpha >= 0 else { throw ValidationError("--length-alpha must be 0 or more") }
        guard (0...1).contains(labelThreshold) else { throw ValidationError("--label-threshold must be in 0...1") }
        guard (0...1).contains(banThreshold) else { throw ValidationError("--ban-threshold must be in 0...1") }
        guard (0...1).contains(absentThreshold) else { throw ValidationError("--absent-threshold must be in 0...1") }
        guard absentOdds.isFinite && absentOdds > 0 else { throw ValidationError("--absent-odds must be more than 0") }
    }

    var groundingOptions: GroundingOptions {
        var grounding = GroundingOptions(enabled: !noLabels)
        grounding.constraintThreshold = labelThreshold
        grounding.banThreshold = banThreshold
        grounding.absentThreshold = absentThreshold
        grounding.absentOdds = absentOdds
        return grounding
    }

    var captionOptions: CaptionOptions {
        CaptionOptions(beamSize: beam, maxWords: maxWords, noRepeatNgram: noRepeatNgram, lengthExponent: lengthAlpha,
                       allowUnknown: allowUnk, grounding: groundingOptions, hardInference: hardInference)
    }

    /// Loads the model, or exits with status 2 and one line naming the file and the cause.
    func loadCaptioner() throws -> ImageCaptioner {
        ImageCaptioner.setThreadCount(threads)
        do {
            return try ImageCaptioner(model: model)
        } catch {
            printError("attend: \(error)")
            throw ExitCode(2)
        }
    }
}
