import AttendEval
import Foundation

// MARK: - caption-json: the COCO and Karpathy caption-file readers

extension FuzzTarget {
    /// `CaptionCorpus.parseJSON`: the bytes of a COCO caption annotation file and of a Karpathy split file, through
    /// the readers `attend train --coco/--karpathy` and `attend eval` use (every input through both), up to the
    /// image-folder check, which touches no bytes of the file.
    static let captionJSON = FuzzTarget(
        name: "caption-json",
        summary: "CaptionCorpus.parseJSON (COCO captions_*.json and Karpathy dataset_*.json)",
        run: { input in
            let data = Data(input)
            for format in CaptionJSONFormat.allCases {
                guard let (corpus, listed) = try? CaptionCorpus.parseJSON(data, format: format) else { continue }
                precondition(corpus.captions.values.allSatisfy { !$0.isEmpty } && listed.count == corpus.captions.count,
                             "every listed image has captions")
            }
        },
        seeds: {
            [
                #"{"images": [{"id": 139, "file_name": "000000000139.jpg"}, {"id": "7", "file_name": "b.jpg"}], "annotations": [{"id": 1, "image_id": 139, "caption": "A kitchen with a stove."}, {"id": 2, "image_id": "7", "caption": "Two cats."}]}"#,
                #"{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 2, "caption": "nobody's"}]}"#,
                #"{"dataset": "coco", "images": [{"filename": "a.jpg", "filepath": "val2014", "split": "restval", "cocoid": 5, "sentences": [{"raw": "A bus.", "tokens": ["a", "bus"]}]}, {"filename": "b.jpg", "split": "test", "sentences": [{"tokens": ["two", "dogs"]}]}]}"#,
                #"{"dataset": "flickr8k", "images": [{"filename": "c.jpg", "split": "val", "sentences": []}]}"#,
                #"[1, 2.5e3, "\u00e9", null, true]"#,
            ].map { Array($0.utf8) }
        })
}
