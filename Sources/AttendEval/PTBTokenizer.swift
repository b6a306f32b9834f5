// Caption tokenisation exactly as the COCO caption toolkit does it: the Stanford PTBTokenizer
// (CoreNLP 3.4.1, options -preserveLines -lowerCase), then the toolkit drops a fixed list of
// punctuation tokens. The scanner works like the JFlex lexer it imitates: at each position every rule
// proposes a match, the longest wins, and ties go to the rule listed first. Rules with "trailing
// context" (a word followed by "'s", "do" followed by "n't") count the context for the length but
// consume only the word.

// MARK: - Public entry point

/// The tokens the COCO caption toolkit scores for `text`: PTB tokens, lowercased, punctuation removed.
public func ptbTokenize(_ text: String) -> [String] {
    var lexer = PTBLexer(text: text)
    return lexer.tokens()
        .map { $0.lowercased() }
        .filter { !cocoDroppedPunctuation.contains($0) }
}

/// The list in pycocoevalcap's ptbtokenizer.py. It is compared after lowercasing, so "-LRB-" and
/// friends never match and brackets survive as "-lrb-" tokens, as in the toolkit.
let cocoDroppedPunctuation: Set<String> = [
    "''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-", "--", "...", ";",
]

// MARK: - Lexer

/// One proposal of a rule: how far it matched (for the longest-match contest), how far it consumes,
/// and the token it emits (nil: consume silently).
private struct Proposal {
    var matchLength: Int
    var consumed: Int
    var token: String?
}

private struct PTBLexer {
    typealias L = PTBLexicon
    let s: [Unicode.Scalar]
    var position = 0

    init(text: String) { s = Array(text.unicodeScalars) }

    mutating func tokens() -> [String] {
        var out: [String] = []
        while position < s.count {
            if L.isSpace(s[position]) { position += 1; continue }
            let best = proposals(at: position).reduce(nil as Proposal?) { best, next in
                guard let best else { return next }
                return next.matchLength > best.matchLength ? next : best
            }!
            if let token = best.token { out.append(token) }
            position += best.consumed
        }
        return out
    }

    // MARK: Small scanners

    func at(_ i: Int) -> Unicode.Scalar? { i < s.count ? s[i] : nil }
    func text(_ i: Int, _ n: Int) -> String {
        var str = String.UnicodeScalarView()
        str.append(contentsOf: s[i..<(i + n)])
        return String(str)
    }
    func isLetter(_ i: Int) -> Bool { at(i).map(L.isLetter) ?? false }
    func isDigit(_ i: Int) -> Bool { at(i).map(L.isDigit) ?? false }
    func isAlnum(_ i: Int) -> Bool { at(i).map(L.isAlphanumeric) ?? false }
    func isChar(_ i: Int, _ options: String) -> Bool { at(i).map { options.unicodeScalars.contains($0) } ?? false }

    func run(from i: Int, while predicate: (Int) -> Bool) -> Int {
        var j = i
        while j < s.count && predicate(j) { j += 1 }
        return j - i
    }

    /// WORD: a letter, letters or digits, then optionally ".", "!" or "?" joining more such runs.
    func wordLength(_ i: Int) -> Int {
        guard isLetter(i) else { return 0 }
        var j = i + run(from: i, while: isAlnum)
        while isChar(j, ".!?") && isLetter(j + 1) {
            j += 1 + run(from: j + 1, while: isAlnum)
        }
        return j - i
    }

    /// NUM: "12", "2.5", "1,000", "10:30", ".5".
    func numLength(_ i: Int) -> Int {
        var best = 0
        // Digits then one or more groups of [.,] digits (the leading digits may be absent).
        var j = i + run(from: i, while: isDigit)
        var groups = 0
        while isChar(j, ".,") && isDigit(j + 1) { j += 1 + run(from: j + 1, while: isDigit); groups += 1 }
        if groups > 0 { best = j - i }
        // Digits then any groups of [.:,] digits.
        let lead = run(from: i, while: isDigit)
        if lead > 0 {
            j = i + lead
            while isChar(j, ".:,") && isDigit(j + 1) { j += 1 + run(from: j + 1, while: isDigit) }
            best = max(best, j - i)
        }
        return best
    }

