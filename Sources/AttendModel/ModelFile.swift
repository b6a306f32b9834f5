import AttendSupport
import CAttendShims
import Foundation

// MARK: - Model file
//
// One self-describing binary file (docs/MODEL_FORMAT.md specifies it byte by byte):
//
//   offset 0   8 bytes   magic "ATTENDMF"
//          8   u32 LE    format version (5 with object-presence heads, else 4 for a hard-attention model, else 3;
//                        versions 1 and 2 still load)
//         12   u32 LE    header length N
//         16   N bytes   header: UTF-8 JSON {config, vocabulary, tensors: [{name, dtype, shape, offset, length}],
//                        metadata, classifier?: {classes: [{name, word?, also}]}, presence?: {objects: [{name,
//                        words}]}}; tensor offsets are relative to the payload start; a classifier's tensors are
//                        "classifier.weight" (K, C) and "classifier.bias" (K), the presence heads' "presence.weight"
//                        (J, C) and "presence.bias" (J)
//     16 + N   zero padding to the next multiple of 64: the payload start P
//          P   payload: each tensor's little-endian values at its offset
//    end − 4   u32 LE    CRC-32 (zlib's) of every byte before it

public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case truncated(path: String, reason: String)
    case wrongMagic(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    case checksumMismatch(path: String, stored: UInt32, computed: UInt32)
    case badHeader(path: String, reason: String)
    case tensorMismatch(path: String, tensor: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read model file: \(reason)"
        case let .truncated(path, reason): return "\(path): model file is truncated: \(reason)"
        case let .wrongMagic(path): return "\(path): not an attend model file (wrong magic bytes)"
        case let .unsupportedVersion(path, version):
            return "\(path): model format version \(version) is not supported (this build reads versions 1 to \(ModelFile.readableVersions.upperBound))"
        case let .checksumMismatch(path, stored, computed):
            return "\(path): model file is corrupt: checksum \(hex(stored)) stored, \(hex(computed)) computed"
        case let .badHeader(path, reason): return "\(path): model file header is invalid: \(reason)"
        case let .tensorMismatch(path, tensor, reason): return "\(path): tensor \(tensor): \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write model file: \(reason)"
        }
    }
}

private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: false) }

public enum ModelFile {
    public static let magic = Array("ATTENDMF".utf8)
    /// The version a soft-attention model is written as: its bytes are those every build since version 3 reads.
    public static let version: UInt32 = 3
    /// The version a hard-attention model is written as: the configuration's "attention": "hard" is new in it, and an
    /// older build refuses the file rather than caption with it as soft attention.
    public static let hardAttentionVersion: UInt32 = 4
    /// The version a model with object-presence heads is written as: an older build would refuse their tensors
    /// with a less clear message, or, worse, caption without them.
    public static let presenceVersion: UInt32 = 5
    /// Versions this build reads: 1 (the scratch family only, f32 only), 2 (encoder families, f16 tensors), 3
    /// (an optional ImageNet classifier with its class table), 4 (the attention mechanism) and 5 (optional
    /// object-presence heads).
    public static let readableVersions: ClosedRange<UInt32> = 1...5

    /// The version `model` is written as: the oldest that can hold its attention mechanism and presence heads.
    public static func version(for model: Model) -> UInt32 {
        if model.presence != nil { return presenceVersion }
        return model.config.attention == .soft ? version : hardAttentionVersion
    }
    static let classifierWeight = "classifier.weight", classifierBias = "classifier.bias"
    static let presenceWeight = "presence.weight", presenceBias = "presence.bias"
    static let alignment = 64

    private struct Header: Codable {
        var config: ModelConfig
        var vocabulary: [String]
        var tensors: [TensorEntry]
        var metadata: [String: String]
        var classifier: ClassifierHeader?
        var presence: PresenceHeader?
    }

    private struct ClassifierHeader: Codable {
        var classes: [ImageNetClass]
    }

    private struct PresenceHeader: Codable {
        var objects: [PresenceObject]
    }

    private struct TensorEntry: Codable {
        var name: String
        var dtype: String
        var shape: [Int]
        var offset: Int
        var length: Int
    }

    /// How tensor values are stored. Computation is always in f32; f16 halves a file (a shipped model must stay
    /// small) at a relative rounding of at most 2⁻¹¹ per weight.
    public enum Storage: String, CaseIterable, Sendable {
        case float32 = "f32"
        case float16 = "f16"

        var bytesPerValue: Int { self == .float32 ? 4 : 2 }
    }

    // MARK: Writing

