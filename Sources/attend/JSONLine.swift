import Attend
// MARK: - One JSON object on one line, keys in the order given

enum JSONValue {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    var text: String {
        switch self {
        case .string(let s): return jsonQuoted(s)
        case .int(let n): return String(n)
        case .double(let x): return x.isFinite ? String(x) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let fields): return "{" + fields.map { jsonQuoted($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }
}

struct JSONLine {
    var fields: [(String, JSONValue)]
    init(_ fields: [(String, JSONValue)]) { self.fields = fields }
    var text: String { JSONValue.object(fields).text }
}