    /// NUMBER: NUM with an optional sign.
    func numberLength(_ i: Int) -> Int {
        if isChar(i, "-+") {
            let n = numLength(i + 1)
            return n > 0 ? n + 1 : 0
        }
        return numLength(i)
    }

    /// THING: hyphenated words and numbers ("t-shirt", "3-year-old", "o'clock", "a_b").
    func thingLength(_ i: Int) -> Int {
        func part(_ k: Int, signed: Bool) -> Int {
            var prefix = 0
            if isChar(k, "dDoOlL"), let a = at(k + 1), L.isApostropheLike(a), isAlnum(k + 2) {
                let rest = max(run(from: k + 3, while: isAlnum), numberLength(k + 3))
                if rest > 0 { prefix = 3 + rest }
            }
            let plain = max(run(from: k, while: isAlnum), signed ? numberLength(k) : numLength(k))
            return max(prefix, plain)
        }
        var j = i + part(i, signed: true)
        guard j > i else { return 0 }
        while let h = at(j), L.isWordHyphen(h) {
            let next = part(j + 1, signed: false)
            if next == 0 { break }
            j += 1 + next
        }
        return j - i
    }

    /// THING3: words joined by slashes ("a/b", "50/50", "and/or").
    func slashThingLength(_ i: Int) -> Int {
        func segment(_ k: Int) -> Int {
            var j = k + run(from: k, while: isAlnum)
            guard j > k else { return 0 }
            var hyphens = 0
            while hyphens < 2 && isChar(j, "-") && isLetter(j + 1) {
                j += 1 + run(from: j + 1, while: isLetter)
                hyphens += 1
            }
            return j - k
        }
        var j = i + segment(i)
        guard j > i else { return 0 }
        var slashes = 0
        while slashes < 2 && isChar(j, "/") {
            let next = segment(j + 1)
            if next == 0 { break }
            j += 1 + next
            slashes += 1
        }
        return slashes > 0 ? j - i : 0
    }

    /// THINGA: capitals joined by ampersands ("AT&T", "Q&A"); case-sensitive in the lexer.
    func ampersandThingLength(_ i: Int) -> Int {
        let upper: (Int) -> Bool = { self.at($0).map(L.isASCIIUppercase) ?? false }
        var j = i + run(from: i, while: upper)
        guard j > i else { return 0 }
        var joins = 0
        while isChar(j, "&") && upper(j + 1) {
            j += 1 + run(from: j + 1, while: upper)
            joins += 1
        }
        return joins > 0 ? j - i : 0
    }

    /// REDAUX: "'s", "'m", "'d", "'re", "'ve", "'ll" when no letter follows; the spelling is normalised
    /// to a straight apostrophe.
    func cliticLength(_ i: Int) -> (Int, String)? {
        guard let a = at(i), L.isApostrophe(a) else { return nil }
        for suffix in ["re", "ve", "ll", "m", "s", "d"] {
            let n = suffix.unicodeScalars.count
            guard i + 1 + n <= s.count else { continue }
            if text(i + 1, n).lowercased() == suffix && !isLetter(i + 1 + n) {
                return (n + 1, "'" + text(i + 1, n))
            }
        }
        return nil
    }

    /// SREDAUX: "n't" (any apostrophe-like character in the middle).
    func negationLength(_ i: Int) -> Int {
        guard isChar(i, "nN"), let a = at(i + 1), L.isApostropheLike(a), isChar(i + 2, "tT") else { return 0 }
        return 3
    }

    // MARK: Rules

