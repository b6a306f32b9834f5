import ArgumentParser
import AttendImage
import Foundation

// MARK: - Options every command that reads images shares

struct ImageOptions: ParsableArguments {
    @Option(name: .customLong("max-pixels"),
            help: ArgumentHelp(
                "Refuse images whose header gives more pixels (width × height) than this.",
                discussion: "A number, or with a suffix: 250M, 1G. Default 100M (100 megapixels).",
                valueName: "n"))
    var maxPixels: PixelCount = PixelCount(value: DecodeOptions.defaultMaxPixels)

    @Flag(help: ArgumentHelp(
        "Decode a file that ends early, with a warning, instead of failing.",
        discussion: "A JPEG keeps the part before the cut, the rest grey; a PNG must still hold every pixel."))
    var allowTruncated = false

    var decodeOptions: DecodeOptions {
        DecodeOptions(maxPixels: maxPixels.value, allowTruncated: allowTruncated)
    }
}

/// A pixel count given as 100000000, 100M or 0.1G.
struct PixelCount: ExpressibleByArgument {
    var value: Int

    init(value: Int) { self.value = value }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let multipliers: [Character: Double] = ["K": 1e3, "M": 1e6, "G": 1e9]
        var number = Substring(text)
        var multiplier = 1.0
        if let last = text.last, let m = multipliers[last] {
            number = text.dropLast()
            multiplier = m
        }
        guard let base = Double(number), base > 0, base * multiplier < 9e18 else { return nil }
        let pixels = Int((base * multiplier).rounded())
        guard pixels > 0 else { return nil }
        value = pixels
    }

    var defaultValueDescription: String { "100M" }
}

// MARK: - Reporting

/// Diagnostics go to standard error; results alone go to standard output.
func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    fputs(line, stderr)
}

/// "attend: PATH: message", as compilers and the other Unix tools write it.
func report(_ path: String, _ message: String) {
    printError("attend: \(path): \(message)")
}

/// Reports a failed image, with the flag that gets past it where there is one.
func report(_ path: String, _ error: ImageError) {
    switch error {
    case .truncated(.jpeg, _):
        report(path, error.description + " (--allow-truncated decodes the part that is there)")
    default:
        report(path, error.description)
    }
}
