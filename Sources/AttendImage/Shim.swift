import CAttendShims

// MARK: - Talking to the C shims

/// A buffer for the C functions' error messages.
struct ShimMessage {
    var buffer = [CChar](repeating: 0, count: 256)

    mutating func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> Int32 {
        buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    }

    var text: String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? "unknown error" : String(decoding: bytes, as: UTF8.self)
    }
}

/// The ImageError for a shim status code.
func shimError(_ status: Int32, _ format: ImageFormat, _ message: String) -> ImageError {
    switch Int(status) {
    case ATTEND_TRUNCATED: return .truncated(format, message)
    case ATTEND_OUT_OF_MEMORY: return .outOfMemory
    case ATTEND_UNSUPPORTED: return .unsupportedFormat(detected: "\(format.rawValue) variant (\(message))")
    default: return .corrupt(format, message)
    }
}

/// Warnings a reader collected: the first few in full, then how many more.
func shimWarnings(count: Int, _ text: (Int) -> UnsafePointer<CChar>?) -> [String] {
    let kept = min(count, Int(ATTEND_KEPT_WARNINGS))
    var out = (0..<kept).map { text($0).map { String(cString: $0) } ?? "" }
    if count > kept { out.append("… and \(count - kept) more warnings") }
    return out
}
