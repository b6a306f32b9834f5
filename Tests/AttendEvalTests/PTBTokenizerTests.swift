import XCTest
@testable import AttendEval

/// The Stanford tokenizer's behaviour on caption text, one rule per case (values from the 3.4.1 jar).
final class PTBTokenizerTests: XCTestCase {
    func check(_ raw: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ptbTokenize(raw).joined(separator: " "), expected, file: file, line: line)
    }

    func testContractionsAndPossessives() {
        check("The dog's ball isn't red.", "the dog 's ball is n't red")
        check("I'm sure they'll say we've CAN'T", "i 'm sure they 'll say we 've ca n't")
        check("kids' toys", "kids toys")
        check("it’s don’t", "it 's do n't")
    }

    func testHyphensKeptDashesDropped() {
        check("a three-year-old in a t-shirt -- or - not", "a three-year-old in a t-shirt or not")
        check("x- -x a---b", "x x a b")
    }

    func testQuotesDroppedBracketsKeptAsNames() {
        check("a sign that says \"stop\" (red) [x] {y}", "a sign that says stop -lrb- red -rrb- -lsb- x -rsb- -lcb- y -rcb-")
        check("“hi” ‘there’ ``a''", "hi there a")
    }

    func testAbbreviationsKeepTheirPeriod() {
        check("Mr. Smith in the U.S. at 10 a.m.", "mr. smith in the u.s. at 10 a.m.")
        check("the end. Miss. miss.", "the end miss. miss")
    }

    func testSpecialWordsAndApostropheWords() {
        check("gonna cannot o'clock rock'n'roll y'all 'tis", "gon na can not o'clock rock 'n' roll y' all 't is")
    }

    func testNumbersSymbolsAndUnicode() {
        check("2.5 1,000 10:30 $5 50% AT&T a&b", "2.5 1,000 10:30 $ 5 50 % at&t a & b")
        check("café — naïve… wow!!", "café naïve wow !!")
        check("", "")
        check("  . , ; : ! ?  ", "")
    }
}
