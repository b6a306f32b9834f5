// MARK: - EXIF orientation

/// Reads the orientation tag (0x0112) from EXIF data: a TIFF structure, as in a JPEG's APP1 "Exif"
/// segment (after its 6-byte "Exif\0\0" header) or a PNG's eXIf chunk.
///
/// Only IFD0 is read, every offset is bounds-checked, and anything malformed, missing or outside 1…8
/// gives nil: a broken EXIF block never stops an image from decoding, it just stays as stored.
/// A leading "Exif\0\0" is skipped, so either form of the block can be passed.
public func exifOrientation(_ data: UnsafeRawBufferPointer) -> Orientation? {
    var base = 0
    if data.count >= 6, data[0] == 0x45, data[1] == 0x78, data[2] == 0x69, data[3] == 0x66, data[4] == 0, data[5] == 0 {
        base = 6  // "Exif\0\0"
    }
    guard data.count >= base + 8 else { return nil }
    let little: Bool
    switch (data[base], data[base + 1]) {
    case (0x49, 0x49): little = true   // "II"
    case (0x4D, 0x4D): little = false  // "MM"
    default: return nil
    }
    func u16(_ at: Int) -> Int? {
        guard at >= 0, at + 2 <= data.count - base else { return nil }
        let a = Int(data[base + at]), b = Int(data[base + at + 1])
        return little ? a | b << 8 : a << 8 | b
    }
    func u32(_ at: Int) -> Int? {
        guard let lo = u16(little ? at : at + 2), let hi = u16(little ? at + 2 : at) else { return nil }
        return lo | hi << 16
    }
    guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
    for entry in 0..<count {
        let at = ifd + 2 + 12 * entry
        guard let tag = u16(at) else { return nil }
        guard tag == 0x0112 else { continue }
        // SHORT (type 3) as the standard says, or LONG (4) as a few writers have it; one value,
        // held in the entry's value field itself.
        guard u32(at + 4) == 1 else { return nil }
        switch u16(at + 2) {
        case 3: return u16(at + 8).flatMap { Orientation(rawValue: $0) }
        case 4: return u32(at + 8).flatMap { Orientation(rawValue: $0) }
        default: return nil
        }
    }
    return nil
}

/// Builds a minimal EXIF block (TIFF, IFD0 with one orientation entry), with or without the JPEG
/// APP1 "Exif\0\0" header: what the tests and the benchmark write into files.
public func exifBlock(orientation: Int, bigEndian: Bool = false, app1Header: Bool = true) -> [UInt8] {
    func u16(_ v: Int) -> [UInt8] {
        bigEndian ? [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)]
    }
    func u32(_ v: Int) -> [UInt8] { bigEndian ? u16(v >> 16) + u16(v & 0xFFFF) : u16(v & 0xFFFF) + u16(v >> 16) }
    var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
    tiff += u16(42) + u32(8)                            // header, IFD0 at offset 8
    tiff += u16(1)                                      // one entry
    tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
    tiff += u32(0)                                      // no next IFD
    return (app1Header ? Array("Exif".utf8) + [0, 0] : []) + tiff
}
