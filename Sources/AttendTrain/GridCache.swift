#if canImport(Glibc)
import Glibc
#endif
import AttendImage
import AttendModel
import AttendSupport
import CAttendShims
import Foundation

// MARK: - Feature cache: a frozen encoder's grids, computed once per photo
//
// Training a decoder on a frozen encoder needs each photo's grid, never its pixels: the encoder runs once per
// photo and its grids are kept in one memory-mapped file, so an epoch reads 6,000 × L × C halves (7×7×1280 at
// 224: 122 KB a photo, 0.75 GB for the training split) instead of decoding and encoding 6,000 photos.
//
//   offset 0   8 bytes   magic "ATTENDGC"
//          8   u32 LE    version (1)
//         12   u32 LE    header length N
//         16   N bytes   UTF-8 JSON {key: {...}, names: [photo names], locations, channels}
//     16 + N   zero padding to the next multiple of 64: the payload start
//          …   count × L × C f16 values, photo by photo, grid cells in row-major order
//
// The key ties the cache to what made it: the encoder's configuration, the CRC-32 of its tensors' f32 values, and
// the preprocessing (input side and normalisation). A cache whose key differs from the model's is stale: it is
// rebuilt, never read.

public struct GridCacheKey: Codable, Equatable, Sendable {
    public var encoder: EncoderConfig
    /// CRC-32 of the encoder tensors' f32 bytes, in layout order.
    public var encoderChecksum: UInt32
    public var inputSize: Int
    public var inputMean: [Float]
    public var inputStd: [Float]

    public init(model: Model) {
        encoder = model.config.encoder
        var crc: UInt32 = 0
        model.parameters.withUnsafeBytes { raw in
            for spec in model.layout.encoderTensors {
                crc = attend_crc32(crc, raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + spec.offset * 4,
                                   spec.count * 4)
            }
        }
        encoderChecksum = crc
        inputSize = model.config.imageSize
        inputMean = model.config.pixelStatistics.mean
        inputStd = model.config.pixelStatistics.std
    }
}

public enum GridCacheError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case missing(path: String, name: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read feature cache: \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write feature cache: \(reason)"
        case let .missing(path, name): return "\(path): feature cache has no grid for \(name)"
        }
    }
}

/// An open, memory-mapped feature cache file.
public final class GridCacheFile: @unchecked Sendable {
    struct Header: Codable {
        var key: GridCacheKey
        var names: [String]
        var locations: Int
        var channels: Int
    }

    static let magic = Array("ATTENDGC".utf8)
    public let path: String
    public let key: GridCacheKey
    public let names: [String]
    public let locations: Int
    public let channels: Int
    let rowOfName: [String: Int]
    private let mapping: UnsafeMutableRawPointer
    private let mappedLength: Int
    /// (count, L, C) f16
    private let values: UnsafePointer<Float16>

