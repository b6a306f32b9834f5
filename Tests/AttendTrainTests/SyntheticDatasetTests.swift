import XCTest
import Foundation
import AttendImage
@testable import AttendTrain

final class SyntheticDatasetTests: XCTestCase {
    private var directories: [String] = []

    private func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "attend-synth-\(UUID().uuidString)"
        directories.append(path)
        return path
    }

    override func tearDown() {
        for path in directories { try? FileManager.default.removeItem(atPath: path) }
        directories = []
    }

    private func read(_ directory: String, _ name: String) throws -> String {
        try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
    }

    private func lines(_ directory: String, _ name: String) throws -> [String] {
        try read(directory, name).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    // MARK: - Layout

    func testLayoutFilesAreConsistentWithTheScenes() throws {
        let directory = temporaryDirectory()
        try writeSyntheticDataset(directory: directory, count: 20, seed: 3, size: 64,
                                  split: .counts(train: 15, dev: 3, test: 2), captionsPerImage: 3)
        var generator = SceneGenerator(seed: 3, size: 64)
        let scenes = (0..<20).map { _ in generator.next() }
        let names = (0..<20).map { String(format: "%05d.png", $0) }

        // The images: one PNG per scene, holding exactly the scene's pixels.
        let stored = try FileManager.default.contentsOfDirectory(atPath: directory + "/images").sorted()
        XCTAssertEqual(stored, names)
        for (name, scene) in zip(names, scenes) {
            let decoded = try ImageDecoder.decode(contentsOf: directory + "/images/" + name)
            XCTAssertEqual(decoded.info.format, .png, name)
            XCTAssertEqual(decoded.image, scene.image, name)
        }

        // The token file: #0 canonical, #1 and #2 the alternatives, scene by scene.
        let tokens = try lines(directory, "Flickr8k.token.txt")
        XCTAssertEqual(tokens.count, 60)
        for (index, scene) in scenes.enumerated() {
            let captions = [scene.caption] + scene.alternativeCaptions
            for k in 0..<3 {
                XCTAssertEqual(tokens[3 * index + k], "\(names[index])#\(k)\t\(captions[k])")
            }
        }

        // The split: consecutive ranges, disjoint, covering every image.
        XCTAssertEqual(try lines(directory, "Flickr_8k.trainImages.txt"), Array(names[0..<15]))
        XCTAssertEqual(try lines(directory, "Flickr_8k.devImages.txt"), Array(names[15..<18]))
        XCTAssertEqual(try lines(directory, "Flickr_8k.testImages.txt"), Array(names[18..<20]))

        // boxes.json: the same objects, boxes and sizes as the scenes.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/boxes.json")))
        let root = try XCTUnwrap(json as? [String: Any])
        XCTAssertEqual(root["seed"] as? Int, 3)
        let images = try XCTUnwrap(root["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 20)
        for (index, entry) in images.enumerated() {
            XCTAssertEqual(entry["file"] as? String, names[index])
            XCTAssertEqual(entry["width"] as? Int, 64)
            XCTAssertEqual(entry["height"] as? Int, 64)
            XCTAssertEqual(entry["caption"] as? String, scenes[index].caption)
            XCTAssertEqual(entry["split"] as? String, index < 15 ? "train" : (index < 18 ? "dev" : "test"))
            let objects = try XCTUnwrap(entry["objects"] as? [[String: Any]])
            XCTAssertEqual(objects.count, scenes[index].objects.count)
            for (stored, object) in zip(objects, scenes[index].objects) {
                XCTAssertEqual(stored["shape"] as? String, object.shape)
                XCTAssertEqual(stored["colour"] as? String, object.colour)
                XCTAssertEqual(stored["box"] as? [Int], object.box)
            }
        }
    }

    func testWritingIsDeterministic() throws {
        let first = temporaryDirectory(), second = temporaryDirectory(), other = temporaryDirectory()
        try writeSyntheticDataset(directory: first, count: 12, seed: 99, size: 48, captionsPerImage: 1)
        try writeSyntheticDataset(directory: second, count: 12, seed: 99, size: 48, captionsPerImage: 1)
        try writeSyntheticDataset(directory: other, count: 12, seed: 100, size: 48, captionsPerImage: 1)
        var differences = 0
        for name in ["Flickr8k.token.txt", "boxes.json", "images/00000.png", "images/00011.png"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: first + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: second + "/" + name))
            let c = try Data(contentsOf: URL(fileURLWithPath: other + "/" + name))
            XCTAssertEqual(a, b, name)
            if a != c { differences += 1 }
        }
        XCTAssertEqual(differences, 4, "another seed changes every file")
        XCTAssertEqual(try lines(first, "Flickr8k.token.txt").count, 12, "one caption per image when asked")
    }

    func testAnUnwritableDirectoryIsNamedWithItsCause() throws {
        let blocker = temporaryDirectory()
        XCTAssertTrue(FileManager.default.createFile(atPath: blocker, contents: Data("a file".utf8)))
        XCTAssertThrowsError(try writeSyntheticDataset(directory: blocker, count: 2, seed: 1, size: 64)) { error in
            XCTAssertEqual("\(error)", "\(blocker)/images: cannot write: Not a directory")
        }
    }

    // MARK: - Split

    func testSplitResolution() throws {
        let standard = try SyntheticSplit.standard.resolve(total: 2000)
        XCTAssertEqual([standard.train, standard.dev, standard.test], [1600, 200, 200])
        let small = try SyntheticSplit.standard.resolve(total: 4)
        XCTAssertEqual([small.train, small.dev, small.test], [4, 0, 0])
        let odd = try SyntheticSplit.fractions(train: 0.5, dev: 0.25, test: 0.25).resolve(total: 7)
        XCTAssertEqual(odd.train + odd.dev + odd.test, 7)
        XCTAssertThrowsError(try SyntheticSplit.counts(train: 5, dev: 1, test: 1).resolve(total: 8))
        XCTAssertThrowsError(try SyntheticSplit.fractions(train: 0.9, dev: 0.2, test: 0).resolve(total: 8))
        XCTAssertThrowsError(try writeSyntheticDataset(directory: temporaryDirectory(), count: 0, seed: 1, size: 64))
    }
}
