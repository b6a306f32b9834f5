import AttendImage
import Foundation
import XCTest

// MARK: - Checking metadata with the tool people use: Debian's exiftool (libimage-exiftool-perl)

/// Runs exiftool; fails the test (with how to install it) when it is missing. `make test` installs it.
func exiftool(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, out: Data) {
    let path = ["/usr/bin/exiftool", "/usr/local/bin/exiftool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else {
        XCTFail("exiftool is missing: apt-get install libimage-exiftool-perl (make test does)", file: file, line: line)
        throw XCTSkip("no exiftool")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

/// Every tag exiftool reads from `path`, as "Group:Tag" → value (numbers as numbers, -n), one file.
func exiftoolTags(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: AnyHashable] {
    let run = try exiftool(["-j", "-G1", "-n", "-struct", path], file: file, line: line)
    XCTAssertEqual(run.status, 0, "exiftool could not read \(path)", file: file, line: line)
    let objects = try JSONSerialization.jsonObject(with: run.out) as? [[String: Any]]
    let object = try XCTUnwrap(objects?.first, file: file, line: line)
    var tags: [String: AnyHashable] = [:]
    for (key, value) in object {
        if let list = value as? [Any] {
            tags[key] = list.map { "\($0)" }
        } else if let hashable = value as? AnyHashable {
            tags[key] = hashable
        } else {
            tags[key] = "\(value)"
        }
    }
    return tags
}

/// The tags exiftool reads as a list, whether it printed one value or several.
func exiftoolList(_ value: AnyHashable?) -> [String] {
    guard let value else { return [] }
    if let list = value.base as? [Any] { return list.map { "\($0)" } }
    return ["\(value.base)"]
}

/// A small ICC profile (v2 display class, RGB to XYZ) with a description tag, so exiftool has something to name.
func iccProfile(description: String) -> [UInt8] {
    func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    let text = Array(description.utf8) + [0]
    var desc = Array("desc".utf8) + u32(0) + u32(text.count) + text + u32(0) + u32(0) + [0, 0, 0] + [UInt8](repeating: 0, count: 67)
    while desc.count % 4 != 0 { desc.append(0) }
    let tagTable = u32(1) + Array("desc".utf8) + u32(128 + 12) + u32(desc.count)
    let size = 128 + tagTable.count + desc.count
    var header = u32(size) + Array("none".utf8) + [2, 0x10, 0, 0] + Array("mntrRGB XYZ ".utf8)
    header += [0x07, 0xEA, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]                 // 2026-01-01 00:00:00
    header += Array("acsp".utf8) + [UInt8](repeating: 0, count: 24)
    header += [0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D]           // D50 illuminant
    header += [UInt8](repeating: 0, count: 128 - header.count)
    return header + tagTable + desc
}

/// A picture whose every pixel differs from its neighbours, so any re-encoding would show.
func metadataTestPicture(width: Int = 64, height: Int = 48) -> RGBImage {
    var image = RGBImage(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            let i = 3 * (y * width + x)
            image.pixels[i] = UInt8((x * 37 + y * 11) % 256)
            image.pixels[i + 1] = UInt8((x * 5 + y * 53) % 256)
            image.pixels[i + 2] = UInt8((x * y + 7 * x) % 256)
        }
    }
    return image
}

/// A fresh temporary folder, removed after the test.
func metadataScratchFolder(_ test: XCTestCase) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attend-xmp-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
    return folder
}

func readBytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
