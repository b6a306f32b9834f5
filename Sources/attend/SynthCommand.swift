import ArgumentParser
import AttendImage
import Foundation
import AttendTrain

// MARK: - attend synth

/// `attend synth`: renders seeded synthetic shape scenes in the Flickr8k layout.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render synthetic shape scenes with captions and boxes, in the Flickr8k layout.",
        discussion: """
            Writes OUT/images/NNNNN.png, OUT/Flickr8k.token.txt (NAME.png#0<TAB>caption, plus #1 with \
            size words and #2 a paraphrase when --captions allows), OUT/Flickr_8k.{train,dev,test}Images.txt \
            (the first scenes train, then dev, then test) and OUT/boxes.json (every object's shape, colour and \
            box [x0, y0, x1, y1], x1 and y1 exclusive). Canonical captions: "a red circle", \
            "a red circle and a blue square" (left to right), "a red circle above a blue square" \
            (vertically stacked), "a red circle , a blue square and a green triangle" (left to right). \
            The same seed and size give the same bytes on every machine.
            """)

    @Option(help: "Directory to write (created if missing; files of the same names are replaced).")
    var out: String

    @Option(help: "Number of scenes to render.")
    var count: Int

    @Option(help: "Random seed: the same seed and size give the same files.")
    var seed: UInt64

    @Option(help: "Image side in pixels (at least 32).")
    var size: Int = 64

    @Option(name: .customLong("split-counts"),
            help: "Scenes in train,dev,test, adding up to --count (default: 80/10/10 %).")
    var splitCounts: String?

    @Option(name: .customLong("split-fractions"),
            help: "Fractions in train,dev,test, adding up to 1, e.g. 0.8,0.1,0.1 (dev and test rounded).")
    var splitFractions: String?

    @Option(help: "Captions per image in the token file: 1 (canonical), 2 (+ sizes) or 3 (+ paraphrase).")
    var captions: Int = 3

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard size >= 32 else { throw ValidationError("--size must be at least 32") }
        guard (1...3).contains(captions) else { throw ValidationError("--captions must be 1, 2 or 3") }
        guard splitCounts == nil || splitFractions == nil else {
            throw ValidationError("give --split-counts or --split-fractions, not both")
        }
        _ = try split()
    }

    func run() throws {
        let split = try split()
        let (train, dev, test) = try split.resolve(total: count)
        do {
            try writeSyntheticDataset(directory: out, count: count, seed: seed, size: size, split: split,
                                      captionsPerImage: captions)
        } catch SyntheticDatasetError.cannotWrite(let path, let reason) {
            report(path, "cannot write: \(reason)")
            throw ExitCode.failure
        } catch let error as ImageError {
            printError("attend: \(error)")  // the PNG writer's message names the file
            throw ExitCode.failure
        }
        print("wrote \(count) scenes of \(size)×\(size) to \(out) (train \(train), dev \(dev), test \(test))")
    }

    /// The split the options ask for.
    private func split() throws -> SyntheticSplit {
        if let text = splitCounts {
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, let train = parts[0], let dev = parts[1], let test = parts[2] else {
                throw ValidationError("--split-counts takes three integers, e.g. 1600,200,200; got '\(text)'")
            }
            let split = SyntheticSplit.counts(train: train, dev: dev, test: test)
            do { _ = try split.resolve(total: count) } catch { throw ValidationError("\(error)") }
            return split
        }
        if let text = splitFractions {
            let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, let train = parts[0], let dev = parts[1], let test = parts[2] else {
                throw ValidationError("--split-fractions takes three numbers, e.g. 0.8,0.1,0.1; got '\(text)'")
            }
            let split = SyntheticSplit.fractions(train: train, dev: dev, test: test)
            do { _ = try split.resolve(total: count) } catch { throw ValidationError("\(error)") }
            return split
        }
        return .standard
    }
}
