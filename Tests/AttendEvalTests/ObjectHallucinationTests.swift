import XCTest
@testable import AttendEval

/// CHAIR and object recall against cases worked by hand (the working is in the comments), and the object table's
/// matcher: synonyms, plurals, two-word names and the phrases that must not count.
final class ObjectHallucinationTests: XCTestCase {
    let words = ObjectWords.coco

    // MARK: - The table and the matcher

    func testTheTableHasCOCOsEightyCategories() {
        XCTAssertEqual(words.categories.count, 80)
        XCTAssertEqual(Set(words.categories).count, 80)
        for category in ["person", "hot dog", "teddy bear", "cell phone", "traffic light", "dining table", "tv"] {
            XCTAssertTrue(words.categories.contains(category), category)
        }
    }

    func testSynonymsPluralsAndMultiwordNames() {
        XCTAssertEqual(words.objects(in: "A man's umbrella."), ["person", "umbrella"])         // "man 's"
        XCTAssertEqual(words.objects(in: "two puppies and a kitten"), ["dog", "cat"])
        XCTAssertEqual(words.objects(in: "Children, ladies and men"), ["person"])              // once per caption
        XCTAssertEqual(words.objects(in: "buses, benches and ponies"), ["bus", "bench", "horse"])
        XCTAssertEqual(words.objects(in: "a cell phone beside a cellphone"), ["cell phone"])
        XCTAssertEqual(words.objects(in: "traffic lights over the street"), ["traffic light"])
        XCTAssertEqual(words.objects(in: "two Teddy-Bears"), ["teddy bear"])
        XCTAssertEqual(words.objects(in: "a laptop computer on a desk"), ["laptop"])
    }

    /// The words a presence head bans: one-word names, listed and plural, never a two-word name or another
    /// category's ("hot dog" is no dog).
    func testSingleWordsOfACategory() {
        let dog = words.singleWords(of: "dog")
        for word in ["dog", "dogs", "puppy", "puppies"] { XCTAssertTrue(dog.contains(word), word) }
        XCTAssertFalse(dog.contains { $0.contains(" ") || $0 == "hot" })
        XCTAssertEqual(dog, dog.sorted())
        let person = words.singleWords(of: "person")
        for word in ["man", "men", "people", "woman", "children"] { XCTAssertTrue(person.contains(word), word) }
        XCTAssertEqual(words.singleWords(of: "no such category"), [])
    }

    func testLongerNamesWinOverTheWordsInThem() {
        XCTAssertEqual(words.objects(in: "a hot dog next to a dog"), ["hot dog", "dog"])
        XCTAssertEqual(words.objects(in: "a hot dog"), ["hot dog"])
        XCTAssertEqual(words.objects(in: "a teddy bear"), ["teddy bear"])
        XCTAssertEqual(words.objects(in: "a sheep dog herds sheep"), ["dog", "sheep"])
        XCTAssertEqual(words.objects(in: "a pit bull"), ["dog"])
        XCTAssertEqual(words.objects(in: "a baseball player swings a baseball bat at a baseball"),
                       ["person", "baseball bat", "sports ball"])
        XCTAssertEqual(words.objects(in: "a dirt bike"), ["motorcycle"])
        // Phrases that name no object.
        XCTAssertEqual(words.objects(in: "children on the train tracks"), ["person"])
        XCTAssertEqual(words.objects(in: "a tennis court"), [])
        XCTAssertEqual(words.objects(in: "skiers ride the chair lift"), ["person"])
        // "orange" alone is a colour.
        XCTAssertEqual(words.objects(in: "a man in an orange shirt"), ["person"])
        XCTAssertEqual(words.objects(in: "three oranges"), ["orange"])
    }

    func testPluralRule() {
        XCTAssertEqual(["dog", "bus", "bench", "box", "pony", "toy", "dish"].map(ObjectWords.plural),
                       ["dogs", "buses", "benches", "boxes", "ponies", "toys", "dishes"])
    }

    func testTableRefusesANameUnderTwoCategoriesAndMalformedLines() {
        XCTAssertThrowsError(try ObjectWords(table: "cat: cat, kitty\ndog: dog, kitty")) { error in
            XCTAssertTrue("\(error)".contains("\"kitty\" is listed under cat and dog"), "\(error)")
        }
        XCTAssertThrowsError(try ObjectWords(table: "cat cat, kitty"))
        // A generated plural gives way to a listed name: "dos" (a listed "do") is not the plural of "do".
        let table = try! ObjectWords(table: "a: do\nb: dos")
        XCTAssertEqual(table.objects(in: "dos"), ["b"])
    }

