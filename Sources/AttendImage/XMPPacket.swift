// MARK: - XMP: the description and keywords photo libraries read, merged into what is already there

/// What attend writes about a photo.
public struct PhotoDescription: Sendable, Equatable {
    /// The caption: `dc:description`, x-default.
    public var caption: String
    /// `dc:subject` keywords.
    public var keywords: [String]
    /// The model's file name, and when the caption was made (ISO 8601), in attend's own namespace.
    public var model: String
    public var date: String

    public init(caption: String, keywords: [String], model: String, date: String) {
        self.caption = caption
        self.keywords = keywords
        self.model = model
        self.date = date
    }
}

/// Why an XMP packet could not be merged.
public enum XMPError: Error, Equatable, CustomStringConvertible {
    case notXML(XMLScanError)
    case notXMP(String)

    public var description: String {
        switch self {
        case .notXML(let error): return "not XML (\(error))"
        case .notXMP(let reason): return "not XMP (\(reason))"
        }
    }
}

/// Builds and merges XMP packets.
///
/// attend owns four properties in its namespace (`attend:Model`, `attend:Date`, `attend:Caption`: the caption it
/// last wrote, `attend:Keywords`: the keywords it last added) and, through them, its own entries in two Dublin
/// Core ones. A merge:
/// - sets the x-default `dc:description` when there is none, or when it is still the caption attend last wrote;
///   a description someone else wrote is kept;
/// - adds attend's keywords to `dc:subject` and removes those it added before and no longer gives; every other
///   keyword stays;
/// - replaces attend's own properties;
/// - keeps every other byte of the packet as it was.
public enum XMPPacket {
    public static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let dc = "http://purl.org/dc/elements/1.1/"
    public static let attend = "urn:attend:xmp:1.0/"

    public struct Merged: Equatable {
        public var packet: [UInt8]
        /// The caption attend wrote last time (`attend:Caption`), if the packet had one.
        public var previousCaption: String?
    }

    /// A new packet (a sidecar's contents, or with `wrapped` the xpacket form embedded in files).
    public static func fresh(_ description: PhotoDescription, wrapped: Bool) -> [UInt8] {
        var text = wrapped ? "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
            : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"attend\">\n"
        text += " <rdf:RDF xmlns:rdf=\"\(rdf)\">\n"
        text += ownDescription(description, rdfPrefix: "rdf", withDescription: true, withSubject: true, indent: "  ")
        text += " </rdf:RDF>\n</x:xmpmeta>\n"
        if wrapped { text += "<?xpacket end=\"w\"?>" }
        return Array(text.utf8)
    }

    /// `existing` with `description` merged in (see the type's notes). Throws when `existing` is not XMP.
    public static func merge(_ description: PhotoDescription, into existing: [UInt8]) throws -> Merged {
        let root: XMLNode
        do { root = try XMLScan.parse(existing) } catch let error as XMLScanError { throw XMPError.notXML(error) }
        guard let rdfNode = root.first(where: { $0.isElement(rdf, "RDF") }) else { throw XMPError.notXMP("no rdf:RDF element") }
        guard !rdfNode.prefix.isEmpty else { throw XMPError.notXMP("rdf:RDF in a default namespace") }
        let descriptions = rdfNode.children.filter { $0.isElement(rdf, "Description") }
        var edits = TextEdits(existing)

        // attend's own properties: read what it wrote last time, then remove them.
        var previousCaption: String? = nil
        var previousKeywords: Set<String> = []
        for block in descriptions {
            for attribute in block.attributes where attribute.namespace == attend {
                if attribute.localName == "Caption" { previousCaption = attribute.value }
                edits.replace(attribute.range, with: "")
            }
            for property in block.children where property.namespace == attend {
                if property.localName == "Caption" { previousCaption = property.text }
                if property.localName == "Keywords" { previousKeywords = Set(listItems(property).map(\.text)) }
                edits.replace(edits.lineRange(of: property.range), with: "")
            }
        }

        let existingProperties = descriptions.flatMap(\.children)
        let attributes = descriptions.flatMap(\.attributes)
        let r = rdfNode.prefix
        var needDescription = false, needSubject = false
        if let element = existingProperties.first(where: { $0.isElement(dc, "description") }) {
            mergeDescription(element, caption: description.caption, previous: previousCaption, rdfPrefix: r, edits: &edits)
        } else {
            needDescription = !attributes.contains { $0.namespace == dc && $0.localName == "description" }
        }
        if let element = existingProperties.first(where: { $0.isElement(dc, "subject") }) {
            mergeSubject(element, keywords: description.keywords, previous: previousKeywords, rdfPrefix: r, edits: &edits)
        } else {
            needSubject = !attributes.contains { $0.namespace == dc && $0.localName == "subject" }
        }

        // New properties go into attend's own rdf:Description when there is one, else into a new one.
        let own = descriptions.first { $0.endTag != nil && $0.declarations["attend"] == attend && $0.declarations["dc"] == dc }
        if let own, let end = own.endTag {
            let body = properties(description, rdfPrefix: r, withDescription: needDescription, withSubject: needSubject,
                                  indent: "   ")
            edits.insert(body, at: edits.lineStart(of: end.lowerBound))
        } else {
            let block = ownDescription(description, rdfPrefix: r, withDescription: needDescription,
                                       withSubject: needSubject, indent: "  ")
            if let end = rdfNode.endTag {
                edits.insert(block, at: edits.lineStart(of: end.lowerBound))
            } else {
                let tag = String(decoding: existing[rdfNode.startTag], as: UTF8.self)
                let open = String(tag.dropLast(2)).trimmingTrailingSpace() + ">\n"
                edits.replace(rdfNode.startTag, with: open + block + "</\(rdfNode.name)>")
            }
        }
        return Merged(packet: edits.applied(), previousCaption: previousCaption)
    }

