#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

// MARK: - The output file: appended record by record, read back to resume

/// What can go wrong with the output file.
public enum RecordFileError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(String, String)
    case cannotWrite(String, String)
    case exists(String)
    case locked(String)
    case formatMismatch(String, found: RecordFormat, expected: RecordFormat)
    case notARecord(String, record: Int, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open: \(reason)"
        case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)"
        case let .exists(path):
            return "\(path) already exists: --resume continues it, --overwrite starts it again"
        case let .locked(path): return "\(path) is being written by another process"
        case let .formatMismatch(path, found, expected):
            return "\(path) holds \(found.rawValue) records, not \(expected.rawValue): give --format \(found.rawValue)"
        case let .notARecord(path, record, reason):
            return "\(path): record \(record) is not an attend batch record (\(reason)); not resuming over it"
        }
    }
}

/// Appends one record per `write(_:)`, each with a single write(2) of a whole line, so a crash or kill
/// leaves at most the last line cut short (which `--resume` removes). The file is locked (flock) while
/// open: two processes cannot interleave records in one file.
public final class RecordWriter {
    public let path: String
    public let encoder: RecordEncoder
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var lastSync = Date()

    /// "-" writes to standard output. `resume`: keep the records already there (their scan is returned by
    /// `resumeScan`), after cutting off a torn last record; otherwise the file must be empty or absent unless
    /// `overwrite`.
    public init(path: String, encoder: RecordEncoder, resume: Bool, overwrite: Bool,
                onRecord: (BatchRecord) -> Void = { _ in }) throws {
        self.path = path
        self.encoder = encoder
        if path == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
            if let header = encoder.header { try write(text: header) }
            return
        }
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RecordFileError.cannotOpen(path, Self.errorText()) }
        descriptor = fd
        ownsDescriptor = true
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw RecordFileError.locked(path)
        }
        var info = stat()
        fstat(fd, &info)
        let size = Int(info.st_size)
        var keep = 0
        if size > 0 {
            if resume {
                let scan = try RecordReader.scan(descriptor: fd, path: path, expected: encoder.format, each: onRecord)
                resumeScan = scan
                keep = scan.validLength
            } else if !overwrite {
                Glibc.close(fd)
                throw RecordFileError.exists(path)
            }
        }
        if keep < size, ftruncate(fd, off_t(keep)) != 0 {
            throw RecordFileError.cannotWrite(path, Self.errorText())
        }
        if keep == 0, let header = encoder.header { try write(text: header) }
    }

    /// What was in the file when resuming.
    public private(set) var resumeScan: RecordReader.Scan?

    public func write(_ record: BatchRecord) throws {
        try write(text: encoder.line(record))
        // Records reach the kernel at once (a killed process loses nothing); every few seconds they are
        // also forced to the disk, so a power cut costs seconds of work, not hours.
        if ownsDescriptor, Date().timeIntervalSince(lastSync) > 5 { sync() }
    }

    public func sync() {
        _ = fsync(descriptor)
        lastSync = Date()
    }

    public func close() {
        if ownsDescriptor {
            sync()
            Glibc.close(descriptor)
        }
    }

    private func write(text: String) throws {
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RecordFileError.cannotWrite(path, Self.errorText())
            }
            written += n
        }
        bytes.removeAll()
    }

    static func errorText() -> String { String(cString: strerror(errno)).lowercased() }
}

// MARK: - Reading records back

/// Reads an output file record by record, in bounded memory, and finds where its last whole record ends.
public enum RecordReader {
    public struct Scan: Equatable {
        public var format: RecordFormat
        /// Whole records read (the header not counted).
        public var records = 0
        /// Of those, error records.
        public var failed = 0
        /// Bytes up to the end of the last whole record: what is kept.
        public var validLength = 0
        /// Bytes after it: a record cut short by a crash, dropped.
        public var tornBytes = 0
    }

