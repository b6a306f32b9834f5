import Dispatch

// MARK: - AttentionSheet

/// One word of a caption with where it looked: what a sheet draws a tile of.
public struct WordAttention: Sendable, Equatable {
    public var word: String
    /// α_t: G × G weights, row-major, rows top to bottom.
    public var attention: [Float]
    /// β_t: how much the step looked at the image at all (0…1).
    public var beta: Float
    /// A hard-attention model's location (row-major in the grid), outlined on the tile; nil for a soft model.
    public var location: Int?

    public init(word: String, attention: [Float], beta: Float, location: Int? = nil) {
        self.word = word
        self.attention = attention
        self.beta = beta
        self.location = location
    }
}

/// The figure of one captioned picture: the caption as a title, the picture, then one tile per word (and
/// <end>) with that word's attention laid over the picture (and, for a hard-attention model, the cell its
/// context came from outlined), the word under it and β_t as a number and a bar, in a grid that wraps.
///
/// Everything is drawn at the picture's size: give the upright picture already scaled for display
/// (`displaySize(width:height:tile:)`). Text uses the built-in bitmap font at a scale that follows the
/// tile size (2, i.e. 12 pixels a character, on 224-pixel tiles).
public struct AttentionSheet: Sendable {
    public var title: String
    /// The upright picture at display size.
    public var picture: RGBImage
    public var grid: Int
    public var words: [WordAttention]
    public var style: OverlayStyle
    /// nil: the style's default.
    public var alpha: Float?
    /// Gaussian σ as a fraction of the side (see `AttentionMap`).
    public var blur: Float
    /// Tiles per row, the input picture included; nil chooses from the picture's shape.
    public var columns: Int?

    public init(title: String, picture: RGBImage, grid: Int, words: [WordAttention], style: OverlayStyle = .heat,
                alpha: Float? = nil, blur: Float = AttentionMap.paperBlur, columns: Int? = nil) {
        precondition(words.allSatisfy { $0.attention.count == grid * grid }, "attention maps are grid × grid")
        precondition(words.allSatisfy { ($0.location ?? 0) >= 0 && ($0.location ?? 0) < grid * grid },
                     "a location is a cell of the grid")
        precondition(columns.map { $0 >= 1 } ?? true, "a sheet has at least one column")
        self.title = title
        self.picture = picture
        self.grid = grid
        self.words = words
        self.style = style
        self.alpha = alpha
        self.blur = blur
        self.columns = columns
    }

    /// The size a picture of `width` × `height` is shown at: its longer side `tile` pixels, aspect ratio
    /// kept (tiny pictures are enlarged, large ones reduced).
    public static func displaySize(width: Int, height: Int, tile: Int) -> (width: Int, height: Int) {
        precondition(width >= 1 && height >= 1 && tile >= 1, "sizes are positive")
        if width >= height {
            return (tile, max(1, Int((Double(height) * Double(tile) / Double(width)).rounded())))
        }
        return (max(1, Int((Double(width) * Double(tile) / Double(height)).rounded())), tile)
    }

    /// "03-dog.png": the file of word `index` (0-based) for `--per-word`, numbered from 1 in caption order,
    /// the word reduced to letters, digits and hyphens ("<end>" becomes "end").
    public static func wordFileName(index: Int, word: String) -> String {
        let kept = word.lowercased().unicodeScalars.filter {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
        }
        let name = kept.isEmpty ? "word" : String(String.UnicodeScalarView(kept))
        let number = index + 1 < 10 ? "0\(index + 1)" : "\(index + 1)"
        return "\(number)-\(name).png"
    }

    // MARK: - Rendering