    func proposals(at i: Int) -> [Proposal] {
        var p: [Proposal] = []
        let c = s[i]
        func propose(_ length: Int, consumed: Int? = nil, _ token: String?) {
            if length > 0 { p.append(Proposal(matchLength: length, consumed: consumed ?? length, token: token)) }
        }
        let letters = run(from: i, while: isLetter)

        // Assimilations first: they tie with WORD and must win the tie ("gonna" -> "gon" + "na").
        if L.assimilations.contains(text(i, letters).lowercased()) {
            propose(letters, consumed: 3, text(i, 3))
        }
        // "'tis", "'twas" -> "'t" + the rest.
        if let a = at(i), L.isApostrophe(a), i + 1 < s.count {
            for w in ["tis", "twas"] where i + 1 + w.count <= s.count && text(i + 1, w.count).lowercased() == w {
                propose(1 + w.count, consumed: 2, "'" + text(i + 1, 1))
            }
        }
        // A word before a clitic or before "n't": consume the word only.
        let word = wordLength(i)
        if word > 0, let (clitic, _) = cliticLength(i + word) {
            propose(word + clitic, consumed: word, text(i, word))
        }
        let alpha = run(from: i, while: { self.at($0)?.properties.isAlphabetic ?? false })
        if alpha >= 2, isChar(i + alpha - 1, "nN"), !isChar(i + alpha - 2, "nN"), negationLength(i + alpha - 1) == 3 {
            propose(alpha + 2, consumed: alpha - 1, text(i, alpha - 1))
        }
        if let (n, token) = cliticLength(i) { propose(n, token) }
        if negationLength(i) == 3 { propose(3, "n't") }

        proposeApostropheWords(at: i, letters: letters, propose)
        proposeAbbreviation(at: i, propose)

        propose(word, text(i, word))
        let thing = thingLength(i)
        propose(thing, text(i, thing))
        let number = numberLength(i)
        propose(number, text(i, number))
        let slashed = slashThingLength(i)
        propose(slashed, text(i, slashed))
        let ampersand = ampersandThingLength(i)
        propose(ampersand, text(i, ampersand))

        proposePunctuation(c, at: i, propose)
        // Anything else is a token of its own character.
        propose(1, String(c))
        return p
    }

    /// Words with an apostrophe inside that stay whole (APOWORD and friends).
    func proposeApostropheWords(at i: Int, letters: Int, _ propose: (Int, Int?, String?) -> Void) {
        func whole(_ n: Int) { propose(n, nil, text(i, n)) }
        let c = s[i]
        // "'n'" and "'n" of "rock 'n' roll".
        if L.isApostrophe(c), isChar(i + 1, "nN") {
            whole(at(i + 2).map(L.isApostrophe) == true ? 3 : 2)
        }
        // "d'", "l'", "j'" before a word ("j' ai").
        if isChar(i, "lLdDjJ"), let a = at(i + 1), L.isApostrophe(a) { whole(2) }
        // "y'" of "y'all".
        if isChar(i, "yY"), let a = at(i + 1), L.isApostrophe(a) { whole(2) }
        // Fixed words.
        for w in L.apostropheWords {
            let n = w.unicodeScalars.count
            guard i + n <= s.count else { continue }
            let candidate = text(i, n).lowercased().unicodeScalars.map { L.isApostrophe($0) ? "'" : $0 }
            if String(String.UnicodeScalarView(candidate)) == w { whole(n) }
        }
        // One capital (not I or Y) or "n", apostrophe, two or more letters: "O'Neil", "n'est".
        if let v = at(i)?.value, (0x41...0x5A).contains(v) && v != 0x49 && v != 0x59 || v == 0x6E,
           let a = at(i + 1), L.isApostropheLike(a) {
            let tail = run(from: i + 2, while: isLetter)
            if tail >= 2 { whole(2 + tail) }
        }
        // "'90s".
        if L.isApostrophe(c), isChar(i + 1, "23456789"), isChar(i + 2, "0"), isChar(i + 3, "sS") { whole(4) }
        // Vowel, apostrophe, vowel or capital: "shi'ite", "ne'er", "hawai'i".
        if letters >= 2, let v = at(i + letters - 1), L.isVowelBeforeApostrophe(v),
           let a = at(i + letters), L.isApostropheLike(a),
           let after = at(i + letters + 1), L.isVowelOrCapitalAfterApostrophe(after) {
            whole(letters + 2 + run(from: i + letters + 2, while: isLetter))
        }
    }

