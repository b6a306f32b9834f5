import Foundation

// MARK: - Karpathy's split files
//
// The files of Karpathy and Fei-Fei 2015 (dataset_coco.json, dataset_flickr8k.json, dataset_flickr30k.json):
//   {"dataset": "...", "images": [{"filename", "filepath"?, "split", "sentences": [{"raw", "tokens"}], "cocoid"?}]}
// Image files are `filepath/filename` (COCO's train2014/, val2014/) or `filename` under the image folder.
// Splits: "train" and "restval" train (as in the papers that use these files), "val" is dev, "test" is test.
// Captions are the sentences' "raw" text, tokenised later as every other format's; "tokens" (Karpathy's own
// tokenisation) is used only when a sentence has no "raw".

enum KarpathySplitReader {
    static let format = "Karpathy split file"
    /// Karpathy's split names -> this project's.
    static let splitOfKarpathySplit = ["train": "train", "restval": "train", "val": "dev", "test": "test"]

    static func read(file path: String, images folder: String) throws -> CaptionCorpus {
        let (corpus, listed) = try parse(CaptionJSONFile.object(path), file: path, images: folder)
        try CaptionJSONFile.checkImagesExist(listed, folder: folder, listedIn: path)
        return corpus
    }

    /// The corpus a file's top-level object describes, and the images it lists (paths below `folder`, in file
    /// order), not yet looked for.
    static func parse(_ root: [String: Any], file path: String, images folder: String) throws
        -> (corpus: CaptionCorpus, listed: [String]) {
        let entries = try CaptionJSONFile.list("images", in: root, file: path, format: format)

        var captions: [String: [String]] = [:]
        var splits: [String: [String]] = Dictionary(uniqueKeysWithValues: CaptionCorpus.splitNames.map { ($0, []) })
        var relativePaths: [String: String] = [:]
        var aliases: [String: String] = [:]
        var listed: [String] = []
        for (index, entry) in entries.enumerated() {
            guard let name = entry["filename"] as? String, !name.isEmpty else {
                throw CaptionCorpusError.malformed(file: path, reason: "images[\(index)] lacks \"filename\"")
            }
            guard captions[name] == nil else { throw CaptionCorpusError.duplicateImage(file: path, image: name) }
            guard let karpathySplit = entry["split"] as? String, let split = splitOfKarpathySplit[karpathySplit] else {
                throw CaptionCorpusError.malformed(file: path, reason: "image \(name) has no \"split\" of train, restval, val or test")
            }
            let sentences = try sentenceTexts(entry["sentences"], image: name, file: path)
            guard !sentences.isEmpty else { throw CaptionCorpusError.noCaptions(file: path, image: name) }
            captions[name] = sentences
            splits[split]!.append(name)
            let relative = (entry["filepath"] as? String).map { $0.isEmpty ? name : $0 + "/" + name } ?? name
            if relative != name { relativePaths[name] = relative }
            listed.append(relative)
            if let cocoID = CaptionJSONFile.idText(entry["cocoid"]) { aliases[cocoID] = name }
        }

        var corpus = CaptionCorpus(origin: path, imageFolder: folder, captions: captions, splits: splits)
        corpus.relativePaths = relativePaths
        corpus.aliases = aliases
        return (corpus, listed)
    }

    /// The raw text of an entry's sentences (or its tokens joined by spaces when there is no raw text).
    static func sentenceTexts(_ value: Any?, image: String, file: String) throws -> [String] {
        guard let sentences = value as? [[String: Any]] else {
            throw CaptionCorpusError.malformed(file: file, reason: "image \(image) has no \"sentences\" list")
        }
        return try sentences.enumerated().map { index, sentence in
            if let raw = sentence["raw"] as? String { return raw }
            if let tokens = sentence["tokens"] as? [String] { return tokens.joined(separator: " ") }
            throw CaptionCorpusError.malformed(file: file, reason: "image \(image): sentence \(index) has neither \"raw\" nor \"tokens\"")
        }
    }
}
