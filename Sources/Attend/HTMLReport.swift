import AttendSupport
import Foundation

// MARK: - One static page of thumbnails and captions

/// Writes a self-contained HTML page, record by record (memory does not grow with the folder): each image
/// as a thumbnail linking to the picture, its caption, and a link to its attention sheet; failures with
/// their reason. Links are relative to the page's folder, so it opens from disk (file://) without a server
/// and keeps working when the folder tree is moved as a whole.
///
/// The page is written to a hidden file beside `path` and renamed into place by `finish`, so a crash never
/// leaves half a page where the last good one was.
public final class HTMLReport {
    public let path: String
    /// The page under a hidden temporary name until `finish`.
    private let file: AtomicFile
    /// The first write that failed: `finish` reports it.
    private var writeFailure: FileWriteError?
    private let pageFolder: [String]
    private var buffer = ""
    public private(set) var captioned = 0
    public private(set) var failed = 0

    public init(path: String, title: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporaryPath = folder.appendingPathComponent("." + url.lastPathComponent + ".partial").path
        do { file = try AtomicFile(path: path, temporaryPath: temporaryPath) } catch let error as FileWriteError {
            throw RecordFileError.cannotOpen(path, error.reason)
        }
        pageFolder = Self.components(folder.standardizedFileURL.path)
        buffer += Self.head(title: title)
    }

    public func add(_ record: BatchRecord) {
        let name = Self.escape(record.path)
        if let error = record.error {
            failed += 1
            buffer += "<figure class=\"failed\"><div class=\"missing\">✕</div><figcaption><span class=\"path\">\(name)</span>"
                + "<span class=\"error\">\(Self.escape(error))</span></figcaption></figure>\n"
        } else {
            captioned += 1
            let image = link(to: record.path)
            var sheet = ""
            if let overlay = record.overlay { sheet = " · <a href=\"\(link(to: overlay))\">attention</a>" }
            buffer += "<figure><a href=\"\(image)\"><img src=\"\(image)\" loading=\"lazy\" alt=\"\"></a>"
                + "<figcaption><span class=\"caption\">\(Self.escape(record.caption ?? ""))</span>"
                + "<span class=\"path\">\(name)\(sheet)</span></figcaption></figure>\n"
        }
        if buffer.utf8.count > 1 << 16 { flush() }
    }

    /// Writes the summary and moves the page into place.
    public func finish() throws {
        buffer += "</main>\n<footer>\(captioned) captioned, \(failed) failed.</footer>\n</body>\n</html>\n"
        flush()
        do {
            if let writeFailure { throw writeFailure }
            try file.commit()
        } catch let error as FileWriteError {
            throw RecordFileError.cannotWrite(path, error.reason)
        }
    }

    /// Removes the partial page (when the run cannot finish it).
    public func abandon() {
        file.abandon()
    }

    private func flush() {
        if writeFailure == nil {
            do { try file.write(Array(buffer.utf8)) } catch { writeFailure = error as? FileWriteError }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: - Links

    /// A relative URL from the page's folder to `target`, each component percent-encoded.
    func link(to target: String) -> String {
        let absolute = Self.components(URL(fileURLWithPath: target).standardizedFileURL.path)
        var shared = 0
        while shared < min(absolute.count - 1, pageFolder.count) && absolute[shared] == pageFolder[shared] { shared += 1 }
        let steps = Array(repeating: "..", count: pageFolder.count - shared) + absolute[shared...]
        return steps.map { $0 == ".." ? $0 : Self.percentEncode($0) }.joined(separator: "/")
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    static func percentEncode(_ component: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1em; background: #fafafa; color: #222; }
        header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; }
        input { font: inherit; padding: .3em .5em; min-width: 20em; }
        main { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; margin-top: 1em; }
        figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 4px; overflow: hidden; }
        img, .missing { display: block; width: 100%; height: 180px; object-fit: cover; background: #eee; }
        .missing { font-size: 64px; text-align: center; line-height: 180px; color: #b00; }
        figcaption { padding: .4em .6em; }
        .caption { display: block; font-weight: 600; }
        .path { display: block; color: #666; font-size: 12px; word-break: break-all; }
        .error { display: block; color: #b00; }
        footer { margin-top: 1em; color: #666; }
        </style>
        </head>
        <body>
        <header><h1>\(escape(title))</h1>
        <input type="search" placeholder="filter by caption, path or error" oninput="
          const q = this.value.toLowerCase();
          for (const f of document.querySelectorAll('figure'))
            f.style.display = f.textContent.toLowerCase().includes(q) ? '' : 'none';">
        </header>
        <main>

        """
    }
}
