import AttendImage
import AttendModel

// MARK: - A sheet from the decoded picture

extension AttentionSheet {
    /// The sheet of `caption` over `upright` at any size: the picture is first scaled so that its longer side
    /// is `tile` pixels (what `attend overlay --tile` and `POST /v1/overlay` draw).
    public init(caption: Caption, upright: RGBImage, grid: Int, tile: Int = 224, style: OverlayStyle = .heat,
                alpha: Float? = nil, blur: Float = AttentionMap.paperBlur, columns: Int? = nil) {
        self.init(caption: caption, picture: AttentionSheet.displayPicture(upright, tile: tile), grid: grid,
                  style: style, alpha: alpha, blur: blur, columns: columns)
    }

    /// `upright` scaled so that its longer side is `tile` pixels: the picture a sheet is drawn at.
    public static func displayPicture(_ upright: RGBImage, tile: Int = 224) -> RGBImage {
        let size = displaySize(width: upright.width, height: upright.height, tile: tile)
        return upright.resized(width: size.width, height: size.height)
    }

    /// The whole sheet as PNG bytes. zlib level 1: a sheet of photos compresses only 6 % better at level 6,
    /// which takes 4–5 times as long (300 ms against 70 ms for a 20-word sheet), more than the caption.
    public func png() throws -> [UInt8] {
        try PNGWriter.encode(render(), compression: 1)
    }
}
