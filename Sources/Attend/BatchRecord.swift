import Foundation

// MARK: - One image's result, and how it is written

/// What `attend batch` writes for one image: its caption, or why it has none.
public struct BatchRecord: Sendable, Equatable {
    public var path: String
    public var caption: String?
    /// Σ log p of the caption's tokens, <end> included.
    public var logprob: Float?
    /// Milliseconds this image cost: its decoding plus its share of its batch's model time.
    public var ms: Double?
    public var error: String?
    /// The attention sheet written for it (`--overlays`).
    public var overlay: String?

    public init(path: String, caption: String? = nil, logprob: Float? = nil, ms: Double? = nil,
                error: String? = nil, overlay: String? = nil) {
        self.path = path
        self.caption = caption
        self.logprob = logprob
        self.ms = ms
        self.error = error
        self.overlay = overlay
    }

    public var failed: Bool { error != nil }
}

/// The output formats: JSON Lines, or a table with a header row.
public enum RecordFormat: String, Sendable, CaseIterable {
    case jsonl, csv, tsv

    /// From the output file's extension: .csv, .tsv (or .tab), anything else JSON Lines.
    public static func inferred(fromPath path: String) -> RecordFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return .tsv }
        return .jsonl
    }

    /// The table columns, in order.
    public static func columns(overlays: Bool) -> [String] {
        ["path", "caption", "logprob", "ms", "error"] + (overlays ? ["overlay"] : [])
    }
}

// MARK: - Encoding

/// Turns records into lines of one format. Each line ends in "\n"; a record is never split across writes.
public struct RecordEncoder: Sendable {
    public var format: RecordFormat
    public var columns: [String]

    public init(format: RecordFormat, overlays: Bool) {
        self.format = format
        columns = RecordFormat.columns(overlays: overlays)
    }

    /// The header row of a table; nil for JSON Lines.
    public var header: String? {
        switch format {
        case .jsonl: return nil
        case .csv: return columns.map(Self.csvField).joined(separator: ",") + "\n"
        case .tsv: return columns.map(Self.tsvField).joined(separator: "\t") + "\n"
        }
    }

    public func line(_ record: BatchRecord) -> String {
        switch format {
        case .jsonl:
            var fields: [(String, String)] = [("path", jsonQuoted(record.path))]
            if let error = record.error {
                fields.append(("error", jsonQuoted(error)))
            } else {
                fields.append(("caption", jsonQuoted(record.caption ?? "")))
                fields.append(("logprob", record.logprob.map { Self.number($0) } ?? "null"))
                fields.append(("ms", record.ms.map { String(format: "%.1f", $0) } ?? "null"))
            }
            if let overlay = record.overlay { fields.append(("overlay", jsonQuoted(overlay))) }
            return "{" + fields.map { jsonQuoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}\n"
        case .csv, .tsv:
            let values = columns.map { column -> String in
                switch column {
                case "path": return record.path
                case "caption": return record.caption ?? ""
                case "logprob": return record.logprob.map { Self.number($0) } ?? ""
                case "ms": return record.ms.map { String(format: "%.1f", $0) } ?? ""
                case "error": return record.error ?? ""
                case "overlay": return record.overlay ?? ""
                default: return ""
                }
            }
            return format == .csv
                ? values.map(Self.csvField).joined(separator: ",") + "\n"
                : values.map(Self.tsvField).joined(separator: "\t") + "\n"
        }
    }

    // MARK: - Quoting

    private static func number(_ value: Float) -> String {
        value.isFinite ? String(format: "%.4f", Double(value)) : "null"
    }

    /// RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Tab-separated values cannot quote: tab, line breaks and backslash are escaped as \t \n \r \\.
    static func tsvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\\" }) else { return text }
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

/// A JSON string literal of `text`, quotes included (the one escaping every JSON writer here uses).
public func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
