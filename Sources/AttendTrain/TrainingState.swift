import AttendModel
import AttendSupport
import CAttendShims
import Foundation

// MARK: - Checkpoint: the model file plus the optimizer state beside it
//
// `<model>.optim`:
//   8 bytes "ATTENDOS", u32 LE version 1, u32 LE header length N, N bytes JSON (TrainingProgress),
//   then the first and second moments as P little-endian f32 each, then u32 LE CRC-32 of all bytes before it.
// Both files are written to a temporary name and renamed, so a killed run leaves the previous checkpoint whole.

/// Where a run is: enough to resume it exactly.
public struct TrainingProgress: Codable, Equatable, Sendable {
    /// Optimizer steps taken.
    public var step = 0
    /// The epoch in progress and how many of its batches are done.
    public var epoch = 0
    public var batchInEpoch = 0
    /// Best validation criterion so far (dev cross-entropy; minus the greedy CIDEr-D for a self-critical run) and
    /// the epochs since it improved (early stopping).
    public var bestValidationLoss: Float? = nil
    public var epochsWithoutImprovement = 0
    /// Parameter count the moments were saved for.
    public var parameterCount = 0
    /// Wall time spent training so far, over all runs of this checkpoint: a `--budget-minutes` schedule resumed
    /// after a stop continues where it was instead of starting its decay again.
    public var trainingSeconds = 0.0
    /// Hard attention: the moving-average baseline of the log-likelihood per word (TrainingGraph.reinforceBaseline),
    /// so that a resumed run continues with it. Absent for soft attention.
    public var reinforceBaseline: Float? = nil

    public init() {}

    enum CodingKeys: String, CodingKey {
        case step, epoch, batchInEpoch, bestValidationLoss, epochsWithoutImprovement, parameterCount, trainingSeconds
        case reinforceBaseline
    }

    /// Checkpoints written before `trainingSeconds` existed read as 0 seconds spent.
    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        step = try values.decode(Int.self, forKey: .step)
        epoch = try values.decode(Int.self, forKey: .epoch)
        batchInEpoch = try values.decode(Int.self, forKey: .batchInEpoch)
        bestValidationLoss = try values.decodeIfPresent(Float.self, forKey: .bestValidationLoss)
        epochsWithoutImprovement = try values.decode(Int.self, forKey: .epochsWithoutImprovement)
        parameterCount = try values.decode(Int.self, forKey: .parameterCount)
        trainingSeconds = try values.decodeIfPresent(Double.self, forKey: .trainingSeconds) ?? 0
        reinforceBaseline = try values.decodeIfPresent(Float.self, forKey: .reinforceBaseline)
    }
}

/// Why `model` cannot stand in for `reference` (another vocabulary or configuration), or nil: a checkpoint resumed,
/// averaged or started from must fit the run. `vocabularyOf` and `configurationOf` name the reference's in the
/// message ("m1's", "this run's").
public func mismatch(of model: Model, with reference: Model, vocabularyOf: String, configurationOf: String) -> String? {
    if model.vocabulary != reference.vocabulary { return "its vocabulary differs from \(vocabularyOf)" }
    if model.config != reference.config {
        return "its configuration differs from \(configurationOf): \(describe(model.config)) vs \(describe(reference.config))"
    }
    return nil
}

public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case mismatch(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read checkpoint: \(reason)"
        case let .corrupt(path, reason): return "\(path): checkpoint is corrupt: \(reason)"
        case let .mismatch(path, reason): return "\(path): checkpoint does not fit this run: \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write checkpoint: \(reason)"
        }
    }
}

public enum OptimizerStateFile {
    static let magic = Array("ATTENDOS".utf8)

    public static func path(forModel modelPath: String) -> String { modelPath + ".optim" }

    public static func write(progress: TrainingProgress, optimizer: AdamOptimizer, to path: String) throws {
        var progress = progress
        progress.parameterCount = optimizer.firstMoment.count
        let header = Array(try JSONEncoder().encode(progress))
        var bytes = magic
        append(UInt32(1), to: &bytes)
        append(UInt32(header.count), to: &bytes)
        bytes += header
        for moment in [optimizer.firstMoment, optimizer.secondMoment] {
            moment.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        let crc = bytes.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count) }
        append(crc, to: &bytes)
        do { try writeFileAtomically(bytes, to: path) } catch let error as FileWriteError {
            throw CheckpointError.unwritable(path: path, reason: error.reason)
        }
    }

    /// Reads the state into `optimizer` (whose layout must match) and returns the progress.
    public static func read(path: String, into optimizer: AdamOptimizer) throws -> TrainingProgress {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "no such file")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else {
            throw CheckpointError.corrupt(path: path, reason: "not an optimizer state file")
        }
        let stored = load(bytes, at: bytes.count - 4)
        let computed = bytes.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count - 4) }
        guard stored == computed else { throw CheckpointError.corrupt(path: path, reason: "checksum mismatch") }
        let headerLength = Int(load(bytes, at: 12))
        guard 16 + headerLength <= bytes.count - 4,
              let progress = try? JSONDecoder().decode(TrainingProgress.self, from: Data(bytes[16..<(16 + headerLength)]))
        else { throw CheckpointError.corrupt(path: path, reason: "header does not parse") }
        let P = optimizer.firstMoment.count
        guard progress.parameterCount == P, bytes.count == 16 + headerLength + 8 * P + 4 else {
            throw CheckpointError.mismatch(path: path,
                                           reason: "holds moments for \(progress.parameterCount) parameters, the model has \(P)")
        }
        bytes.withUnsafeBytes { raw in
            let start = 16 + headerLength
            optimizer.firstMoment.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + 4 * P)])) }
            optimizer.secondMoment.withUnsafeMutableBytes {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(start + 4 * P)..<(start + 8 * P)]))
            }
        }
        optimizer.step = progress.step
        return progress
    }
}

private func append(_ value: UInt32, to bytes: inout [UInt8]) {
    for i in 0..<4 { bytes.append(UInt8((value >> (8 * UInt32(i))) & 0xFF)) }
}

private func load(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
}
