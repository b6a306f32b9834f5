import ArgumentParser
import Attend
import AttendImage
import AttendModel
import Foundation

/// `attend batch DIR...`: caption every image under some folders, one record per image, resumable.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Caption every image in folders: one record per image, written as it finishes, resumable.",
        discussion: """
            Images are recognised by content (JPEG and PNG, whatever their names), in sorted order; names \
            starting with "." are skipped. Every other file gets a record: its caption, or the reason it has \
            none (not an image, corrupt, unreadable, a symbolic-link loop…). Records are appended and flushed \
            as images finish, so an interrupted run loses nothing written; --resume skips the images already \
            in --out (a last record cut short by a crash is removed and redone).
            JSONL records: {"path", "caption", "logprob", "ms"} or {"path", "error"}, plus "overlay" with \
            --overlays. CSV and TSV: a header row, then path, caption, logprob, ms, error (and overlay).
            --sidecars writes an XMP sidecar beside each image (dc:description, dc:subject keywords, and the \
            model in attend's namespace), merged into a sidecar already there: everything attend does not own is \
            kept byte for byte, a description someone else wrote is never replaced, and a sidecar that is not \
            XMP is left alone with an error record. --embed writes the same into each JPEG (APP1 XMP and EXIF \
            ImageDescription) or PNG (iTXt XMP) without re-encoding the pixels: a new file, then a rename. With \
            either, .xmp files and NAME_original backups in the folders are not captioned. --dry-run lists \
            what would be written. See "Use with your photo library" in the README.
            --shard K/N keeps the images whose path below its folder hashes (FNV-1a 64) to K modulo N, so N \
            processes cover every image once. Without --shard it comes from ATTEND_SHARD=K/N, \
            SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX/ATTEND_SHARD_COUNT \
            (Kubernetes Indexed Jobs); --shard 0/1 turns that off. See docs/BATCH.md.
            Exit status: 0 every image captioned, 1 some file failed (all the others are still captioned), \
            2 the model could not be loaded, 64 usage error, 130 interrupted (rerun with --resume).
            """)

    @Argument(help: ArgumentHelp("Folders (or image files) to caption.", valueName: "dir"))
    var folders: [String]

    @Flag(name: .shortAndLong, help: "Also caption the images in subfolders, at any depth.")
    var recursive = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Where the records go; - is standard output.", valueName: "file"))
    var out = "-"

    @Option(help: ArgumentHelp("Record format: jsonl, csv or tsv (default: from --out's extension, else jsonl).",
                               valueName: "format"))
    var format: RecordFormat?

    @Option(help: ArgumentHelp("Also write each image's attention sheet (PNG) into this folder, mirroring the images' paths.",
                               valueName: "dir"))
    var overlays: String?

    @Option(help: ArgumentHelp("Also write one static HTML page of thumbnails, captions and links to the sheets.",
                               valueName: "file"))
    var html: String?

    @Flag(help: "Write an XMP sidecar beside each image, merged into one already there.")
    var sidecars = false

    @Option(help: ArgumentHelp("How sidecars are named: photo.jpg.xmp (darktable, digiKam) or photo.xmp (Lightroom).",
                               valueName: "name"))
    var sidecarName: SidecarName?

    @Flag(help: "Write the caption and keywords into each JPEG or PNG itself (pixels not re-encoded; other files are refused).")
    var embed = false

    @Flag(help: "With --embed: keep each original as NAME_original (an existing backup is never replaced).")
    var backup = false

    @Flag(help: "List what would be written, image by image, and write nothing.")
    var dryRun = false

    @Flag(help: "Continue --out: skip the images already recorded there.")
    var resume = false

    @Flag(help: "Replace --out if it exists (without this, an existing --out needs --resume).")
    var overwrite = false

    @Option(help: ArgumentHelp("Caption only shard K of N (K = 0 … N−1).", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("Images encoded and beam-searched together.", valueName: "b"))
    var batch = 16

    @Option(help: ArgumentHelp("Threads decoding images while the model runs (default: --threads).", valueName: "n"))
    var workers: Int?

    @Option(help: ArgumentHelp(
        "Batches captioned at the same time (default: --threads), each on its own thread with --threads / lanes threads for its matrix products.",
        discussion: "One single-threaded product per core keeps both cores busy through the beam search's serial parts, and does not stall when another process takes a core; each lane holds one batch's buffers (with the default model the whole run peaks at ≈ 215 MB at --batch 16 and 2 lanes, whatever the number of images).",
        valueName: "n"))
    var lanes: Int?

    @Option(help: ArgumentHelp("Seconds between progress lines when standard error is not a terminal.", valueName: "s"))
    var progressEvery: Double = 30

    @Flag(name: .shortAndLong, help: "No progress and no summary on standard error (errors are still in the records).")
    var quiet = false

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptions

    func validate() throws {
        try modelOptions.validate()
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard (workers ?? 1) >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard (lanes ?? 1) >= 1 else { throw ValidationError("--lanes must be at least 1") }
        guard progressEvery > 0 else { throw ValidationError("--progress-every must be positive") }
        if resume && out == "-" { throw ValidationError("--resume needs --out FILE (records already written there)") }
        if resume && overwrite { throw ValidationError("--resume and --overwrite contradict each other") }
        if let shard { _ = try parsedShard(shard) }
        if sidecarName != nil && !sidecars { throw ValidationError("--sidecar-name needs --sidecars") }
        if backup && !embed { throw ValidationError("--backup needs --embed") }
        for folder in folders where !FileManager.default.fileExists(atPath: folder) {
            throw ValidationError("\(folder): no such file or directory")
        }
    }

    func run() throws {
        keepFreedMemoryForReuse()
        let shard = try resolveShard()
        if dryRun { return try listPlan(shard: shard?.shard ?? .all) }
        let captioner = try modelOptions.loadCaptioner()
        let format = self.format ?? (out == "-" ? .jsonl : RecordFormat.inferred(fromPath: out))
        let encoder = RecordEncoder(format: format, overlays: overlays != nil)

        // Output first: a file that cannot be written should stop the run before any work is done.
        let (page, writer, done) = try openOutputs(encoder: encoder)
        let earlierFailed = writer.resumeScan?.failed ?? 0
        if !quiet, let scan = writer.resumeScan {
            var note = "attend: resuming \(out): \(scan.records) records already there (\(scan.failed) failed)"
            if scan.tornBytes > 0 { note += "; removed a last record cut short (\(scan.tornBytes) bytes)" }
            printError(note)
        }
        if !quiet, let shard, shard.shard.count > 1 { printError("attend: shard \(shard.shard) (from \(shard.source))") }

        // Never caption our own outputs when they sit inside the folders.
        let excluded = Set([out, html, overlays].compactMap { $0 }.filter { $0 != "-" }.compactMap(FileID.init(path:)))
        let selected = selection(shard: shard?.shard ?? .all)

        let (total, skipped) = countWork(excluded: excluded, selected: selected, done: done)
        let settings = batchSettings(model: captioner.modelPath)
        ImageCaptioner.setThreadCount(max(1, modelOptions.threads / settings.lanes))
        let runner = BatchRunner(captioner: captioner, settings: settings)

        let walk = FolderWalk(roots: folders, recursive: recursive, excluded: excluded)
        let source: () -> WalkEntry? = {
            while let entry = walk.next() {
                if selected(entry) && !done.contains(entry.path) { return entry }
            }
            return nil
        }

        let progress = ProgressBar(total: total, label: "batch",
                                   display: quiet ? .none : .barOrLines(every: progressEvery))
        let interrupt = Interruption { signal in
            if !quiet { printError("\nattend: \(signal == SIGINT ? "interrupted" : "terminated"): finishing the images under way (again to stop at once)") }
            runner.stop()
        }
        var captioned = 0, failed = 0
        let start = Date()
        var writeFailure: Error? = nil
        do {
            try runner.run(source: source) { record in
                try writer.write(record)
                page?.add(record)
                if record.failed {
                    failed += 1
                    if !quiet && !progress.drawsBar { report(record.path, record.error ?? "") }
                } else {
                    captioned += 1
                }
                progress.advance(failed: record.failed ? 1 : 0)
            }
        } catch {
            writeFailure = error
        }
        writer.close()
        progress.finish()
        interrupt.restore()
        let seconds = Date().timeIntervalSince(start)

        try finish(page, after: writeFailure)
        if !quiet {
            printSummary(captioned: captioned, failed: failed, skipped: skipped, earlierFailed: earlierFailed,
                         seconds: seconds)
        }
        if let signal = interrupt.received {
            if !quiet { printError("attend: stopped early: rerun with --resume to caption the rest") }
            throw ExitCode(128 + signal)
        }
        if failed + earlierFailed > 0 { throw ExitCode.failure }
    }

    /// The report page and the record file (with the records a resumed file holds already, which the page lists
    /// too), and the overlay folder; exit status 64 when one cannot be written.
    func openOutputs(encoder: RecordEncoder) throws -> (HTMLReport?, RecordWriter, PathSet) {
        var page: HTMLReport? = nil
        var done = PathSet()
        do {
            if let html { page = try HTMLReport(path: html, title: "attend batch: \(folders.joined(separator: ", "))") }
            let writer = try RecordWriter(path: out, encoder: encoder, resume: resume, overwrite: overwrite) { record in
                done.insert(record.path)
                page?.add(record)
            }
            if let overlays { try FileManager.default.createDirectory(atPath: overlays, withIntermediateDirectories: true) }
            return (page, writer, done)
        } catch let error as RecordFileError {
            page?.abandon()
            printError("attend: \(error)")
            throw ExitCode(64)
        }
    }

    /// A first walk that only counts, so the progress bar knows the total; nothing is kept. (total, skipped).
    func countWork(excluded: Set<FileID>, selected: (WalkEntry) -> Bool, done: PathSet) -> (Int, Int) {
        var total = 0, skipped = 0
        let counting = FolderWalk(roots: folders, recursive: recursive, excluded: excluded)
        for entry in counting where selected(entry) {
            if done.contains(entry.path) { skipped += 1 } else { total += 1 }
        }
        if !quiet, counting.skippedFolders > 0 {
            printError("attend: \(counting.skippedFolders) subfolder(s) not entered (--recursive enters them)")
        }
        return (total, skipped)
    }

    /// The runner's settings from the flags.
    func batchSettings(model: String) -> BatchSettings {
        var settings = BatchSettings()
        settings.batchSize = batch
        settings.decodeWorkers = workers ?? modelOptions.threads
        settings.lanes = lanes ?? modelOptions.threads
        settings.caption = modelOptions.captionOptions
        settings.decoding = imageOptions.decodeOptions
        settings.photoMetadata = photoMetadata(model: model)
        if let overlays {
            var sheets = OverlaySettings(folder: overlays)
            sheets.prefixRoots = folders.count > 1
            settings.overlays = sheets
        }
        return settings
    }

    /// Moves the report page into place, or removes it when the records could not all be written.
    func finish(_ page: HTMLReport?, after writeFailure: Error?) throws {
        if let writeFailure {
            page?.abandon()
            printError("attend: \(writeFailure); rerun with --resume to continue")
            throw ExitCode.failure
        }
        do {
            try page?.finish()
        } catch {
            printError("attend: \(error)")
            throw ExitCode.failure
        }
    }

    func printSummary(captioned: Int, failed: Int, skipped: Int, earlierFailed: Int, seconds: Double) {
        var summary = String(format: "attend: %d captioned, %d failed, %d skipped (already in %@), %.1f images/s over %@",
                             captioned, failed, skipped, out == "-" ? "the output" : out,
                             Double(captioned + failed) / max(seconds, 1e-9), ProgressBar.duration(seconds))
        if earlierFailed > 0 { summary += "; \(earlierFailed) failed in earlier runs" }
        printError(summary)
    }

    // MARK: - Sidecars and embedding

    private func photoMetadata(model: String) -> PhotoMetadataSettings? {
        guard sidecars || embed else { return nil }
        return PhotoMetadataSettings(sidecar: sidecars ? (sidecarName ?? .appended) : nil, embed: embed,
                                     backupSuffix: backup ? PhotoMetadataSettings.defaultBackupSuffix : nil,
                                     model: (model as NSString).lastPathComponent)
    }

    /// The entries this run captions: its shard's, and (when writing photo metadata) not sidecars or backups.
    private func selection(shard: Shard) -> (WalkEntry) -> Bool {
        let skipMetadataFiles = sidecars || embed
        return { entry in
            guard shard.contains(relativePath: entry.relativePath) else { return false }
            guard skipMetadataFiles else { return true }
            let name = entry.relativePath.lowercased()
            return !name.hasSuffix(".xmp") && !name.hasSuffix(PhotoMetadataSettings.defaultBackupSuffix)
        }
    }

    /// `--dry-run`: one line per image and file a run would write, to standard output; nothing is written.
    private func listPlan(shard: Shard) throws {
        var done = PathSet()
        if resume && FileManager.default.fileExists(atPath: out) {
            do {
                _ = try RecordReader.scan(path: out, expected: format ?? RecordFormat.inferred(fromPath: out)) {
                    done.insert($0.path)
                }
            } catch {
                printError("attend: \(error)")
                throw ExitCode(64)
            }
        }
        let metadata = photoMetadata(model: modelOptions.model ?? "default")
        let selected = selection(shard: shard)
        var count = 0
        for entry in FolderWalk(roots: folders, recursive: recursive) where selected(entry) && !done.contains(entry.path) {
            count += 1
            if let problem = entry.problem {
                print("skip \(entry.path) (\(problem))")
            } else if let metadata {
                metadata.plan(for: entry.path).forEach { print($0) }
            } else {
                print("caption \(entry.path)")
            }
        }
        if !quiet { printError("attend: dry run: \(count) image(s) to caption\(out == "-" ? "" : ", records to \(out)"); nothing written") }
    }

    // MARK: - Shards

    private func parsedShard(_ text: String) throws -> Shard {
        do { return try Shard.parse(text) } catch { throw ValidationError("\(error)") }
    }

    /// --shard, else the job scheduler's variables, else nil.
    private func resolveShard() throws -> (shard: Shard, source: String)? {
        if let shard { return (try parsedShard(shard), "--shard") }
        do {
            return try Shard.fromEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            printError("attend: \(error)")
            throw ExitCode(64)
        }
    }
}

extension RecordFormat: ExpressibleByArgument {}
extension SidecarName: ExpressibleByArgument {}