    /// The bytes of `model` in the model-file format, every tensor stored as `storage`.
    public static func encode(_ model: Model, storage: Storage = .float32) throws -> [UInt8] {
        // Every stored tensor: its name, shape and values, the layout's, then the classifier's and presence heads'.
        var sources: [(name: String, shape: [Int], values: ArraySlice<Float>)] = model.layout.tensors.map {
            ($0.name, $0.shape, model.parameters[$0.offset..<($0.offset + $0.count)])
        }
        if let classifier = model.classifier {
            sources.append((classifierWeight, [classifier.classCount, classifier.channels], classifier.weight[...]))
            sources.append((classifierBias, [classifier.classCount], classifier.bias[...]))
        }
        if let presence = model.presence {
            sources.append((presenceWeight, [presence.objectCount, presence.channels], presence.weight[...]))
            sources.append((presenceBias, [presence.objectCount], presence.bias[...]))
        }
        var entries: [TensorEntry] = []
        var payloadLength = 0
        for source in sources {
            let length = source.values.count * storage.bytesPerValue
            entries.append(TensorEntry(name: source.name, dtype: storage.rawValue, shape: source.shape,
                                       offset: payloadLength, length: length))
            payloadLength += roundUp(length, alignment)
        }
        let header = Header(config: model.config, vocabulary: model.vocabulary.words, tensors: entries,
                            metadata: model.metadata,
                            classifier: model.classifier.map { ClassifierHeader(classes: $0.classes) },
                            presence: model.presence.map { PresenceHeader(objects: $0.objects) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerBytes = Array(try encoder.encode(header))
        let payloadStart = roundUp(16 + headerBytes.count, alignment)

        var bytes = [UInt8](repeating: 0, count: payloadStart + payloadLength + 4)
        bytes.replaceSubrange(0..<8, with: magic)
        store(version(for: model), into: &bytes, at: 8)
        store(UInt32(headerBytes.count), into: &bytes, at: 12)
        bytes.replaceSubrange(16..<(16 + headerBytes.count), with: headerBytes)
        bytes.withUnsafeMutableBytes { target in
            for (entry, source) in zip(entries, sources) {
                source.values.withUnsafeBufferPointer { values in
                    let start = payloadStart + entry.offset   // little-endian host
                    switch storage {
                    case .float32:
                        (target.baseAddress! + start).copyMemory(from: values.baseAddress!, byteCount: entry.length)
                    case .float16:
                        let halves = (target.baseAddress! + start).bindMemory(to: Float16.self, capacity: values.count)
                        for i in 0..<values.count { halves[i] = Float16(values[i]) }
                    }
                }
            }
        }
        let crc = bytes.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count - 4) }
        store(crc, into: &bytes, at: bytes.count - 4)
        return bytes
    }

    /// Writes atomically: a temporary file beside `path`, then a rename, so a crash never leaves half a model.
    public static func write(_ model: Model, to path: String, storage: Storage = .float32) throws {
        let bytes = try encode(model, storage: storage)
        do { try writeFileAtomically(bytes, to: path) } catch let error as FileWriteError {
            throw ModelFileError.unwritable(path: path, reason: error.reason)
        }
    }

    // MARK: Reading

