// MARK: - Which attention a decoder uses (Xu et al. 2015, §4)
//
// Both mechanisms share every tensor: the same MLP scores the L locations, α_t = softmax(e_t), β_t gates the
// context. They differ in what the context is:
//   soft  z_t = β_t Σ_i α_ti a_i                     (§4.2: the expectation, trained by backpropagation)
//   hard  z_t = β_t a_{s_t},  s_t ~ Multinoulli(α_t)  (§4.1: one location, trained on a variational lower bound)
// A model file records the mechanism its decoder was trained with (docs/MODEL_FORMAT.md); files without that
// record are soft.

/// The attention mechanism a model was trained with.
public enum AttentionMechanism: String, Codable, CaseIterable, Sendable {
    /// Deterministic soft attention: the context is the α-weighted mean of the annotations.
    case soft
    /// Stochastic hard attention: the context is the annotation at one location drawn from α.
    case hard
}

/// How a hard-attention model's context is taken when it captions (a soft model always takes the expectation).
public enum HardInference: String, CaseIterable, Sendable {
    /// β Σ_i α_i a_i, as soft attention: what the authors' sampler does at test time (arctic-captions'
    /// `sampling=False`), the mean-field approximation of §4.1.
    case expectation
    /// β a_s with s the most probable location: one place per word, the same each time.
    case argmax
    /// β a_s with s drawn from α: the model as it trained. Draws are seeded by each picture's own grid, so a
    /// picture's caption does not depend on the pictures batched with it.
    case sample
}

extension Model {
    /// The same weights and vocabulary with another attention mechanism (they share every tensor): a soft model
    /// can start a hard run, and the reverse.
    public func with(attention: AttentionMechanism) -> Model {
        guard attention != config.attention else { return self }
        var config = self.config
        config.attention = attention
        return Model(config: config, vocabulary: vocabulary, parameters: parameters, metadata: metadata,
                     classifier: classifier)
    }
}
