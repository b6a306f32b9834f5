import AttendImage
import Foundation

// Writes synthetic scenes to disk in the Flickr8k layout, so the ordinary data-set loader reads them:
//
//     DIR/images/00000.png …                 the scenes, size × size RGB PNG
//     DIR/Flickr8k.token.txt                 NAME.png#k<TAB>caption; #0 is the canonical caption,
//                                            #1 (size words) and #2 (paraphrase) follow when asked for
//     DIR/Flickr_8k.trainImages.txt          one file name per line; the split is by index: the first
//     DIR/Flickr_8k.devImages.txt            `train` scenes, then the next `dev`, then the last `test`
//     DIR/Flickr_8k.testImages.txt           (the scenes are independent draws, so ranges are as good as shuffling)
//     DIR/boxes.json                         every object's shape, colour and box, and each image's size
//
// File names are the scene index, zero-padded to five digits (more when count exceeds 100,000).

// MARK: - Split

/// How the scenes are divided into train, dev and test.
public enum SyntheticSplit: Equatable {
    /// Fractions of the count; dev and test are rounded to the nearest scene, train takes the rest.
    case fractions(train: Double, dev: Double, test: Double)
    /// Exact counts, which must add up to the number of scenes.
    case counts(train: Int, dev: Int, test: Int)

    /// 80 % train, 10 % dev, 10 % test.
    public static let standard = SyntheticSplit.fractions(train: 0.8, dev: 0.1, test: 0.1)

    /// The train, dev and test counts for `total` scenes.
    public func resolve(total: Int) throws -> (train: Int, dev: Int, test: Int) {
        switch self {
        case let .fractions(train, dev, test):
            guard train >= 0, dev >= 0, test >= 0, abs(train + dev + test - 1) < 1e-6 else {
                throw SyntheticDatasetError.badSplit(
                    "split fractions \(train), \(dev), \(test) must be non-negative and add up to 1")
            }
            let devCount = Int((Double(total) * dev).rounded())
            let testCount = Int((Double(total) * test).rounded())
            return (max(0, total - devCount - testCount), devCount, min(testCount, total - devCount))
        case let .counts(train, dev, test):
            guard train >= 0, dev >= 0, test >= 0, train + dev + test == total else {
                throw SyntheticDatasetError.badSplit(
                    "split counts \(train) + \(dev) + \(test) must be non-negative and add up to --count \(total)")
            }
            return (train, dev, test)
        }
    }
}

// MARK: - Errors

public enum SyntheticDatasetError: Error, CustomStringConvertible {
    case badSplit(String)
    case badCount(Int)
    case cannotWrite(path: String, reason: String), cannotRead(path: String, reason: String)

    public var description: String {
        switch self {
        case let .badSplit(message): return message
        case let .badCount(count): return "cannot write \(count) scenes: the count must be at least 1"
        case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)"
        case let .cannotRead(path, reason): return "\(path): cannot read: \(reason)"
        }
    }
}

// MARK: - boxes.json

/// The JSON sidecar: what is in every image, in the image's own pixels.
struct SyntheticBoxesFile: Codable {
    var format = "attend-synthetic-scenes 1"
    var boxConvention = "[x0, y0, x1, y1] in pixels of the stored image; x1 and y1 exclusive"
    var seed: UInt64
    var images: [Entry]

    enum CodingKeys: String, CodingKey {
        case format, boxConvention = "box_convention", seed, images
    }

    struct Entry: Codable {
        var file: String
        var width: Int
        var height: Int
        var split: String
        var caption: String
        /// In the order the caption names them.
        var objects: [SceneObject]
    }
}

/// The objects of every scene of a synthetic-scenes folder, by file name, when DIR/boxes.json exists.
public func readSyntheticObjects(directory: String) throws -> [String: (objects: [SceneObject], side: Int)]? {
    let path = directory + "/boxes.json"
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let file: SyntheticBoxesFile
    do { file = try JSONDecoder().decode(SyntheticBoxesFile.self, from: data) } catch {
        throw SyntheticDatasetError.cannotRead(path: path, reason: "not a synthetic-scenes boxes file (\(error))")
    }
    var result: [String: (objects: [SceneObject], side: Int)] = [:]
    for entry in file.images { result[entry.file] = (entry.objects, entry.width) }
    return result
}

