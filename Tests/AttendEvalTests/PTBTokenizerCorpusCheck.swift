import Foundation
import XCTest
@testable import AttendEval

/// Optional check against the real Stanford tokenizer on a large text the repository cannot ship
/// (e.g. all Flickr8k captions): ATTEND_PTB_CHECK=FILE, one `raw<TAB>expected tokens` per line, as
/// written by `scripts/make_eval_fixture.py --ptb-check`. Skipped when the variable is unset.
final class PTBTokenizerCorpusCheck: XCTestCase {
    func testAgainstStanfordOutput() throws {
        guard let path = ProcessInfo.processInfo.environment["ATTEND_PTB_CHECK"] else {
            throw XCTSkip("set ATTEND_PTB_CHECK to a raw<TAB>tokens file to run")
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var mismatches = 0
        var total = 0
        for line in lines where !line.isEmpty {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            let raw = String(parts[0])
            let expected = parts.count > 1 ? parts[1].split(separator: " ").map(String.init) : []
            total += 1
            let got = ptbTokenize(raw)
            if got != expected {
                mismatches += 1
                if mismatches <= 40 { print("MISMATCH raw: \(raw)\n  want: \(expected.joined(separator: " "))\n  got:  \(got.joined(separator: " "))") }
            }
        }
        print("PTB check: \(total - mismatches)/\(total) lines identical")
        XCTAssertEqual(mismatches, 0)
    }
}
