import ArgumentParser

@main
struct AttendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend",
        abstract: "Caption images with a soft-attention model (Show, Attend and Tell).",
        subcommands: [TrainCommand.self])
}