    /// Every word's picture with its map laid over it, in caption order.
    /// Words are drawn on all cores: a 20-word sheet is then a small part of the command's time.
    public func overlays() -> [RGBImage] {
        let smoother = AttentionSmoother(grid: grid, width: picture.width, height: picture.height, blur: blur)
        var tiles = [RGBImage?](repeating: nil, count: words.count)
        tiles.withUnsafeMutableBufferPointer { tiles in
            let output = tiles   // each iteration writes only its own slot
            DispatchQueue.concurrentPerform(iterations: words.count) { i in
                output[i] = tile(words[i], smoother: smoother)
            }
        }
        return tiles.map { $0! }
    }

    /// Where everything of the sheet goes.
    public struct Layout: Sendable {
        public var width: Int
        public var height: Int
        public var columns: Int
        public var rows: Int
        public var titleLines: [String]
        /// Top-left corner of each tile's picture: the input first, then one per word.
        public var tiles: [(x: Int, y: Int)]
    }

    public func layout() -> Layout {
        let m = SheetMetrics(picture: picture)
        let cells = words.count + 1
        let columnCount = min(cells, columns ?? (picture.width >= picture.height ? 5 : 7))
        let rowCount = (cells + columnCount - 1) / columnCount
        let width = 2 * m.margin + columnCount * m.cellWidth + (columnCount - 1) * m.gap
        let titleLines = wrap(title.isEmpty ? " " : title, width: width - 2 * m.margin, scale: m.titleScale)
        let legend = Legend(width: width - 2 * m.margin, scale: m.smallScale)
        let gridTop = m.margin + titleLines.count * m.titleLineHeight + m.gap / 2
            + legend.lines * m.smallLineHeight + m.gap / 2
        let height = gridTop + rowCount * m.cellHeight + (rowCount - 1) * m.gap + m.margin
        let tiles = (0..<cells).map { cell in
            (x: m.margin + (cell % columnCount) * (m.cellWidth + m.gap)
                + (m.cellWidth - picture.width) / 2,
             y: gridTop + (cell / columnCount) * (m.cellHeight + m.gap))
        }
        return Layout(width: width, height: height, columns: columnCount, rows: rowCount, titleLines: titleLines,
                      tiles: tiles)
    }

    /// The whole sheet.
    public func render() -> RGBImage {
        let m = SheetMetrics(picture: picture)
        let layout = layout()
        var sheet = RGBImage(width: layout.width, height: layout.height, fill: Palette.paper)
        for (i, line) in layout.titleLines.enumerated() {
            drawText(line, into: &sheet, x: m.margin, y: m.margin + i * m.titleLineHeight, scale: m.titleScale,
                     colour: Palette.ink)
        }
        drawLegend(into: &sheet, x: m.margin, y: m.margin + layout.titleLines.count * m.titleLineHeight + m.gap / 2,
                   legend: Legend(width: layout.width - 2 * m.margin, scale: m.smallScale), metrics: m)
        let pictures = [picture] + overlays()
        for (cell, tile) in pictures.enumerated() {
            let x = layout.tiles[cell].x - (m.cellWidth - picture.width) / 2
            let y = layout.tiles[cell].y
            if cell == 0 {
                drawCell(into: &sheet, x: x, y: y, tile: tile, label: "input", beta: nil, metrics: m)
            } else {
                let word = words[cell - 1]
                drawCell(into: &sheet, x: x, y: y, tile: tile, label: word.word, beta: word.beta, metrics: m)
            }
        }
        return sheet
    }

    /// One word's figure alone (for slides and papers): its tile, the word and β, with a margin.
    public func renderWord(_ index: Int) -> RGBImage {
        precondition(words.indices.contains(index), "word \(index) is not in the caption")
        let m = SheetMetrics(picture: picture)
        let smoother = AttentionSmoother(grid: grid, width: picture.width, height: picture.height, blur: blur)
        let tile = tile(words[index], smoother: smoother)
        var figure = RGBImage(width: m.cellWidth + 2 * m.margin, height: m.cellHeight + 2 * m.margin,
                              fill: Palette.paper)
        drawCell(into: &figure, x: m.margin, y: m.margin, tile: tile, label: words[index].word,
                 beta: words[index].beta, metrics: m)
        return figure
    }

