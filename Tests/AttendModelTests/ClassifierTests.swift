import AttendModel
import Foundation
import XCTest

/// The class table's loader and its refusals, the classifier against a plain computation, the labels' sums, and
/// the classifier's round trip through the model file.
final class ClassifierTests: XCTestCase {
    let table = """
        # index\twnid\tclass\tword\talso\tkind
        0\tn1\tEgyptian cat\tcat\tcats,kitten\tanimal
        1\tn2\ttabby\tcat\tcats,kitten\tanimal
        2\tn3\tespresso\tcoffee\t\t
        3\tn4\tdrilling platform\t\t\t
        """

    func testTableLoads() throws {
        let classes = try ClassTable.parse(table, path: "t.tsv", expected: 4)
        XCTAssertEqual(classes.map(\.name), ["Egyptian cat", "tabby", "espresso", "drilling platform"])
        XCTAssertEqual(classes.map(\.word), ["cat", "cat", "coffee", nil])
        XCTAssertEqual(classes[0].also, ["cats", "kitten"])
        XCTAssertEqual(classes[2].also, [])
        XCTAssertEqual(classes.map(\.kind), ["animal", "animal", nil, nil])
    }

    func testTableRefusals() {
        let cases: [(String, String)] = [
            ("0\tn1\tcat\tcat\t", "t.tsv:1: 5 tab-separated fields, expected 6"),
            ("1\tn1\tcat\tcat\t\t", "t.tsv:1: class index 1, expected 0"),
            ("0\tn1\t\tcat\t\t", "t.tsv:1: empty class name"),
            ("0\tn1\tcat\tCat\t\t", "t.tsv:1: word \"Cat\" is not lowercase caption tokens"),
            ("0\tn1\tcat\t\tcats\t", "t.tsv:1: other words without a word"),
            ("# c\n0\tn1\tcat\tcat\tcats,,x y!\tanimal\t", "t.tsv:2: 7 tab-separated fields, expected 6"),
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

    /// A word naming too few classes to judge is judged by its kind: banned with every other word of the kind when
    /// the kind's classes hold almost nothing, kept when another class of the kind holds the mass (a cat beside a
    /// dog). A word that also names classes of no kind is judged by its kind's classes and those together ("horse":
    /// the animals and the horse cart); a word of no kind by its own classes alone.
    func testAKindJudgesTheWordsOfItsClasses() throws {
        let kinds = table + """

            4\tn5\tbeagle\tdog\tdogs\tanimal
            5\tn6\tsorrel\thorse\t\tanimal
            6\tn7\thorse cart\thorse\t\t
            """
        let classes = try ClassTable.parse(kinds, path: "t.tsv", expected: 7)
        let classifier = ImageNetClassifier(classes: classes, weight: [Float](repeating: 0, count: 7),
                                            bias: [Float](repeating: 0, count: 7))
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["a", "cat", "dog", "horse", "coffee"])
        let options = GroundingOptions(constraintThreshold: 0.5, banThreshold: 0.02, banMinimumClasses: 3)
        //                 Egyptian cat, tabby, espresso, platform, beagle, sorrel, horse cart
        let kitchen: [Float] = [0.004, 0.004, 0.5, 0.47, 0.006, 0.005, 0.011]   // animals 1.9%
        XCTAssertEqual(classifier.constraints(kitchen[...], vocabulary: vocabulary, options: options).banned,
                       [5, 6], "cat and dog: their 4 animal classes hold 1.9%; horse's, with the cart, 3%")
        let noCart: [Float] = [0.004, 0.004, 0.5, 0.482, 0.006, 0.004, 0]        // animals 1.8%, no cart
        XCTAssertEqual(classifier.constraints(noCart[...], vocabulary: vocabulary, options: options).banned,
                       [5, 6, 7], "cat, dog and horse: the animals and the cart hold 1.8%")
        let catAndDog: [Float] = [0.005, 0.005, 0.5, 0.1, 0.39, 0, 0]
        XCTAssertEqual(classifier.constraints(catAndDog[...], vocabulary: vocabulary, options: options).banned, [],
                       "the dog's mass keeps the cat's 1%")
        let animals: [Float] = [0.005, 0.005, 0.5, 0.465, 0.005, 0.01, 0.01]      // animals 2.5%, the cat 1%
        XCTAssertEqual(classifier.constraints(animals[...], vocabulary: vocabulary, options: options).banned, [])
        var fewer = options
        fewer.banMinimumClasses = 5
        XCTAssertEqual(classifier.constraints(kitchen[...], vocabulary: vocabulary, options: fewer).banned, [],
                       "four animal classes are too few to judge")
        var empty = classifier.classes
        empty[0].kind = ""
        var model = Model.referenceRandom(configName: "lite0-tiny", vocabularySize: 12, seed: 1)
        let C = model.config.gridChannels
        model.classifier = ImageNetClassifier(classes: empty, weight: [Float](repeating: 0, count: 7 * C),
                                              bias: [Float](repeating: 0, count: 7))
        XCTAssertThrowsError(try ModelFile.decode(try ModelFile.encode(model), path: "m.attend")) {
            XCTAssertEqual("\($0)",
                           "m.attend: model file header is invalid: classifier class \"Egyptian cat\": empty kind")
        }
    }

    /// Every shipped model with a classifier carries data/imagenet-words.tsv as it is committed (after a change to
    /// the table: `scripts/import_lite.py --replace-class-table models/NAME.attend`).
    func testShippedModelsCarryTheCommittedTable() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let table = try ClassTable.read(path: repository.appendingPathComponent("data/imagenet-words.tsv").path,
                                        expected: 1000)
        for name in ["default", "hard"] {
            let model = try ModelFile.read(path: repository.appendingPathComponent("models/\(name).attend").path)
            let stored = model.classifier?.classes ?? []
            let differs = zip(stored, table).first { $0 != $1 }.map { "first at \"\($0.0.name)\"" } ?? "a count"
            XCTAssert(stored == table, "models/\(name).attend: its table differs (\(differs))")
        }
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
