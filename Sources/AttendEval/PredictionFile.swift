import Foundation

// Reading captions produced elsewhere, in any of three formats, recognised by content:
//   JSON lines      {"image": "...", "caption": "..."} per line
//   COCO results    [{"image_id": ..., "caption": "..."}, ...]
//   TSV             path<TAB>caption per line (what `attend caption` prints)
// Image keys may be paths or bare names, with or without extension; they are matched to the corpus's
// image file names by basename.

// MARK: - Errors

public enum PredictionFileError: Error, CustomStringConvertible {
    case unreadable(String)
    case malformed(file: String, line: Int, reason: String)
    case duplicate(file: String, image: String)
    case unknownImage(file: String, image: String)

    public var description: String {
        switch self {
        case .unreadable(let path): return "\(path): cannot read predictions file"
        case .malformed(let file, let line, let reason): return "\(file):\(line): \(reason)"
        case .duplicate(let file, let image): return "\(file): image \(image) has more than one caption"
        case .unknownImage(let file, let image): return "\(file): image \(image) is not in the corpus"
        }
    }
}

public enum PredictionFormat: String { case jsonLines = "JSON lines", cocoResults = "COCO results JSON", tsv = "TSV" }

// MARK: - Reading

public struct PredictionFile {
    public var format: PredictionFormat
    /// Raw key as written in the file -> caption.
    public var captions: [(key: String, caption: String)]

    public static func read(path: String) throws -> PredictionFile {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else { throw PredictionFileError.unreadable(path) }
        let body = text.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
        if body.hasPrefix("[") { return try readCOCO(data, path: path) }
        if body.hasPrefix("{") { return try readJSONLines(text, path: path) }
        return try readTSV(text, path: path)
    }

    static func readCOCO(_ data: Data, path: String) throws -> PredictionFile {
        guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw PredictionFileError.malformed(file: path, line: 1, reason: "expected a JSON array of {\"image_id\", \"caption\"}")
        }
        var out: [(String, String)] = []
        for (i, entry) in array.enumerated() {
            guard let id = entry["image_id"], let caption = entry["caption"] as? String else {
                throw PredictionFileError.malformed(file: path, line: 1, reason: "entry \(i) lacks \"image_id\" or \"caption\"")
            }
            out.append(("\(id)", caption))
        }
        return PredictionFile(format: .cocoResults, captions: out)
    }

    static func readJSONLines(_ text: String, path: String) throws -> PredictionFile {
        var out: [(String, String)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let image = object["image"], let caption = object["caption"] as? String else {
                throw PredictionFileError.malformed(file: path, line: i + 1, reason: "expected {\"image\": ..., \"caption\": ...}")
            }
            out.append(("\(image)", caption))
        }
        return PredictionFile(format: .jsonLines, captions: out)
    }

    static func readTSV(_ text: String, path: String) throws -> PredictionFile {
        var out: [(String, String)] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let tab = line.firstIndex(of: "\t") else {
                throw PredictionFileError.malformed(file: path, line: i + 1, reason: "expected path<TAB>caption")
            }
            out.append((String(line[..<tab]), String(line[line.index(after: tab)...])))
        }
        return PredictionFile(format: .tsv, captions: out)
    }

    /// Captions keyed by corpus image file name. Keys match by basename, with or without extension, or by one of
    /// `aliases` (a COCO image id -> its file name).
    public func captionsByImage(knownImages: Set<String>, aliases: [String: String] = [:], path: String) throws
        -> [String: String] {
        var byStem: [String: String] = [:]
        for name in knownImages { byStem[Self.stem(name)] = name }
        var out: [String: String] = [:]
        for (key, caption) in captions {
            let base = key.split(separator: "/").last.map(String.init) ?? key
            guard let image = knownImages.contains(base) ? base : byStem[Self.stem(base)] ?? byStem[base]
                                                                          ?? aliases[key] else {
                throw PredictionFileError.unknownImage(file: path, image: key)
            }
            guard out[image] == nil else { throw PredictionFileError.duplicate(file: path, image: image) }
            out[image] = caption
        }
        return out
    }

    /// A file name without its extension ("1000268201_693b08cb0e.jpg" -> "1000268201_693b08cb0e").
    public static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}