    // MARK: - Parts

    /// One word's picture: its map laid over the picture, and its location outlined when it has one.
    private func tile(_ word: WordAttention, smoother: AttentionSmoother) -> RGBImage {
        let tile = picture.overlaid(with: smoother.map(word.attention), style: style, alpha: alpha)
        guard let location = word.location else { return tile }
        return tile.outliningCell(location, grid: grid)
    }

    /// A tile: the picture, the label centred under it, then "β 0.73" and a bar as long as β.
    private func drawCell(into sheet: inout RGBImage, x: Int, y: Int, tile: RGBImage, label: String, beta: Float?,
                          metrics m: SheetMetrics) {
        blit(tile, into: &sheet, x: x + (m.cellWidth - tile.width) / 2, y: y)
        let (text, scale) = fit(label, width: m.cellWidth, scales: [m.wordScale, m.smallScale, 1])
        let labelY = y + tile.height + m.labelGap
        drawText(text, into: &sheet, x: x + (m.cellWidth - textWidth(text, scale: scale)) / 2,
                 y: labelY + (textHeight(scale: m.wordScale) - textHeight(scale: scale)), scale: scale,
                 colour: beta == nil ? Palette.quiet : Palette.ink)
        guard let beta else { return }
        let betaY = labelY + textHeight(scale: m.wordScale) + m.labelGap
        let value = min(1, max(0, beta.isFinite ? beta : 0))
        let number = "β " + formatted(value)
        drawText(number, into: &sheet, x: x, y: betaY, scale: m.smallScale, colour: Palette.quiet)
        let barX = x + textWidth(number, scale: m.smallScale) + 2 * m.smallScale * BitmapFont.advance / 2
        let barWidth = x + m.cellWidth - barX
        let barHeight = max(3, 5 * m.smallScale)
        let barY = betaY + m.smallScale   // level with the figures' upper part
        fillRect(into: &sheet, x: barX, y: barY, width: barWidth, height: barHeight, colour: Palette.track)
        fillRect(into: &sheet, x: barX, y: barY, width: Int((Float(barWidth) * value).rounded()), height: barHeight,
                 colour: Palette.ink)
    }

    /// What the colours mean, under the title: the colour ramp, then what β is, on a second line when the
    /// sheet is too narrow for one.
    private func drawLegend(into sheet: inout RGBImage, x: Int, y: Int, legend: Legend, metrics m: SheetMetrics) {
        let s = m.smallScale
        var cursor = x
        drawText(legend.lead, into: &sheet, x: cursor, y: y, scale: s, colour: Palette.quiet)
        cursor += textWidth(legend.lead, scale: s) + BitmapFont.advance * s
        drawText("0", into: &sheet, x: cursor, y: y, scale: s, colour: Palette.quiet)
        cursor += textWidth("0", scale: s) + BitmapFont.advance * s
        let a = alpha ?? style.defaultAlpha
        for i in 0..<legend.barWidth {
            let value = Float(i) / Float(max(1, legend.barWidth - 1))
            let colour: (UInt8, UInt8, UInt8)
            switch style {
            case .heat:
                colour = ColorMap.viridis.colour(at: value)
            case .spotlight:
                let light = UInt8(255 * (1 - a * (1 - value)) + 0.5)
                colour = (light, light, light)
            }
            fillRect(into: &sheet, x: cursor + i, y: y, width: 1, height: 7 * s, colour: colour)
        }
        strokeRect(into: &sheet, x: cursor - 1, y: y - 1, width: legend.barWidth + 2, height: 7 * s + 2,
                   colour: Palette.track)
        cursor += legend.barWidth + BitmapFont.advance * s
        drawText("1", into: &sheet, x: cursor, y: y, scale: s, colour: Palette.quiet)
        cursor += textWidth("1", scale: s) + 3 * BitmapFont.advance * s
        if legend.lines == 2 {
            cursor = x
        }
        drawText(Legend.beta, into: &sheet, x: cursor, y: y + (legend.lines - 1) * m.smallLineHeight, scale: s,
                 colour: Palette.quiet)
    }
}

