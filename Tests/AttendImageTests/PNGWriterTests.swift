import AttendImage
import Foundation
import XCTest

final class PNGWriterTests: XCTestCase {
    /// The file's chunks, checked: signature, CRCs, and IHDR's fields.
    private func chunks(_ png: [UInt8]) -> [(type: String, data: [UInt8])] {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var out: [(String, [UInt8])] = []
        var i = 8
        while i + 12 <= png.count {
            let length = png[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) }
            let body = Array(png[(i + 4)..<(i + 8 + length)])
            let crc = png[(i + 8 + length)..<(i + 12 + length)].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertEqual(UInt32(crc), crc32(body), "CRC of \(String(decoding: body.prefix(4), as: UTF8.self))")
            out.append((String(decoding: body.prefix(4), as: UTF8.self), Array(body.dropFirst(4))))
            i += 12 + length
        }
        XCTAssertEqual(i, png.count)
        return out
    }

    func testRGBRoundTrip() throws {
        let picture = RGBImage.testPattern(width: 123, height: 45, seed: 9)
        for level in [0, 1, 6, 9] {
            let png = try PNGWriter.encode(picture, compression: level)
            let c = chunks(png)
            XCTAssertEqual(c.first?.type, "IHDR")
            XCTAssertEqual(c.first?.data, be32(123) + be32(45) + [8, 2, 0, 0, 0], "8-bit RGB, not interlaced")
            XCTAssertEqual(c.last?.type, "IEND")
            XCTAssertEqual(try ImageDecoder.decode(png).image, picture, "level \(level)")
        }
    }

    func testRGBAKeepsItsAlpha() throws {
        var rgba = [UInt8]()
        for y in 0..<8 { for x in 0..<8 { rgba += [UInt8(x * 30), UInt8(y * 30), 200, UInt8((x + y) * 17)] } }
        let png = try rgba.withUnsafeBufferPointer { try PNGWriter.encode(pixels: $0, width: 8, height: 8, channels: 4) }
        XCTAssertEqual(chunks(png).first?.data, be32(8) + be32(8) + [8, 6, 0, 0, 0], "8-bit RGBA")
        let over = try ImageDecoder.decode(png, options: DecodeOptions(background: .black)).image
        for i in 0..<64 {
            let a = Int(rgba[4 * i + 3])
            for c in 0..<3 { XCTAssertEqual(Int(over.pixels[3 * i + c]), (Int(rgba[4 * i + c]) * a + 127) / 255) }
        }
        let dir = temporaryDirectory(self)
        try PNGWriter.write(rgba: rgba, width: 8, height: 8, to: dir + "/a.png")
        XCTAssertEqual(try ImageDecoder.info(contentsOf: dir + "/a.png").info.colorModel, "rgba")
    }

    func testWriteReplacesAtomicallyAndReportsUnwritablePaths() throws {
        let dir = temporaryDirectory(self)
        let path = dir + "/out.png"
        try PNGWriter.write(RGBImage(width: 3, height: 3, fill: (1, 2, 3)), to: path)
        try PNGWriter.write(RGBImage(width: 5, height: 2, fill: (4, 5, 6)), to: path)
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: path).image, RGBImage(width: 5, height: 2, fill: (4, 5, 6)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.png"], "no temporary left behind")
        XCTAssertThrowsError(try PNGWriter.write(RGBImage(width: 1, height: 1), to: dir + "/missing/out.png")) {
            guard case .io(let reason) = $0 as? ImageError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("no such file or directory"), reason)
        }
    }
}