    // MARK: - Dublin Core properties

    private static func mergeDescription(_ element: XMLNode, caption: String, previous: String?, rdfPrefix r: String,
                                         edits: inout TextEdits) {
        guard let alternatives = element.children.first(where: { $0.isElement(rdf, "Alt") }) else { return }
        let item = "<\(r):li xml:lang=\"x-default\">\(XMLScan.escaped(caption))</\(r):li>"
        if let current = alternatives.children.first(where: {
            $0.isElement(rdf, "li") && $0.attribute(XMLScan.xmlNamespace, "lang")?.value == "x-default"
        }) {
            let written = current.text.trimmingCharacters(in: " \n\t\r")
            guard current.children.isEmpty, written.isEmpty || written == previous else { return }   // someone else's
            edits.replace(current.range, with: item)
        } else {
            // x-default comes first among the alternatives.
            if let first = alternatives.children.first {
                edits.insert(item, at: first.range.lowerBound)
            } else {
                edits.insert(item, at: appendPoint(alternatives, edits: &edits))
            }
        }
    }

    private static func mergeSubject(_ element: XMLNode, keywords: [String], previous: Set<String>, rdfPrefix r: String,
                                     edits: inout TextEdits) {
        guard let bag = element.children.first(where: { $0.isElement(rdf, "Bag") || $0.isElement(rdf, "Seq") }) else {
            return
        }
        let items = listItems(element)
        let present = Set(items.map(\.text))
        for item in items where previous.contains(item.text) && !keywords.contains(item.text) {
            edits.replace(edits.lineRange(of: item.range), with: "")
        }
        let added = keywords.filter { !present.contains($0) }
        guard !added.isEmpty else { return }
        let text = added.map { "<\(r):li>\(XMLScan.escaped($0))</\(r):li>" }.joined(separator: " ")
        edits.insert(text, at: appendPoint(bag, edits: &edits))
    }

    /// Where a child can be appended to `element`: before its end tag, or (for `<a/>`) after turning it into a
    /// start and an end tag.
    private static func appendPoint(_ element: XMLNode, edits: inout TextEdits) -> Int {
        if let end = element.endTag { return end.lowerBound }
        let tag = String(decoding: edits.original[element.startTag], as: UTF8.self)
        edits.replace(element.startTag, with: String(tag.dropLast(2)).trimmingTrailingSpace() + ">")
        edits.insert("</\(element.name)>", at: element.startTag.upperBound, after: true)
        return element.startTag.upperBound
    }

