import Foundation

// Captioned photos, whatever format they came in: one type the commands use, one reader per format.
//   .flickr8k   a folder in the Flickr8k layout (this file)
//   .coco       a COCO caption annotation file and its image folder (COCOCaptionReader.swift)
//   .karpathy   Karpathy's split file and the folder its filepaths are under (KarpathySplitReader.swift)
// Every reader keeps each caption's raw text: the model's tokenisation (Vocabulary.tokenize) and the
// toolkit's (ptbTokenize) are applied where the captions are used, so every format is tokenised alike.

// MARK: - Sources

/// Where captioned photos come from.
public enum CaptionSource: Equatable, Sendable {
    /// A folder in the Flickr8k layout.
    case flickr8k(directory: String)
    /// A COCO caption annotation file (`captions_*.json`) and the folder holding its images' `file_name`s.
    case coco(annotations: String, images: String)
    /// A Karpathy split file (`dataset_coco.json`, `dataset_flickr8k.json`, …) and the folder holding each entry's
    /// `filepath/filename`.
    case karpathy(file: String, images: String)
}

/// The JSON formats a caption file can be in (`CaptionSource.coco`, `.karpathy`).
public enum CaptionJSONFormat: CaseIterable, Sendable {
    case coco, karpathy
}

// MARK: - Errors

public enum CaptionCorpusError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case missingImageFolder(String)
    case malformedCaptionLine(file: String, line: Int)
    /// The file is not JSON, or not the shape its format needs (`reason` says what is wrong).
    case malformed(file: String, reason: String)
    /// An image the file lists is not in the image folder (`missing` of `listed` are absent).
    case missingImage(path: String, listedIn: String, missing: Int, listed: Int)
    case noCaptions(file: String, image: String)
    case duplicateImage(file: String, image: String)

    public var description: String {
        switch self {
        case .missingFile(let path): return "\(path): no such file"
        case .missingImageFolder(let path): return "\(path): no such image folder"
        case .malformedCaptionLine(let file, let line):
            return "\(file):\(line): expected `IMAGE.jpg#N<TAB>caption`"
        case .malformed(let file, let reason): return "\(file): \(reason)"
        case .missingImage(let path, let file, let missing, let listed):
            return "\(path): no such image (listed in \(file); \(missing) of its \(listed) images are missing)"
        case .noCaptions(let file, let image): return "\(file): image \(image) has no captions"
        case .duplicateImage(let file, let image): return "\(file): two images are named \(image)"
        }
    }
}

// MARK: - Corpus

public struct CaptionCorpus {
    public static let captionFileName = "Flickr8k.token.txt"
    public static let imageFolderName = "images"
    /// The splits of a Flickr8k folder and of a Karpathy file (whose "val" is "dev" and whose "restval" trains).
    public static let splitNames = ["train", "dev", "test"]
    /// The one split of a COCO annotation file: every image in it.
    public static let wholeFile = "all"
    public static func splitFileName(_ split: String) -> String { "Flickr_8k.\(split)Images.txt" }

    /// The file or folder the corpus was read from, for messages.
    public var origin: String
    /// The folder image names (or `relativePaths`) are under.
    public var imageFolder: String
    /// Per image name, its path below `imageFolder` when that is not the name itself (Karpathy's filepath).
    public var relativePaths: [String: String] = [:]
    /// Captions (raw text) of every image that exists, in file order; keys are image file names.
    public var captions: [String: [String]]
    /// Other names of an image (a COCO id, "6818") -> its file name, so results keyed by id can be matched.
    public var aliases: [String: String] = [:]
    /// Caption lines skipped because their image file is missing (Flickr8k layout only).
    public var missingImageCaptions: Int = 0
    /// Split name -> image file names in file order, restricted to images that exist and have captions.
    public var splits: [String: [String]]
    /// Split entries dropped because the image or its captions are missing (Flickr8k layout only).
    public var missingSplitImages: Int = 0

