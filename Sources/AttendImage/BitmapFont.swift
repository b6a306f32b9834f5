// MARK: - BitmapFont

/// A small built-in bitmap font for labelling pictures (attention overlays, contact sheets), so drawing
/// text needs no font files and no FreeType.
///
/// Each glyph is 5 pixels wide and 9 tall in a 6-pixel advance: rows 0…6 hold capitals and digits
/// (cap height 7), lower case sits on rows 2…6 with ascenders from row 0, and rows 7…8 take
/// descenders (g j p q y , ; _). Glyphs are drawn at integer scale factors; at scale 2 a caption
/// is 12 pixels per character, legible on a 224-pixel tile. Characters without a glyph draw as
/// `placeholder`, a hollow box.
public enum BitmapFont {
    /// Glyph width in font pixels.
    public static let glyphWidth = 5
    /// Glyph height in font pixels, descenders included.
    public static let glyphHeight = 9
    /// Horizontal distance between consecutive glyph origins in font pixels (one blank column).
    public static let advance = 6

    /// The characters that have glyphs of their own.
    public static var characters: [Character] { table.map { $0.0 } }

    /// The rows of `character`'s glyph, top to bottom: bit 4 is the leftmost pixel, bit 0 the
    /// rightmost. Characters without a glyph get the placeholder's rows.
    public static func rows(for character: Character) -> [UInt8] {
        glyphs[character] ?? placeholder
    }

    /// Whether `character` has a glyph of its own.
    public static func hasGlyph(_ character: Character) -> Bool {
        glyphs[character] != nil
    }

    /// The glyph of characters the font lacks: a hollow box over the cap height.
    public static let placeholder = parse("##### #...# #...# #...# #...# #...# #####")

    private static let glyphs: [Character: [UInt8]] = {
        var glyphs: [Character: [UInt8]] = [:]
        for (character, picture) in table {
            precondition(glyphs[character] == nil, "glyph \(character) is defined twice")
            glyphs[character] = parse(picture)
        }
        return glyphs
    }()

    /// Turns a picture of space-separated rows of '#' (ink) and '.' (paper) into row bit masks,
    /// padding missing bottom rows with paper.
    private static func parse(_ picture: String) -> [UInt8] {
        let rows = picture.split(separator: " ")
        precondition(rows.count <= glyphHeight, "a glyph has at most \(glyphHeight) rows: \(picture)")
        var masks = [UInt8](repeating: 0, count: glyphHeight)
        for (r, row) in rows.enumerated() {
            precondition(row.count == glyphWidth, "a glyph row has \(glyphWidth) pixels: \(picture)")
            for (c, pixel) in row.enumerated() {
                precondition(pixel == "#" || pixel == ".", "a glyph row is made of '#' and '.': \(picture)")
                if pixel == "#" { masks[r] |= UInt8(1 << (glyphWidth - 1 - c)) }
            }
        }
        return masks
    }

    // MARK: - Glyph table

