import AttendSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Writing a description into a sidecar or into the photo itself, atomically

/// What went wrong writing a photo's metadata: the file it concerns and the cause. The file is left as it was.
public struct PhotoMetadataError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

public enum PhotoMetadataFile {
    /// Merges `description` into the XMP sidecar at `path`, or creates it. A sidecar that is not XMP is left alone.
    public static func writeSidecar(_ description: PhotoDescription, to path: String) throws {
        let existing = try readIfPresent(path)
        var bytes = XMPPacket.fresh(description, wrapped: false)
        if let existing = existing?.bytes {
            do { bytes = try XMPPacket.merge(description, into: existing).packet } catch {
                throw PhotoMetadataError(path: path, reason: "the existing sidecar is \(error); left as it was")
            }
        }
        try write(bytes, to: path, permissions: existing?.mode, durable: false)
    }

    /// The bytes of a JPEG or PNG with `description` embedded (see `JPEGMetadata`, `PNGMetadata`).
    public static func embedding(_ description: PhotoDescription, in bytes: [UInt8]) throws -> [UInt8] {
        let format = bytes.withUnsafeBytes { ImageFormat.identify($0) }
        switch format {
        case .success(.jpeg): return try JPEGMetadata.embedding(description, in: bytes)
        case .success(.png): return try PNGMetadata.embedding(description, in: bytes)
        case .failure(let error): throw EmbedError.notJPEGOrPNG("\(error)")
        }
    }

    /// Embeds `description` into the photo at `path` (a symbolic link's target): a new file, then a rename.
    /// `backupSuffix`: first keep the original under `path + suffix`, unless a backup is already there (the
    /// first one holds the photo as it was before attend ever wrote into it).
    public static func embed(_ description: PhotoDescription, inFile path: String, backupSuffix: String?) throws {
        let target = resolved(path)
        guard let existing = try readIfPresent(target) else { throw PhotoMetadataError(path: path, reason: "no such file") }
        let bytes: [UInt8]
        do { bytes = try embedding(description, in: existing.bytes) } catch {
            throw PhotoMetadataError(path: path, reason: "\(error)")
        }
        if bytes == existing.bytes { return }
        if let backupSuffix { try backUp(target, to: target + backupSuffix, bytes: existing.bytes, mode: existing.mode) }
        try write(bytes, to: target, permissions: existing.mode, durable: true)
    }

    // MARK: - Files

    private static func readIfPresent(_ path: String) throws -> (bytes: [UInt8], mode: mode_t)? {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT { return nil }
            throw PhotoMetadataError(path: path, reason: "cannot read: \(errnoText())")
        }
        do {
            let file = try InputFile(path)
            try file.fill(to: Int.max)
            return (file.bytes, info.st_mode & 0o7777)
        } catch {
            throw PhotoMetadataError(path: path, reason: "\(error)")
        }
    }

    private static func write(_ bytes: [UInt8], to path: String, permissions: mode_t?, durable: Bool) throws {
        do { try writeFileAtomically(bytes, to: path, permissions: permissions, durable: durable, hidden: true) } catch {
            // "cannot write PATH: cause", said once
            throw PhotoMetadataError(path: path, reason: "\(error)".replacing(" \(path):", with: ":"))
        }
    }

    /// A hard link where the file system allows one (no copy, and the original's bytes are what is kept), else a copy.
    private static func backUp(_ path: String, to backup: String, bytes: [UInt8], mode: mode_t) throws {
        if access(backup, F_OK) == 0 { return }
        if link(path, backup) == 0 { return }
        try write(bytes, to: backup, permissions: mode, durable: true)
    }

    private static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }
}
