import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Atomic file writes
//
// Every file attend writes whole (models, checkpoints, optimizer state, feature caches, PNGs, HTML reports) is
// written under a temporary name beside its path and renamed into place at the end: a reader never sees half a
// file, and an interrupted write leaves the previous file as it was.

/// A file that could not be written: its path, what failed ("create" or "write") and the system's reason.
public struct FileWriteError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let reason: String

    public init(path: String, operation: String = "write", reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "cannot \(operation) \(path): \(reason)" }
}

/// A file being written under a temporary name (`<path>.partial` unless given), moved to its path by `commit`.
/// Dropped without `commit`, the temporary file is removed.
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    /// fsync before the rename, so that a power cut cannot leave an empty file in place of the old one.
    public let durable: Bool
    private var descriptor: Int32

    /// `permissions`: the new file's mode, exactly (not narrowed by the umask: an edited file keeps its own);
    /// nil: 0644 less the umask.
    public init(path: String, temporaryPath: String? = nil, permissions: mode_t? = nil, durable: Bool = false) throws {
        self.path = path
        self.temporaryPath = temporaryPath ?? path + ".partial"
        self.durable = durable
        descriptor = open(self.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions ?? 0o644)
        if descriptor < 0 { throw FileWriteError(path: path, operation: "create", reason: errnoText()) }
        if let permissions { fchmod(descriptor, permissions) }
    }

    /// The temporary name for a file in a folder people browse: hidden (a folder walk skips one left by a killed
    /// process) and unique to this process and call.
    public static func hiddenTemporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return folder + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    deinit { if descriptor >= 0 { abandon() } }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(descriptor >= 0, "write after commit or abandon")
        var written = 0
        while written < bytes.count {
            let n = posixWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                abandon()
                throw FileWriteError(path: path, reason: reason)
            }
            written += n
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Closes the file and moves it to `path`.
    public func commit() throws {
        precondition(descriptor >= 0, "commit after commit or abandon")
        let synced = durable ? fsync(descriptor) : 0
        let closed = close(descriptor)
        descriptor = -1
        if synced != 0 || closed != 0 || rename(temporaryPath, path) != 0 {
            let reason = errnoText()
            unlink(temporaryPath)
            throw FileWriteError(path: path, reason: reason)
        }
    }

    /// Closes and removes the temporary file; `path` stays as it was.
    public func abandon() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }
}

/// Writes `bytes` to `path` atomically. `permissions` and `durable` as for `AtomicFile`; `hidden`: the temporary
/// file is a dot-file unique to the call (for files beside a user's photos).
public func writeFileAtomically(_ bytes: [UInt8], to path: String, permissions: mode_t? = nil, durable: Bool = false,
                                hidden: Bool = false) throws {
    let temporaryPath = hidden ? AtomicFile.hiddenTemporaryPath(for: path) : nil
    let file = try AtomicFile(path: path, temporaryPath: temporaryPath, permissions: permissions, durable: durable)
    try file.write(bytes)
    try file.commit()
}

/// write(2), named apart from `AtomicFile.write`.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

private func errnoText() -> String { String(cString: strerror(errno)).lowercased() }