    /// Abbreviations and acronyms that keep their period ("mr.", "u.s.", "a.", "no. 5").
    func proposeAbbreviation(at i: Int, _ propose: (Int, Int?, String?) -> Void) {
        // ACRONYM: single letters joined by periods, then a period.
        if let c = at(i), L.isASCIILetter(c) {
            var j = i + 1
            while isChar(j, "."), let next = at(j + 1), L.isASCIILetter(next) { j += 2 }
            if isChar(j, ".") { propose(j + 1 - i, nil, text(i, j + 1 - i)) }
        }
        let letters = run(from: i, while: { self.at($0).map(L.isASCIILetter) ?? false })
        guard letters > 0, isChar(i + letters, ".") else { return }
        let word = text(i, letters)
        let lower = word.lowercased()
        var keeps = L.caselessAbbreviations.contains(lower)
        if L.capitalizedAbbreviations.contains(lower), let first = at(i), L.isASCIIUppercase(first) { keeps = true }
        if L.numberAbbreviations.contains(lower) {
            var j = i + letters + 1
            if isChar(j, " ") { j += 1 }
            if isDigit(j) { keeps = true }
        }
        if keeps { propose(letters + 1, nil, word + ".") }
    }

    /// Punctuation, quotes, brackets, dashes and symbol runs.
    func proposePunctuation(_ c: Unicode.Scalar, at i: Int, _ propose: (Int, Int?, String?) -> Void) {
        if c == "." {
            if isChar(i + 1, "."), isChar(i + 2, ".") { propose(3, nil, "...") }
            propose(1, nil, ".")
        }
        if c.value == 0x2026 || c.value == 0x85 { propose(1, nil, "...") }
        if c == "-" {
            let n = run(from: i, while: { self.isChar($0, "-") })
            propose(n, nil, n == 1 ? "-" : "--")
        }
        if L.isLongDash(c) { propose(1, nil, "--") }
        // A lone U+2010/U+2011 hyphen is untokenizable for the lexer: it disappears.
        if c.value == 0x2010 || c.value == 0x2011 { propose(1, nil, nil) }
        if c == "!" || c == "?" {
            let n = run(from: i, while: { self.isChar($0, "!?") })
            propose(n, nil, text(i, n))
        }
        if let name = L.bracketNames[c] { propose(1, nil, name) }
        if let name = L.doubleQuoteNames[c.value] { propose(1, nil, name) }
        if let name = L.singleQuoteNames[c.value] {
            // "``" and "''" written with two ASCII characters are one quote token.
            if (c == "`" || c == "'"), at(i + 1) == c { propose(2, nil, c == "`" ? "``" : "''") }
            propose(1, nil, name)
        }
        for symbol in ["*", "#", "@", "_"] where c == Unicode.Scalar(symbol)! {
            let n = run(from: i, while: { self.at($0) == c })
            propose(n, nil, text(i, n))
        }
        // Twitter-style names and hashtags.
        if c == "@", let next = at(i + 1), L.isASCIILetter(next) || next == "_" {
            let n = run(from: i + 1, while: { self.at($0).map { L.isASCIILetter($0) || L.isDigit($0) || $0 == "_" } ?? false })
            propose(1 + n, nil, text(i, 1 + n))
        }
        if c == "#", isLetter(i + 1) {
            let n = run(from: i + 1, while: { self.isAlnum($0) || self.isChar($0, "_") })
            propose(1 + n, nil, text(i, 1 + n))
        }
        // The HTML entity for an ampersand, and simple SGML tags such as "<br>", are one token each.
        if c == "&", i + 5 <= s.count, text(i, 5).lowercased() == "&amp;" { propose(5, nil, "&") }
        if c == "<" {
            var j = i + 1
            if isChar(j, "/") { j += 1 }
            if let first = at(j), L.isASCIILetter(first) {
                j += 1 + run(from: j + 1, while: { self.at($0).map { L.isASCIILetter($0) || L.isDigit($0) || ":.-".unicodeScalars.contains($0) } ?? false })
                if isChar(j, ">") { propose(j + 1 - i, nil, text(i, j + 1 - i)) }
            }
        }
        // Currency written with capitals: "US$".
        let capitals = run(from: i, while: { self.at($0).map(L.isASCIIUppercase) ?? false })
        if isChar(i + capitals, "$") { propose(capitals + 1, nil, text(i, capitals + 1)) }
    }
}
