import Foundation

// MARK: - COCO caption annotations
//
// The format COCO's captions_train2017.json and captions_val2017.json are published in:
//   {"images": [{"id", "file_name", ...}], "annotations": [{"id", "image_id", "caption"}], "info", "licenses"}
// Image files are `file_name` under the image folder. A COCO file has no splits: its images form one set
// (CaptionCorpus.wholeFile). Every listed image must exist and have a caption; each caption must name a listed
// image.

enum COCOCaptionReader {
    static let format = "COCO caption annotation file"

    static func read(annotations path: String, images folder: String) throws -> CaptionCorpus {
        let (corpus, listed) = try parse(CaptionJSONFile.object(path), file: path, images: folder)
        try CaptionJSONFile.checkImagesExist(listed, folder: folder, listedIn: path)
        return corpus
    }

    /// The corpus a file's top-level object describes, and the images it lists (paths below `folder`, in file
    /// order), not yet looked for.
    static func parse(_ root: [String: Any], file path: String, images folder: String) throws
        -> (corpus: CaptionCorpus, listed: [String]) {
        let images = try CaptionJSONFile.list("images", in: root, file: path, format: format)
        let annotations = try CaptionJSONFile.list("annotations", in: root, file: path, format: format)

        var names: [String] = []
        var nameOfID: [String: String] = [:]
        for (index, image) in images.enumerated() {
            guard let id = CaptionJSONFile.idText(image["id"]), let name = image["file_name"] as? String, !name.isEmpty else {
                throw CaptionCorpusError.malformed(file: path, reason: "images[\(index)] lacks \"id\" or \"file_name\"")
            }
            guard nameOfID[id] == nil else {
                throw CaptionCorpusError.malformed(file: path, reason: "two images have the id \(id)")
            }
            if names.contains(name) { throw CaptionCorpusError.duplicateImage(file: path, image: name) }
            nameOfID[id] = name
            names.append(name)
        }

        var captions: [String: [String]] = [:]
        for (index, annotation) in annotations.enumerated() {
            guard let id = CaptionJSONFile.idText(annotation["image_id"]), let caption = annotation["caption"] as? String else {
                throw CaptionCorpusError.malformed(file: path, reason: "annotations[\(index)] lacks \"image_id\" or \"caption\"")
            }
            guard let name = nameOfID[id] else {
                throw CaptionCorpusError.malformed(file: path, reason: "annotations[\(index)] names image \(id), which \"images\" does not list")
            }
            captions[name, default: []].append(caption)
        }
        for name in names where captions[name] == nil { throw CaptionCorpusError.noCaptions(file: path, image: name) }

        var corpus = CaptionCorpus(origin: path, imageFolder: folder, captions: captions,
                                   splits: [CaptionCorpus.wholeFile: names])
        for (id, name) in nameOfID { corpus.aliases[id] = name }
        return (corpus, names)
    }
}
