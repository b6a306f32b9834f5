import ArgumentParser
import AttendModel

/// Writes a seeded random model: for tests, the numpy reference, and trying the tool before training.
struct RandomModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "random-model",
        abstract: "Write a seeded random model (for tests and references; captions are nonsense).",
        shouldDisplay: false)

    @Option(help: "Configuration: tiny (tests), shapes (synthetic scenes) or default.")
    var config: String = "tiny"

    @Option(help: "Vocabulary size including the four special tokens.")
    var vocabularySize: Int = 24

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Attention mechanism recorded in the model: soft or hard.")
    var attention: AttentionMechanism = .soft

    @Option(help: "Output model file.")
    var out: String

    func validate() throws {
        guard ModelConfig.named(config) != nil else { throw ValidationError("unknown --config '\(config)'") }
        guard vocabularySize > 4 else { throw ValidationError("--vocabulary-size must exceed 4") }
    }

    func run() throws {
        let model = Model.referenceRandom(configName: config, vocabularySize: vocabularySize, seed: seed)
        try ModelFile.write(model.with(attention: attention), to: out)
    }
}
