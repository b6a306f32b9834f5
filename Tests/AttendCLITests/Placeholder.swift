import XCTest

final class AttendCLITestsPlaceholder: XCTestCase {
    func testPlaceholderRemovedSoon() { XCTAssertEqual(1 + 1, 2) }
}
