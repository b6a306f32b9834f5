// MARK: - FuzzTarget
//
// One target per parser a stranger's bytes reach. Each `run` feeds one input to the same code the product runs
// and must return for every input: a thrown, documented error is a pass; a trap, a sanitizer report, a leak or
// more than a second (libFuzzer's -timeout=1 in `make fuzz`) is a finding.
//
// The executable `attend-fuzz` drives these under libFuzzer (built with -sanitize=fuzzer,address by
// `make fuzz`); AttendFuzzingTests replays the seeds and every committed regression input through them in
// `make test`. docs/RELIABILITY.md lists what each target found.

public struct FuzzTarget: Sendable {
    /// The name `attend-fuzz NAME` and the corpus folders use.
    public let name: String
    /// What the target reaches, for `attend-fuzz --help`.
    public let summary: String
    /// One input through the parser.
    public let run: @Sendable ([UInt8]) -> Void
    /// The seed corpus, made by the project itself (generated pictures, a tiny model file, small requests).
    public let seeds: @Sendable () -> [[UInt8]]

    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        .image, .exif, .modelFile, .upload, .flickr8k, .captionJSON,
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