    public init(origin: String, imageFolder: String, captions: [String: [String]], splits: [String: [String]]) {
        self.origin = origin
        self.imageFolder = imageFolder
        self.captions = captions
        self.splits = splits
    }

    /// Reads any source.
    public static func load(_ source: CaptionSource) throws -> CaptionCorpus {
        switch source {
        case .flickr8k(let directory): return try load(directory: directory)
        case .coco(let annotations, let images): return try COCOCaptionReader.read(annotations: annotations, images: images)
        case .karpathy(let file, let images): return try KarpathySplitReader.read(file: file, images: images)
        }
    }

    /// The corpus a JSON caption file's bytes describe, with the images it lists, which are not looked for: the
    /// caption-JSON fuzz target's entry to the readers `load` uses.
    public static func parseJSON(_ data: Data, format: CaptionJSONFormat) throws -> (corpus: CaptionCorpus, listed: [String]) {
        let (file, folder) = ("input.json", "images")
        let root = try CaptionJSONFile.object(data, file: file)
        switch format {
        case .coco: return try COCOCaptionReader.parse(root, file: file, images: folder)
        case .karpathy: return try KarpathySplitReader.parse(root, file: file, images: folder)
        }
    }

    /// The split names this corpus has, in the usual order.
    public var splitNamesPresent: [String] { (Self.splitNames + [Self.wholeFile]).filter { splits[$0] != nil } }

    /// What `attend eval` scores unless told otherwise: the test split, or a COCO file's whole set.
    public var defaultEvaluationSplit: String { splits["test"] != nil ? "test" : Self.wholeFile }
    /// What trains: the train split, or a COCO file's whole set.
    public var trainingSplit: String { splits["train"] != nil ? "train" : Self.wholeFile }
    /// What validates training: the dev split; nil for a COCO file, which has none.
    public var devSplit: String? { splits["dev"] != nil ? "dev" : nil }

    /// Image file names of a split, in file order.
    public func split(_ name: String) -> [String] {
        precondition(splits[name] != nil, "unknown split \(name); this corpus has \(splitNamesPresent)")
        return splits[name]!
    }

    /// The reference captions of an image (raw text), empty for an unknown image.
    public func references(_ image: String) -> [String] { captions[image] ?? [] }

    /// Full path of an image file.
    public func imagePath(_ image: String) -> String {
        URL(fileURLWithPath: imageFolder).appendingPathComponent(relativePaths[image] ?? image).path
    }
}

// MARK: - The Flickr8k layout
//   images/                      the pictures
//   Flickr8k.token.txt           `IMAGE.jpg#N<TAB>caption`, one caption per line
//   Flickr_8k.{train,dev,test}Images.txt   one image file name per line
// Captions whose image file is missing are skipped and counted (Flickr8k has four such lines).

extension CaptionCorpus {
    public static func load(directory: String) throws -> CaptionCorpus {
        let root = URL(fileURLWithPath: directory)
        let imageFolder = root.appendingPathComponent(imageFolderName).path
        let present = try imageNames(in: imageFolder)

        let captionPath = root.appendingPathComponent(captionFileName).path
        let (captions, missing) = try parseCaptions(readText(captionPath), file: captionPath, isPresent: present.contains)

        var splits: [String: [String]] = [:]
        var missingSplit = 0
        for split in splitNames {
            let names = parseSplit(try readText(root.appendingPathComponent(splitFileName(split)).path))
            splits[split] = names.filter { captions[$0] != nil }
            missingSplit += names.count - splits[split]!.count
        }
        var corpus = CaptionCorpus(origin: directory, imageFolder: imageFolder, captions: captions, splits: splits)
        corpus.missingImageCaptions = missing
        corpus.missingSplitImages = missingSplit
        return corpus
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

    /// The file names in an image folder (one directory listing, not one query per image).
    static func imageNames(in folder: String) throws -> Set<String> {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CaptionCorpusError.missingImageFolder(folder)
        }
        return Set(try FileManager.default.contentsOfDirectory(atPath: folder))
    }
}
