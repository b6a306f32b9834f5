import AttendImage
import AttendModel
import Foundation
import XCTest

// MARK: - Scratch files for the training tests

extension XCTestCase {
    /// A fresh folder for one test's files, removed when the test ends.
    func temporaryDirectory(_ name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("attend-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }
}

/// `count` photos of seeded random pixels, `width`×`height`, as PNG files `folder`/photo0.png, photo1.png, ….
func writeRandomPhotos(count: Int, width: Int, height: Int, seed: UInt64, in folder: String) throws -> [String] {
    var generator = SeededGenerator(seed: seed)
    return try (0..<count).map { i in
        let pixels = (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = folder + "/photo\(i).png"
        try PNGWriter.write(RGBImage(width: width, height: height, pixels: pixels), to: path)
        return path
    }
}