    /// Calls `each` for every whole record of the file at `path`.
    public static func scan(path: String, expected: RecordFormat? = nil, each: (BatchRecord) -> Void) throws -> Scan {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RecordFileError.cannotOpen(path, RecordWriter.errorText()) }
        defer { close(fd) }
        return try scan(descriptor: fd, path: path, expected: expected, each: each)
    }

    static func scan(descriptor fd: Int32, path: String, expected: RecordFormat?,
                     each: (BatchRecord) -> Void) throws -> Scan {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        func read(at offset: Int) throws -> Int {
            while true {
                let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(offset)) }
                if got >= 0 { return got }
                if errno != EINTR { throw RecordFileError.cannotOpen(path, RecordWriter.errorText()) }
            }
        }
        var got = try read(at: 0)
        guard got > 0 else { return Scan(format: expected ?? .jsonl) }

        // The first bytes tell the format: a JSON object, or a header row with tabs or commas.
        let firstLine = chunk[0..<got].prefix { $0 != UInt8(ascii: "\n") }
        let format: RecordFormat = chunk[0] == UInt8(ascii: "{") ? .jsonl
            : (firstLine.contains(UInt8(ascii: "\t")) ? .tsv : .csv)
        if let expected, format != expected {
            throw RecordFileError.formatMismatch(path, found: format, expected: expected)
        }
        var parser = RecordParser(format: format)
        var scan = Scan(format: format)
        var needHeader = format != .jsonl
        var index = 0
        var carry: [UInt8] = []         // the record being assembled across chunks
        var inQuotes = false            // CSV only: a quoted field may hold line breaks
        var offset = 0

        while got > 0 {
            var start = 0
            for i in 0..<got {
                let byte = chunk[i]
                if byte == UInt8(ascii: "\"") && format == .csv {
                    inQuotes.toggle()
                } else if byte == UInt8(ascii: "\n") && !inQuotes {
                    carry.append(contentsOf: chunk[start..<i])
                    var line = carry[...]
                    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                    if needHeader {
                        try parser.readHeader(line, path: path)
                        needHeader = false
                    } else {
                        index += 1
                        let record = try parser.parse(line, path: path, index: index)
                        scan.records += 1
                        if record.failed { scan.failed += 1 }
                        each(record)
                    }
                    scan.validLength = offset + i + 1
                    carry.removeAll(keepingCapacity: true)
                    start = i + 1
                }
            }
            carry.append(contentsOf: chunk[start..<got])
            offset += got
            got = try read(at: offset)
        }
        scan.tornBytes = offset - scan.validLength
        return scan
    }
}

/// Parses one record's bytes (without its line break) in a known format.
struct RecordParser {
    var format: RecordFormat
    var columns: [String] = []

    init(format: RecordFormat) { self.format = format }

    mutating func readHeader(_ bytes: ArraySlice<UInt8>, path: String) throws {
        columns = fields(bytes)
        guard columns.contains("path") else {
            throw RecordFileError.notARecord(path, record: 0, reason: "the header has no 'path' column")
        }
    }

    func parse(_ bytes: ArraySlice<UInt8>, path: String, index: Int) throws -> BatchRecord {
        switch format {
        case .jsonl:
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                  let imagePath = object["path"] as? String else {
                throw RecordFileError.notARecord(path, record: index, reason: "not a JSON object with a \"path\"")
            }
            return BatchRecord(path: imagePath, caption: object["caption"] as? String,
                               logprob: (object["logprob"] as? NSNumber)?.floatValue,
                               ms: (object["ms"] as? NSNumber)?.doubleValue, error: object["error"] as? String,
                               overlay: object["overlay"] as? String)
        case .csv, .tsv:
            let values = fields(bytes)
            guard values.count == columns.count else {
                throw RecordFileError.notARecord(path, record: index,
                                                 reason: "\(values.count) fields under a header of \(columns.count)")
            }
            var table: [String: String] = [:]
            for (column, value) in zip(columns, values) { table[column] = value }
            func nonEmpty(_ key: String) -> String? { table[key].flatMap { $0.isEmpty ? nil : $0 } }
            return BatchRecord(path: table["path"] ?? "", caption: nonEmpty("error") == nil ? table["caption"] : nil,
                               logprob: nonEmpty("logprob").flatMap(Float.init), ms: nonEmpty("ms").flatMap(Double.init),
                               error: nonEmpty("error"), overlay: nonEmpty("overlay"))
        }
    }

    private func fields(_ bytes: ArraySlice<UInt8>) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        return format == .tsv ? text.split(separator: "\t", omittingEmptySubsequences: false).map { Self.unescapeTSV($0) }
            : Self.splitCSV(text)
    }

    static func splitCSV(_ text: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let following = iterator.next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = following }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" {
                quoted = true
            } else if scalar == "," {
                fields.append(field)
                field = ""
            } else {
                field.unicodeScalars.append(scalar)
            }
        }
        fields.append(field)
        return fields
    }

    static func unescapeTSV(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var out = ""
        var escaped = false
        for scalar in text.unicodeScalars {
            if escaped {
                switch scalar {
                case "t": out += "\t"
                case "n": out += "\n"
                case "r": out += "\r"
                default: out.unicodeScalars.append(scalar)
                }
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
