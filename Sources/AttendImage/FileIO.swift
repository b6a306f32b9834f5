#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Whole files in and out, with errors a user can read

/// A file open for reading from its start, as far as the caller needs. Throws `ImageError.io`
/// naming the cause (missing, directory, permission…).
final class InputFile {
    private let fd: Int32
    /// The size from fstat, or nil for a pipe or device.
    let size: Int?
    /// Everything read so far, from the start of the file.
    private(set) var bytes: [UInt8] = []
    private(set) var atEnd = false

    init(_ path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ImageError.io("cannot open: \(errnoText())") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = errnoText()
            close(fd)
            throw ImageError.io("cannot stat: \(reason)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ImageError.io("is a directory")
        }
        size = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
    }

    deinit { close(fd) }

    /// Reads on until `count` bytes are held or the file ends.
    func fill(to count: Int) throws {
        if let size { bytes.reserveCapacity(min(size, count)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < count && !atEnd {
            let want = min(chunk.count, count - bytes.count)
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ImageError.io("cannot read: \(errnoText())")
            }
            if got == 0 { atEnd = true }
            bytes.append(contentsOf: chunk[0..<got])
        }
    }
}


func errnoText() -> String {
    String(cString: strerror(errno)).lowercased()
}