// MARK: - Writing

/// Renders `count` scenes from `seed` at `size`×`size` and writes them, their captions, the split
/// files and boxes.json under `directory` (created if missing; existing files of the same names
/// are replaced). `captionsPerImage` (1…3) chooses how many of #0, #1, #2 go into the token file.
/// Throws `SyntheticDatasetError` for a bad count or split or an unwritable directory or text file,
/// and the PNG writer's `ImageError` (whose message names the file) for an image that cannot be written.
public func writeSyntheticDataset(directory: String, count: Int, seed: UInt64, size: Int,
                                  split: SyntheticSplit = .standard, captionsPerImage: Int = 3) throws {
    guard count >= 1 else { throw SyntheticDatasetError.badCount(count) }
    precondition((1...3).contains(captionsPerImage), "a scene has one to three captions")
    let (trainCount, devCount, _) = try split.resolve(total: count)
    let imagesDirectory = (directory as NSString).appendingPathComponent("images")
    do {
        try FileManager.default.createDirectory(atPath: imagesDirectory, withIntermediateDirectories: true)
    } catch {
        // Foundation's message here is a generic "could not be completed"; one more mkdir names the cause.
        let cause = mkdir(imagesDirectory, 0o755) != 0 ? String(cString: strerror(errno)) : reason(error)
        throw SyntheticDatasetError.cannotWrite(path: imagesDirectory, reason: cause)
    }

    let digits = max(5, String(count - 1).count)
    var generator = SceneGenerator(seed: seed, size: size)
    var tokenLines: [String] = []
    var splitNames: [[String]] = [[], [], []]  // train, dev, test
    var entries: [SyntheticBoxesFile.Entry] = []
    for index in 0..<count {
        let scene = generator.next()
        let number = String(index)
        let name = String(repeating: "0", count: digits - number.count) + number + ".png"
        try PNGWriter.write(scene.image, to: (imagesDirectory as NSString).appendingPathComponent(name))
        let captions = [scene.caption] + scene.alternativeCaptions
        for k in 0..<captionsPerImage {
            tokenLines.append("\(name)#\(k)\t\(captions[k])")
        }
        let part = index < trainCount ? 0 : (index < trainCount + devCount ? 1 : 2)
        splitNames[part].append(name)
        entries.append(.init(file: name, width: scene.image.width, height: scene.image.height,
                             split: ["train", "dev", "test"][part], caption: scene.caption,
                             objects: scene.objects))
    }

    func write(_ text: String, to fileName: String) throws {
        let path = (directory as NSString).appendingPathComponent(fileName)
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SyntheticDatasetError.cannotWrite(path: path, reason: reason(error))
        }
    }
    func lines(_ items: [String]) -> String { items.map { $0 + "\n" }.joined() }
    try write(lines(tokenLines), to: "Flickr8k.token.txt")
    try write(lines(splitNames[0]), to: "Flickr_8k.trainImages.txt")
    try write(lines(splitNames[1]), to: "Flickr_8k.devImages.txt")
    try write(lines(splitNames[2]), to: "Flickr_8k.testImages.txt")

    try write(boxesJSON(SyntheticBoxesFile(seed: seed, images: entries)), to: "boxes.json")
}

/// boxes.json as valid JSON with one image per line, so it reads (and greps) well at any count.
private func boxesJSON(_ file: SyntheticBoxesFile) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    func compact<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    let images = try file.images.map { "    " + (try compact($0)) }.joined(separator: ",\n")
    return """
        {
          "format": \(try compact(file.format)),
          "box_convention": \(try compact(file.boxConvention)),
          "seed": \(file.seed),
          "images": [
        \(images)
          ]
        }

        """
}

/// The most specific description Foundation gives of a file-system error (its underlying POSIX error
/// when there is one: "Not a directory" rather than "The operation could not be completed").
private func reason(_ error: Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
        return underlying.localizedDescription
    }
    if let posix = error as? POSIXError {
        return String(cString: strerror(posix.code.rawValue))
    }
    return nsError.localizedDescription
}
