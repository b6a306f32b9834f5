import ArgumentParser
import AttendImage
import Foundation

// MARK: - attend preprocess

struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Write the exact pixels the model sees, as a PNG.",
        discussion: """
            The file is decoded by content (JPEG or PNG), turned upright by its EXIF orientation, \
            composited over white where transparent, and squashed to SIZE × SIZE with an antialiased \
            filter: what `attend caption` feeds the model, before per-channel normalisation. A large \
            JPEG is decoded at 1/2, 1/4 or 1/8 size first, exactly as for captioning. With \
            --size original, the upright decoded picture is written at full size instead.
            """)

    @Argument(help: ArgumentHelp("A JPEG or PNG file.", valueName: "image"))
    var image: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The PNG to write ('-': standard output).", valueName: "out.png"))
    var out: String

    @Option(help: ArgumentHelp("The model input's side in pixels, or 'original' for the full-size upright picture.",
                               valueName: "n|original"))
    var size: PreprocessSize = .pixels(ModelInput.defaultSize)

    @OptionGroup var imageOptions: ImageOptions

    func run() throws {
        let picture: RGBImage
        let warnings: [String]
        do {
            switch size {
            case .pixels(let side):
                let loaded = try ModelInput(size: side).load(contentsOf: image, options: imageOptions.decodeOptions)
                (picture, warnings) = (loaded.pixels, loaded.decoded.warnings)
            case .original:
                let decoded = try ImageDecoder.decode(contentsOf: image, options: imageOptions.decodeOptions)
                (picture, warnings) = (decoded.image, decoded.warnings)
            }
        } catch let error as ImageError {
            report(image, error)
            throw ExitCode.failure
        }
        for warning in warnings { report(image, "warning: \(warning)") }
        do {
            if out == "-" {
                FileHandle.standardOutput.write(Data(try PNGWriter.encode(picture)))
            } else {
                try PNGWriter.write(picture, to: out)
            }
        } catch let error as ImageError {
            report(out, error)
            throw ExitCode.failure
        }
    }
}

/// `--size 224` or `--size original`.
enum PreprocessSize: ExpressibleByArgument, Equatable {
    case pixels(Int)
    case original

    init?(argument: String) {
        if argument.lowercased() == "original" {
            self = .original
        } else if let n = Int(argument), (1...16384).contains(n) {
            self = .pixels(n)
        } else {
            return nil
        }
    }

    var defaultValueDescription: String {
        switch self {
        case .pixels(let n): return "\(n)"
        case .original: return "original"
        }
    }
}
