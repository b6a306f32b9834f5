import AttendModel

// MARK: - Checkpoint averaging
//
// The mean of several checkpoints of one run (taken while the learning rate anneals) sits nearer the middle
// of the basin the optimizer circles in than any one of them. Batch-norm running statistics are averaged
// like the weights. The ImageNet classifier and the presence heads are not trained by the steps whose checkpoints are
// averaged (the classifier is the encoder package's, and the heads are fitted once, to a finished captioner), so
// every checkpoint must carry the same ones, and the average carries them: it captions grounded as they do.

/// The element-wise mean of `models`' parameters (in Double). The models must share configuration and
/// vocabulary, and the same classifier and presence heads (or none); `paths` name them in the error. The metadata is
/// the last model's, with `command` (the averaging's own) after its commands, and "averaged_from".
public func averageModels(_ models: [Model], paths: [String], command: String) throws -> Model {
    precondition(!models.isEmpty && models.count == paths.count, "one path per model, at least one model")
    let first = models[0]
    for (model, path) in zip(models, paths).dropFirst() {
        if let reason = mismatch(of: model, with: first, vocabularyOf: "\(paths[0])'s", configurationOf: "\(paths[0])'s") {
            throw CheckpointError.mismatch(path: path, reason: reason)
        }
        if model.classifier != first.classifier {
            throw CheckpointError.mismatch(path: path, reason: "its ImageNet classifier differs from \(paths[0])'s")
        }
        if model.presence != first.presence {
            throw CheckpointError.mismatch(path: path, reason: "its presence heads differ from \(paths[0])'s")
        }
    }
    // Started from the first model rather than from +0, so that a weight every model holds is kept to the bit
    // (−0 stays −0): an average of checkpoints with the same frozen encoder has that encoder's very bytes, and the
    // feature cache keyed by them is reused.
    var sum = first.parameters.map(Double.init)   // (P)
    for model in models.dropFirst() {
        for i in sum.indices { sum[i] += Double(model.parameters[i]) }
    }
    let count = Double(models.count)
    var metadata = models[models.count - 1].metadata
    if let last = metadata["command"] {
        metadata["previous_commands"] = (metadata["previous_commands"].map { $0 + " ; " } ?? "") + last
    }
    metadata["command"] = command
    metadata["averaged_from"] = paths.joined(separator: " ")
    var average = Model(config: first.config, vocabulary: first.vocabulary,
                        parameters: sum.map { Float($0 / count) }, metadata: metadata)
    (average.classifier, average.presence) = (first.classifier, first.presence)
    return average
}
