import ArgumentParser
import AttendImage
import Foundation

// MARK: - attend info

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe image files from their headers.",
        discussion: """
            Format, stored size, upright size (after EXIF orientation), orientation, channels, colour \
            model, bit depth, alpha, interlacing, and for JPEG the chroma subsampling and entropy coding. \
            Only the header is read, so no pixel limit applies. --check also decodes every pixel, as \
            captioning would, and reports what the header cannot show (a truncated file, corrupt data).
            """)

    @Argument(help: ArgumentHelp("JPEG or PNG files.", valueName: "image"))
    var images: [String]

    @Flag(help: "One JSON object per file, one per line.")
    var json = false

    @Flag(help: "Also decode the whole image and report errors and warnings.")
    var check = false

    @OptionGroup var imageOptions: ImageOptions

    func validate() throws {
        if images.isEmpty { throw ValidationError("Give at least one image.") }
    }

    func run() throws {
        var failed = false
        for (index, path) in images.enumerated() {
            do {
                let (info, fileSize) = try ImageDecoder.info(contentsOf: path)
                var warnings: [String]? = nil
                if check {
                    warnings = try ImageDecoder.decode(contentsOf: path, options: imageOptions.decodeOptions).warnings
                }
                if json {
                    print(jsonLine(path: path, info: info, fileSize: fileSize, warnings: warnings))
                } else {
                    if index > 0 { print() }
                    print(textBlock(path: path, info: info, fileSize: fileSize, warnings: warnings), terminator: "")
                }
            } catch let error as ImageError {
                failed = true
                report(path, error)
                if json { print(JSONLine([("path", .string(path)), ("error", .string(error.description))]).text) }
            }
        }
        if failed { throw ExitCode.failure }
    }

    private func textBlock(path: String, info: ImageInfo, fileSize: Int, warnings: [String]?) -> String {
        var details = [info.interlaced ? (info.format == .jpeg ? "progressive" : "Adam7 interlaced")
                                       : (info.format == .jpeg ? "baseline" : "not interlaced")]
        if info.format == .jpeg {
            details.append(info.arithmeticCoding ? "arithmetic coding" : "Huffman coding")
            if let subsampling = info.chromaSubsampling { details.append(subsampling) }
            if info.restartInterval > 0 { details.append("restart every \(info.restartInterval) MCUs") }
        }
        var rows: [(String, String)] = [
            ("file", path),
            ("format", "\(info.format.rawValue), " + details.joined(separator: ", ")),
            ("stored size", "\(info.width) × \(info.height)"),
            ("upright size", "\(info.uprightWidth) × \(info.uprightHeight)"),
            ("orientation", "\(info.orientation.rawValue) (\(info.orientation.summary))"),
            ("channels", "\(info.channels) (\(info.colorModel))"),
            ("bit depth", "\(info.bitDepth)"),
            ("alpha", info.hasAlpha ? "yes (composited over white)" : "no"),
            ("ICC profile", info.hasICCProfile ? "yes (not applied)" : "no"),
            ("file size", "\(fileSize) bytes"),
        ]
        if let warnings {
            rows.append(("check", warnings.isEmpty ? "decodes cleanly" : "decodes with \(warnings.count) warning(s)"))
            rows += warnings.map { ("warning", $0) }
        }
        return rows.map { $0.0.padding(toLength: 14, withPad: " ", startingAt: 0) + $0.1 + "\n" }.joined()
    }

    private func jsonLine(path: String, info: ImageInfo, fileSize: Int, warnings: [String]?) -> String {
        var fields: [(String, JSONValue)] = [
            ("path", .string(path)),
            ("format", .string(info.format.rawValue.lowercased())),
            ("width", .int(info.width)),
            ("height", .int(info.height)),
            ("upright_width", .int(info.uprightWidth)),
            ("upright_height", .int(info.uprightHeight)),
            ("orientation", .int(info.orientation.rawValue)),
            ("channels", .int(info.channels)),
            ("color_model", .string(info.colorModel)),
            ("bit_depth", .int(info.bitDepth)),
            ("alpha", .bool(info.hasAlpha)),
            ("interlaced", .bool(info.interlaced)),
            ("icc_profile", .bool(info.hasICCProfile)),
        ]
        if info.format == .jpeg {
            fields += [
                ("progressive", .bool(info.interlaced)),
                ("arithmetic_coding", .bool(info.arithmeticCoding)),
                ("chroma_subsampling", info.chromaSubsampling.map(JSONValue.string) ?? .null),
                ("restart_interval", .int(info.restartInterval)),
            ]
        }
        fields.append(("file_bytes", .int(fileSize)))
        if let warnings { fields.append(("warnings", .array(warnings.map(JSONValue.string)))) }
        return JSONLine(fields).text
    }
}
