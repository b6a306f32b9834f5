import AttendSupport
import Foundation
import XCTest

final class AtomicFileTests: XCTestCase {
    private func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "attend-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    func testCommitReplacesTheFileOnlyAtTheEnd() throws {
        let path = try temporaryFolder() + "/out.bin"
        try writeFileAtomically([1, 2, 3], to: path)
        let file = try AtomicFile(path: path)
        try file.write([9, 9])
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data([1, 2, 3]), "the old file until commit")
        try file.write([8])
        try file.commit()
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data([9, 9, 8]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
    }

    func testAbandonAndDroppingLeaveTheOldFile() throws {
        let path = try temporaryFolder() + "/out.bin"
        try writeFileAtomically([1], to: path)
        let file = try AtomicFile(path: path)
        try file.write([2])
        file.abandon()
        do {
            let dropped = try AtomicFile(path: path)
            try dropped.write([3])
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data([1]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".partial"))
    }

    func testAnUnwritableFolderNamesThePath() throws {
        let path = try temporaryFolder() + "/no/such/folder/out.bin"
        XCTAssertThrowsError(try writeFileAtomically([1], to: path)) { error in
            let failure = error as? FileWriteError
            XCTAssertEqual(failure?.path, path)
            XCTAssertEqual(failure?.description, "cannot create \(path): no such file or directory")
        }
    }

    func testStopwatchLapsAddUp() {
        var clock = Stopwatch()
        usleep(20_000)
        let first = clock.lap()
        usleep(10_000)
        let second = clock.lap()
        XCTAssertGreaterThanOrEqual(first, 0.02)
        XCTAssertGreaterThanOrEqual(second, 0.01)
        XCTAssertLessThan(clock.seconds, first, "a lap restarts the stopwatch")
    }
}
