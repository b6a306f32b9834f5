// MARK: - Alt text: a caption as a page's `alt` attribute wants it

public enum AltText {
    /// Openings a screen reader already implies ("image, a picture of a dog…"): removed, at either end.
    static let fillers = ["a picture of", "a photo of", "a photograph of", "an image of", "a close up of", "picture of",
                          "photo of", "image of"]

    /// `caption` in sentence case, with a final full stop and without "a picture of" (or a like phrase) at its
    /// start or end, as long as two words are left. An empty caption gives "".
    public static func format(_ caption: String) -> String {
        var words = caption.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        while let last = words.last, last.allSatisfy({ $0 == "." || $0 == "," }) { words.removeLast() }
        var changed = true
        while changed && !words.isEmpty {
            changed = false
            for filler in fillers {
                let phrase = filler.split(separator: " ").map(String.init)
                if words.count - phrase.count >= 2, words.prefix(phrase.count).map({ $0.lowercased() }) == phrase {
                    words.removeFirst(phrase.count)
                    changed = true
                }
                if words.count - phrase.count >= 2, words.suffix(phrase.count).map({ $0.lowercased() }) == phrase {
                    words.removeLast(phrase.count)
                    changed = true
                }
            }
        }
        guard var text = words.first.map({ _ in words.joined(separator: " ") }) else { return "" }
        text = text.prefix(1).uppercased() + text.dropFirst()
        if let last = text.last, !".!?".contains(last) { text += "." }
        return text
    }
}
