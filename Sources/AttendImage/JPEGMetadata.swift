// MARK: - JPEG: the XMP and EXIF segments, rewritten without touching the compressed picture

/// Why metadata could not be written into a file; the file is then left as it was.
public enum EmbedError: Error, Equatable, CustomStringConvertible {
    case notJPEGOrPNG(String)
    case malformed(ImageFormat, String)
    case tooLarge(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .notJPEGOrPNG(let what): return "not a JPEG or PNG (\(what)): nothing written"
        case let .malformed(format, reason): return "broken \(format.rawValue) (\(reason)): nothing written"
        case .tooLarge(let reason): return "\(reason): nothing written"
        case .unsupported(let reason): return "\(reason): nothing written"
        }
    }
}

/// A JPEG's segments before its first scan: the part metadata lives in.
struct JPEGSegments {
    struct Segment {
        var marker: UInt8
        /// The whole segment: 0xFF, the marker, the length and the payload.
        var range: Range<Int>
        var payload: Range<Int>
    }

    static let xmpHeader = Array("http://ns.adobe.com/xap/1.0/".utf8) + [0]
    static let exifHeader = Array("Exif".utf8) + [0, 0]
    /// The most a segment's payload can hold (its length field counts itself).
    static let maxPayload = 65533

    var segments: [Segment] = []
    /// Where the first scan (SOS) starts: everything from here on is kept byte for byte.
    var scanStart = 0

    init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw EmbedError.malformed(.jpeg, "no start marker") }
        var at = 2
        while true {
            guard at < bytes.count, bytes[at] == 0xFF else {
                throw EmbedError.malformed(.jpeg, "no marker at byte \(at) before the first scan")
            }
            var markerAt = at + 1
            while markerAt < bytes.count, bytes[markerAt] == 0xFF { markerAt += 1 }     // fill bytes
            guard markerAt < bytes.count else { throw EmbedError.malformed(.jpeg, "the file ends before the first scan") }
            let marker = bytes[markerAt]
            if marker == 0xDA { scanStart = at; return }
            if marker == 0xD9 { throw EmbedError.malformed(.jpeg, "the image ends before its first scan") }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { at = markerAt + 1; continue }
            guard markerAt + 2 < bytes.count else { throw EmbedError.malformed(.jpeg, "the file ends inside a segment header") }
            let length = Int(bytes[markerAt + 1]) << 8 | Int(bytes[markerAt + 2])
            let end = markerAt + 1 + length
            guard length >= 2, end <= bytes.count else {
                throw EmbedError.malformed(.jpeg, String(format: "segment 0x%02X at byte %d runs past the end of the file", marker, at))
            }
            segments.append(Segment(marker: marker, range: at..<end, payload: (markerAt + 3)..<end))
            at = end
        }
    }

    func first(app1 header: [UInt8], in bytes: [UInt8]) -> Segment? {
        segments.first { $0.marker == 0xE1 && bytes[$0.payload].starts(with: header) }
    }

    static func segment(marker: UInt8, payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }
}

enum JPEGMetadata {
    /// `bytes` with the XMP packet merged (or added) and the EXIF ImageDescription set, unless someone else
    /// wrote one. Only the two APP1 segments change; every other byte, the compressed picture included, is kept.
    static func embedding(_ description: PhotoDescription, in bytes: [UInt8]) throws -> [UInt8] {
        let jpeg = try JPEGSegments(bytes)
        let xmp = jpeg.first(app1: JPEGSegments.xmpHeader, in: bytes)
        let exif = jpeg.first(app1: JPEGSegments.exifHeader, in: bytes)

        let merged: XMPPacket.Merged
        if let xmp {
            let packet = Array(bytes[(xmp.payload.lowerBound + JPEGSegments.xmpHeader.count)..<xmp.payload.upperBound])
            do { merged = try XMPPacket.merge(description, into: packet) } catch {
                throw EmbedError.malformed(.jpeg, "its XMP segment is \(error)")
            }
        } else {
            merged = .init(packet: XMPPacket.fresh(description, wrapped: true), previousCaption: nil)
        }
        let xmpPayload = JPEGSegments.xmpHeader + merged.packet
        guard xmpPayload.count <= JPEGSegments.maxPayload else {
            throw EmbedError.tooLarge("the XMP packet would be \(xmpPayload.count) bytes, more than a JPEG segment holds")
        }

        var exifSegment: [UInt8]? = nil
        if let exif {
            let tiff = Array(bytes[(exif.payload.lowerBound + 6)..<exif.payload.upperBound])
            do {
                let current = try EXIFDescription.read(tiff)
                let blank = current?.allSatisfy { $0 == " " } ?? true
                if blank || current == merged.previousCaption {
                    exifSegment = JPEGSegments.exifHeader + (try EXIFDescription.setting(description.caption, in: tiff))
                }
            } catch {
                throw EmbedError.malformed(.jpeg, "its EXIF segment is \(error)")
            }
        } else {
            exifSegment = JPEGSegments.exifHeader + EXIFDescription.minimal(description.caption)
        }
        if let payload = exifSegment, payload.count > JPEGSegments.maxPayload {
            throw EmbedError.tooLarge("the EXIF block would be \(payload.count) bytes, more than a JPEG segment holds")
        }
        return assemble(bytes, jpeg, xmp: xmp, exif: exif, xmpSegment: JPEGSegments.segment(marker: 0xE1, payload: xmpPayload),
                        exifSegment: exifSegment.map { JPEGSegments.segment(marker: 0xE1, payload: $0) })
    }

    /// New segments go where readers look: EXIF first (after a JFIF APP0), XMP after it.
    private static func assemble(_ bytes: [UInt8], _ jpeg: JPEGSegments, xmp: JPEGSegments.Segment?,
                                 exif: JPEGSegments.Segment?, xmpSegment: [UInt8], exifSegment: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = Array(bytes[0..<2])
        out.reserveCapacity(bytes.count + xmpSegment.count + (exifSegment?.count ?? 0))
        var pendingExif = exif == nil ? exifSegment : nil
        var pendingXMP: [UInt8]? = xmp == nil ? xmpSegment : nil
        func flushNew() {
            if let segment = pendingExif { out += segment; pendingExif = nil }
            if let segment = pendingXMP { out += segment; pendingXMP = nil }
        }
        for (index, segment) in jpeg.segments.enumerated() {
            let isJFIF = index == 0 && segment.marker == 0xE0
            if !isJFIF && pendingExif != nil { flushNew() }
            if segment.range == exif?.range {
                out += exifSegment ?? Array(bytes[segment.range])
                if pendingXMP != nil { flushNew() }
            } else if segment.range == xmp?.range {
                out += xmpSegment
            } else {
                out += bytes[segment.range]
            }
            if isJFIF { flushNew() }
        }
        flushNew()
        out += bytes[jpeg.scanStart...]
        return out
    }
}
