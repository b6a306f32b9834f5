import AttendImage
import AttendModel
import Foundation

// MARK: - Captioning a stream of files: decode on workers, encode and decode in batches, records in order

/// How `BatchRunner` works.
public struct BatchSettings: Sendable {
    /// Images encoded together (one matrix product per layer) and beam-searched together.
    public var batchSize = 16
    /// Threads decoding files while the model runs.
    public var decodeWorkers = 2
    /// Batches captioned at the same time, each on its own thread (the matrix products' threads are set
    /// apart, with `ImageCaptioner.setThreadCount`).
    public var lanes = 1
    public var caption = CaptionOptions()
    public var decoding = DecodeOptions()
    /// Attention sheets to write, if any.
    public var overlays: OverlaySettings?
    /// Sidecars or embedded descriptions to write, if any.
    public var photoMetadata: PhotoMetadataSettings?

    public init() {}
}

/// Where and how `--overlays` draws each image's attention sheet.
public struct OverlaySettings: Sendable {
    public var folder: String
    /// Longer side of each tile, in pixels.
    public var tile = 224
    public var style: OverlayStyle = .heat

    public init(folder: String, tile: Int = 224, style: OverlayStyle = .heat) {
        self.folder = folder
        self.tile = tile
        self.style = style
    }

    /// With several roots, sheets go into a subfolder named after each root's last component.
    public var prefixRoots = false

    /// FOLDER/<the image's path below its root>-attention.png: the sheets mirror the images' folders, so two
    /// "IMG_0001.JPG" in different folders do not overwrite each other.
    public func sheetPath(for entry: WalkEntry) -> String {
        var components = entry.relativePath.split(separator: "/").filter { $0 != "." && $0 != ".." }.map(String.init)
        if prefixRoots, let root = entry.root.split(separator: "/").last(where: { $0 != "." && $0 != ".." }) {
            components.insert(String(root), at: 0)
        }
        let name = components.popLast() ?? "image"
        let stem = name.contains(".") ? String(name[..<name.lastIndex(of: ".")!]) : name
        components.append((stem.isEmpty ? name : stem) + "-attention.png")
        return ([folder] + components).joined(separator: "/")
    }
}

/// Captions every entry a source gives, writing one record per entry in the source's order.
public final class BatchRunner: @unchecked Sendable {
    public let captioner: ImageCaptioner
    public let settings: BatchSettings

    private struct Prepared {
        /// What the model sees: size × size.
        var pixels: RGBImage
        /// The upright picture at display size, for the sheet (only with overlays).
        var picture: RGBImage?
    }

    private var queue: DecodeQueue<Prepared>?
    private let assembly = NSLock()
    private let sinkLock = NSLock()
    private var nextBatch = 0
    private var nextToWrite = 0
    private var pending: [Int: [BatchRecord]] = [:]
    private var writeError: Error?

    public init(captioner: ImageCaptioner, settings: BatchSettings) {
        precondition(settings.batchSize >= 1 && settings.lanes >= 1 && settings.decodeWorkers >= 1,
                     "batch, lanes and workers are at least 1")
        self.captioner = captioner
        self.settings = settings
    }

