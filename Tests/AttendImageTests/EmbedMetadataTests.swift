import AttendImage
import Foundation
import XCTest

/// Descriptions written into JPEGs and PNGs, read back by exiftool; the pixels and every other metadata block
/// (EXIF orientation, GPS, ICC profile, someone else's XMP) unchanged.
final class EmbedMetadataTests: XCTestCase {
    private let first = PhotoDescription(caption: "a dog runs on the grass", keywords: ["dog", "grass"],
                                         model: "default.attend", date: "2026-12-03T14:00:00Z")
    private let second = PhotoDescription(caption: "a brown dog jumps over a log", keywords: ["dog", "log"],
                                          model: "default.attend", date: "2026-12-03T15:00:00Z")

    /// A photo with orientation 6, GPS, an ICC profile, an artist and a creator, all written by exiftool.
    private func taggedPhoto(_ folder: String, png: Bool) throws -> String {
        let path = folder + (png ? "/photo.png" : "/photo.jpg")
        let picture = metadataTestPicture()
        if png {
            try PNGWriter.write(picture, to: path)
        } else {
            let bytes = try JPEGWriter.encode(pixels: picture.pixels, width: picture.width, height: picture.height, components: 3)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let icc = folder + "/profile.icc"
        try Data(iccProfile(description: "attend test profile")).write(to: URL(fileURLWithPath: icc))
        let run = try exiftool(["-overwrite_original", "-Orientation#=6", "-GPSLatitude=51.5", "-GPSLatitudeRef=N",
                                "-GPSLongitude=0.125", "-GPSLongitudeRef=W", "-Artist=Ana Example",
                                "-XMP-dc:Creator=Ana Example", "-XMP-xmp:Rating=4", "-ICC_Profile<=\(icc)", path])
        XCTAssertEqual(run.status, 0, "exiftool could not tag the test photo")
        return path
    }

    /// Tags that must not change: everything but attend's own, the file system's and exiftool's bookkeeping.
    private func unrelatedTags(_ tags: [String: AnyHashable]) -> [String: AnyHashable] {
        tags.filter { key, _ in
            !key.hasPrefix("System:") && !key.hasPrefix("XMP-attend:") && !key.hasPrefix("ExifTool:")
                && !["XMP-dc:Description", "XMP-dc:Subject", "IFD0:ImageDescription", "SourceFile", "XMP-x:XMPToolkit"].contains(key)
        }
    }

    private func checkEmbedding(png: Bool) throws {
        let folder = try metadataScratchFolder(self)
        let path = try taggedPhoto(folder, png: png)
        let before = try exiftoolTags(path)
        XCTAssertEqual(before["IFD0:Orientation"], 6 as AnyHashable, "the fixture has its orientation")
        XCTAssertNotNil(before["ICC_Profile:ProfileDescription"], "the fixture has its ICC profile")
        let pixelsBefore = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(applyOrientation: false)).image
        let iccBefore = try exiftool(["-b", "-ICC_Profile", path]).out

        try PhotoMetadataFile.embed(first, inFile: path, backupSuffix: nil)
        try PhotoMetadataFile.embed(second, inFile: path, backupSuffix: nil)     // a second run replaces attend's own

        let after = try exiftoolTags(path)
        XCTAssertEqual(after["XMP-dc:Description"], second.caption as AnyHashable)
        XCTAssertEqual(Set(exiftoolList(after["XMP-dc:Subject"])), ["dog", "log"], "grass was attend's and is gone")
        if !png { XCTAssertEqual(after["IFD0:ImageDescription"], second.caption as AnyHashable) }
        XCTAssertEqual(unrelatedTags(after), unrelatedTags(before), "every other tag as it was")
        XCTAssertEqual(try exiftool(["-b", "-ICC_Profile", path]).out, iccBefore, "the ICC profile byte for byte")
        let pixelsAfter = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(applyOrientation: false)).image
        XCTAssertEqual(pixelsAfter.pixels, pixelsBefore.pixels, "the same pixels")
        let validation = try exiftool(["-validate", "-warning", "-a", "-s3", path])
        XCTAssertFalse(String(decoding: validation.out, as: UTF8.self).contains("Error"),
                       String(decoding: validation.out, as: UTF8.self))
    }

    func testJPEGEmbeddingKeepsPixelsAndEveryOtherTag() throws { try checkEmbedding(png: false) }

    func testPNGEmbeddingKeepsPixelsAndEveryOtherTag() throws { try checkEmbedding(png: true) }

    /// A description and keywords someone wrote (here with exiftool) stay; attend's keywords are added.
    func testSomeoneElsesDescriptionIsKept() throws {
        let folder = try metadataScratchFolder(self)
        let path = try taggedPhoto(folder, png: false)
        XCTAssertEqual(try exiftool(["-overwrite_original", "-XMP-dc:Description=Grandma's dog, summer 1998",
                                     "-IFD0:ImageDescription=Grandma's dog", "-XMP-dc:Subject=family", path]).status, 0)
        try PhotoMetadataFile.embed(first, inFile: path, backupSuffix: nil)
        let tags = try exiftoolTags(path)
        XCTAssertEqual(tags["XMP-dc:Description"], "Grandma's dog, summer 1998" as AnyHashable)
        XCTAssertEqual(tags["IFD0:ImageDescription"], "Grandma's dog" as AnyHashable)
        XCTAssertEqual(Set(exiftoolList(tags["XMP-dc:Subject"])), ["family", "dog", "grass"])
    }

    /// With a backup, the original's bytes are kept beside the photo, once.
    func testBackupKeepsTheOriginal() throws {
        let folder = try metadataScratchFolder(self)
        let path = try taggedPhoto(folder, png: false)
        let original = try readBytes(path)
        try PhotoMetadataFile.embed(first, inFile: path, backupSuffix: "_original")
        try PhotoMetadataFile.embed(second, inFile: path, backupSuffix: "_original")
        XCTAssertEqual(try readBytes(path + "_original"), original)
        XCTAssertNotEqual(try readBytes(path), original)
    }

    // MARK: - Hostile files: an error naming the cause, and the file untouched

    private func assertRefused(_ bytes: [UInt8], name: String, mentions: String, file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let folder = try metadataScratchFolder(self)
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PhotoMetadataFile.embed(first, inFile: path, backupSuffix: "_original"), file: file, line: line) {
            XCTAssertTrue("\($0)".contains(mentions), "\($0)", file: file, line: line)
            XCTAssertTrue("\($0)".hasPrefix(path), "names the file: \($0)", file: file, line: line)
        }
        XCTAssertEqual(try readBytes(path), bytes, "untouched", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [name], "no backup, no temporary file",
                       file: file, line: line)
    }

    func testHostilePhotosAreRefusedAndLeftAlone() throws {
        let picture = metadataTestPicture()
        let jpeg = try JPEGWriter.encode(pixels: picture.pixels, width: picture.width, height: picture.height, components: 3)
        // An APP1 whose length runs past the end of the file.
        try assertRefused(Array(jpeg[0..<2]) + [0xFF, 0xE1, 0xFF, 0xF0] + Array("Exif".utf8) + [0, 0] + Array(jpeg[2...].prefix(40)),
                          name: "broken-app1.jpg", mentions: "runs past the end")
        // An EXIF APP1 that is not TIFF.
        let notTIFF = Array("Exif".utf8) + [0, 0] + Array("garbage!".utf8)
        try assertRefused(Array(jpeg[0..<2]) + [0xFF, 0xE1, 0, UInt8(notTIFF.count + 2)] + notTIFF + Array(jpeg[2...]),
                          name: "broken-exif.jpg", mentions: "EXIF")
        // An XMP APP1 that is not XML.
        let notXML = Array("http://ns.adobe.com/xap/1.0/".utf8) + [0] + Array("<x:xmpmeta><unclosed>".utf8)
        try assertRefused(Array(jpeg[0..<2]) + [0xFF, 0xE1, 0, UInt8(notXML.count + 2)] + notXML + Array(jpeg[2...]),
                          name: "broken-xmp.jpg", mentions: "not XML")
        // Not a JPEG or PNG at all.
        try assertRefused(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0, 0x3B], name: "image.gif", mentions: "not a JPEG or PNG")
        try assertRefused(Array(jpeg.prefix(300)), name: "cut.jpg", mentions: "broken JPEG")
    }
}
