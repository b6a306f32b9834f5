// MARK: - Grounded decoding: the classifier's words steer the beam search
//
// Two rules, both from the encoder's own ImageNet classifier (Anderson et al. 2017's constrained beam search
// with the classifier standing in for their tagger):
// - a word the classifier is confident of must appear in the caption: each confident label is a disjunctive
//   constraint, met by its word or any word that names the same thing ("cat" or "kitten"), at most
//   `maxConstraints` of them, each dropped if the model cannot write it (a word outside its vocabulary);
// - an object word the classifier contradicts is not written: when a group of classes that holds every class the word
//   names, and is large enough to judge (`banMinimumClasses`), holds less than `banThreshold` in all, the word and
//   its other forms are banned. The group is the word's own classes ("dog" over 118 breeds), or every class of the
//   one kind its classes are, with its own ("cat" names 5 classes, too few to judge, but all are animals: 398
//   classes that hold almost nothing in a kitchen, and hold the dog's mass in a photo of a cat beside a dog; "horse"
//   names an animal and the horse cart, and is judged by the animals and the cart).
// A model with object-presence heads (ObjectPresence.swift) adds a third: an object is not written ("man" and
// "people" in a photo of an empty street), unless a confident label asks for that very word, when its head says a
// reference caption would name it with less than `absentThreshold` probability, or with less than the share of
// training photos that show it. The second clause is the photo's own evidence against the object (a likelihood
// ratio below 1), whatever the prior: the heads learned Flickr8k's, where 77% of training photos show people, and
// under it a kitchen is "probably a person"; a photo library's prior is unknown. `absentOdds` λ > 1 asks for
// evidence for the object instead (a likelihood ratio of at least λ): the heads only know Flickr8k's photos, where
// what is not a dog is mostly a person, so a rocket at dusk gets "person" 0.90 against a share of 0.77. It costs
// captions of photos that do show people (docs/GROUNDING.md), so it is 1 unless asked for.

public struct GroundingOptions: Sendable, Equatable {
    /// Off: captions come from the decoder alone (`--no-labels`).
    public var enabled = true
    /// A label at least this probable becomes a constraint.
    public var constraintThreshold: Float = 0.5
    /// C: constraints at most (the search keeps a beam for each of the 2^C sets of met constraints).
    public var maxConstraints = 3
    /// A word whose classes hold less than this is banned (when it names enough classes to be judged).
    public var banThreshold: Float = 0.02
    /// Groups of fewer classes than this never ban a word: the classifier's mass on a single class says little
    /// about whether its word is in the photo.
    public var banMinimumClasses = 10
    /// Labels at least this probable are reported beside the caption.
    public var reportThreshold: Float = 0.1
    /// An object whose presence head gives less than this, or less than its share of the training photos, has its
    /// words banned (models with presence heads). 0 turns the presence rule off.
    public var absentThreshold: Float = 0.05
    /// λ: an object is also absent when its head's odds are under λ times the odds of its share of the training
    /// photos (1: under the share itself).
    public var absentOdds: Float = 1

    public init(enabled: Bool = true, constraintThreshold: Float = 0.5, maxConstraints: Int = 3,
                banThreshold: Float = 0.02, banMinimumClasses: Int = 10, reportThreshold: Float = 0.1,
                absentThreshold: Float = 0.05, absentOdds: Float = 1) {
        self.enabled = enabled
        self.constraintThreshold = constraintThreshold
        self.maxConstraints = maxConstraints
        self.banThreshold = banThreshold
        self.banMinimumClasses = banMinimumClasses
        self.reportThreshold = reportThreshold
        self.absentThreshold = absentThreshold
        self.absentOdds = absentOdds
    }

    public static let off = GroundingOptions(enabled: false)
}

/// What one image's search must write and must not write, in token ids.
public struct DecodingConstraints: Sendable, Equatable {
    /// Each constraint is met by any one of its phrases appearing in the caption (C ≤ 3 constraints).
    public var required: [[[Int32]]]
    /// Tokens never written.
    public var banned: Set<Int32>

    public init(required: [[[Int32]]] = [], banned: Set<Int32> = []) {
        self.required = required
        self.banned = banned
    }

    public static let none = DecodingConstraints()

    /// Bans `tokens`, except those a required phrase holds: a confident label outranks an absent-object verdict.
    public mutating func ban(_ tokens: Set<Int32>) {
        let needed = Set(required.joined().joined())
        banned.formUnion(tokens.subtracting(needed))
    }
}

extension ImageNetClassifier {
    /// The constraints that one image's class probabilities (K) put on a model with `vocabulary`.
    public func constraints(_ probabilities: ArraySlice<Float>, vocabulary: Vocabulary,
                            options: GroundingOptions) -> DecodingConstraints {
        guard options.enabled else { return .none }
        var result = DecodingConstraints()
        for label in labels(probabilities, threshold: options.constraintThreshold) {
            if result.required.count == options.maxConstraints { break }
            let phrases = forms(of: label.word).compactMap { phraseIDs($0, vocabulary: vocabulary) }
            if !phrases.isEmpty { result.required.append(phrases) }
        }
        for word in contradictedWords(probabilities, options: options) {
            for form in forms(of: word) {
                if let ids = phraseIDs(form, vocabulary: vocabulary), ids.count == 1 { result.banned.insert(ids[0]) }
            }
        }
        return result
    }

