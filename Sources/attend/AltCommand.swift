import ArgumentParser
import Attend
import AttendSupport
import AttendImage
import Foundation

/// `attend alt PAGE.html|DIR`: alt text for the images of web pages that have none, as a patch or in place.
struct AltCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alt",
        abstract: "Write alt text for the <img> elements of HTML pages that have none.",
        discussion: """
            Finds every <img> without a non-empty alt attribute whose src is a local file (relative to the \
            page; URLs, data: URIs and paths from the site's root are skipped), captions the file, and prints \
            a unified diff that adds alt="…" (apply it with `patch -p1` or `git apply`). With --write, each \
            page is edited in place instead: a new file renamed over the old, every other byte kept. A folder \
            means every .html and .htm file under it. Images that cannot be captioned are named on standard \
            error and left without alt.
            Exit status: 0 every image given alt text, 1 some page or image failed (the others are still done), \
            2 the model could not be loaded, 64 usage error.
            """)

    @Argument(help: ArgumentHelp("HTML pages, or folders of them.", valueName: "page-or-dir"))
    var pages: [String]

    @Flag(help: "Edit the pages in place (atomically) instead of printing a patch.")
    var write = false

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptions

    func validate() throws {
        try modelOptions.validate()
        for page in pages where !FileManager.default.fileExists(atPath: page) {
            throw ValidationError("\(page): no such file or directory")
        }
    }

    func run() throws {
        let captioner = try modelOptions.loadCaptioner()
        var failed = false
        for page in htmlFiles() {
            do {
                failed = try fill(page, captioner: captioner) || failed
            } catch {
                report(page, "\(error)")
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// Adds alt text to one page; returns true when some image could not be captioned.
    private func fill(_ page: String, captioner: ImageCaptioner) throws -> Bool {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: page)))
        var alts: [(image: HTMLImage, text: String)] = []
        var failed = false
        for image in HTMLAltPatch.imagesWithoutAlt(in: bytes) {
            guard let file = HTMLAltPatch.localFile(source: image.source, page: page) else { continue }
            do {
                let caption = try captioner.caption(file: file, options: modelOptions.captionOptions,
                                                    decoding: imageOptions.decodeOptions)
                alts.append((image, AltText.format(caption.text)))
            } catch {
                report("\(page):\(image.line)", "\(file): \(error)")
                failed = true
            }
        }
        let edits = HTMLAltPatch.edits(alts)
        guard !edits.isEmpty else { return failed }
        if write {
            var info = stat()
            let mode: mode_t? = stat(page, &info) == 0 ? info.st_mode & 0o7777 : nil
            try writeFileAtomically(TextPatch.applied(edits, to: bytes), to: page, permissions: mode, hidden: true)
        } else {
            print(TextPatch.unifiedDiff(edits, to: bytes, path: page), terminator: "")
        }
        return failed
    }

    /// The pages as given, folders replaced by the .html and .htm files under them (sorted).
    private func htmlFiles() -> [String] {
        pages.flatMap { page -> [String] in
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: page, isDirectory: &isFolder), isFolder.boolValue else { return [page] }
            let found = FileManager.default.enumerator(atPath: page)?.compactMap { $0 as? String } ?? []
            return found.filter { ["html", "htm"].contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted().map { (page as NSString).appendingPathComponent($0) }
        }
    }
}
