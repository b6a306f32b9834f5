import AttendImage
import Foundation
import XCTest

/// Sidecars merged, never overwritten: what attend does not own stays byte for byte, and exiftool reads the result.
final class XMPSidecarTests: XCTestCase {
    private let description = PhotoDescription(caption: "a dog & a cat <play>", keywords: ["dog", "cat"],
                                               model: "default.attend", date: "2026-12-03T14:00:00Z")

    /// A sidecar as darktable writes one: attributes on rdf:Description, a history sequence, a keyword of its own.
    private let darktable = """
        <?xml version="1.0" encoding="UTF-8"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about=""
            xmlns:xmp="http://ns.adobe.com/xap/1.0/"
            xmlns:dc="http://purl.org/dc/elements/1.1/"
            xmlns:darktable="http://darktable.sf.net/"
           xmp:Rating="3"
           darktable:xmp_version="5">
           <dc:subject>
            <rdf:Bag>
             <rdf:li>holiday</rdf:li>
            </rdf:Bag>
           </dc:subject>
           <darktable:history>
            <rdf:Seq>
             <rdf:li darktable:operation="exposure" darktable:enabled="1" darktable:params="0000000000"/>
            </rdf:Seq>
           </darktable:history>
          </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>

        """

    func testFreshSidecarIsReadByExiftool() throws {
        let folder = try metadataScratchFolder(self)
        let path = folder + "/photo.jpg.xmp"
        try PhotoMetadataFile.writeSidecar(description, to: path)
        let tags = try exiftoolTags(path)
        XCTAssertEqual(tags["XMP-dc:Description"], description.caption as AnyHashable)
        XCTAssertEqual(exiftoolList(tags["XMP-dc:Subject"]), ["dog", "cat"])
        XCTAssertEqual(tags["XMP-attend:Model"], "default.attend" as AnyHashable)
    }

    /// Merging into darktable's sidecar keeps every element and attribute of darktable's byte for byte.
    func testMergeKeepsForeignElementsByteForByte() throws {
        let folder = try metadataScratchFolder(self)
        let path = folder + "/photo.jpg.xmp"
        try Data(darktable.utf8).write(to: URL(fileURLWithPath: path))
        try PhotoMetadataFile.writeSidecar(description, to: path)
        let merged = try String(contentsOfFile: path, encoding: .utf8)
        for kept in ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "x:xmptk=\"XMP Core 4.4.0-Exiv2\"",
                     "xmp:Rating=\"3\"\n   darktable:xmp_version=\"5\">",
                     "   <darktable:history>\n    <rdf:Seq>\n     <rdf:li darktable:operation=\"exposure\" darktable:enabled=\"1\" darktable:params=\"0000000000\"/>\n    </rdf:Seq>\n   </darktable:history>\n",
                     "     <rdf:li>holiday</rdf:li>\n"] {
            XCTAssertTrue(merged.contains(kept), "lost or changed: \(kept)\n--- merged:\n\(merged)")
        }
        // Nothing removed: the original's bytes are a subsequence of the merge's, in order.
        XCTAssertTrue(isSubsequence(Array(darktable.utf8), of: Array(merged.utf8)), merged)
        let tags = try exiftoolTags(path)
        XCTAssertEqual(tags["XMP-dc:Description"], description.caption as AnyHashable)
        XCTAssertEqual(exiftoolList(tags["XMP-dc:Subject"]), ["holiday", "dog", "cat"])
        XCTAssertEqual(tags["XMP-xmp:Rating"], 3 as AnyHashable)
        XCTAssertNotNil(tags["XMP-darktable:History"], "darktable's history is still read")
    }

    /// A second run replaces what attend wrote (description, its keywords) and nothing else; a third is a no-op
    /// but for the date.
    func testRerunReplacesOnlyAttendsOwn() throws {
        let folder = try metadataScratchFolder(self)
        let path = folder + "/photo.xmp"
        try Data(darktable.utf8).write(to: URL(fileURLWithPath: path))
        try PhotoMetadataFile.writeSidecar(description, to: path)
        var next = description
        next.caption = "a cat sleeps on a bed"
        next.keywords = ["cat", "bed"]
        try PhotoMetadataFile.writeSidecar(next, to: path)
        let once = try readBytes(path)
        try PhotoMetadataFile.writeSidecar(next, to: path)
        XCTAssertEqual(try readBytes(path), once, "merging the same description again changes nothing")
        let tags = try exiftoolTags(path)
        XCTAssertEqual(tags["XMP-dc:Description"], next.caption as AnyHashable)
        XCTAssertEqual(exiftoolList(tags["XMP-dc:Subject"]), ["holiday", "cat", "bed"], "dog was attend's: removed")
        let text = String(decoding: once, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "<rdf:Description").count - 1, 2, "one block of attend's, not one per run")
    }

    /// A description written by someone else is never replaced.
    func testSomeoneElsesDescriptionStays() throws {
        let folder = try metadataScratchFolder(self)
        let path = folder + "/photo.jpg.xmp"
        try PhotoMetadataFile.writeSidecar(description, to: path)
        XCTAssertEqual(try exiftool(["-overwrite_original", "-XMP-dc:Description=Our first holiday", path]).status, 0)
        try PhotoMetadataFile.writeSidecar(description, to: path)
        XCTAssertEqual(try exiftoolTags(path)["XMP-dc:Description"], "Our first holiday" as AnyHashable)
    }

    /// A sidecar that is not XMP is left alone, and the error says why.
    func testUnparseableSidecarIsLeftAlone() throws {
        let folder = try metadataScratchFolder(self)
        for (name, content, cause) in [("notxml.xmp", "this is not XML at all", "not XML"),
                                       ("unclosed.xmp", "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><a>", "not XML"),
                                       ("entity.xmp", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>", "not XML"),
                                       ("nordf.xmp", "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>", "not XMP")] {
            let path = folder + "/" + name
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try PhotoMetadataFile.writeSidecar(description, to: path)) {
                XCTAssertTrue("\($0)".hasPrefix(path) && "\($0)".contains(cause), "\($0)")
            }
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), content)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).count, 4, "no temporary files left")
    }

    private func isSubsequence(_ small: [UInt8], of large: [UInt8]) -> Bool {
        var i = 0
        for byte in large where i < small.count && byte == small[i] { i += 1 }
        return i == small.count
    }
}
