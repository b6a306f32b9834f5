import Foundation

// Writing a run in the COCO caption formats, so the official toolkit (and METEOR) can score exactly
// the same captions: scripts/coco_score.py DIR. Image ids are the image file names without extension.
// The toolkit has no hallucination metric: attend's CHAIR figures go beside them in DIR/hallucination.json,
// which scripts/coco_score.py prints with the toolkit's scores.

public enum COCOExport {
    public static let resultsFileName = "results.json"
    public static let annotationsFileName = "annotations.json"
    public static let hallucinationFileName = "hallucination.json"

    private struct Result: Encodable { var image_id: String; var caption: String }
    private struct Image: Encodable { var id: String; var file_name: String }
    private struct Annotation: Encodable { var image_id: String; var id: Int; var caption: String }
    private struct Info: Encodable { var description: String; var version: String }
    private struct Annotations: Encodable {
        var info: Info
        var licenses: [String]
        var type: String
        var images: [Image]
        var annotations: [Annotation]
    }

    /// Writes DIR/results.json (predictions), DIR/annotations.json (references) and, when given,
    /// DIR/hallucination.json (CHAIR of the same captions), creating DIR.
    public static func write(directory: String, predictions: [String: String], references: [String: [String]],
                             hallucination: HallucinationScores? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let images = predictions.keys.sorted()
        let results = images.map { Result(image_id: PredictionFile.stem($0), caption: predictions[$0]!) }
        var annotations: [Annotation] = []
        for image in images {
            for caption in references[image] ?? [] {
                annotations.append(Annotation(image_id: PredictionFile.stem(image), id: annotations.count + 1, caption: caption))
            }
        }
        let document = Annotations(
            info: Info(description: "references written by attend eval", version: "1"), licenses: [], type: "captions",
            images: images.map { Image(id: PredictionFile.stem($0), file_name: $0) }, annotations: annotations)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let root = URL(fileURLWithPath: directory)
        try encoder.encode(results).write(to: root.appendingPathComponent(resultsFileName))
        try encoder.encode(document).write(to: root.appendingPathComponent(annotationsFileName))
        if let hallucination {
            try encoder.encode(hallucination).write(to: root.appendingPathComponent(hallucinationFileName))
        }
    }
}
