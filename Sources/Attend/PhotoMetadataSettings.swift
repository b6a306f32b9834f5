import AttendImage
import Foundation

// MARK: - Where `attend batch` writes captions for photo libraries: XMP sidecars, or into the photos

/// The two ways photo libraries name a sidecar.
public enum SidecarName: String, Sendable, CaseIterable {
    /// `photo.jpg.xmp`: darktable, and digiKam's default.
    case appended = "photo.jpg.xmp"
    /// `photo.xmp`: Lightroom (and digiKam when told to).
    case replaced = "photo.xmp"

    public func path(for photo: String) -> String {
        switch self {
        case .appended: return photo + ".xmp"
        case .replaced:
            let slash = photo.lastIndex(of: "/").map { photo.index(after: $0) } ?? photo.startIndex
            guard let dot = photo[slash...].lastIndex(of: "."), dot > slash else { return photo + ".xmp" }
            return String(photo[..<dot]) + ".xmp"
        }
    }
}

/// What `--sidecars` and `--embed` write, and how.
public struct PhotoMetadataSettings: Sendable {
    /// Write a sidecar named this way; nil: no sidecars.
    public var sidecar: SidecarName?
    /// Write into the JPEG or PNG itself.
    public var embed = false
    /// With `embed`: keep the original beside the photo, under its name plus this.
    public var backupSuffix: String?
    /// The model's name, as the metadata records it.
    public var model: String

    public static let defaultBackupSuffix = "_original"

    public init(sidecar: SidecarName? = nil, embed: Bool = false, backupSuffix: String? = nil, model: String) {
        self.sidecar = sidecar
        self.embed = embed
        self.backupSuffix = backupSuffix
        self.model = model
    }

    /// Writes `caption` and `keywords` for the photo at `path` (sidecar first, then the photo). Throws
    /// `PhotoMetadataError` naming the file and the cause; nothing is half-written.
    public func write(caption: String, keywords: [String], for path: String, date: Date = Date()) throws {
        let description = PhotoDescription(caption: caption, keywords: keywords, model: model,
                                           date: date.ISO8601Format())
        if let sidecar { try PhotoMetadataFile.writeSidecar(description, to: sidecar.path(for: path)) }
        if embed { try PhotoMetadataFile.embed(description, inFile: path, backupSuffix: backupSuffix) }
    }

    /// What a run would write for the photo at `path`, one line per file (`--dry-run`).
    public func plan(for path: String) -> [String] {
        var lines: [String] = []
        if let sidecar {
            let sidecarPath = sidecar.path(for: path)
            let exists = FileManager.default.fileExists(atPath: sidecarPath)
            lines.append("\(exists ? "merge" : "write") \(sidecarPath)")
        }
        if embed {
            let head = FileHandle(forReadingAtPath: path).flatMap { handle -> Data? in
                defer { try? handle.close() }
                return try? handle.read(upToCount: 8)
            } ?? Data()
            switch [UInt8](head).withUnsafeBytes({ ImageFormat.identify($0) }) {
            case .success(let format):
                lines.append("embed \(path) (\(format.rawValue)\(backupSuffix.map { ", backup \(path)\($0)" } ?? ""))")
            case .failure(let error): lines.append("refuse \(path) (\(error))")
            }
        }
        return lines
    }
}
