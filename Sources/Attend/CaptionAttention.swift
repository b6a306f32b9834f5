import AttendImage
import AttendModel

// MARK: - From a caption to its attention figures

extension Caption {
    /// Each word with its attention map and β, then <end> when the caption finished: the tiles an
    /// `AttentionSheet` draws, in the order the model produced them.
    public var wordAttentions: [WordAttention] {
        (tokens + (end.map { [$0] } ?? [])).map {
            WordAttention(word: $0.word, attention: $0.attention, beta: $0.beta, location: $0.location)
        }
    }
}

extension AttentionSheet {
    /// The sheet of `caption` over `picture` (upright, at display size: see `displaySize(width:height:tile:)`),
    /// titled with the caption's text.
    public init(caption: Caption, picture: RGBImage, grid: Int, style: OverlayStyle = .heat, alpha: Float? = nil,
                blur: Float = AttentionMap.paperBlur, columns: Int? = nil) {
        self.init(title: caption.text, picture: picture, grid: grid, words: caption.wordAttentions, style: style,
                  alpha: alpha, blur: blur, columns: columns)
    }
}