    // Rows top to bottom; rows left out at the bottom are blank.
    private static let table: [(Character, String)] = [
        ("A", ".###. #...# #...# ##### #...# #...# #...#"),
        ("B", "####. #...# #...# ####. #...# #...# ####."),
        ("C", ".###. #...# #.... #.... #.... #...# .###."),
        ("D", "####. #...# #...# #...# #...# #...# ####."),
        ("E", "##### #.... #.... ####. #.... #.... #####"),
        ("F", "##### #.... #.... ####. #.... #.... #...."),
        ("G", ".###. #...# #.... #.### #...# #...# .####"),
        ("H", "#...# #...# #...# ##### #...# #...# #...#"),
        ("I", ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("J", "..### ...#. ...#. ...#. ...#. #..#. .##.."),
        ("K", "#...# #..#. #.#.. ##... #.#.. #..#. #...#"),
        ("L", "#.... #.... #.... #.... #.... #.... #####"),
        ("M", "#...# ##.## #.#.# #.#.# #...# #...# #...#"),
        ("N", "#...# #...# ##..# #.#.# #..## #...# #...#"),
        ("O", ".###. #...# #...# #...# #...# #...# .###."),
        ("P", "####. #...# #...# ####. #.... #.... #...."),
        ("Q", ".###. #...# #...# #...# #.#.# #..#. .##.#"),
        ("R", "####. #...# #...# ####. #.#.. #..#. #...#"),
        ("S", ".###. #...# #.... .###. ....# #...# .###."),
        ("T", "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."),
        ("U", "#...# #...# #...# #...# #...# #...# .###."),
        ("V", "#...# #...# #...# #...# #...# .#.#. ..#.."),
        ("W", "#...# #...# #...# #.#.# #.#.# #.#.# .#.#."),
        ("X", "#...# #...# .#.#. ..#.. .#.#. #...# #...#"),
        ("Y", "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#.."),
        ("Z", "##### ....# ...#. ..#.. .#... #.... #####"),

        ("a", "..... ..... .###. ....# .#### #...# .####"),
        ("b", "#.... #.... #.##. ##..# #...# #...# ####."),
        ("c", "..... ..... .###. #.... #.... #...# .###."),
        ("d", "....# ....# .##.# #..## #...# #...# .####"),
        ("e", "..... ..... .###. #...# ##### #.... .###."),
        ("f", "..##. .#..# .#... ###.. .#... .#... .#..."),
        ("g", "..... ..... .#### #...# #...# #...# .#### ....# .###."),
        ("h", "#.... #.... #.##. ##..# #...# #...# #...#"),
        ("i", "..#.. ..... .##.. ..#.. ..#.. ..#.. .###."),
        ("j", "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##.."),
        ("k", "#.... #.... #..#. #.#.. ##... #.#.. #..#."),
        ("l", ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. ..##."),
        ("m", "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#"),
        ("n", "..... ..... #.##. ##..# #...# #...# #...#"),
        ("o", "..... ..... .###. #...# #...# #...# .###."),
        ("p", "..... ..... ####. #...# #...# #...# ####. #.... #...."),
        ("q", "..... ..... .#### #...# #...# #...# .#### ....# ....#"),
        ("r", "..... ..... #.##. ##..# #.... #.... #...."),
        ("s", "..... ..... .###. #.... .###. ....# ####."),
        ("t", ".#... .#... ###.. .#... .#... .#..# ..##."),
        ("u", "..... ..... #...# #...# #...# #..## .##.#"),
        ("v", "..... ..... #...# #...# #...# .#.#. ..#.."),
        ("w", "..... ..... #...# #...# #.#.# #.#.# .#.#."),
        ("x", "..... ..... #...# .#.#. ..#.. .#.#. #...#"),
        ("y", "..... ..... #...# #...# #...# #...# .#### ....# .###."),
        ("z", "..... ..... ##### ...#. ..#.. .#... #####"),

        ("0", ".###. #...# #..## #.#.# ##..# #...# .###."),
        ("1", "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###."),
        ("2", ".###. #...# ....# ...#. ..#.. .#... #####"),
        ("3", "##### ...#. ..#.. ...#. ....# #...# .###."),
        ("4", "...#. ..##. .#.#. #..#. ##### ...#. ...#."),
        ("5", "##### #.... ####. ....# ....# #...# .###."),
        ("6", "..##. .#... #.... ####. #...# #...# .###."),
        ("7", "##### ....# ...#. ..#.. .#... .#... .#..."),
        ("8", ".###. #...# #...# .###. #...# #...# .###."),
        ("9", ".###. #...# #...# .#### ....# ...#. .##.."),

        (" ", ""),
        (".", "..... ..... ..... ..... ..... .##.. .##.."),
        (",", "..... ..... ..... ..... ..... .##.. .##.. ..#.. .#..."),
        (";", "..... .##.. .##.. ..... ..... .##.. .##.. ..#.. .#..."),
        (":", "..... .##.. .##.. ..... .##.. .##.. ....."),
        ("!", "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#.."),
        ("?", ".###. #...# ....# ...#. ..#.. ..... ..#.."),
        ("'", "..#.. ..#.. .#..."),
        ("\"", ".#.#. .#.#. .#.#."),
        ("-", "..... ..... ..... .###."),
        ("_", "..... ..... ..... ..... ..... ..... ..... #####"),
        ("(", "...#. ..#.. .#... .#... .#... ..#.. ...#."),
        (")", ".#... ..#.. ...#. ...#. ...#. ..#.. .#..."),
        ("[", ".###. .#... .#... .#... .#... .#... .###."),
        ("]", ".###. ...#. ...#. ...#. ...#. ...#. .###."),
        ("/", "....# ....# ...#. ..#.. .#... #.... #...."),
        ("<", "...#. ..#.. .#... #.... .#... ..#.. ...#."),
        (">", ".#... ..#.. ...#. ....# ...#. ..#.. .#..."),
        ("=", "..... ..... ##### ..... ##### ..... ....."),
        ("+", "..... ..#.. ..#.. ##### ..#.. ..#.. ....."),
        ("%", "##... ##..# ...#. ..#.. .#... #..## ...##"),
        ("&", ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#"),
        ("#", ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#."),
        ("@", ".###. #...# #.### #.#.# #.### #.... .###."),
        ("*", "..... ..#.. #.#.# .###. #.#.# ..#.. ....."),
    ]
}