// MARK: - Legend

/// The legend's wording and how many lines it takes on a sheet `width` wide.
private struct Legend {
    static let beta = "β: how much the word looked at the image"
    let lead: String
    let barWidth: Int
    let lines: Int

    init(width: Int, scale s: Int) {
        barWidth = 40 * s
        let ramp = 2 * BitmapFont.advance * s + textWidth("0", scale: s) + barWidth + textWidth("1", scale: s)
            + BitmapFont.advance * s
        let long = "attention, each word's map divided by its maximum:"
        lead = textWidth(long, scale: s) + ramp <= width ? long : "attention / max:"
        let oneLine = textWidth(lead, scale: s) + ramp + 3 * BitmapFont.advance * s + textWidth(Self.beta, scale: s)
        lines = oneLine <= width ? 1 : 2
    }
}

// MARK: - Sizes and colours

/// Sizes derived from the tile, so a sheet of 448-pixel tiles is a sheet of 224-pixel tiles drawn twice as large.
private struct SheetMetrics {
    let cellWidth: Int
    let cellHeight: Int
    let wordScale: Int
    let smallScale: Int
    let titleScale: Int
    let margin: Int
    let gap: Int
    let labelGap: Int

    init(picture: RGBImage) {
        let tile = max(picture.width, picture.height)
        wordScale = max(1, min(4, (tile + 40) / 100))   // 12-pixel letters from 160-pixel tiles up
        smallScale = max(1, wordScale - 1)
        titleScale = wordScale + (tile >= 160 ? 1 : 0)
        gap = max(8, tile / 16)
        margin = gap
        labelGap = max(3, wordScale * 3)
        cellWidth = max(picture.width, textWidth("<end>", scale: wordScale))
        cellHeight = picture.height + labelGap + textHeight(scale: wordScale) + labelGap + textHeight(scale: smallScale)
    }

    var titleLineHeight: Int { textHeight(scale: titleScale) + titleScale * 3 }
    var smallLineHeight: Int { textHeight(scale: smallScale) + smallScale * 3 }
}

private enum Palette {
    static let paper: (UInt8, UInt8, UInt8) = (255, 255, 255)
    static let ink: (UInt8, UInt8, UInt8) = (25, 25, 25)
    static let quiet: (UInt8, UInt8, UInt8) = (105, 105, 105)
    static let track: (UInt8, UInt8, UInt8) = (215, 215, 215)
}

// MARK: - Text helpers

/// `text` at the largest of `scales` it fits `width` at; when it fits none, shortened with ".." at the last.
func fit(_ text: String, width: Int, scales: [Int]) -> (text: String, scale: Int) {
    for scale in scales where textWidth(text, scale: scale) <= width { return (text, scale) }
    let scale = scales.last ?? 1
    var shortened = text
    while !shortened.isEmpty && textWidth(shortened + "..", scale: scale) > width { shortened.removeLast() }
    return (shortened + "..", scale)
}

/// Breaks `text` at spaces into lines no wider than `width` at `scale`; a word wider than a line is cut.
func wrap(_ text: String, width: Int, scale: Int) -> [String] {
    let perLine = max(1, (width / scale + 1) / BitmapFont.advance)
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
        var word = word
        while word.count > perLine {
            if !line.isEmpty { lines.append(line); line = "" }
            lines.append(String(word.prefix(perLine)))
            word = String(word.dropFirst(perLine))
        }
        if line.isEmpty {
            line = word
        } else if line.count + 1 + word.count <= perLine {
            line += " " + word
        } else {
            lines.append(line)
            line = word
        }
    }
    if !line.isEmpty || lines.isEmpty { lines.append(line) }
    return lines
}

/// 0.7312 → "0.73".
private func formatted(_ value: Float) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
}