    /// Runs to the end of `source` (or `stop()`). `record` is called once per entry, in order, never from two
    /// threads at once; when it throws, the run stops and rethrows.
    public func run(source: @escaping () -> WalkEntry?, record: @escaping (BatchRecord) throws -> Void) throws {
        let settings = self.settings
        let input = captioner.input
        let queue = DecodeQueue<Prepared>(
            workers: settings.decodeWorkers, capacity: 2 * settings.batchSize * settings.lanes + settings.decodeWorkers,
            source: source,
            decode: { entry in Self.prepare(entry, input: input, settings: settings) })
        self.queue = queue
        let done = DispatchGroup()
        for lane in 0..<settings.lanes {
            done.enter()
            let thread = Thread { [self] in
                runLane(queue: queue, record: record)
                done.leave()
            }
            thread.name = "attend-lane-\(lane)"
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        self.queue = nil
        if let writeError { throw writeError }
    }

    /// Stops taking new files; what is being captioned is finished and written.
    public func stop() {
        queue?.stop()
    }

    // MARK: - Steps

    private static func prepare(_ entry: WalkEntry, input: ModelInput, settings: BatchSettings)
        -> Result<Prepared, BatchFailure> {
        do {
            let loaded = try input.load(contentsOf: entry.path, options: settings.decoding)
            var picture: RGBImage? = nil
            if let overlays = settings.overlays {
                let upright = loaded.decoded.image
                let size = AttentionSheet.displaySize(width: upright.width, height: upright.height, tile: overlays.tile)
                picture = upright.resized(width: size.width, height: size.height)
            }
            return .success(Prepared(pixels: loaded.pixels, picture: picture))
        } catch {
            return .failure(BatchFailure("\(error)"))
        }
    }

    private func runLane(queue: DecodeQueue<Prepared>, record: @escaping (BatchRecord) throws -> Void) {
        while true {
            // Take the next batch's items in order: up to batchSize images, with the failures between them.
            assembly.lock()
            var items: [DecodeQueue<Prepared>.Item] = []
            var images = 0
            while images < settings.batchSize, let item = queue.next() {
                items.append(item)
                if case .success = item.result { images += 1 }
            }
            let number = nextBatch
            nextBatch += 1
            assembly.unlock()
            if items.isEmpty { break }
            submit(number, records: caption(items), record: record)
        }
    }

    private func caption(_ items: [DecodeQueue<Prepared>.Item]) -> [BatchRecord] {
        var good: [(index: Int, prepared: Prepared)] = []
        for (index, item) in items.enumerated() {
            if case .success(let prepared) = item.result { good.append((index, prepared)) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let captions = captioner.caption(pixels: good.map(\.prepared.pixels), options: settings.caption)
        let modelShare = good.isEmpty ? 0 : Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(good.count)

        var records = items.map { item -> BatchRecord in
            if case .failure(let failure) = item.result { return BatchRecord(path: item.entry.path, error: failure.message) }
            return BatchRecord(path: item.entry.path)
        }
        for ((index, prepared), caption) in zip(good, captions) {
            let item = items[index]
            let start = DispatchTime.now().uptimeNanoseconds
            var record = writeOutputs(caption: caption, picture: prepared.picture, entry: item.entry)
            let outputSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if !record.failed { record.ms = (item.seconds + modelShare + outputSeconds) * 1000 }
            records[index] = record
        }
        return records
    }

    /// The image's record, after writing what else the settings ask for (sheet, sidecar, the photo's own
    /// metadata); an error record when one of those cannot be written.
    private func writeOutputs(caption: Caption, picture: RGBImage?, entry: WalkEntry) -> BatchRecord {
        var record = BatchRecord(path: entry.path, caption: caption.text, logprob: caption.logProbability)
        if let overlays = settings.overlays, let picture {
            let sheetPath = overlays.sheetPath(for: entry)
            do {
                try drawSheet(caption: caption, picture: picture, overlays: overlays, to: sheetPath)
                record.overlay = sheetPath
            } catch {
                return BatchRecord(path: entry.path, error: "cannot write the attention sheet \(sheetPath): \(error)")
            }
        }
        if let metadata = settings.photoMetadata {
            // The classifier's confident labels (as confident as a label the caption must name) join the caption's
            // object words.
            let confident = caption.labels.filter { $0.probability >= settings.caption.grounding.constraintThreshold }
            let keywords = CaptionKeywords.keywords(caption: caption.text, labels: confident.map(\.word))
            do {
                try metadata.write(caption: caption.text, keywords: keywords, for: entry.path)
            } catch {
                return BatchRecord(path: entry.path, error: "\(error)")
            }
        }
        return record
    }

    /// The same sheet `attend overlay` draws.
    private func drawSheet(caption: Caption, picture: RGBImage, overlays: OverlaySettings, to path: String) throws {
        let sheet = AttentionSheet(caption: caption, picture: picture, grid: captioner.gridSize, style: overlays.style)
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // zlib level 1, as `attend overlay`: level 6 takes 4–5 times as long for 6 % less.
        try PNGWriter.write(sheet.render(), to: path, compression: 1)
    }

    /// Writes batches in order: a lane that finishes early waits its turn in `pending`.
    private func submit(_ number: Int, records: [BatchRecord], record: (BatchRecord) throws -> Void) {
        sinkLock.lock()
        defer { sinkLock.unlock() }
        pending[number] = records
        while let ready = pending.removeValue(forKey: nextToWrite) {
            nextToWrite += 1
            guard writeError == nil else { continue }
            do {
                for item in ready { try record(item) }
            } catch {
                writeError = error
                queue?.stop()
            }
        }
    }
}
