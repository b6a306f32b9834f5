// MARK: - A small XML reader that remembers where every element is, so a file can be edited in place

/// An element of a parsed document, with the byte ranges of its tags in the source: what an in-place edit
/// needs to change one element and keep every other byte as it was.
public struct XMLNode: Sendable {
    public struct Attribute: Sendable {
        public var name: String
        public var localName: String
        public var namespace: String?
        public var value: String
        /// The attribute in the source, with the white space before it (what removing it takes away).
        public var range: Range<Int>
    }

    public var name: String
    public var prefix: String
    public var localName: String
    public var namespace: String?
    public var attributes: [Attribute] = []
    /// Namespace declarations made on this element: prefix ("" for the default) → URI.
    public var declarations: [String: String] = [:]
    public var children: [XMLNode] = []
    /// The character data directly inside, entities decoded.
    public var text = ""
    public var startTag: Range<Int>
    /// nil for an empty-element tag (`<a/>`).
    public var endTag: Range<Int>?

    public var range: Range<Int> { startTag.lowerBound..<(endTag?.upperBound ?? startTag.upperBound) }

    public func isElement(_ namespace: String, _ localName: String) -> Bool {
        self.namespace == namespace && self.localName == localName
    }

    public func attribute(_ namespace: String?, _ localName: String) -> Attribute? {
        attributes.first { $0.namespace == namespace && $0.localName == localName }
    }

    /// Depth first, this element included.
    public func first(where match: (XMLNode) -> Bool) -> XMLNode? {
        if match(self) { return self }
        for child in children {
            if let found = child.first(where: match) { return found }
        }
        return nil
    }
}

/// Why a document could not be read: the line and the cause.
public struct XMLScanError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// Parses a whole document: well-formed XML 1.0 with namespaces, in UTF-8, one root element. No DTDs (a DOCTYPE
/// is refused, so no entity can expand), no external anything; the five predefined entities and character
/// references are decoded. Enough to read XMP and to refuse what is not.
public enum XMLScan {
    public static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    public static func parse(_ bytes: [UInt8]) throws -> XMLNode {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    /// `text` with &, < and > escaped (and " in attributes); control characters XML cannot hold are dropped.
    public static func escaped(_ text: String, attribute: Bool = false) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

// MARK: - The parser

private struct Parser {
    let bytes: [UInt8]
    var at = 0
    /// Open elements, innermost last, and the namespace bindings in force in each.
    var open: [XMLNode] = []
    var scopes: [[String: String]] = [["xml": XMLScan.xmlNamespace]]

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() throws -> XMLNode {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("not UTF-8 text") }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { at = 3 }
        var root: XMLNode? = nil
        while at < bytes.count {
            if bytes[at] != UInt8(ascii: "<") {
                let text = try characterData()
                if open.isEmpty {
                    guard text.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) else {
                        throw fail(root == nil ? "text before the root element" : "text after the root element")
                    }
                } else {
                    open[open.count - 1].text += text
                }
            } else if starts("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts("<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts("<![CDATA[") {
                guard !open.isEmpty else { throw fail("CDATA outside the root element") }
                let start = at + 9
                try skip(past: "]]>", what: "CDATA section")
                open[open.count - 1].text += String(decoding: bytes[start..<(at - 3)], as: UTF8.self)
            } else if starts("<!") {
                throw fail("a DOCTYPE or other declaration (not allowed here)")
            } else if starts("</") {
                let closed = try endTag()
                if open.isEmpty { root = closed } else { open[open.count - 1].children.append(closed) }
            } else {
                guard open.isEmpty ? root == nil : true else { throw fail("a second root element") }
                if let element = try startTag() {       // an empty-element tag is complete at once
                    if open.isEmpty { root = element } else { open[open.count - 1].children.append(element) }
                }
            }
        }
        if let unclosed = open.last { throw fail("<\(unclosed.name)> is never closed") }
        guard let root else { throw fail("no root element") }
        return root
    }

    // MARK: - Tags

    /// Reads a start tag; returns the element when it is empty (`<a/>`), else opens it and returns nil.
    mutating func startTag() throws -> XMLNode? {
        let start = at
        at += 1
        let name = try readName()
        var rawAttributes: [(name: String, value: String, range: Range<Int>)] = []
        var selfClosing = false
        while true {
            let spaceStart = at
            skipSpace()
            guard at < bytes.count else { throw fail("the file ends inside <\(name)>") }
            if bytes[at] == UInt8(ascii: ">") { at += 1; break }
            if starts("/>") { at += 2; selfClosing = true; break }
            guard at > spaceStart else { throw fail("no space before an attribute of <\(name)>") }
            let attributeName = try readName()
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "=") else { throw fail("attribute \(attributeName) has no value") }
            at += 1
            skipSpace()
            let value = try quotedValue()
            guard !rawAttributes.contains(where: { $0.name == attributeName }) else {
                throw fail("attribute \(attributeName) given twice")
            }
            rawAttributes.append((attributeName, value, spaceStart..<at))
        }
        var scope = scopes.last!
        var declarations: [String: String] = [:]
        for attribute in rawAttributes {
            if attribute.name == "xmlns" { declarations[""] = attribute.value }
            if attribute.name.hasPrefix("xmlns:") { declarations[String(attribute.name.dropFirst(6))] = attribute.value }
        }
        scope.merge(declarations) { $1 }
        let (prefix, local) = split(name)
        let namespace: String?
        if prefix.isEmpty {
            namespace = scope[""].flatMap { $0.isEmpty ? nil : $0 }
        } else {
            guard let bound = scope[prefix] else { throw fail("prefix \(prefix) of <\(name)> is not declared") }
            namespace = bound
        }
        var node = XMLNode(name: name, prefix: prefix, localName: local, namespace: namespace, declarations: declarations,
                           startTag: start..<at, endTag: nil)
        for attribute in rawAttributes where attribute.name != "xmlns" && !attribute.name.hasPrefix("xmlns:") {
            let (attributePrefix, attributeLocal) = split(attribute.name)
            var attributeNamespace: String? = nil
            if !attributePrefix.isEmpty {
                guard let bound = scope[attributePrefix] else { throw fail("prefix \(attributePrefix) of \(attribute.name) is not declared") }
                attributeNamespace = bound
            }
            node.attributes.append(.init(name: attribute.name, localName: attributeLocal, namespace: attributeNamespace,
                                         value: attribute.value, range: attribute.range))
        }
        if selfClosing { return node }
        open.append(node)
        scopes.append(scope)
        return nil
    }

