// Descriptive figures of a set of predicted captions, printed beside the scores: a model that says
// the same sentence for every image can reach a respectable BLEU-4, so diversity is shown too.

/// How varied and how long the predicted captions are, from PTB tokens (as scored).
public struct CaptionStatistics: Codable, Equatable {
    public var images: Int
    /// Distinct predicted captions / number of predictions, 0-1.
    public var distinctShare: Double
    /// Distinct words used over all predictions.
    public var vocabularyUsed: Int
    /// Mean words per predicted caption.
    public var meanPredictionLength: Double
    /// Mean words per reference caption (over all references of the same images).
    public var meanReferenceLength: Double

    public init(predictions: [String: String], references: [String: [String]]) {
        let predicted = predictions.values.map(ptbTokenize)
        let referenced = predictions.keys.flatMap { references[$0] ?? [] }.map(ptbTokenize)
        images = predicted.count
        distinctShare = predicted.isEmpty ? 0 : Double(Set(predicted.map { $0.joined(separator: " ") }).count) / Double(predicted.count)
        vocabularyUsed = Set(predicted.joined()).count
        meanPredictionLength = predicted.isEmpty ? 0 : Double(predicted.map(\.count).reduce(0, +)) / Double(predicted.count)
        meanReferenceLength = referenced.isEmpty ? 0 : Double(referenced.map(\.count).reduce(0, +)) / Double(referenced.count)
    }
}