    public static func read(path: String) throws -> Model {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file"
                                                                      : "no such file"
            throw ModelFileError.unreadable(path: path, reason: reason)
        }
        return try decode([UInt8](data), path: path)
    }

    /// Parses and checks model-file bytes; `path` only names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Model {
        guard bytes.count >= 8 else { throw ModelFileError.truncated(path: path, reason: "\(bytes.count) bytes") }
        guard Array(bytes[0..<8]) == magic else { throw ModelFileError.wrongMagic(path: path) }
        guard bytes.count >= 20 else { throw ModelFileError.truncated(path: path, reason: "\(bytes.count) bytes") }
        let version = load(bytes, at: 8)
        guard readableVersions.contains(version) else {
            throw ModelFileError.unsupportedVersion(path: path, version: version)
        }
        let headerLength = Int(load(bytes, at: 12))
        let payloadStart = roundUp(16 + headerLength, alignment)
        guard payloadStart + 4 <= bytes.count else {
            throw ModelFileError.truncated(path: path, reason: "header says \(headerLength) bytes, file has \(bytes.count)")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + headerLength)]))
        } catch {
            throw ModelFileError.badHeader(path: path, reason: "JSON does not parse (\(error))")
        }
        // Each tensor within the payload, compared without adding the file's numbers: an offset near Int.max
        // must be a clear error, not an overflow.
        let payloadBytes = bytes.count - 4 - payloadStart
        for entry in header.tensors {
            guard entry.offset >= 0, entry.length >= 0 else {
                throw ModelFileError.tensorMismatch(path: path, tensor: entry.name,
                                                    reason: "offset \(entry.offset), length \(entry.length) bytes")
            }
            guard entry.length <= payloadBytes, entry.offset <= payloadBytes - entry.length else {
                throw ModelFileError.truncated(path: path, reason: "tensor \(entry.name) needs bytes \(entry.offset) to "
                    + "\(entry.offset) + \(entry.length) of the payload, which has \(payloadBytes)")
            }
        }
        let stored = load(bytes, at: bytes.count - 4)
        let computed = bytes.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count - 4) }
        guard stored == computed else {
            throw ModelFileError.checksumMismatch(path: path, stored: stored, computed: computed)
        }
        if let problem = sizeProblem(header.config) ?? header.config.problem() {
            throw ModelFileError.badHeader(path: path, reason: problem)
        }
        guard header.config.attention == .soft || version >= hardAttentionVersion else {
            throw ModelFileError.badHeader(path: path, reason: "hard attention needs format version "
                                           + "\(hardAttentionVersion), the file is version \(version)")
        }
        guard header.presence == nil || version >= presenceVersion else {
            throw ModelFileError.badHeader(path: path, reason: "presence heads need format version \(presenceVersion), "
                                           + "the file is version \(version)")
        }
        guard header.vocabulary.count == header.config.vocabularySize,
              Array(header.vocabulary.prefix(4)) == Vocabulary.specialTokens,
              Set(header.vocabulary).count == header.vocabulary.count else {
            throw ModelFileError.badHeader(path: path, reason: "vocabulary does not match the configuration")
        }

        let layout = ParameterLayout(config: header.config)
        // Every parameter takes at least 2 bytes of payload (f16): a header cannot make this allocate more than
        // its file could fill.
        guard layout.count <= payloadBytes / 2 else {
            throw ModelFileError.truncated(path: path, reason: "the configuration has \(layout.count) parameters, "
                + "more than \(payloadBytes) bytes of tensors can hold")
        }
        let entriesByName = Dictionary(header.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var parameters = [Float](repeating: 0, count: layout.count)
        let reader = TensorReader(bytes: bytes, payloadStart: payloadStart, version: version, path: path,
                                  entries: entriesByName)
        for spec in layout.tensors {
            try parameters.withUnsafeMutableBufferPointer { values in
                try reader.read(spec.name, shape: spec.shape, into: values.baseAddress! + spec.offset)
            }
        }
        let classifier = try header.classifier.map { try readClassifier($0, reader: reader, config: header.config) }
        let presence = try header.presence.map { try readPresence($0, reader: reader, config: header.config) }
        let known = Set(layout.tensors.map(\.name) + (classifier == nil ? [] : [classifierWeight, classifierBias])
                        + (presence == nil ? [] : [presenceWeight, presenceBias]))
        if let extra = header.tensors.first(where: { !known.contains($0.name) }) {
            throw ModelFileError.tensorMismatch(path: path, tensor: extra.name, reason: "not part of this configuration")
        }
        return Model(config: header.config, vocabulary: Vocabulary(words: header.vocabulary),
                     parameters: parameters, metadata: header.metadata, classifier: classifier, presence: presence)
    }

    private static func readClassifier(_ header: ClassifierHeader, reader: TensorReader,
                                       config: ModelConfig) throws -> ImageNetClassifier {
        let (weight, bias) = try readHead("classifier", entries: header.classes.map { ($0.name, $0.problem()) },
                                          noun: ("class", "classes"), reader: reader, channels: config.gridChannels)
        return ImageNetClassifier(classes: header.classes, weight: weight, bias: bias)
    }

    private static func readPresence(_ header: PresenceHeader, reader: TensorReader,
                                     config: ModelConfig) throws -> ObjectPresence {
        let (weight, bias) = try readHead("presence", entries: header.objects.map { ($0.name, $0.problem()) },
                                          noun: ("object", "objects"), reader: reader, channels: config.gridChannels)
        return ObjectPresence(objects: header.objects, weight: weight, bias: bias)
    }

    /// A linear map from the pooled grid (C) to one output per header entry: its tensors `<head>.weight` (R, C) and
    /// `<head>.bias` (R), read after every entry (name, problem) checks out.
    private static func readHead(_ head: String, entries: [(name: String, problem: String?)],
                                 noun: (one: String, many: String), reader: TensorReader,
                                 channels C: Int) throws -> (weight: [Float], bias: [Float]) {
        let R = entries.count
        guard R > 0 else { throw ModelFileError.badHeader(path: reader.path, reason: "\(head) has no \(noun.many)") }
        for entry in entries {
            if let problem = entry.problem {
                throw ModelFileError.badHeader(path: reader.path, reason: "\(head) \(noun.one) \"\(entry.name)\": \(problem)")
            }
        }
        // Each value takes at least 2 bytes of payload: the header cannot make this allocate more than the file holds.
        guard R <= (reader.bytes.count - 4 - reader.payloadStart) / (2 * (C + 1)) else {
            throw ModelFileError.truncated(path: reader.path, reason: "the \(head)'s \(R) \(noun.many) need more tensor "
                + "bytes than the file has")
        }
        var weight = [Float](repeating: 0, count: R * C), bias = [Float](repeating: 0, count: R)
        try weight.withUnsafeMutableBufferPointer { try reader.read(head + ".weight", shape: [R, C], into: $0.baseAddress!) }
        try bias.withUnsafeMutableBufferPointer { try reader.read(head + ".bias", shape: [R], into: $0.baseAddress!) }
        return (weight, bias)
    }

    /// Reads a named tensor out of a file's payload after checking its entry: dtype, shape and length.
    private struct TensorReader {
        let bytes: [UInt8]
        let payloadStart: Int
        let version: UInt32
        let path: String
        let entries: [String: TensorEntry]

        func read(_ name: String, shape: [Int], into output: UnsafeMutablePointer<Float>) throws {
            guard let entry = entries[name] else {
                throw ModelFileError.tensorMismatch(path: path, tensor: name, reason: "missing")
            }
            guard let storage = Storage(rawValue: entry.dtype), version >= 2 || storage == .float32 else {
                throw ModelFileError.tensorMismatch(path: path, tensor: name,
                                                    reason: "dtype \(entry.dtype), expected f32 or f16 (f32 in version 1)")
            }
            guard entry.shape == shape else {
                throw ModelFileError.tensorMismatch(path: path, tensor: name, reason: "shape \(entry.shape), expected \(shape)")
            }
            let count = shape.reduce(1, *)
            guard entry.length == count * storage.bytesPerValue, entry.offset >= 0 else {
                throw ModelFileError.tensorMismatch(path: path, tensor: name, reason: "length \(entry.length) bytes")
            }
            let start = payloadStart + entry.offset
            bytes.withUnsafeBytes { raw in
                switch storage {
                case .float32:
                    for i in 0..<count { output[i] = raw.loadUnaligned(fromByteOffset: start + 4 * i, as: Float.self) }
                case .float16:
                    for i in 0..<count {
                        output[i] = floatFromHalfBits(raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self))
                    }
                }
            }
        }
    }
}

