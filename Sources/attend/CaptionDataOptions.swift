import ArgumentParser
import AttendEval

// MARK: - Where captioned photos come from (attend eval, attend train)

/// One of three formats: a Flickr8k-layout folder (--data), a COCO caption file (--coco) or a Karpathy split file
/// (--karpathy), the two JSON formats with their photos' folder (--images).
struct CaptionDataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder in the Flickr8k layout (images/, Flickr8k.token.txt, Flickr_8k.{train,dev,test}Images.txt).",
                        valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("COCO caption annotations (captions_*.json); its images' file_names are in --images. One set, no splits.",
                        valueName: "file"))
    var coco: String?

    @Option(help: ArgumentHelp("Karpathy's split file (dataset_coco.json, dataset_flickr8k.json, …); each entry's filepath/filename is under --images. Its train and restval train, val is dev, test is test.",
                        valueName: "file"))
    var karpathy: String?

    @Option(help: ArgumentHelp("The folder of the photos of --coco or --karpathy.", valueName: "dir"))
    var images: String?

    /// The source named, nil when none is.
    var source: CaptionSource? {
        if let data { return .flickr8k(directory: data) }
        if let coco, let images { return .coco(annotations: coco, images: images) }
        if let karpathy, let images { return .karpathy(file: karpathy, images: images) }
        return nil
    }

    /// Whether any of --data, --coco and --karpathy is given.
    var isGiven: Bool { data != nil || coco != nil || karpathy != nil }

    func validate() throws {
        if [data, coco, karpathy].compactMap({ $0 }).count > 1 {
            throw ValidationError("give one of --data, --coco and --karpathy")
        }
        if (coco != nil || karpathy != nil) && images == nil {
            throw ValidationError("--\(coco != nil ? "coco" : "karpathy") needs --images, the folder of its photos")
        }
        if data != nil && images != nil {
            throw ValidationError("--images is for --coco and --karpathy (a --data folder holds its own images/)")
        }
    }
}
