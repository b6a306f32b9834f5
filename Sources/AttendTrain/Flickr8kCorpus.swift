import AttendImage
import Foundation

// MARK: - Flickr8k layout reader
//
// A minimal reader of the corpus layout (images/, Flickr8k.token.txt, Flickr_8k.{train,dev,test}Images.txt),
// to be swapped for AttendEval's CaptionCorpus once that is on main. Captions whose image file is missing are
// skipped and counted.

public enum CorpusError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, line: Int, reason: String)
    case undecodable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .malformed(path, line, reason): return "\(path):\(line): \(reason)"
        case let .undecodable(path, reason): return "\(path): cannot decode picture: \(reason)"
        }
    }
}

public enum CorpusSplit: String, CaseIterable, Sendable {
    case train, dev, test
}

public struct Flickr8kCorpus {
    public let directory: String
    /// Captions per image file name, in #0…#4 order, for images present in images/.
    public private(set) var captionsByImage: [String: [String]] = [:]
    public private(set) var splits: [CorpusSplit: [String]] = [:]
    /// Captions skipped because their image is not in images/.
    public private(set) var missingImageCaptions = 0

    public init(directory: String) throws {
        self.directory = directory
        let tokenPath = directory + "/Flickr8k.token.txt"
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: directory + "/images")) ?? [])
        guard !present.isEmpty else { throw CorpusError.unreadable(path: directory + "/images", reason: "no images") }
        var numbered: [String: [(Int, String)]] = [:]
        for (number, line) in try readLines(tokenPath).enumerated() where !line.isEmpty {
            guard let tab = line.firstIndex(of: "\t"), let hash = line[..<tab].lastIndex(of: "#"),
                  let index = Int(line[line.index(after: hash)..<tab]) else {
                throw CorpusError.malformed(path: tokenPath, line: number + 1, reason: "expected IMAGE.jpg#N<TAB>caption")
            }
            let image = String(line[..<hash])
            guard present.contains(image) else { missingImageCaptions += 1; continue }
            numbered[image, default: []].append((index, String(line[line.index(after: tab)...])))
        }
        captionsByImage = numbered.mapValues { $0.sorted { $0.0 < $1.0 }.map(\.1) }
        for split in CorpusSplit.allCases {
            let names = try readLines(directory + "/Flickr_8k.\(split.rawValue)Images.txt")
            splits[split] = names.filter { captionsByImage[$0] != nil }
        }
    }

    /// (file name, captions) of a split's pictures, in the split file's order.
    public func captions(split: CorpusSplit) -> [(image: String, captions: [String])] {
        (splits[split] ?? []).map { ($0, captionsByImage[$0]!) }
    }

    /// Decodes a split's pictures at side × side into memory.
    public func load(split: CorpusSplit, side: Int) throws -> CaptionDataset {
        var dataset = CaptionDataset(side: side)
        for (image, captions) in captions(split: split) {
            let picture = try decodePicture(path: directory + "/images/" + image, side: side)
            dataset.append(picture, captions: captions, name: image)
        }
        return dataset
    }
}

private func readLines(_ path: String) throws -> [String] {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw CorpusError.unreadable(path: path, reason: "missing or not UTF-8")
    }
    return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
}
