import CAttendShims
import Foundation

// MARK: - Model file
//
// One self-describing binary file (docs/MODEL_FORMAT.md specifies it byte by byte):
//
//   offset 0   8 bytes   magic "ATTENDMF"
//          8   u32 LE    format version (1)
//         12   u32 LE    header length N
//         16   N bytes   header: UTF-8 JSON {config, vocabulary, tensors: [{name, dtype, shape, offset, length}],
//                        metadata}; tensor offsets are relative to the payload start
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
            return "\(path): model format version \(version) is not supported (this build reads version \(ModelFile.version))"
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
    public static let version: UInt32 = 1
    static let alignment = 64

    private struct Header: Codable {
        var config: ModelConfig
        var vocabulary: [String]
        var tensors: [TensorEntry]
        var metadata: [String: String]
    }

    private struct TensorEntry: Codable {
        var name: String
        var dtype: String
        var shape: [Int]
        var offset: Int
        var length: Int
    }

    // MARK: Writing

    /// The bytes of `model` in the model-file format.
    public static func encode(_ model: Model) throws -> [UInt8] {
        var entries: [TensorEntry] = []
        var payloadLength = 0
        for spec in model.layout.tensors {
            let length = spec.count * MemoryLayout<Float>.size
            entries.append(TensorEntry(name: spec.name, dtype: "f32", shape: spec.shape, offset: payloadLength,
                                       length: length))
            payloadLength += roundUp(length, alignment)
        }
        let header = Header(config: model.config, vocabulary: model.vocabulary.words, tensors: entries,
                            metadata: model.metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerBytes = Array(try encoder.encode(header))
        let payloadStart = roundUp(16 + headerBytes.count, alignment)

        var bytes = [UInt8](repeating: 0, count: payloadStart + payloadLength + 4)
        bytes.replaceSubrange(0..<8, with: magic)
        store(version, into: &bytes, at: 8)
        store(UInt32(headerBytes.count), into: &bytes, at: 12)
        bytes.replaceSubrange(16..<(16 + headerBytes.count), with: headerBytes)
        model.parameters.withUnsafeBytes { raw in
            for (entry, spec) in zip(entries, model.layout.tensors) {
                let source = raw[(spec.offset * 4)..<(spec.offset * 4 + entry.length)]
                let start = payloadStart + entry.offset
                bytes.replaceSubrange(start..<(start + entry.length), with: source)   // little-endian host
            }
        }
        let crc = bytes.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count - 4) }
        store(crc, into: &bytes, at: bytes.count - 4)
        return bytes
    }

    /// Writes atomically: a temporary file beside `path`, then a rename, so a crash never leaves half a model.
    public static func write(_ model: Model, to path: String) throws {
        let bytes = try encode(model)
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw ModelFileError.unwritable(path: path, reason: "cannot create \(temporary)")
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ModelFileError.unwritable(path: path, reason: reason)
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
        guard version == ModelFile.version else {
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
        let payloadEnd = header.tensors.map { $0.offset + $0.length }.max() ?? 0
        guard payloadStart + payloadEnd + 4 <= bytes.count else {
            throw ModelFileError.truncated(path: path,
                                           reason: "tensors need \(payloadStart + payloadEnd + 4) bytes, file has \(bytes.count)")
        }
        let stored = load(bytes, at: bytes.count - 4)
        let computed = bytes.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count - 4) }
        guard stored == computed else {
            throw ModelFileError.checksumMismatch(path: path, stored: stored, computed: computed)
        }
        if let problem = header.config.problem() { throw ModelFileError.badHeader(path: path, reason: problem) }
        guard header.vocabulary.count == header.config.vocabularySize,
              Array(header.vocabulary.prefix(4)) == Vocabulary.specialTokens,
              Set(header.vocabulary).count == header.vocabulary.count else {
            throw ModelFileError.badHeader(path: path, reason: "vocabulary does not match the configuration")
        }

        let layout = ParameterLayout(config: header.config)
        let entriesByName = Dictionary(header.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var parameters = [Float](repeating: 0, count: layout.count)
        for spec in layout.tensors {
            guard let entry = entriesByName[spec.name] else {
                throw ModelFileError.tensorMismatch(path: path, tensor: spec.name, reason: "missing")
            }
            guard entry.dtype == "f32" else {
                throw ModelFileError.tensorMismatch(path: path, tensor: spec.name, reason: "dtype \(entry.dtype), expected f32")
            }
            guard entry.shape == spec.shape else {
                throw ModelFileError.tensorMismatch(path: path, tensor: spec.name,
                                                    reason: "shape \(entry.shape), expected \(spec.shape)")
            }
            guard entry.length == spec.count * 4, entry.offset >= 0 else {
                throw ModelFileError.tensorMismatch(path: path, tensor: spec.name, reason: "length \(entry.length) bytes")
            }
            parameters.withUnsafeMutableBytes { raw in
                let start = payloadStart + entry.offset
                raw[(spec.offset * 4)..<(spec.offset * 4 + entry.length)]
                    .copyBytes(from: bytes[start..<(start + entry.length)])
            }
        }
        if let extra = header.tensors.first(where: { layout.tensor(named: $0.name) == nil }) {
            throw ModelFileError.tensorMismatch(path: path, tensor: extra.name, reason: "not part of this configuration")
        }
        return Model(config: header.config, vocabulary: Vocabulary(words: header.vocabulary),
                     parameters: parameters, metadata: header.metadata)
    }
}

private func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

private func store(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
    for i in 0..<4 { bytes[offset + i] = UInt8((value >> (8 * UInt32(i))) & 0xFF) }
}

private func load(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
}
