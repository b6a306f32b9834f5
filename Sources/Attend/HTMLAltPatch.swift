import AttendImage
import Foundation

// MARK: - Finding <img> elements without alt text in a page, and adding it: as a patch, or in place

/// An `<img>` element whose `alt` is missing or empty.
public struct HTMLImage: Equatable, Sendable {
    /// The `src` attribute, entities decoded.
    public var source: String
    /// The whole start tag in the page's bytes.
    public var tag: Range<Int>
    /// The existing empty `alt` attribute (name and value), to replace; nil: there is none, insert one.
    public var emptyAlt: Range<Int>?
    public var line: Int
}

public enum HTMLAltPatch {
    /// The `<img>` elements of a page with no `alt` or an empty one, in page order. Comments, `<script>` and
    /// `<style>` are skipped; attribute values in either quote or none are read.
    public static func imagesWithoutAlt(in page: [UInt8]) -> [HTMLImage] {
        var images: [HTMLImage] = []
        var at = 0
        while let open = page[at...].firstIndex(of: UInt8(ascii: "<")) {
            at = open + 1
            if starts(page, open, "<!--") {
                at = find(page, "-->", from: open + 4).map { $0 + 3 } ?? page.count
                continue
            }
            let name = tagName(page, open + 1)
            if name.isEmpty && !(open + 1 < page.count && "/!?".utf8.contains(page[open + 1])) { continue }  // text
            let (attributes, end) = readAttributes(page, from: open + 1 + name.count)
            at = end
            if name == "script" || name == "style" {
                at = find(page, "</" + name, from: end, caseInsensitive: true) ?? page.count
            } else if name == "img" {
                let alt = attributes.first { $0.name == "alt" }
                guard alt.map({ $0.value.allSatisfy(\.isWhitespace) }) ?? true,
                      let source = attributes.first(where: { $0.name == "src" })?.value else { continue }
                let line = 1 + page[0..<open].lazy.filter { $0 == 0x0A }.count
                images.append(HTMLImage(source: source, tag: open..<end, emptyAlt: alt?.range, line: line))
            }
        }
        return images
    }

    /// The file `source` names, relative to the page at `page`; nil for anything not a local file (a URL with a
    /// scheme, `//host/…`, a `data:` URI, or a path from the site's root, which a file system cannot resolve).
    public static func localFile(source: String, page: String) -> String? {
        var path = source.trimmingCharacters(in: .whitespaces)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<cut]) }
        guard !path.isEmpty, !path.hasPrefix("/") else { return nil }
        if let colon = path.firstIndex(of: ":"),
           path[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            return nil   // a scheme: http:, https:, data:, file:…
        }
        path = path.removingPercentEncoding ?? path
        let folder = (page as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : folder + "/" + path
    }

    /// The edits that set each image's alt text: an `alt="…"` inserted after `<img`, or an empty one replaced.
    public static func edits(_ alts: [(image: HTMLImage, text: String)]) -> [TextEdit] {
        alts.sorted { $0.image.tag.lowerBound < $1.image.tag.lowerBound }.map { image, text in
            let attribute = "alt=\"\(escaped(text))\""
            if let empty = image.emptyAlt { return TextEdit(range: empty, text: attribute) }
            let insertion = image.tag.lowerBound + 4           // after "<img"
            return TextEdit(range: insertion..<insertion, text: " " + attribute)
        }
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    // MARK: - Scanning

    private struct Attribute {
        var name: String
        var value: String
        var range: Range<Int>
    }

    private static func tagName(_ page: [UInt8], _ start: Int) -> String {
        var end = start
        while end < page.count, isNameByte(page[end]) { end += 1 }
        return String(decoding: page[start..<end], as: UTF8.self).lowercased()
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_")
    }

    /// The attributes of a tag from `start` (after its name) to its `>`; returns them and the offset after `>`.
    private static func readAttributes(_ page: [UInt8], from start: Int) -> ([Attribute], Int) {
        var attributes: [Attribute] = []
        var at = start
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }
        while at < page.count {
            while at < page.count, isSpace(page[at]) || page[at] == UInt8(ascii: "/") { at += 1 }
            guard at < page.count, page[at] != UInt8(ascii: ">") else { return (attributes, min(at + 1, page.count)) }
            let nameStart = at
            while at < page.count, !isSpace(page[at]), page[at] != UInt8(ascii: "="), page[at] != UInt8(ascii: ">") { at += 1 }
            let name = String(decoding: page[nameStart..<at], as: UTF8.self).lowercased()
            var value = ""
            var probe = at
            while probe < page.count, isSpace(page[probe]) { probe += 1 }
            if probe < page.count, page[probe] == UInt8(ascii: "=") {
                at = probe + 1
                while at < page.count, isSpace(page[at]) { at += 1 }
                if at < page.count, page[at] == UInt8(ascii: "\"") || page[at] == UInt8(ascii: "'") {
                    let quote = page[at]
                    let end = page[(at + 1)...].firstIndex(of: quote) ?? page.count
                    value = String(decoding: page[(at + 1)..<end], as: UTF8.self)
                    at = min(end + 1, page.count)
                } else {
                    let valueStart = at
                    while at < page.count, !isSpace(page[at]), page[at] != UInt8(ascii: ">") { at += 1 }
                    value = String(decoding: page[valueStart..<at], as: UTF8.self)
                }
            }
            attributes.append(Attribute(name: name, value: decodedEntities(value), range: nameStart..<at))
        }
        return (attributes, page.count)
    }

    private static func decodedEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    private static func starts(_ page: [UInt8], _ at: Int, _ text: String) -> Bool {
        page.count - at >= text.utf8.count && zip(page[at...], text.utf8).allSatisfy { $0 == $1 }
    }

    private static func find(_ page: [UInt8], _ text: String, from start: Int, caseInsensitive: Bool = false) -> Int? {
        let pattern = Array(text.utf8)
        func lower(_ b: UInt8) -> UInt8 { caseInsensitive && b >= 0x41 && b <= 0x5A ? b + 32 : b }
        var i = start
        while i + pattern.count <= page.count {
            if (0..<pattern.count).allSatisfy({ lower(page[i + $0]) == pattern[$0] }) { return i }
            i += 1
        }
        return nil
    }
}