    // MARK: - CHAIR by hand

    /// The three images of Fixtures/coco, their references' objects worked by hand:
    ///   1  "A Hot-Dog on a plate, next to a cup of coffee."  hot dog, cup
    ///      "a hot dog and a mug sit on a table"               hot dog, cup, dining table
    ///      "Someone's lunch: two hotdogs."                     person, hot dog
    ///      → named by some reference: hot dog, cup, dining table, person; by two or more: hot dog (3), cup (2)
    ///   2  "Two teddy bears sit on a bed."                      teddy bear, bed
    ///      "A TEDDY BEAR and a cell phone on a bed"             teddy bear, cell phone, bed
    ///      → teddy bear, bed, cell phone; two or more: teddy bear, bed
    ///   3  "A man rides a bike past a traffic light."           person, bicycle, traffic light
    ///      "a cyclist waits at the traffic lights"              person, traffic light
    ///      "People on bicycles in the city."                    person, bicycle
    ///      → person, bicycle, traffic light; two or more: all three
    /// Captions:
    ///   1  "a dog eats a hot dog on a table"       dog ✗, hot dog ✓, dining table ✓   3 mentions, 1 hallucinated;
    ///                                              recall: hot dog of {hot dog, cup} = 1 of 2
    ///   2  "a teddy bear and a bear on a bed with a phone"
    ///                                              teddy bear ✓, bear ✗, bed ✓, cell phone ✓   4 mentions, 1 hallucinated;
    ///                                              recall 2 of 2
    ///   3  "two men ride bicycles past a stoplight"  person ✓, bicycle ✓, traffic light ✓   3 mentions, 0; recall 3 of 3
    /// CHAIRi = 2 / 10 = 20 %; CHAIRs = 2 / 3 = 66.67 %; recall = (1 + 2 + 3) / (2 + 2 + 3) = 6 / 7 = 85.71 %.
    func testCHAIROnTheFixtureWorkedByHand() {
        let references = [
            "1": ["A Hot-Dog on a plate, next to a cup of coffee.", "a hot dog and a mug sit on a table",
                  "Someone's lunch: two hotdogs."],
            "2": ["Two teddy bears sit on a bed.", "A TEDDY BEAR and a cell phone on a bed"],
            "3": ["A man rides a bike past a traffic light.", "a cyclist waits at the traffic lights",
                  "People on bicycles in the city."],
        ]
        let predictions = ["1": "a dog eats a hot dog on a table", "2": "a teddy bear and a bear on a bed with a phone",
                           "3": "two men ride bicycles past a stoplight"]
        let scores = scoreHallucination(predictions: predictions, references: references)
        XCTAssertEqual(scores.mentions, 10)
        XCTAssertEqual(scores.hallucinatedMentions, 2)
        XCTAssertEqual(scores.chairI, 20, accuracy: 1e-9)
        XCTAssertEqual(scores.hallucinatingCaptions, 2)
        XCTAssertEqual(scores.chairS, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(scores.salientObjects, 7)
        XCTAssertEqual(scores.salientObjectsNamed, 6)
        XCTAssertEqual(scores.objectRecall, 600.0 / 7, accuracy: 1e-9)
        XCTAssertEqual(scores.hallucinatedCategories, [.init(category: "bear", count: 1), .init(category: "dog", count: 1)])
    }

    /// A caption that names nothing: no mention, no hallucination, and the references' objects go unnamed.
    ///   references: "a man and a dog" ×2 → person, dog named twice each → 2 salient objects, 0 named
    func testCaptionNamingNoObject() {
        let scores = scoreHallucination(predictions: ["x": "something on the grass"],
                                        references: ["x": ["a man and a dog", "A dog with a man."]])
        XCTAssertEqual(scores.mentions, 0)
        XCTAssertEqual(scores.chairI, 0)
        XCTAssertEqual(scores.chairS, 0)
        XCTAssertEqual(scores.salientObjects, 2)
        XCTAssertEqual(scores.objectRecall, 0)
    }

    /// Repeated words of one object are one mention: "a dog chases a puppy" against references naming a cat
    ///   → mentions {dog} = 1, hallucinated 1 → CHAIRi 100 %, CHAIRs 100 %.
    func testOneMentionPerCategoryPerCaption() {
        let scores = scoreHallucination(predictions: ["x": "a dog chases a puppy"], references: ["x": ["a cat"]])
        XCTAssertEqual(scores.mentions, 1)
        XCTAssertEqual(scores.chairI, 100)
        XCTAssertEqual(scores.chairS, 100)
        XCTAssertEqual(scores.salientObjects, 0)
    }
}
