import ArgumentParser
import Attend
import AttendImage
import AttendModel
import Foundation

/// `attend overlay IMAGE...`: a PNG sheet per image showing where each word of the caption looked.
struct OverlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlay",
        abstract: "Draw where each word of the caption looked: one attention sheet (PNG) per image.",
        discussion: """
            Each sheet has the caption as its title, the upright picture, then one tile per word (and <end>) \
            with that word's attention map laid over the picture, the word, and β (how much the word looked \
            at the image at all). Each map is smoothed (bilinear, then a Gaussian of σ = 20/224 of the side, \
            as in the paper; --blur sets σ, 0 for none), stretched back to the picture's aspect ratio, and divided \
            by its own maximum. For a hard-attention model each tile also outlines the cell the word's context \
            came from (--hard-inference argmax or sample), or α's most probable cell (the expectation).
            Output: IMAGE-attention.png beside each image, or in the folder --out names, or the file --out \
            names (one image). --per-word also writes NN-word.png files into IMAGE-attention/.
            Exit status: 0 every image drawn, 1 some image failed (each named on standard error), 2 the model \
            could not be loaded, 64 usage error.
            """)

    @Argument(help: "Image files (JPEG or PNG, recognised by content).")
    var images: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp(
        "Where to write: a .png file (one image), or a folder (created if missing).",
        discussion: "Default: IMAGE-attention.png beside each image.", valueName: "path"))
    var out: String?

    @Flag(help: "Also write one PNG per word (NN-word.png) into IMAGE-attention/, for slides and papers.")
    var perWord = false

    @Option(help: "How the map is drawn: heat (viridis blended over the picture) or spotlight (the picture darkened where attention is low, as in the paper).")
    var style: OverlayStyle = .heat

    @Option(help: ArgumentHelp("Strength of the overlay, 0…1 (default: 0.5 for heat, 0.8 for spotlight).",
                               valueName: "a"))
    var alpha: Float?

    @Option(help: ArgumentHelp("Longer side of each tile, in pixels (the picture is scaled to it).", valueName: "n"))
    var tile = 224

    @Option(help: ArgumentHelp("Tiles per row (default: 5, or 7 for portrait pictures).", valueName: "n"))
    var columns: Int?

    @Option(help: ArgumentHelp("The maps' Gaussian smoothing σ as a fraction of the side (the paper's 20/224 by default; 0: none, the cells only interpolated).", valueName: "σ"))
    var blur: Float = AttentionMap.paperBlur

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptions

    func validate() throws {
        try modelOptions.validate()
        guard (16...4096).contains(tile) else { throw ValidationError("--tile must be between 16 and 4096") }
        if let alpha, !(0...1).contains(alpha) { throw ValidationError("--alpha must be between 0 and 1") }
        if let columns, columns < 1 { throw ValidationError("--columns must be at least 1") }
        guard blur.isFinite && (0...1).contains(blur) else { throw ValidationError("--blur must be between 0 and 1") }
        if let out, out.lowercased().hasSuffix(".png"), images.count > 1 {
            throw ValidationError("--out names one file, but there are \(images.count) images: give a folder")
        }
    }

    func run() throws {
        let captioner = try modelOptions.loadCaptioner()
        var failed = false
        for path in images {
            do {
                let written = try draw(path, captioner: captioner)
                print(written)
                fflush(stdout)
            } catch let error as OverlayError {
                report(path, error.description)
                failed = true
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

    /// Captions one image and writes its sheet (and word figures); returns the sheet's path.
    private func draw(_ path: String, captioner: ImageCaptioner) throws -> String {
        let loaded = try captioner.load(file: path, decoding: imageOptions.decodeOptions)
        let caption = captioner.caption(pixels: [loaded.pixels], options: modelOptions.captionOptions)[0]
        let sheet = AttentionSheet(caption: caption, upright: loaded.decoded.image, grid: captioner.gridSize, tile: tile,
                                   style: style, alpha: alpha, blur: blur, columns: columns)
        let sheetPath = outputPath(for: path)
        try write(sheet.render(), to: sheetPath)
        if perWord {
            let folder = String(sheetPath.dropLast(".png".count))
            try makeFolder(folder)
            for (i, word) in sheet.words.enumerated() {
                try write(sheet.renderWord(i), to: folder + "/" + AttentionSheet.wordFileName(index: i, word: word.word))
            }
        }
        return sheetPath
    }

    /// IMAGE-attention.png beside the image, in the --out folder, or --out itself.
    func outputPath(for image: String) -> String {
        let url = URL(fileURLWithPath: image)
        let name = url.deletingPathExtension().lastPathComponent + "-attention.png"
        guard let out else { return url.deletingLastPathComponent().appendingPathComponent(name).path }
        if out.lowercased().hasSuffix(".png") { return out }
        return URL(fileURLWithPath: out).appendingPathComponent(name).path
    }

    private func write(_ image: RGBImage, to path: String) throws {
        try makeFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        do {
            // zlib level 1: a sheet of photos compresses only 6 % better at level 6, which takes 4–5 times
            // as long (300 ms against 70 ms for a 20-word sheet) — more than captioning the image.
            try PNGWriter.write(image, to: path, compression: 1)
        } catch {
            throw OverlayError.cannotWrite(path, "\(error)")
        }
    }

    private func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw OverlayError.cannotWrite(path, "cannot create the folder")
        }
    }
}

/// What can go wrong writing the figures.
enum OverlayError: Error, CustomStringConvertible {
    case cannotWrite(String, String)

    var description: String {
        switch self {
        case .cannotWrite(let path, let cause): return "cannot write \(path): \(cause)"
        }
    }
}

extension OverlayStyle: ExpressibleByArgument {}
