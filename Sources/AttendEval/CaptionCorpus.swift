import Foundation

// A captioned image folder in the Flickr8k layout:
//   images/                      the pictures
//   Flickr8k.token.txt           `IMAGE.jpg#N<TAB>caption`, one caption per line
//   Flickr_8k.{train,dev,test}Images.txt   one image file name per line
// Captions whose image file is missing are skipped and counted (Flickr8k has four such lines).

// MARK: - Errors

public enum CaptionCorpusError: Error, CustomStringConvertible {
    case missingFile(String)
    case missingImageFolder(String)
    case malformedCaptionLine(file: String, line: Int)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file (expected the Flickr8k layout)"
        case .missingImageFolder(let path): return "\(path): no such image folder (expected the Flickr8k layout)"
        case .malformedCaptionLine(let file, let line):
            return "\(file):\(line): expected `IMAGE.jpg#N<TAB>caption`"
        }
    }
}

// MARK: - Corpus

public struct CaptionCorpus {
    public static let captionFileName = "Flickr8k.token.txt"
    public static let imageFolderName = "images"
    public static let splitNames = ["train", "dev", "test"]
    public static func splitFileName(_ split: String) -> String { "Flickr_8k.\(split)Images.txt" }

    /// The folder the corpus was loaded from.
    public var directory: String
    /// Captions of every image that exists, in file order; keys are image file names.
    public var captions: [String: [String]]
    /// Caption lines skipped because their image file is missing.
    public var missingImageCaptions: Int
    /// Split lists, restricted to images that exist and have captions.
    public var splits: [String: [String]]
    /// Split entries dropped because the image or its captions are missing.
    public var missingSplitImages: Int

    public static func load(directory: String) throws -> CaptionCorpus {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: directory)
        let imageFolder = root.appendingPathComponent(imageFolderName).path
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: imageFolder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CaptionCorpusError.missingImageFolder(imageFolder)
        }
        let present = Set(try fm.contentsOfDirectory(atPath: imageFolder))

        let captionPath = root.appendingPathComponent(captionFileName).path
        let (captions, missing) = try parseCaptions(readText(captionPath), file: captionPath, isPresent: present.contains)

        var splits: [String: [String]] = [:]
        var missingSplit = 0
        for split in splitNames {
            let names = parseSplit(try readText(root.appendingPathComponent(splitFileName(split)).path))
            splits[split] = names.filter { captions[$0] != nil }
            missingSplit += names.count - splits[split]!.count
        }
        return CaptionCorpus(directory: directory, captions: captions, missingImageCaptions: missing,
                             splits: splits, missingSplitImages: missingSplit)
    }

    /// Image file names of a split ("train", "dev" or "test"), in the split file's order.
    public func split(_ name: String) -> [String] {
        precondition(Self.splitNames.contains(name), "unknown split \(name); expected one of \(Self.splitNames)")
        return splits[name] ?? []
    }

    /// The reference captions of an image (raw text), empty for an unknown image.
    public func references(_ image: String) -> [String] { captions[image] ?? [] }

    /// Full path of an image file.
    public func imagePath(_ image: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(Self.imageFolderName).appendingPathComponent(image).path
    }

    // MARK: - Parsing (no file system: what `attend-fuzz captions` feeds)

    /// The captions of a `Flickr8k.token.txt` text, keyed by image file name, in file order, with the number of
    /// lines skipped because `isPresent` says their image is missing. `file` only names the source in errors.
    public static func parseCaptions(_ text: String, file: String,
                                     isPresent: (String) -> Bool) throws -> (captions: [String: [String]], missing: Int) {
        var captions: [String: [String]] = [:]
        var missing = 0
        for (index, line) in lines(text).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let tab = line.firstIndex(of: "\t"), let hash = line[..<tab].lastIndex(of: "#") else {
                throw CaptionCorpusError.malformedCaptionLine(file: file, line: index + 1)
            }
            let image = String(line[..<hash])
            guard isPresent(image) else { missing += 1; continue }
            captions[image, default: []].append(String(line[line.index(after: tab)...]))
        }
        return (captions, missing)
    }

    /// The image names of a split list, one a line, blank lines and surrounding spaces dropped.
    public static func parseSplit(_ text: String) -> [String] {
        lines(text).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A text file's contents, with a clear error naming a missing file.
    static func readText(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw CaptionCorpusError.missingFile(path) }
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Lines of a text; tolerates CRLF.
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
    }
}
