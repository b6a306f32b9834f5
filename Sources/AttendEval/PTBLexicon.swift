// The character classes and word lists of the Stanford PTBTokenizer (CoreNLP 3.4.1, the version the
// COCO caption toolkit runs), as far as they matter for caption text. Checked against that jar by
// probing it line by line (see scripts/make_eval_fixture.py), not copied from its source.

// MARK: - Character classes

enum PTBLexicon {
    /// Separators between tokens: space, tab, no-break space, the U+2000 spaces, ideographic space, newlines.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x2000...0x200A, 0x2028, 0x2029, 0x3000:
            return true
        default:
            return false
        }
    }

    /// The lexer's LETTER: Unicode letters plus the combining marks that decorate them.
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        let p = c.properties
        if p.isAlphabetic { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return c.value == 0x00AD  // soft hyphen counts as part of a word
        }
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.properties.generalCategory == .decimalNumber
    }

    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool { isLetter(c) || isDigit(c) }

    static func isASCIILetter(_ c: Unicode.Scalar) -> Bool {
        (c.value >= 0x41 && c.value <= 0x5A) || (c.value >= 0x61 && c.value <= 0x7A)
    }

    static func isASCIIUppercase(_ c: Unicode.Scalar) -> Bool { c.value >= 0x41 && c.value <= 0x5A }

    /// APOS: straight apostrophe, right single quote (Unicode and CP1252), acute accent.
    static func isApostrophe(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x27, 0x92, 0x2019, 0xB4: return true
        default: return false
        }
    }

    /// APOSETCETERA: apostrophes plus the characters that wrongly stand in for them inside words.
    static func isApostropheLike(_ c: Unicode.Scalar) -> Bool {
        if isApostrophe(c) { return true }
        switch c.value {
        case 0x60, 0x91, 0x2018, 0x201B: return true
        default: return false
        }
    }

    /// HYPHEN inside a hyphenated word: hyphen-minus, underscore, Armenian hyphen, U+2010, U+2011.
    static func isWordHyphen(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x2D, 0x5F, 0x58A, 0x2010, 0x2011: return true
        default: return false
        }
    }

    /// Dashes the tokenizer writes as "--" (en dash, em dash, horizontal bar, CP1252 dashes).
    static func isLongDash(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x96, 0x97, 0x2013, 0x2014, 0x2015: return true
        default: return false
        }
    }

    /// Vowels before the apostrophe of words such as "shi'ite" and "ne'er", which stay whole.
    static func isVowelBeforeApostrophe(_ c: Unicode.Scalar) -> Bool {
        "aeiouyAEIOUY".unicodeScalars.contains(c)
    }

    static func isVowelOrCapitalAfterApostrophe(_ c: Unicode.Scalar) -> Bool {
        "aeiou".unicodeScalars.contains(c) || isASCIIUppercase(c)
    }

    // MARK: - Bracket and quote spellings

    /// Brackets become the Penn Treebank names; lowercased later, so the toolkit's punctuation
    /// filter (which lists "-LRB-" in capitals) never removes them.
    static let bracketNames: [Unicode.Scalar: String] = [
        "(": "-LRB-", ")": "-RRB-", "[": "-LSB-", "]": "-RSB-", "{": "-LCB-", "}": "-RCB-",
    ]

    /// Single quotation characters and the LaTeX-style quote each becomes.
    static let singleQuoteNames: [UInt32: String] = [
        0x60: "`", 0x27: "'", 0x2018: "`", 0x2019: "'", 0x91: "`", 0x92: "'", 0x201B: "`",
        0xB4: "'", 0x2039: "`", 0x203A: "'",
    ]

    /// Double quotation characters and the LaTeX-style quote each becomes.
    static let doubleQuoteNames: [UInt32: String] = [
        0x22: "''", 0x201C: "``", 0x201D: "''", 0x201F: "``", 0x93: "``", 0x94: "''",
        0xAB: "``", 0xBB: "''",
    ]

    // MARK: - Abbreviations that keep their final period

    /// Matched without regard to case (the lexer is caseless for literal text).
    static let caselessAbbreviations: Set<String> = Set("""
        jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri
        ala ariz calif colo conn ct dak fla ga ind kan kans ky md mich minn mo mont neb nev okla penn
        tenn va vt wis wisc wyo inc co cos corp pty ptys ltd plc rt bancorp bhd assn univ intl sys
        tel est ext sq jr bros esq etc al seq bldg mr mrs ms dr drs prof profs sen sens rep reps
        atty attys lt col gen messrs gov govs adm rev maj sgt cpl pvt capt st ste ave pres lieut hon
        brig cmdr comdr pfc spc supt supts det mt ft adj adv asst assoc ens insp mlle mme msgr sfc sr
        vs alex wm jos cie cf treas ph invt elec natl mfg mtg dept blvd rd
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Matched only with a capital first letter ("Miss." keeps its period, "miss." does not).
    static let capitalizedAbbreviations: Set<String> = [
        "az", "ark", "del", "ill", "la", "mass", "miss", "ore", "pa", "tex", "wash",
    ]

    /// Keep their period only before a number ("no. 5", "fig. 3").
    static let numberAbbreviations: Set<String> = ["ca", "fig", "figs", "prop", "no", "nos", "art", "pp", "op"]

    /// Colloquial forms the tokenizer splits in two: "gonna" -> "gon" "na", "cannot" -> "can" "not".
    static let assimilations: Set<String> = ["gonna", "gotta", "wanna", "gimme", "lemme", "cannot"]

    /// Whole words with an apostrophe that stay one token.
    static let apostropheWords: [String] = ["'em", "'cause", "'till", "'til", "c'mon", "e'er"]
}
