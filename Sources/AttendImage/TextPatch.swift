// MARK: - Byte-range edits to a text file, applied or shown as a unified diff

/// One replacement: the bytes of `range` become `text` (an empty range inserts).
public struct TextEdit: Equatable, Sendable {
    public var range: Range<Int>
    public var text: String

    public init(range: Range<Int>, text: String) {
        self.range = range
        self.text = text
    }
}

public enum TextPatch {
    /// `original` with `edits` (sorted, not overlapping) applied; every other byte kept.
    public static func applied(_ edits: [TextEdit], to original: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(original.count + edits.reduce(0) { $0 + $1.text.utf8.count })
        var at = 0
        for edit in edits {
            precondition(edit.range.lowerBound >= at, "edits must be sorted and must not overlap")
            out += original[at..<edit.range.lowerBound]
            out += Array(edit.text.utf8)
            at = edit.range.upperBound
        }
        return out + original[at...]
    }

    /// A unified diff (`patch -p1`, `git apply`) of `edits` to the file `path`, with `context` lines around each change.
    public static func unifiedDiff(_ edits: [TextEdit], to original: [UInt8], path: String, context: Int = 3) -> String {
        guard !edits.isEmpty else { return "" }
        var lineStarts = [0]
        for (i, byte) in original.enumerated() where byte == 0x0A && i + 1 < original.count { lineStarts.append(i + 1) }
        func line(of offset: Int) -> Int { (lineStarts.lastIndex { $0 <= offset }) ?? 0 }
        func lineEnd(_ index: Int) -> Int { index + 1 < lineStarts.count ? lineStarts[index + 1] : original.count }

        // Edits whose context regions touch share a hunk.
        var hunks: [(first: Int, last: Int, edits: [TextEdit])] = []
        for edit in edits {
            let first = line(of: edit.range.lowerBound), last = line(of: max(edit.range.lowerBound, edit.range.upperBound - 1))
            if let previous = hunks.last, first - previous.last <= 2 * context {
                hunks[hunks.count - 1].last = max(previous.last, last)
                hunks[hunks.count - 1].edits.append(edit)
            } else {
                hunks.append((first, last, [edit]))
            }
        }
        let name = path.drop { $0 == "/" }      // as git writes names: relative, so `patch -p1` accepts them
        var out = "--- a/\(name)\n+++ b/\(name)\n"
        var shift = 0
        for hunk in hunks {
            let a = max(0, hunk.first - context), b = min(lineStarts.count - 1, hunk.last + context)
            let region = lineStarts[a]..<lineEnd(b)
            let local = hunk.edits.map { TextEdit(range: ($0.range.lowerBound - region.lowerBound)..<($0.range.upperBound - region.lowerBound), text: $0.text) }
            let oldLines = lines(Array(original[region]))
            let newLines = lines(applied(local, to: Array(original[region])))
            out += "@@ -\(a + 1),\(oldLines.count) +\(a + 1 + shift),\(newLines.count) @@\n"
            out += body(old: oldLines, new: newLines)
            shift += newLines.count - oldLines.count
        }
        return out
    }

    /// Lines with their line breaks ("\n" kept; a last line without one marked by nil).
    private static func lines(_ bytes: [UInt8]) -> [(text: String, newline: Bool)] {
        var out: [(String, Bool)] = []
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == 0x0A {
            out.append((String(decoding: bytes[start..<i], as: UTF8.self), true))
            start = i + 1
        }
        if start < bytes.count { out.append((String(decoding: bytes[start...], as: UTF8.self), false)) }
        return out
    }

    private static func body(old: [(text: String, newline: Bool)], new: [(text: String, newline: Bool)]) -> String {
        var prefix = 0
        while prefix < min(old.count, new.count), old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < min(old.count, new.count) - prefix, old[old.count - 1 - suffix] == new[new.count - 1 - suffix] {
            suffix += 1
        }
        func emit(_ mark: String, _ line: (text: String, newline: Bool)) -> String {
            mark + line.text + "\n" + (line.newline ? "" : "\\ No newline at end of file\n")
        }
        var out = old[0..<prefix].map { emit(" ", $0) }.joined()
        out += old[prefix..<(old.count - suffix)].map { emit("-", $0) }.joined()
        out += new[prefix..<(new.count - suffix)].map { emit("+", $0) }.joined()
        out += old[(old.count - suffix)...].map { emit(" ", $0) }.joined()
        return out
    }
}