    /// The rdf:li items of a Bag, Seq or Alt property, with their ranges.
    static func listItems(_ property: XMLNode) -> [(text: String, range: Range<Int>)] {
        property.children.filter { $0.localName == "Bag" || $0.localName == "Seq" || $0.localName == "Alt" }
            .flatMap(\.children).filter { $0.isElement(rdf, "li") }.map { ($0.text, $0.range) }
    }

    // MARK: - Writing attend's properties

    private static func ownDescription(_ d: PhotoDescription, rdfPrefix r: String, withDescription: Bool,
                                       withSubject: Bool, indent: String) -> String {
        "\(indent)<\(r):Description \(r):about=\"\" xmlns:dc=\"\(dc)\" xmlns:attend=\"\(attend)\">\n"
            + properties(d, rdfPrefix: r, withDescription: withDescription, withSubject: withSubject, indent: indent + " ")
            + "\(indent)</\(r):Description>\n"
    }

    private static func properties(_ d: PhotoDescription, rdfPrefix r: String, withDescription: Bool, withSubject: Bool,
                                   indent: String) -> String {
        func bag(_ words: [String]) -> String {
            "<\(r):Bag>" + words.map { "<\(r):li>\(XMLScan.escaped($0))</\(r):li>" }.joined() + "</\(r):Bag>"
        }
        var lines: [String] = []
        if withDescription {
            lines.append("<dc:description><\(r):Alt><\(r):li xml:lang=\"x-default\">\(XMLScan.escaped(d.caption))</\(r):li></\(r):Alt></dc:description>")
        }
        if withSubject && !d.keywords.isEmpty { lines.append("<dc:subject>\(bag(d.keywords))</dc:subject>") }
        lines.append("<attend:Caption>\(XMLScan.escaped(d.caption))</attend:Caption>")
        lines.append("<attend:Keywords>\(bag(d.keywords))</attend:Keywords>")
        lines.append("<attend:Model>\(XMLScan.escaped(d.model))</attend:Model>")
        lines.append("<attend:Date>\(XMLScan.escaped(d.date))</attend:Date>")
        return lines.map { indent + $0 + "\n" }.joined()
    }
}

// MARK: - Edits to a byte buffer, applied at once

/// Replacements of byte ranges of `original`, none overlapping, applied together; all other bytes are kept.
struct TextEdits {
    let original: [UInt8]
    private var edits: [(range: Range<Int>, text: String, order: Int)] = []

    init(_ original: [UInt8]) { self.original = original }

    mutating func replace(_ range: Range<Int>, with text: String) { edits.append((range, text, edits.count)) }

    /// `after`: placed after any other insertion at the same point.
    mutating func insert(_ text: String, at offset: Int, after: Bool = false) {
        edits.append((offset..<offset, text, after ? Int.max - edits.count : edits.count))
    }

    /// `range` widened to whole lines when nothing but white space shares its lines (so removing it leaves no
    /// blank line), else `range` itself.
    func lineRange(of range: Range<Int>) -> Range<Int> {
        let start = lineStart(of: range.lowerBound)
        var end = range.upperBound
        while end < original.count, original[end] == 0x20 || original[end] == 0x09 { end += 1 }
        guard start < range.lowerBound || (start == range.lowerBound && (start == 0 || original[start - 1] == 0x0A)),
              end == original.count || original[end] == 0x0A || original[end] == 0x0D else { return range }
        if end < original.count, original[end] == 0x0D { end += 1 }
        if end < original.count, original[end] == 0x0A { end += 1 }
        return start..<end
    }

    /// The start of the line holding `offset` when only white space precedes it there, else `offset`.
    func lineStart(of offset: Int) -> Int {
        var start = offset
        while start > 0, original[start - 1] == 0x20 || original[start - 1] == 0x09 { start -= 1 }
        return start == 0 || original[start - 1] == 0x0A ? start : offset
    }

    func applied() -> [UInt8] {
        let sorted = edits.sorted { ($0.range.lowerBound, $0.range.upperBound, $0.order) < ($1.range.lowerBound, $1.range.upperBound, $1.order) }
        return TextPatch.applied(sorted.map { TextEdit(range: $0.range, text: $0.text) }, to: original)
    }
}

private extension String {
    func trimmingTrailingSpace() -> String {
        var text = self
        while let last = text.last, last == " " || last == "\n" || last == "\t" || last == "\r" { text.removeLast() }
        return text
    }

    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
