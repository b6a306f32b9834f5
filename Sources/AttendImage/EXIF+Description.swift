// MARK: - EXIF ImageDescription (tag 0x010E of IFD0), written without moving anything else

/// Why an EXIF block could not be edited.
public struct EXIFError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "broken EXIF: \(reason)" }
}

/// Edits the ImageDescription of a TIFF structure (an EXIF block after its "Exif\0\0" header).
///
/// Every other byte keeps its offset: the new IFD0 (the old entries, the description's entry added or replaced,
/// in tag order) and the description's text are appended at the end, and the header points at them. The old
/// IFD0 stays behind unreferenced, so the values it points at (GPS and EXIF sub-IFDs, maker notes, the
/// thumbnail's IFD1) keep their offsets and stay valid.
public enum EXIFDescription {
    public static let tag = 0x010E

    /// The ImageDescription IFD0 holds, if any (its text up to the first NUL).
    public static func read(_ tiff: [UInt8]) throws -> String? {
        let layout = try Layout(tiff)
        guard let entry = layout.entries.first(where: { layout.u16($0) == tag }) else { return nil }
        let count = try layout.u32(entry + 4)
        guard layout.u16(entry + 2) == 2 else { return nil }   // not ASCII: not text we can compare
        let start = count <= 4 ? entry + 8 : try layout.u32(entry + 8)
        guard start >= 0, start + count <= tiff.count else { throw EXIFError(reason: "ImageDescription runs past the end") }
        return String(decoding: tiff[start..<(start + count)].prefix { $0 != 0 }, as: UTF8.self)
    }

    /// `tiff` with its ImageDescription set to `text`.
    public static func setting(_ text: String, in tiff: [UInt8]) throws -> [UInt8] {
        let layout = try Layout(tiff)
        var value = Array(text.utf8.filter { $0 != 0 }) + [0]
        var out = tiff
        if out.count % 2 == 1 { out.append(0) }                  // IFDs start on a word boundary
        let ifd = out.count
        var entries = layout.entries.map { Array(tiff[$0..<($0 + 12)]) }
        entries.removeAll { layout.u16Bytes($0, 0) == tag }
        let entryCount = entries.count + 1
        let valueOffset = ifd + 2 + 12 * entryCount + 4
        var entry = layout.encode16(tag) + layout.encode16(2) + layout.encode32(value.count)
        if value.count <= 4 {
            entry += value + [UInt8](repeating: 0, count: 4 - value.count)
            value = []
        } else {
            entry += layout.encode32(valueOffset)
        }
        let position = entries.firstIndex { layout.u16Bytes($0, 0) > tag } ?? entries.count
        entries.insert(entry, at: position)
        out += layout.encode16(entryCount) + entries.joined() + Array(tiff[layout.nextIFD..<(layout.nextIFD + 4)]) + value
        out.replaceSubrange(4..<8, with: layout.encode32(ifd))
        return out
    }

    /// A TIFF structure holding only an IFD0 with the ImageDescription, little-endian.
    public static func minimal(_ text: String) -> [UInt8] {
        let empty: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]   // header, IFD0 with no entries
        return (try? setting(text, in: empty)) ?? empty
    }

    // MARK: - Reading the structure

    private struct Layout {
        let tiff: [UInt8]
        let little: Bool
        /// Offsets of IFD0's 12-byte entries, and of its next-IFD pointer.
        var entries: [Int] = []
        var nextIFD = 0

        init(_ tiff: [UInt8]) throws {
            self.tiff = tiff
            guard tiff.count >= 8 else { throw EXIFError(reason: "shorter than a TIFF header") }
            switch (tiff[0], tiff[1]) {
            case (0x49, 0x49): little = true
            case (0x4D, 0x4D): little = false
            default: throw EXIFError(reason: "no II or MM byte order mark")
            }
            guard u16Bytes(tiff, 2) == 42 else { throw EXIFError(reason: "no TIFF magic number 42") }
            let ifd = try u32(4)
            guard ifd >= 8, ifd + 2 <= tiff.count else { throw EXIFError(reason: "IFD0 offset \(ifd) is outside the block") }
            let count = u16Bytes(tiff, ifd)
            nextIFD = ifd + 2 + 12 * count
            guard nextIFD + 4 <= tiff.count else { throw EXIFError(reason: "IFD0's \(count) entries run past the end") }
            entries = (0..<count).map { ifd + 2 + 12 * $0 }
        }

        func u16Bytes(_ bytes: [UInt8], _ at: Int) -> Int {
            let a = Int(bytes[at]), b = Int(bytes[at + 1])
            return little ? a | b << 8 : a << 8 | b
        }

        func u16(_ at: Int) -> Int { u16Bytes(tiff, at) }

        func u32(_ at: Int) throws -> Int {
            guard at + 4 <= tiff.count else { throw EXIFError(reason: "an offset runs past the end") }
            let lo = u16Bytes(tiff, little ? at : at + 2), hi = u16Bytes(tiff, little ? at + 2 : at)
            return lo | hi << 16
        }

        func encode16(_ value: Int) -> [UInt8] {
            little ? [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] : [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }

        func encode32(_ value: Int) -> [UInt8] {
            little ? encode16(value & 0xFFFF) + encode16(value >> 16 & 0xFFFF)
                : encode16(value >> 16 & 0xFFFF) + encode16(value & 0xFFFF)
        }
    }
}
