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

/// Writes `bytes` to `path` through a temporary file renamed into place, so that a reader never
/// sees half a file and an interrupted write leaves the old one.
///
/// The temporary file sits beside `path` with a name starting with "." (so a folder walk skips one left by a
/// killed process). `permissions`: the new file's mode, exactly (an edited file keeps its own); nil: 0644 less
/// the umask. `durable`: the data
/// reaches the disk before the rename, so a power cut cannot leave an empty file in place of the old one.
public func writeFileAtomically(_ bytes: [UInt8], to path: String, permissions: mode_t? = nil,
                                durable: Bool = false) throws {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let temporary = folder + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions ?? 0o644)
    if fd < 0 { throw ImageError.io("cannot create \(path): \(errnoText())") }
    if let permissions { fchmod(fd, permissions) }   // not narrowed by the umask
    var written = 0
    let failure: String? = bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                return errnoText()
            }
            written += n
        }
        return nil
    }
    let synced = failure == nil && durable && fsync(fd) != 0 ? errnoText() : nil
    let closed = close(fd) == 0 ? nil : errnoText()
    if let reason = failure ?? synced ?? closed {
        unlink(temporary)
        throw ImageError.io("cannot write \(path): \(reason)")
    }
    if rename(temporary, path) != 0 {
        let reason = errnoText()
        unlink(temporary)
        throw ImageError.io("cannot write \(path): \(reason)")
    }
}

func errnoText() -> String {
    String(cString: strerror(errno)).lowercased()
}