/// The f32 of an f16's bits, exactly `Float(Float16(bitPattern: bits))`, in integer operations and exact
/// multiplies by powers of two, which the compiler vectorises. (Built for baseline x86-64, without F16C,
/// `Float(Float16)` is a library call per value: it was most of the default model's load time.) A normal half's
/// exponent and mantissa, shifted into an f32's, read as a value 2¹¹² too small; a subnormal half is its mantissa
/// times 2⁻²⁴. Neither product has a subnormal operand, so the result holds where the CPU flushes subnormals
/// (denormals-are-zero); infinities and NaNs keep an all-ones exponent.
@inline(__always)
func floatFromHalfBits(_ bits: UInt16) -> Float {
    let h = UInt32(bits)
    let magnitude = (h & 0x7FFF) << 13
    let normal = Float(bitPattern: magnitude) * Float(bitPattern: 0x7780_0000)           // × 2¹¹²
    let subnormal = Float(h & 0x03FF) * Float(bitPattern: 0x3380_0000)                   // × 2⁻²⁴
    let special = Float(bitPattern: magnitude | 0x7F80_0000)                              // inf, NaN (payload kept)
    let exponent = h & 0x7C00
    let value = exponent == 0x7C00 ? special : (exponent == 0 ? subnormal : normal)
    return Float(bitPattern: value.bitPattern | (h & 0x8000) << 16)
}

// MARK: - Sizes a stored configuration may give

/// Largest width (channels, sizes, vocabulary) and picture side a model file may declare (the encoder families'
/// `problem()` refuse theirs past these too): far above every real model
/// (the default's widest layer has 1,280 channels, its input 224 pixels), and small enough that the layout's products
/// of two or three of them cannot overflow. A header past them is refused before any layout is built from it.
let maxStoredWidth = 1 << 16
let maxStoredImageSize = 1 << 13
let maxStoredStages = 64

private func sizeProblem(_ config: ModelConfig) -> String? {
    let widths = [("projectionSize", config.projectionSize), ("embeddingSize", config.embeddingSize),
                  ("hiddenSize", config.hiddenSize), ("attentionSize", config.attentionSize),
                  ("vocabularySize", config.vocabularySize)]
    if let (name, value) = widths.first(where: { $0.1 > maxStoredWidth }) {
        return "\(name) \(value) is over \(maxStoredWidth)"
    }
    return nil   // the encoder's own sizes are its family's `problem()`'s to refuse
}

private func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

private func store(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
    for i in 0..<4 { bytes[offset + i] = UInt8((value >> (8 * UInt32(i))) & 0xFF) }
}

private func load(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
}
