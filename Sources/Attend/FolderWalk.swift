#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Walking folders in a deterministic order, one entry at a time

/// A file or directory, by device and inode: what "the same file" means across symbolic links.
public struct FileID: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    /// The file `path` names, following symbolic links; nil when it does not exist.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// One file the walk found: a candidate image, or a problem with it (a symbolic-link loop, an unreadable
/// folder…) to report in its place.
public struct WalkEntry: Sendable, Equatable {
    /// The path as the user will read it: the root as given, then the relative path.
    public var path: String
    /// The path below the root it was found under (for a root that is a file: its name). Shards hash this.
    public var relativePath: String
    /// The root (as given) it was found under.
    public var root: String
    /// Why this entry cannot be an image, when the walk already knows.
    public var problem: String?
}

/// The files under some roots (folders or files), in sorted order: each folder's entries sorted by the
/// bytes of their names, subfolders entered where they sort (depth first).
///
/// Only the folders on the current path are held in memory, never the whole tree, so a folder of any size
/// costs what its largest directory costs. Names starting with "." are skipped (`.DS_Store`, `.git`,
/// partial files). Symbolic links are followed; a link back to a folder being walked is reported as a loop,
/// as is a chain of links that never ends. FIFOs, sockets and devices are reported, never opened.
public final class FolderWalk: Sequence, IteratorProtocol {
    private struct Frame {
        var root: String
        var path: String
        var relative: String
        var id: FileID
        var names: [String]
        var next = 0
    }

    private var roots: [String]
    private let recursive: Bool
    private let excluded: Set<FileID>
    private var stack: [Frame] = []
    private var pending: [WalkEntry] = []

    /// Subfolders not entered because the walk is not recursive.
    public private(set) var skippedFolders = 0

    /// `excluded`: files and folders never listed (the output file, the overlay folder).
    public init(roots: [String], recursive: Bool, excluded: Set<FileID> = []) {
        self.roots = roots.reversed()
        self.recursive = recursive
        self.excluded = excluded
    }

    public func next() -> WalkEntry? {
        while true {
            if !pending.isEmpty { return pending.removeLast() }
            if stack.isEmpty {
                guard let root = roots.popLast() else { return nil }
                startRoot(root)
                continue
            }
            let top = stack.count - 1
            if stack[top].next == stack[top].names.count {
                stack.removeLast()
                continue
            }
            let name = stack[top].names[stack[top].next]
            stack[top].next += 1
            visit(name: name, in: stack[top])
        }
    }

    // MARK: - Steps

    private func startRoot(_ root: String) {
        var info = stat()
        guard stat(root, &info) == 0 else {
            pending.append(WalkEntry(path: root, relativePath: lastComponent(root), root: root, problem: errorText(errno)))
            return
        }
        if isDirectory(info) {
            enter(path: trimmedRoot(root), relative: "", id: FileID(info), root: root)
        } else {
            pending.append(entry(path: root, relative: lastComponent(root), root: root, info: info))
        }
    }

    private func visit(name: String, in frame: Frame) {
        let path = frame.path == "/" ? "/" + name : frame.path + "/" + name
        let relative = frame.relative.isEmpty ? name : frame.relative + "/" + name
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            var link = stat()
            let isLink = lstat(path, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK
            let problem = code == ELOOP ? "symbolic link loop"
                : (isLink && code == ENOENT ? "broken symbolic link" : errorText(code))
            pending.append(WalkEntry(path: path, relativePath: relative, root: frame.root, problem: problem))
            return
        }
        let id = FileID(info)
        if excluded.contains(id) { return }
        if isDirectory(info) {
            guard recursive else {
                skippedFolders += 1
                return
            }
            if let ancestor = stack.first(where: { $0.id == id }) {
                pending.append(WalkEntry(path: path, relativePath: relative, root: frame.root,
                                         problem: "symbolic link loop: leads back to \(ancestor.path)"))
                return
            }
            enter(path: path, relative: relative, id: id, root: frame.root)
        } else {
            pending.append(entry(path: path, relative: relative, root: frame.root, info: info))
        }
    }

    private func entry(path: String, relative: String, root: String, info: stat) -> WalkEntry {
        let isRegular = (info.st_mode & S_IFMT) == S_IFREG
        return WalkEntry(path: path, relativePath: relative, root: root,
                         problem: isRegular ? nil : "not a regular file (a FIFO, socket or device)")
    }

    /// Lists a folder, or reports why it cannot be listed.
    private func enter(path: String, relative: String, id: FileID, root: String) {
        guard let directory = opendir(path) else {
            pending.append(WalkEntry(path: path, relativePath: relative.isEmpty ? lastComponent(path) : relative, root: root,
                                     problem: "cannot list the folder: \(errorText(errno))"))
            return
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw -> String? in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return String(validating: bytes[0..<length], as: UTF8.self)
            }
            guard let name else {
                pending.append(WalkEntry(path: path + "/?", relativePath: relative + "/?", root: root,
                                         problem: "a file name in this folder is not valid UTF-8"))
                continue
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        stack.append(Frame(root: root, path: path, relative: relative, id: id, names: names))
    }

    // MARK: - Helpers

    private func isDirectory(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFDIR }

    private func trimmedRoot(_ root: String) -> String {
        var path = root
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private func lastComponent(_ path: String) -> String {
        let trimmed = trimmedRoot(path)
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }

    private func errorText(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
