@testable import AttendModel
import Foundation
import XCTest

/// The presence heads against a plain computation, their gradient against finite differences, the words they ban,
/// their round trip through the model file, and a captioner that stops writing a word its head calls absent.
final class ObjectPresenceTests: XCTestCase {
    let objects = [PresenceObject(name: "person", words: ["man", "men"]),
                   PresenceObject(name: "dog", words: ["dog", "dogs"])]

    func randomHeads(channels C: Int, seed: UInt64) -> ObjectPresence {
        var generator = SeededGenerator(seed: seed)
        return ObjectPresence(objects: objects, weight: (0..<(2 * C)).map { _ in generator.nextNormal() },
                              bias: [0.3, -0.7])
    }

    /// σ(bias + weight · mean cell), computed in Double from the grid.
    func testProbabilitiesMatchAPlainComputation() {
        let (N, L, C, J) = (3, 5, 7, 2)
        let heads = randomHeads(channels: C, seed: 3)
        var generator = SeededGenerator(seed: 4)
        let grid = (0..<(N * L * C)).map { _ in generator.nextNormal() }
        let probabilities = heads.probabilities(grid: grid, images: N)
        for n in 0..<N {
            for j in 0..<J {
                var logit = Double(heads.bias[j])
                for c in 0..<C {
                    let mean = (0..<L).map { Double(grid[(n * L + $0) * C + c]) }.reduce(0, +) / Double(L)
                    logit += Double(heads.weight[j * C + c]) * mean
                }
                XCTAssertEqual(Double(probabilities[n * J + j]), 1 / (1 + exp(-logit)), accuracy: 1e-6)
            }
        }
    }

