import Foundation

// What the JSON readers (COCO, Karpathy) share: reading the file with errors that name it, and checking that
// every image it lists is in the image folder.

enum CaptionJSONFile {
    /// The top-level object of a JSON file.
    static func object(_ path: String) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: path) else { throw CaptionCorpusError.missingFile(path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaptionCorpusError.malformed(file: path, reason: "cannot be read")
        }
        return try object(data, file: path)
    }

    /// The top-level object of a JSON file's bytes; `path` names the file in errors.
    static func object(_ data: Data, file path: String) throws -> [String: Any] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw CaptionCorpusError.malformed(file: path, reason: "not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw CaptionCorpusError.malformed(file: path, reason: "expected a JSON object at the top")
        }
        return object
    }

    /// The list of objects under `key`, or an error saying which format needed it.
    static func list(_ key: String, in object: [String: Any], file: String, format: String) throws -> [[String: Any]] {
        guard let list = object[key] as? [[String: Any]] else {
            throw CaptionCorpusError.malformed(file: file, reason: "not a \(format): no \"\(key)\" list of objects")
        }
        return list
    }

    /// An id as text: COCO ids are numbers, but some files write them as strings.
    static func idText(_ value: Any?) -> String? {
        switch value {
        case let number as NSNumber: return number.stringValue
        case let text as String: return text
        default: return nil
        }
    }

    /// Throws for the first listed image (in list order) that is not a file under `folder`, counting the others.
    static func checkImagesExist(_ relativePaths: [String], folder: String, listedIn file: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CaptionCorpusError.missingImageFolder(folder)
        }
        let root = URL(fileURLWithPath: folder)
        // One listing per subfolder (Karpathy's COCO has two), not one query per image.
        var listings: [String: Set<String>] = [:]
        var missing: [String] = []
        for relative in relativePaths {
            let url = root.appendingPathComponent(relative)
            let parent = url.deletingLastPathComponent().path
            if listings[parent] == nil {
                listings[parent] = Set((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [])
            }
            if !listings[parent]!.contains(url.lastPathComponent) { missing.append(url.path) }
        }
        if let first = missing.first {
            throw CaptionCorpusError.missingImage(path: first, listedIn: file, missing: missing.count,
                                                  listed: relativePaths.count)
        }
    }
}
