import ArgumentParser
import AttendModel
import AttendTrain
import Foundation

/// `attend average`: one model from the mean of several checkpoints of the same run.
struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average the weights of checkpoints of one run into one model.",
        discussion: """
            The checkpoints must share configuration and vocabulary (snapshots of one run, e.g. copies of \
            <out>.last taken while the learning rate anneals), and their ImageNet classifier and presence heads, \
            which the average keeps. Exit status: 0 written, 1 the checkpoints do \
            not fit together or the output cannot be written, 2 a checkpoint could not be read.
            """)

    @Argument(help: ArgumentHelp("Model files to average.", valueName: "model"))
    var models: [String]

    @Option(help: "Output model file.")
    var out: String

    func validate() throws {
        if models.count < 2 { throw ValidationError("Give at least two model files.") }
    }

    func run() throws {
        var loaded: [Model] = []
        for path in models {
            do { loaded.append(try ModelFile.read(path: path)) } catch {
                FileHandle.standardError.write(Data("attend average: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        do {
            try ModelFile.write(try averageModels(loaded, paths: models,
                                             command: CommandLine.arguments.joined(separator: " ")), to: out)
        } catch {
            FileHandle.standardError.write(Data("attend average: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
