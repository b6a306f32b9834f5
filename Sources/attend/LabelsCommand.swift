import ArgumentParser
import Attend
import AttendImage
import AttendModel
import Foundation

/// `attend labels IMAGE...`: what the encoder's ImageNet classifier sees, in caption words.
struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Print what the encoder's ImageNet classifier sees in images, as caption words.",
        discussion: """
            One line per label: path, word, probability (the sum over the classes the word names) and the most \
            probable of those classes. A model with object-presence heads adds one line per object: path, object, \
            its head's probability, and "presence". Exit status: 0 every image labelled, 1 some image failed \
            (each named on standard error), 2 the model could not be loaded or has neither a classifier nor \
            presence heads, 64 usage error.
            """)

    @Argument(help: "Image files (JPEG or PNG, recognised by content).")
    var images: [String]

    @Option(help: "Model file, or the name of one in models/ (default: 'default', or $ATTEND_MODEL).")
    var model: String?

    @Option(help: "Print the words whose classes hold at least this probability, and the objects whose presence heads give at least this.")
    var threshold: Float = GroundingOptions().reportThreshold

    @Flag(help: "One JSON object per image: {\"path\", \"labels\": [{\"word\", \"probability\", \"classes\"}], \"objects\": [{\"name\", \"probability\", \"share\"}]}; an object's share is that of its head's training photos, and a probability below it is evidence against the object.")
    var json = false

    @OptionGroup var imageOptions: ImageOptions

    func validate() throws {
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be in 0...1") }
    }

    func run() throws {
        let captioner: ImageCaptioner
        do {
            captioner = try ImageCaptioner(model: model)
        } catch {
            printError("attend: \(error)")
            throw ExitCode(2)
        }
        let model = captioner.captioner.model
        guard model.classifier != nil || model.presence != nil else {
            printError("attend: \(captioner.modelPath): the model has no ImageNet classifier and no presence heads")
            throw ExitCode(2)
        }
        var failed = false
        for path in images {
            do {
                let pixels = try captioner.load(file: path, decoding: imageOptions.decodeOptions).pixels
                print(lines(path: path, sight: captioner.sights(pixels: [pixels], threshold: threshold)![0]))
            } catch let error as ImageError {
                report(path, error)
                failed = true
            } catch {
                report(path, "\(error)")
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }

    private func lines(path: String, sight: ImageSight) -> String {
        if json {
            struct Line: Encodable { var path: String; var labels: [ImageLabel]; var objects: [ObjectScore] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let line = Line(path: path, labels: sight.labels, objects: sight.objects)
            return String(decoding: (try? encoder.encode(line)) ?? Data(), as: UTF8.self)
        }
        let labels = sight.labels.map { label in
            let classes = label.classes.map { "\($0.name) \(String(format: "%.2f", $0.probability))" }
            return "\(path)\t\(label.word)\t\(String(format: "%.2f", label.probability))\t\(classes.joined(separator: ", "))"
        }
        let objects = sight.objects.map { "\(path)\t\($0.name)\t\(String(format: "%.2f", $0.probability))\tpresence" }
        return labels.isEmpty && objects.isEmpty ? "\(path)\t-" : (labels + objects).joined(separator: "\n")
    }
}
