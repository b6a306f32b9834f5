import CAttendShims

// MARK: - PNG: the XMP iTXt chunk, rewritten without touching the image data

enum PNGMetadata {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The keyword XMP's iTXt chunk carries (the XMP specification, part 3).
    static let xmpKeyword = Array("XML:com.adobe.xmp".utf8)

    struct Chunk {
        var type: String
        /// The whole chunk: length, type, data, CRC.
        var range: Range<Int>
        var data: Range<Int>
    }

    static func chunks(_ bytes: [UInt8]) throws -> [Chunk] {
        guard bytes.starts(with: signature) else { throw EmbedError.malformed(.png, "no PNG signature") }
        var chunks: [Chunk] = []
        var at = signature.count
        while true {
            guard at + 12 <= bytes.count else { throw EmbedError.malformed(.png, "the file ends before IEND") }
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            let end = at + 12 + length
            guard end <= bytes.count else { throw EmbedError.malformed(.png, "chunk \(type) at byte \(at) runs past the end") }
            chunks.append(Chunk(type: type, range: at..<end, data: (at + 8)..<(end - 4)))
            at = end
            if type == "IEND" { return chunks }
        }
    }

    /// `bytes` with the XMP packet of its iTXt chunk merged, or a new chunk before the image data.
    static func embedding(_ description: PhotoDescription, in bytes: [UInt8]) throws -> [UInt8] {
        let all = try chunks(bytes)
        guard all.first?.type == "IHDR" else { throw EmbedError.malformed(.png, "IHDR is not the first chunk") }
        let existing = all.first { $0.type == "iTXt" && bytes[$0.data].starts(with: xmpKeyword + [0]) }
        var packet = XMPPacket.fresh(description, wrapped: true)
        if let existing {
            // keyword \0, compression flag, method, language \0, translated keyword \0, text
            let data = Array(bytes[existing.data])
            var at = xmpKeyword.count + 1
            guard at + 2 <= data.count else { throw EmbedError.malformed(.png, "its XMP chunk is cut short") }
            guard data[at] == 0 else { throw EmbedError.unsupported("its XMP chunk is compressed (not supported)") }
            at += 2
            for _ in 0..<2 {
                guard let nul = data[at...].firstIndex(of: 0) else { throw EmbedError.malformed(.png, "its XMP chunk is cut short") }
                at = nul + 1
            }
            do { packet = try XMPPacket.merge(description, into: Array(data[at...])).packet } catch {
                throw EmbedError.malformed(.png, "its XMP chunk is \(error)")
            }
        }
        let chunk = makeChunk(type: "iTXt", data: xmpKeyword + [0, 0, 0, 0, 0] + packet)
        guard let firstData = all.first(where: { $0.type == "IDAT" }) else { throw EmbedError.malformed(.png, "no IDAT chunk") }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + chunk.count)
        if let existing {
            out += bytes[0..<existing.range.lowerBound] + chunk + bytes[existing.range.upperBound...]
        } else {
            out += bytes[0..<firstData.range.lowerBound] + chunk + bytes[firstData.range.lowerBound...]
        }
        return out
    }

    static func makeChunk(type: String, data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let crc = typed.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count) }
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return u32(data.count) + typed + u32(Int(crc))
    }
}
