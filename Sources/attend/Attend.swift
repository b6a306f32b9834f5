import ArgumentParser

@main
struct AttendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend",
        abstract: "Caption images with a soft-attention model (Show, Attend and Tell).",
        discussion: """
            Exit status: 0 success, 1 an input failed (the message on standard error names the file), \
            64 usage error.
            """,
        subcommands: [EvalCommand.self, BenchCommand.self, RandomModelCommand.self, PreprocessCommand.self,
                      InfoCommand.self, SynthCommand.self, BenchImageCommand.self, TrainCommand.self])

    static func main() {
        BLASKernels.selectFastestBeforeLoading()
        Self.main(nil)
    }
}
