import AttendEval

// MARK: - flickr8k: the caption-data reader

extension FuzzTarget {
    /// `CaptionCorpus.parseCaptions` and `parseSplit`: the text of `Flickr8k.token.txt` and of a split list, as
    /// `attend train` and `attend eval` read them (a file that is not UTF-8 is refused before, as there). Images
    /// whose name has an even number of bytes count as present, so both the kept and the skipped lines are reached.
    static let flickr8k = FuzzTarget(
        name: "flickr8k",
        summary: "CaptionCorpus.parseCaptions and parseSplit (Flickr8k.token.txt and split lists)",
        run: { input in
            guard let text = String(validating: input, as: UTF8.self) else { return }
            _ = CaptionCorpus.parseSplit(text)
            guard let (captions, missing) = try? CaptionCorpus.parseCaptions(text, file: "fuzz.txt",
                                                                             isPresent: { $0.utf8.count % 2 == 0 })
            else { return }
            precondition(missing >= 0 && captions.values.allSatisfy { !$0.isEmpty }, "every kept image has a caption")
        },
        seeds: {
            [
                "1000268201_693b08cb0e.jpg#0\tA child in a pink dress .\n1000268201_693b08cb0e.jpg#1\tA girl going into a wooden building .\n",
                "a.png#0\ttwo red squares\r\nab.png#0\ta blue circle\r\n\r\n",
                "1000268201_693b08cb0e.jpg\n  1001773457_577c3a7d70.jpg  \n\n",
                "no tab here\n",
            ].map { Array($0.utf8) }
        })
}
