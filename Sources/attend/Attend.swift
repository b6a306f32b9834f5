import ArgumentParser

@main
struct AttendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend",
        abstract: "Caption images with a soft-attention model (Show, Attend and Tell).",
        subcommands: [EvalCommand.self, BenchCommand.self, RandomModelCommand.self, TrainCommand.self])

    static func main() {
        BLASKernels.selectFastestBeforeLoading()
        Self.main(nil)
    }
}
