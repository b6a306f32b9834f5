import AttendModel
import Foundation

// MARK: - The caption JSON of `attend caption --json` and `attend serve`

/// One image's result as a JSON line: what `attend caption --json` prints and `POST /v1/caption` answers.
public struct CaptionJSON: Encodable, Sendable {
    public struct Word: Encodable, Sendable {
        public var word: String
        public var logprob: Float
        public var beta: Float
        /// (G, G) row-major, rows top to bottom.
        public var attention: [[Float]]
        /// A hard-attention model's location, [row, column] in the grid: where the word's context came from (or,
        /// decoded with the expectation, α's most probable cell). Absent for a soft model.
        public var location: [Int]?
    }
    public var path: String
    public var caption: String
    public var logprob: Float
    public var score: Float
    public var finished: Bool
    public var grid: Int
    public var words: [Word]
    /// What the encoder's ImageNet classifier sees, in caption words, most probable first (models with one).
    public var labels: [ImageLabel]
    /// The objects the model's presence heads call absent, whose words the caption could not use (models with them).
    public var absent: [String]

    public init(path: String, caption: Caption, gridSize: Int) {
        self.path = path
        self.caption = caption.text
        logprob = caption.logProbability
        score = caption.normalizedScore
        finished = caption.finished
        grid = gridSize
        labels = caption.labels
        absent = caption.absent
        words = (caption.tokens + (caption.end.map { [$0] } ?? [])).map { token in
            Word(word: token.word, logprob: token.logProbability, beta: token.beta,
                 attention: (0..<gridSize).map { Array(token.attention[($0 * gridSize)..<(($0 + 1) * gridSize)]) },
                 location: token.location.map { [$0 / gridSize, $0 % gridSize] })
        }
    }

    public func line() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
