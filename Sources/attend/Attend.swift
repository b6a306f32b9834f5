import ArgumentParser

@main
struct AttendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend",
        abstract: "Caption images with a soft-attention model (Show, Attend and Tell).",
        discussion: """
            Exit status: 0 success, 1 an input failed (the message on standard error names the file), \
            2 the model could not be loaded, 64 usage error.
            """,
        subcommands: [CaptionCommand.self, LabelsCommand.self, OverlayCommand.self, BatchCommand.self, AltCommand.self,
                      EvalCommand.self, TrainCommand.self,
                      PreprocessCommand.self, AverageCommand.self, InfoCommand.self, SynthCommand.self,
                      BenchCommand.self, BenchImageCommand.self, RandomModelCommand.self, ServeCommand.self])

    static func main() {
        BLASKernels.selectFastestBeforeLoading()
        Self.main(nil)
    }
}