    /// The analytic gradient of the mean binary cross-entropy against central differences of a Double loss.
    func testGradientMatchesFiniteDifferences() {
        let (N, C, J) = (6, 5, 2)
        let heads = randomHeads(channels: C, seed: 5)
        var generator = SeededGenerator(seed: 6)
        let pooled = (0..<(N * C)).map { _ in generator.nextNormal() }
        let labels = (0..<(N * J)).map { _ in Float(generator.next() % 2) }
        func loss(weight: [Double], bias: [Double]) -> Double {
            var total = 0.0
            for n in 0..<N {
                for j in 0..<J {
                    let logit = bias[j] + (0..<C).reduce(0.0) { $0 + weight[j * C + $1] * Double(pooled[n * C + $1]) }
                    let p = 1 / (1 + exp(-logit)), y = Double(labels[n * J + j])
                    total -= y * log(p) + (1 - y) * log(1 - p)
                }
            }
            return total / Double(N * J)
        }
        let (weight, bias) = (heads.weight.map(Double.init), heads.bias.map(Double.init))
        let analytic = heads.lossAndGradient(pooled: pooled, labels: labels, images: N)
        XCTAssertEqual(Double(analytic.loss), loss(weight: weight, bias: bias), accuracy: 1e-5)
        let h = 1e-4
        for i in 0..<(J * C) {
            var (plus, minus) = (weight, weight)
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(weight: plus, bias: bias) - loss(weight: minus, bias: bias)) / (2 * h)
            XCTAssertEqual(Double(analytic.weight[i]), numeric, accuracy: 1e-5, "weight \(i)")
        }
        for j in 0..<J {
            var (plus, minus) = (bias, bias)
            plus[j] += h
            minus[j] -= h
            let numeric = (loss(weight: weight, bias: plus) - loss(weight: weight, bias: minus)) / (2 * h)
            XCTAssertEqual(Double(analytic.bias[j]), numeric, accuracy: 1e-5, "bias \(j)")
        }
    }

    /// An object under the threshold has every word the vocabulary holds banned; a word a confident label requires
    /// stays writable.
    func testAbsentObjectsAreBannedUnlessRequired() {
        let heads = randomHeads(channels: 3, seed: 1)
        let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["a", "man", "dog", "dogs"])
        let options = GroundingOptions(absentThreshold: 0.1)
        XCTAssertEqual(heads.absentTokens([0.05, 0.5][...], vocabulary: vocabulary, options: options), [5],
                       "man; \"men\" is not in the vocabulary")
        XCTAssertEqual(heads.absentTokens([0.5, 0.09][...], vocabulary: vocabulary, options: options), [6, 7])
        XCTAssertEqual(heads.absentTokens([0.1, 0.2][...], vocabulary: vocabulary, options: options), [])
        var constraints = DecodingConstraints(required: [[[6], [4, 7]]])
        constraints.ban([5, 6, 7])
        XCTAssertEqual(constraints.banned, [5], "dog and dogs are required by a label")
    }

    /// An object is absent under the threshold, or under its share of the training photos, whichever is higher;
    /// a threshold of 0 turns the rule off, shares included.
    func testAnObjectUnderItsTrainingShareIsAbsent() {
        let shared = ObjectPresence(objects: [PresenceObject(name: "person", words: ["man"], share: 0.8),
                                              PresenceObject(name: "dog", words: ["dog"], share: 0.01)],
                                    weight: [0, 0], bias: [0, 0])
        let options = GroundingOptions(absentThreshold: 0.05)
        XCTAssertEqual(shared.absentObjects([0.7, 0.5][...], options: options).map(\.name), ["person"])
        XCTAssertEqual(shared.absentObjects([0.9, 0.04][...], options: options).map(\.name), ["dog"])
        XCTAssertEqual(shared.absentObjects([0.81, 0.05][...], options: options).map(\.name), [])
        XCTAssertEqual(shared.absentObjects([0.01, 0.01][...], options: GroundingOptions(absentThreshold: 0)), [])
    }

    /// With λ = 3 an object needs odds of 3 × its share's: person's share 0.8 has odds 4, so 12, p = 12/13 ≈ 0.923;
    /// dog's 0.01 gives p ≈ 0.0294, under the 0.05 threshold, which still decides.
    func testAbsentOddsAskForEvidenceForTheObject() {
        let shared = ObjectPresence(objects: [PresenceObject(name: "person", words: ["man"], share: 0.8),
                                              PresenceObject(name: "dog", words: ["dog"], share: 0.01)],
                                    weight: [0, 0], bias: [0, 0])
        let options = GroundingOptions(absentThreshold: 0.05, absentOdds: 3)
        XCTAssertEqual(shared.evidenceFloor(share: 0.8, odds: 3), 12.0 / 13.0, accuracy: 1e-6)
        XCTAssertEqual(shared.evidenceFloor(share: 0.8, odds: 1), 0.8, accuracy: 1e-6)
        XCTAssertEqual(shared.absentObjects([0.92, 0.049][...], options: options).map(\.name), ["person", "dog"])
        XCTAssertEqual(shared.absentObjects([0.93, 0.051][...], options: options).map(\.name), [])
        XCTAssertEqual(shared.absentObjects([0.92, 0.051][...], options: GroundingOptions(absentThreshold: 0.05))
                        .map(\.name), [], "λ = 1: 0.92 is over the share")
        XCTAssertEqual(shared.absentObjects([0.01, 0.01][...], options: GroundingOptions(absentThreshold: 0,
                                                                                          absentOdds: 3)), [])
    }

    func testScoresAreTheObjectsAboveTheThresholdMostProbableFirst() {
        let heads = randomHeads(channels: 3, seed: 1)
        XCTAssertEqual(heads.scores([0.2, 0.7][...], threshold: 0.1).map(\.name), ["dog", "person"])
        XCTAssertEqual(heads.scores([0.2, 0.7][...], threshold: 0.5), [ObjectScore(name: "dog", probability: 0.7)])
        let shared = ObjectPresence(objects: [PresenceObject(name: "person", words: ["man"], share: 0.8)],
                                    weight: [0], bias: [0])
        XCTAssertEqual(shared.scores([0.6][...], threshold: 0.5), [ObjectScore(name: "person", probability: 0.6, share: 0.8)])
    }

    func testPresenceRoundTripsThroughTheModelFileAsVersion5() throws {
        var model = Model.referenceRandom(configName: "lite0-tiny", vocabularySize: 12, seed: 1)
        let plainBytes = try ModelFile.encode(model)
        XCTAssertEqual(plainBytes[8], 3, "a soft model without heads keeps version 3")
        let heads = randomHeads(channels: model.config.gridChannels, seed: 9)
        let sharedObjects = [PresenceObject(name: "person", words: ["man", "men"], share: 0.78), objects[1]]
        model.presence = ObjectPresence(objects: sharedObjects, weight: heads.weight, bias: heads.bias)
        let bytes = try ModelFile.encode(model)
        XCTAssertEqual(bytes[8], 5)
        let decoded = try ModelFile.decode(bytes, path: "m.attend")
        XCTAssertEqual(decoded.presence?.objects, sharedObjects, "the share is kept, and a missing one stays nil")
        XCTAssertEqual(decoded.presence?.weight, model.presence?.weight)
        XCTAssertEqual(decoded.presence?.bias, model.presence?.bias)
        XCTAssertEqual(decoded.parameters, model.parameters)
        XCTAssertNil(try ModelFile.decode(plainBytes, path: "p.attend").presence)
    }

    /// The first word of a random model's caption, declared an object: a head sure it is absent removes it from the
    /// caption, a head sure it is present changes nothing, and `--no-labels` ignores the heads.
    func testCaptionerDoesNotWriteAnObjectItsHeadCallsAbsent() throws {
        let plain = Model.referenceRandom(configName: "lite0-tiny", vocabularySize: 20, seed: 2)
        let (L, C) = (plain.config.locations, plain.config.gridChannels)
        var generator = SeededGenerator(seed: 8)
        let grid = (0..<(2 * L * C)).map { _ in generator.nextNormal() }
        let before = Captioner(model: plain).caption(grid: grid, count: 2)
        let word = try XCTUnwrap(before[0].words.first)
        func captions(bias: Float, grounding: GroundingOptions = GroundingOptions()) -> [Caption] {
            var model = plain
            model.presence = ObjectPresence(objects: [PresenceObject(name: "thing", words: [word])],
                                            weight: [Float](repeating: 0, count: C), bias: [bias])
            return Captioner(model: model).caption(grid: grid, count: 2,
                                                   options: CaptionOptions(grounding: grounding))
        }
        let absent = captions(bias: -20)
        XCTAssertFalse(absent.contains { $0.words.contains(word) }, "\(absent.map(\.text))")
        XCTAssertEqual(absent.map(\.absent), [["thing"], ["thing"]])
        let present = captions(bias: 20)
        XCTAssertEqual(present.map(\.words), before.map(\.words))
        XCTAssertEqual(present.map(\.absent), [[], []])
        XCTAssertEqual(captions(bias: -20, grounding: .off).map(\.words), before.map(\.words))
    }
}
