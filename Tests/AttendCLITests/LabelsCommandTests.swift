import Foundation
import XCTest

/// `attend labels` and grounded captions through the built binary, with the shipped default model (which carries
/// its encoder's ImageNet classifier) on the sample photos.
final class LabelsCommandTests: XCTestCase {
    let samples = samplesFolder

    func testLabelsNameTheCatAndTheCoffee() throws {
        let run = try attend(["labels", samples + "/chelsea.png", samples + "/coffee.png"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let cat = try XCTUnwrap(lines.first { $0[0].hasSuffix("chelsea.png") })
        XCTAssertEqual(cat[1], "cat")
        XCTAssertGreaterThan(try XCTUnwrap(Float(cat[2])), 0.5)
        XCTAssertTrue(cat[3].contains("Egyptian cat"), cat[3])
        XCTAssertEqual(lines.first { $0[0].hasSuffix("coffee.png") }?[1], "coffee")
    }

    func testLabelsAsJSON() throws {
        let run = try attend(["labels", "--json", "--threshold", "0.05", samples + "/coffee.png"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let labels = try XCTUnwrap(object["labels"] as? [[String: Any]])
        XCTAssertEqual(labels.first?["word"] as? String, "coffee")
        let probabilities = labels.compactMap { $0["probability"] as? Double }
        XCTAssertEqual(probabilities, probabilities.sorted(by: >), "most probable first")
        XCTAssertTrue(probabilities.allSatisfy { $0 >= 0.05 })
    }

    /// The default's presence heads: a line for the man behind the camera, and in JSON every object at least as
    /// probable as asked, most probable first.
    func testPresenceHeadsSeeThePersonBehindTheCamera() throws {
        let run = try attend(["labels", samples + "/camera.png"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let person = try XCTUnwrap(lines.first { $0.count == 4 && $0[1] == "person" && $0[3] == "presence" }, run.stdout)
        XCTAssertGreaterThan(try XCTUnwrap(Float(person[2])), 0.5)
        let json = try attend(["labels", "--json", "--threshold", "0.01", samples + "/camera.png"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let objects = try XCTUnwrap(object["objects"] as? [[String: Any]])
        XCTAssertEqual(objects.first?["name"] as? String, "person")
        // The person's share of the training photos comes with it, and the photographer is above it.
        let share = try XCTUnwrap(objects.first?["share"] as? Double)
        XCTAssertEqual(share, 0.772, accuracy: 0.001)
        XCTAssertGreaterThan(try XCTUnwrap(objects.first?["probability"] as? Double), share)
        let probabilities = objects.compactMap { $0["probability"] as? Double }
        XCTAssertEqual(probabilities, probabilities.sorted(by: >))
        XCTAssertTrue(probabilities.allSatisfy { $0 >= 0.01 })
    }

    func testAModelWithoutAClassifierIsRefused() throws {
        let run = try attend(["labels", "--model", "shapes", samples + "/scene-01.png"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("has no ImageNet classifier and no presence heads"), run.stderr)
    }

    /// The decoder alone calls the cat a dog; grounded in the classifier's "cat" (0.98) the caption names a cat
    /// and no dog, and the JSON carries the labels.
    func testGroundedCaptionNamesTheCat() throws {
        let grounded = try attend(["caption", samples + "/chelsea.png"])
        XCTAssertEqual(grounded.status, 0, grounded.stderr)
        let words = Set(grounded.stdout.split { $0 == " " || $0 == "\n" }.map(String.init))
        XCTAssertTrue(words.contains("cat"), grounded.stdout)
        XCTAssertFalse(words.contains("dog"), grounded.stdout)
        let plain = try attend(["caption", "--no-labels", samples + "/chelsea.png"])
        XCTAssertFalse(plain.stdout.split(separator: " ").contains("cat"), plain.stdout)
        let json = try attend(["caption", "--json", samples + "/chelsea.png"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["labels"] as? [[String: Any]])?.first?["word"] as? String, "cat")
        // The shipped presence heads see no bicycle beside the cat; the decoder alone reports none absent.
        XCTAssertTrue((object["absent"] as? [String])?.contains("bicycle") ?? false, json.stdout)
        let alone = try attend(["caption", "--json", "--no-labels", samples + "/chelsea.png"])
        let aloneObject = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(aloneObject["absent"] as? [String], [])
    }
}