    mutating func endTag() throws -> XMLNode {
        let start = at
        at += 2
        let name = try readName()
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: ">") else { throw fail("</\(name) is not closed by >") }
        at += 1
        guard var node = open.popLast() else { throw fail("</\(name)> closes nothing") }
        guard node.name == name else { throw fail("</\(name)> closes <\(node.name)>") }
        scopes.removeLast()
        node.endTag = start..<at
        return node
    }

    // MARK: - Pieces

    mutating func readName() throws -> String {
        let start = at
        while at < bytes.count {
            let b = bytes[at]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: "/") || b == UInt8(ascii: ">")
                || b == UInt8(ascii: "=") || b == UInt8(ascii: "<") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                break
            }
            at += 1
        }
        guard at > start else { throw fail("a tag or attribute without a name") }
        let name = String(decoding: bytes[start..<at], as: UTF8.self)
        guard !name.hasPrefix(":"), !name.hasSuffix(":"), name.filter({ $0 == ":" }).count <= 1 else {
            throw fail("\(name) is not a qualified name")
        }
        return name
    }

    mutating func quotedValue() throws -> String {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") || bytes[at] == UInt8(ascii: "'") else {
            throw fail("an attribute value without quotes")
        }
        let quote = bytes[at]
        at += 1
        let start = at
        while at < bytes.count, bytes[at] != quote {
            if bytes[at] == UInt8(ascii: "<") { throw fail("< inside an attribute value") }
            at += 1
        }
        guard at < bytes.count else { throw fail("the file ends inside an attribute value") }
        at += 1
        return try decodeEntities(start..<(at - 1))
    }

    mutating func characterData() throws -> String {
        let start = at
        while at < bytes.count, bytes[at] != UInt8(ascii: "<") { at += 1 }
        return try decodeEntities(start..<at)
    }

    func decodeEntities(_ range: Range<Int>) throws -> String {
        guard bytes[range].contains(UInt8(ascii: "&")) else { return String(decoding: bytes[range], as: UTF8.self) }
        var out = ""
        var i = range.lowerBound
        while i < range.upperBound {
            guard bytes[i] == UInt8(ascii: "&") else {
                let next = bytes[i..<range.upperBound].firstIndex(of: UInt8(ascii: "&")) ?? range.upperBound
                out += String(decoding: bytes[i..<next], as: UTF8.self)
                i = next
                continue
            }
            guard let semicolon = bytes[i..<range.upperBound].firstIndex(of: UInt8(ascii: ";")), semicolon - i <= 10 else {
                throw fail("a bare & (write &amp;)")
            }
            let entity = String(decoding: bytes[(i + 1)..<semicolon], as: UTF8.self)
            switch entity {
            case "lt": out += "<"
            case "gt": out += ">"
            case "amp": out += "&"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                guard let number, let scalar = Unicode.Scalar(number) else { throw fail("unknown entity &\(entity);") }
                out.unicodeScalars.append(scalar)
            }
            i = semicolon + 1
        }
        return out
    }

    mutating func skipSpace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    mutating func skip(past terminator: String, what: String) throws {
        let pattern = Array(terminator.utf8)
        var i = at
        while i + pattern.count <= bytes.count {
            if bytes[i] == pattern[0], Array(bytes[i..<(i + pattern.count)]) == pattern {
                at = i + pattern.count
                return
            }
            i += 1
        }
        throw fail("a \(what) that never ends")
    }

    func starts(_ text: String) -> Bool {
        let pattern = text.utf8
        return bytes.count - at >= pattern.count && zip(bytes[at...], pattern).allSatisfy { $0 == $1 }
    }

    func split(_ name: String) -> (prefix: String, local: String) {
        guard let colon = name.firstIndex(of: ":") else { return ("", name) }
        return (String(name[..<colon]), String(name[name.index(after: colon)...]))
    }

    func fail(_ reason: String) -> XMLScanError {
        XMLScanError(line: 1 + bytes[0..<min(at, bytes.count)].lazy.filter { $0 == 0x0A }.count, reason: reason)
    }
}
