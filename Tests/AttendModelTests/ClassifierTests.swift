import AttendModel
import Foundation
import XCTest

/// The class table's loader and its refusals, the classifier against a plain computation, the labels' sums, and
/// the classifier's round trip through the model file.
final class ClassifierTests: XCTestCase {
    let table = """
        # index\twnid\tclass\tword\talso
        0\tn1\tEgyptian cat\tcat\tcats,kitten
        1\tn2\ttabby\tcat\tcats,kitten
        2\tn3\tespresso\tcoffee\t
        3\tn4\tdrilling platform\t\t
        """

    func testTableLoads() throws {
        let classes = try ClassTable.parse(table, path: "t.tsv", expected: 4)
        XCTAssertEqual(classes.map(\.name), ["Egyptian cat", "tabby", "espresso", "drilling platform"])
        XCTAssertEqual(classes.map(\.word), ["cat", "cat", "coffee", nil])
        XCTAssertEqual(classes[0].also, ["cats", "kitten"])
        XCTAssertEqual(classes[2].also, [])
    }

    func testTableRefusals() {
        let cases: [(String, String)] = [
            ("0\tn1\tcat\tcat", "t.tsv:1: 4 tab-separated fields, expected 5"),
            ("1\tn1\tcat\tcat\t", "t.tsv:1: class index 1, expected 0"),
            ("0\tn1\t\tcat\t", "t.tsv:1: empty class name"),
            ("0\tn1\tcat\tCat\t", "t.tsv:1: word \"Cat\" is not lowercase caption tokens"),
            ("0\tn1\tcat\t\tcats", "t.tsv:1: other words without a word"),
            ("# c\n0\tn1\tcat\tcat\tcats,,x y!\t", "t.tsv:2: 6 tab-separated fields, expected 5"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try ClassTable.parse(text, path: "t.tsv")) { XCTAssertEqual("\($0)", message) }
        }
        XCTAssertThrowsError(try ClassTable.parse(table, path: "t.tsv", expected: 1000)) {
            XCTAssertEqual("\($0)", "t.tsv: class table has 4 classes, the classifier has 1000")
        }
        XCTAssertThrowsError(try ClassTable.read(path: "/nonexistent/table.tsv")) {
            XCTAssertEqual("\($0)", "/nonexistent/table.tsv: cannot read class table: no such file or not readable")
        }
    }

    /// A classifier of C channels on a random grid, against the softmax of the mean cell's products in Double.
    func testProbabilitiesMatchAPlainComputation() throws {
        let classes = try ClassTable.parse(table, path: "t.tsv")
        let (N, L, C, K) = (3, 5, 7, 4)
        var generator = SeededGenerator(seed: 2)
        let weight = (0..<(K * C)).map { _ in generator.nextNormal() }
        let bias = (0..<K).map { _ in generator.nextNormal() }
        let grid = (0..<(N * L * C)).map { _ in generator.nextNormal() }
        let classifier = ImageNetClassifier(classes: classes, weight: weight, bias: bias)
        let probabilities = classifier.probabilities(grid: grid, images: N)
        for n in 0..<N {
            var logits = [Double](repeating: 0, count: K)
            for k in 0..<K {
                logits[k] = Double(bias[k])
                for c in 0..<C {
                    let mean = (0..<L).map { Double(grid[(n * L + $0) * C + c]) }.reduce(0, +) / Double(L)
                    logits[k] += Double(weight[k * C + c]) * mean
                }
            }
            let total = logits.map { exp($0) }.reduce(0, +)
            for k in 0..<K {
                XCTAssertEqual(Double(probabilities[n * K + k]), exp(logits[k]) / total, accuracy: 1e-5)
            }
        }
    }

    func testLabelsSumTheClassesOfAWord() throws {
        let classes = try ClassTable.parse(table, path: "t.tsv")
        let classifier = ImageNetClassifier(classes: classes, weight: [Float](repeating: 0, count: 4), bias: [0, 0, 0, 0])
        let labels = classifier.labels([0.3, 0.25, 0.4, 0.05][...], threshold: 0.1)
        XCTAssertEqual(labels.map(\.word), ["cat", "coffee"])
        XCTAssertEqual(labels[0].probability, 0.55, accuracy: 1e-6)
        XCTAssertEqual(labels[0].classes.map(\.name), ["Egyptian cat", "tabby"])
        XCTAssertEqual(classifier.labels([0.3, 0.25, 0.4, 0.05][...], threshold: 0.5).map(\.word), ["cat"])
    }

    /// Confident labels become disjunctive constraints over their forms in the vocabulary; a word the model can't
    /// write is dropped; a word covering enough classes whose mass is tiny is banned with its forms.
    func testConstraintsAndBans() throws {
        let classes = try ClassTable.parse(table, path: "t.tsv")
        let classifier = ImageNetClassifier(classes: classes, weight: [Float](repeating: 0, count: 4), bias: [0, 0, 0, 0])
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["a", "cat", "kitten", "coffee", "cats"])
        var options = GroundingOptions(constraintThreshold: 0.5, banThreshold: 0.02, banMinimumClasses: 2)
        let confident = classifier.constraints([0.5, 0.3, 0.1, 0.1][...], vocabulary: vocabulary, options: options)
        XCTAssertEqual(confident.required, [[[5], [8], [6]]])     // cat, cats, kitten
        XCTAssertEqual(confident.banned, [])
        let contradicted = classifier.constraints([0.01, 0.005, 0.9, 0.085][...], vocabulary: vocabulary,
                                                  options: options)
        XCTAssertEqual(contradicted.required, [[[7]]])            // coffee
        XCTAssertEqual(contradicted.banned, [5, 8, 6], "cat, cats, kitten: two classes, 1.5% together")
        options.banMinimumClasses = 3
        XCTAssertEqual(classifier.constraints([0.01, 0.005, 0.9, 0.085][...], vocabulary: vocabulary,
                                              options: options).banned, [], "two classes are too few to judge")
        XCTAssertEqual(classifier.constraints([0.5, 0.3, 0.1, 0.1][...], vocabulary: vocabulary, options: .off),
                       .none)
    }

    func testClassifierRoundTripsThroughTheModelFile() throws {
        var model = Model.referenceRandom(configName: "lite0-tiny", vocabularySize: 12, seed: 1)
        let C = model.config.gridChannels
        let classes = try ClassTable.parse(table, path: "t.tsv")
        var generator = SeededGenerator(seed: 7)
        model.classifier = ImageNetClassifier(classes: classes, weight: (0..<(4 * C)).map { _ in generator.nextNormal() },
                                              bias: [0.5, -1, 2, 0])
        let decoded = try ModelFile.decode(try ModelFile.encode(model), path: "m.attend")
        XCTAssertEqual(decoded.classifier?.classes, classes)
        XCTAssertEqual(decoded.classifier?.weight, model.classifier?.weight)
        XCTAssertEqual(decoded.classifier?.bias, model.classifier?.bias)
        XCTAssertEqual(decoded.parameters, model.parameters)
        let plain = try ModelFile.decode(try ModelFile.encode(Model.referenceRandom(configName: "lite0-tiny",
                                                                                    vocabularySize: 12, seed: 1)),
                                         path: "p.attend")
        XCTAssertNil(plain.classifier, "a model without a classifier reads back without one")
    }
}
