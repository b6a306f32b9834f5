import Foundation

// MARK: - Finding a model without flags

/// Where a model comes from when the user names none, or names one by its short name ("shapes").
///
/// Order: an explicit path; the ATTEND_MODEL environment variable; `models/NAME.attend` in the installed
/// share directory next to the executable (`PREFIX/share/attend/models`, what `make install` writes); the
/// `models/` folder of the repository the executable was built in (found by walking up from the executable,
/// then from this source file's build-time location). NAME is `default` unless given.
public enum ModelLocator {
    public static let environmentVariable = "ATTEND_MODEL"
    public static let defaultName = "default"
    public static let fileExtension = "attend"

    public enum LocateError: Error, CustomStringConvertible {
        case notFound(name: String, searched: [String])

        public var description: String {
            switch self {
            case let .notFound(name, searched):
                return "no model '\(name)' found (looked in \(searched.joined(separator: ", "))); pass --model PATH or set \(ModelLocator.environmentVariable)"
            }
        }
    }

    /// Resolves `--model` (a path, a short name, or nil) to an existing file.
    public static func locate(_ requested: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment[environmentVariable]
        let request = requested ?? environment
        if let request, request.contains("/") || request.hasSuffix(".\(fileExtension)")
            || FileManager.default.fileExists(atPath: request) {
            return request   // a path: loading it reports a missing file by name
        }
        let name = request ?? defaultName
        let folders = searchFolders()
        for folder in folders {
            let candidate = folder + "/" + name + "." + fileExtension
            if FileManager.default.isReadableFile(atPath: candidate) { return candidate }
        }
        throw LocateError.notFound(name: name, searched: folders)
    }

    /// The model folders, in search order.
    public static func searchFolders() -> [String] {
        var folders: [String] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first.map(resolveExecutable) ?? "")
            .resolvingSymlinksInPath().deletingLastPathComponent()
        folders.append(executable.deletingLastPathComponent().appendingPathComponent("share/attend/models").path)
        folders.append(executable.appendingPathComponent("models").path)
        for start in [executable, URL(fileURLWithPath: #filePath).deletingLastPathComponent()] {
            var directory = start
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("models")
                if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                    folders.append(candidate.path)
                    break
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }

    /// argv[0] as an absolute path: /proc/self/exe when it is bare, since PATH lookups lose the folder.
    private static func resolveExecutable(_ argument: String) -> String {
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return link }
        return argument
    }
}