    /// Opens `path`; nil when it is missing, malformed, or made for another key (a stale cache).
    public init?(path: String, key: GridCacheKey) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= 16 else { return nil }
        let length = Int(status.st_size)
        guard let base = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else { return nil }
        let bytes = UnsafeRawBufferPointer(start: base, count: length)
        let headerLength = Int(bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        let payload = (16 + headerLength + 63) / 64 * 64
        guard Array(bytes[0..<8]) == GridCacheFile.magic,
              bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self) == 1, payload <= length,
              let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + headerLength)])),
              header.key == key,
              payload + header.names.count * header.locations * header.channels * 2 == length else {
            munmap(base, length)
            return nil
        }
        self.path = path
        self.key = header.key
        names = header.names
        locations = header.locations
        channels = header.channels
        rowOfName = Dictionary(header.names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        mapping = base
        mappedLength = length
        values = UnsafePointer((base + payload).assumingMemoryBound(to: Float16.self))
    }

    deinit { munmap(mapping, mappedLength) }

    /// Writes grid `row` as f32 into target (L·C).
    func copyGrid(_ row: Int, into target: UnsafeMutablePointer<Float>) {
        let count = locations * channels, source = values + row * count
        for i in 0..<count { target[i] = Float(source[i]) }
    }

    /// Encodes every photo of `paths` (named `names`) with `model`'s encoder, `batch` at a time, into a new cache at
    /// `path` (written beside it, then renamed). `progress` hears the photos done so far.
    public static func build(path: String, model: Model, names: [String], paths: [String], batch: Int = 32,
                             progress: (Int) -> Void = { _ in }) throws -> GridCacheFile {
        precondition(names.count == paths.count, "one name per photo")
        let key = GridCacheKey(model: model)
        let encoder = makeGridEncoder(model: model)
        let statistics = model.config.pixelStatistics
        let input = ModelInput(size: model.config.imageSize, mean: statistics.mean, std: statistics.std)
        let (L, C) = (model.config.locations, model.config.gridChannels)
        let header = Header(key: key, names: names, locations: L, channels: C)
        let headerBytes = Array(try JSONEncoder().encode(header))
        let payload = (16 + headerBytes.count + 63) / 64 * 64
        var prefix = [UInt8](repeating: 0, count: payload)
        prefix.replaceSubrange(0..<8, with: magic)
        withUnsafeBytes(of: UInt32(1).littleEndian) { prefix.replaceSubrange(8..<12, with: $0) }
        withUnsafeBytes(of: UInt32(headerBytes.count).littleEndian) { prefix.replaceSubrange(12..<16, with: $0) }
        prefix.replaceSubrange(16..<(16 + headerBytes.count), with: headerBytes)

        let output: AtomicFile
        do {
            output = try AtomicFile(path: path)
            try output.write(prefix)
        } catch let error as FileWriteError {
            throw GridCacheError.unwritable(path: path, reason: error.reason)
        }
        let side = input.size, plane = 3 * side * side
        var first = 0
        while first < paths.count {
            let chunk = Array(first..<min(first + batch, paths.count))
            var images = [Float](repeating: 0, count: chunk.count * plane)   // (B, 3, S, S)
            try images.withUnsafeMutableBufferPointer { buffer in
                for (slot, index) in chunk.enumerated() {
                    let pixels = try input.load(contentsOf: paths[index]).pixels
                    input.normalize(pixels, into: UnsafeMutableBufferPointer(rebasing: buffer[(slot * plane)..<((slot + 1) * plane)]))
                }
            }
            let grids = images.withUnsafeBufferPointer { encoder.encode(images: $0.baseAddress!, batch: chunk.count) }
            let halves = grids.map { Float16($0) }
            do { try halves.withUnsafeBytes { try output.write($0) } } catch let error as FileWriteError {
                throw GridCacheError.unwritable(path: path, reason: error.reason)
            }
            first += chunk.count
            progress(first)
        }
        do { try output.commit() } catch let error as FileWriteError {
            throw GridCacheError.unwritable(path: path, reason: error.reason)
        }
        guard let file = GridCacheFile(path: path, key: key) else {
            throw GridCacheError.unreadable(path: path, reason: "the file just written does not read back")
        }
        return file
    }
}

/// The grids of one data set's pictures, in its order: rows of a cache file.
public struct GridCache: Sendable {
    public let file: GridCacheFile
    /// Cache row of each picture.
    public let rows: [Int]

    /// The rows of `names`; throws when the cache lacks one.
    public init(file: GridCacheFile, names: [String]) throws {
        self.file = file
        rows = try names.map { name in
            guard let row = file.rowOfName[name] else { throw GridCacheError.missing(path: file.path, name: name) }
            return row
        }
    }

    /// (B, L, C) f32 grids of pictures `indices`.
    public func grids(_ indices: [Int]) -> [Float] {
        let count = file.locations * file.channels
        return [Float](unsafeUninitializedCapacity: indices.count * count) { buffer, initialized in
            for (slot, index) in indices.enumerated() { file.copyGrid(rows[index], into: buffer.baseAddress! + slot * count) }
            initialized = indices.count * count
        }
    }
}
