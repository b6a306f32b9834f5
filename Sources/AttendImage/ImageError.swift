// MARK: - ImageFormat

/// The formats attend decodes. Anything else is recognised by `ImageFormat.identify` only to say what it is.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg = "JPEG"
    case png = "PNG"

    /// What the first bytes of a file say it is: a format attend decodes, or the name of the one it is not.
    ///
    /// Content decides, never the file name: a `.jpg` holding PNG bytes is a PNG.
    public static func identify(_ bytes: UnsafeRawBufferPointer) -> Result<ImageFormat, ImageError> {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            guard bytes.count >= offset + prefix.count else { return false }
            for (i, b) in prefix.enumerated() where bytes[offset + i] != b { return false }
            return true
        }
        if bytes.isEmpty { return .failure(.empty) }
        // A file that is only the beginning of a signature is a truncated file of that format.
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if starts(pngSignature) { return .success(.png) }
        if bytes.count < pngSignature.count, starts(Array(pngSignature.prefix(bytes.count))) {
            return .failure(.truncated(.png, "the file ends inside the PNG signature"))
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .success(.jpeg) }
        if bytes.count < 3, starts(Array([0xFF, 0xD8].prefix(bytes.count))) {
            return .failure(.truncated(.jpeg, "the file ends inside the JPEG start marker"))
        }
        return .failure(.unsupportedFormat(detected: describeOther(bytes)))
    }

    /// Names common formats attend does not decode, so that the error says what the file is.
    static func describeOther(_ bytes: UnsafeRawBufferPointer) -> String {
        func starts(_ text: String, at offset: Int = 0) -> Bool {
            let prefix = Array(text.utf8)
            guard bytes.count >= offset + prefix.count else { return false }
            for (i, b) in prefix.enumerated() where bytes[offset + i] != b { return false }
            return true
        }
        func startsBytes(_ prefix: [UInt8]) -> Bool {
            bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { $0 == $1 }
        }
        if starts("GIF87a") || starts("GIF89a") { return "GIF image" }
        if starts("RIFF") && starts("WEBP", at: 8) { return "WebP image" }
        if starts("ftyp", at: 4), bytes.count >= 12 {
            let brand = String(decoding: bytes[8..<12], as: UTF8.self)
            switch brand {
            case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1": return "HEIC/HEIF image"
            case "avif", "avis": return "AVIF image"
            case "crx ": return "Canon CR3 raw image"
            default: return "ISO media file (brand \"\(brand.filter { $0.isASCII && !$0.isWhitespace })\")"
            }
        }
        if starts("II*\u{0}") || startsBytes([0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF image" }
        if starts("BM") && bytes.count >= 14 { return "BMP image" }
        if startsBytes([0x00, 0x00, 0x01, 0x00]) { return "ICO icon" }
        if startsBytes([0xFF, 0x0A]) || starts("JXL ", at: 4) { return "JPEG XL image" }
        if startsBytes([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) { return "JPEG 2000 image" }
        if starts("8BPS") { return "Photoshop document" }
        if starts("%PDF") { return "PDF document" }
        if starts("qoif") { return "QOI image" }
        if starts("P1") || starts("P2") || starts("P3") || starts("P4") || starts("P5") || starts("P6") {
            if bytes.count > 2, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[2]) { return "PNM image" }
        }
        if startsBytes([0x1F, 0x8B]) { return "gzip data" }
        if starts("PK\u{3}\u{4}") { return "ZIP archive" }
        let sample = bytes.prefix(512)
        if starts("<svg") || (starts("<?xml") && String(decoding: sample, as: UTF8.self).contains("<svg")) {
            return "SVG image"
        }
        // Text: valid UTF-8 (the sample may cut a last character short) without control characters.
        let printable = sample.allSatisfy { $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if printable, (0...min(3, sample.count - 1)).contains(where: { cut in
            String(validating: Array(sample.dropLast(cut)), as: UTF8.self) != nil
        }) {
            return "text"
        }
        return "unrecognised data (starts with \(sample.prefix(4).map { hex($0) }.joined(separator: " ")))"
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}

// MARK: - ImageError

/// Why an image could not be read or written. Every case is something the input (or the disk) did,
/// never a programming mistake; the description is one line meant for the user.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read or written (missing, a directory, permission denied…).
    case io(String)
    /// The file has no bytes at all.
    case empty
    /// Not a JPEG or PNG, or a JPEG variant libjpeg does not decode (12-bit, lossless); says what it is.
    case unsupportedFormat(detected: String)
    /// The data breaks the format.
    case corrupt(ImageFormat, String)
    /// The data ends before the image does.
    case truncated(ImageFormat, String)
    /// The header's width × height is over the pixel limit (`DecodeOptions.maxPixels`).
    case tooLarge(width: Int, height: Int, maxPixels: Int)
    /// The file is bigger than any image within the pixel limit could be.
    case fileTooLarge(bytes: Int, maxBytes: Int)
    /// Memory ran out while decoding.
    case outOfMemory

    public var description: String {
        switch self {
        case .io(let reason):
            return reason
        case .empty:
            return "empty file (0 bytes)"
        case .unsupportedFormat(let detected):
            return "unsupported format: \(detected) (attend reads JPEG and PNG)"
        case .corrupt(let format, let reason):
            return "corrupt \(format.rawValue): \(reason)"
        case .truncated(let format, let reason):
            return "truncated \(format.rawValue): \(reason)"
        case .tooLarge(let width, let height, let maxPixels):
            return "image too large: \(width) × \(height) = \(grouped(width * height)) pixels, "
                + "over the limit of \(grouped(maxPixels)) (raise it with --max-pixels)"
        case .fileTooLarge(let bytes, let maxBytes):
            return "file too large: \(grouped(bytes)) bytes, more than any image within the pixel limit needs "
                + "(\(grouped(maxBytes)); raise it with --max-pixels)"
        case .outOfMemory:
            return "out of memory while decoding"
        }
    }
}

/// 108000000 → "108,000,000".
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(d)
    }
    return (n < 0 ? "-" : "") + out
}
