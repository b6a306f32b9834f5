import AttendImage
import AttendModel
import Hummingbird

// MARK: - CaptionQuery

/// The query of `POST /v1/caption` and `/v1/overlay`: `beam`, `max_words`, `length_alpha`, `labels` (1: steer the
/// words by the encoder's ImageNet labels, the default; 0: the decoder alone) (and, for a sheet, `style`). Each is bounded so that no single request can ask for minutes of model time.
struct CaptionQuery: Sendable {
    static let beamRange = 1...10
    static let maxWordsRange = 1...50
    static let lengthAlphaRange: ClosedRange<Float> = 0...4

    var options: CaptionOptions
    var style: OverlayStyle = .heat

    init(_ parameters: Parameters, defaults: CaptionOptions) throws {
        options = defaults
        if let beam = try Self.integer(parameters, "beam", in: Self.beamRange) { options.beamSize = beam }
        if let words = try Self.integer(parameters, "max_words", in: Self.maxWordsRange) { options.maxWords = words }
        if let text = parameters.get("length_alpha") {
            guard let alpha = Float(text), alpha.isFinite, Self.lengthAlphaRange.contains(alpha) else {
                throw ServeError.badRequest("length_alpha must be a number from 0 to 4, not '\(text.prefix(40))'")
            }
            options.lengthExponent = alpha
        }
        if let text = parameters.get("labels") {
            guard text == "0" || text == "1" else {
                throw ServeError.badRequest("labels must be 0 or 1, not '\(text.prefix(40))'")
            }
            options.grounding.enabled = text == "1"
        }
        if let text = parameters.get("style") {
            guard let style = OverlayStyle(rawValue: text) else {
                throw ServeError.badRequest("style must be heat or spotlight, not '\(text.prefix(40))'")
            }
            self.style = style
        }
    }

    private static func integer(_ parameters: Parameters, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = parameters.get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ServeError.badRequest("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), "
                + "not '\(text.prefix(40))'")
        }
        return value
    }
}