    /// The word and every other word the table gives for the same thing.
    func forms(of word: String) -> [String] {
        wordForms[word] ?? [word]
    }

    /// Per word of `classes`: the word, then the other words its classes' entries give, in table order.
    static func wordForms(_ classes: [ImageNetClass]) -> [String: [String]] {
        var forms: [String: [String]] = [:]
        for entry in classes {
            guard let word = entry.word else { continue }
            var list = forms[word] ?? [word]
            for other in entry.also where !list.contains(other) { list.append(other) }
            forms[word] = list
        }
        return forms
    }

    /// The words that one image's class probabilities (K) contradict, in word order: those with a group of classes
    /// (their own, or their kind's with their own) of at least `banMinimumClasses` classes that holds less than
    /// `banThreshold`. A word whose classes are of several kinds has no kind group.
    func contradictedWords(_ probabilities: ArraySlice<Float>, options: GroundingOptions) -> [String] {
        let base = probabilities.startIndex
        func mass(_ classes: [Int]) -> Float { classes.reduce(0) { $0 + probabilities[base + $1] } }
        func contradicts(_ count: Int, _ mass: @autoclosure () -> Float) -> Bool {
            count >= options.banMinimumClasses && mass() < options.banThreshold
        }
        return banGroups.filter { group in
            contradicts(group.own.count, mass(group.own))
                || (!group.kind.isEmpty
                    && contradicts(group.kind.count + group.kindless.count, mass(group.kind) + mass(group.kindless)))
        }.map(\.word)
    }
}

/// The classes rule 2 judges one caption word by, gathered once from the class table (class indices, ascending).
struct BanGroup: Equatable, Sendable {
    let word: String
    /// Every class the word names.
    let own: [Int]
    /// Every class of the one kind the word's kinded classes are; empty when they are of no kind or of several.
    let kind: [Int]
    /// The word's classes of no kind, judged with its kind.
    let kindless: [Int]

    /// One group per word of `classes`, in word order.
    static func groups(_ classes: [ImageNetClass]) -> [BanGroup] {
        var own: [String: [Int]] = [:], kindless: [String: [Int]] = [:], wordKinds: [String: Set<String>] = [:]
        var kinds: [String: [Int]] = [:]
        for (k, entry) in classes.enumerated() {
            if let kind = entry.kind { kinds[kind, default: []].append(k) }
            guard let word = entry.word else { continue }
            own[word, default: []].append(k)
            if let kind = entry.kind {
                wordKinds[word, default: []].insert(kind)
            } else {
                kindless[word, default: []].append(k)
            }
        }
        return own.keys.sorted().map { word in
            let kindsOfWord = wordKinds[word] ?? []
            return BanGroup(word: word, own: own[word]!, kind: kindsOfWord.count == 1 ? kinds[kindsOfWord.first!]! : [],
                            kindless: kindless[word] ?? [])
        }
    }
}

extension ObjectPresence {
    /// The objects that one image's presence probabilities (J) call absent, in output order.
    public func absentObjects(_ probabilities: ArraySlice<Float>, options: GroundingOptions) -> [PresenceObject] {
        precondition(probabilities.count == objectCount, "one probability per object")
        guard options.absentThreshold > 0 else { return [] }
        return zip(objects, probabilities).filter { object, p in
            let floor = object.share.map { evidenceFloor(share: $0, odds: options.absentOdds) } ?? 0
            return p < max(options.absentThreshold, floor)
        }.map(\.0)
    }

    /// The probability whose odds are `odds` times those of `share`: the least a head may give an object that a
    /// `share` of its training photos showed, for the photo to count as evidence of λ = `odds` for it.
    func evidenceFloor(share: Float, odds: Float) -> Float {
        let scaled = odds * share / (1 - share)            // share ∈ (0, 1): PresenceObject.problem
        return scaled / (1 + scaled)
    }

    /// The tokens of the objects that one image's presence probabilities (J) call absent.
    public func absentTokens(_ probabilities: ArraySlice<Float>, vocabulary: Vocabulary,
                             options: GroundingOptions) -> Set<Int32> {
        var tokens: Set<Int32> = []
        for object in absentObjects(probabilities, options: options) {
            for word in object.words {
                let id = vocabulary.id(of: word)
                if id != Vocabulary.unknown { tokens.insert(Int32(id)) }
            }
        }
        return tokens
    }
}

/// A phrase's token ids, or nil when the model cannot write one of its words.
func phraseIDs(_ phrase: String, vocabulary: Vocabulary) -> [Int32]? {
    let ids = Vocabulary.tokenize(phrase).map { vocabulary.id(of: $0) }
    if ids.isEmpty || ids.contains(Vocabulary.unknown) { return nil }
    return ids.map(Int32.init)
}
