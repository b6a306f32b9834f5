import AttendModel
import AttendTrain
import XCTest

// MARK: - Finite-difference gradient checking
//
// Every backward pass is checked against central differences (f(x + h) − f(x − h)) / 2h of a scalar loss,
// the loss summed in Double. A coordinate passes when |numeric − analytic| ≤ rtol · max(|numeric|, |analytic|)
// + atol; the tolerances are stated at each call.

struct GradientTolerance {
    var step: Float = 1e-2
    var relative: Double = 1e-2
    var absolute: Double = 1e-3
}

/// Random values in [−scale, scale), reproducible for a seed.
func randomValues(_ count: Int, scale: Float = 1, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in scale * (2 * generator.nextUnitFloat() - 1) }
}

/// Compares `analytic` with central differences of `loss` in the entries of `values`, at up to
/// `coordinates` entries spread over the tensor (all of them when it is small).
func checkGradient(_ name: String, values: inout [Float], analytic: [Float], tolerance: GradientTolerance = .init(),
                   coordinates: Int = 40, file: StaticString = #filePath, line: UInt = #line,
                   loss: ([Float]) -> Double) {
    precondition(values.count == analytic.count, "\(name): gradient and values differ in size")
    let indices: [Int]
    if values.count <= coordinates {
        indices = Array(values.indices)
    } else {
        indices = (0..<coordinates).map { $0 * values.count / coordinates + ($0 * 7919) % max(values.count / coordinates, 1) }
    }
    var failures: [String] = []
    var largest = 0.0
    for index in indices {
        let original = values[index]
        values[index] = original + tolerance.step
        let plus = loss(values)
        values[index] = original - tolerance.step
        let minus = loss(values)
        values[index] = original
        let numeric = (plus - minus) / (2 * Double(tolerance.step))
        let exact = Double(analytic[index])
        largest = max(largest, abs(exact))
        let allowed = tolerance.relative * max(abs(numeric), abs(exact)) + tolerance.absolute
        if abs(numeric - exact) > allowed {
            failures.append("[\(index)] numeric \(numeric) analytic \(exact)")
        }
    }
    XCTAssertTrue(failures.isEmpty, "\(name): \(failures.count)/\(indices.count) coordinates differ: "
                  + failures.prefix(5).joined(separator: "; "), file: file, line: line)
    // A gradient that is zero everywhere would pass trivially; every checked tensor must matter.
    XCTAssertGreaterThan(largest, 0, "\(name): the analytic gradient is zero at every checked coordinate",
                         file: file, line: line)
}

/// Σ values · projection in Double: a scalar loss whose gradient with respect to `values` is `projection`.
func projected(_ values: [Float], _ projection: [Float]) -> Double {
    zip(values, projection).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Zeroed buffers of the given sizes for a backward pass to add into; returns their contents afterwards.
func zeroBuffers(_ counts: [Int], _ body: ([UnsafeMutablePointer<Float>]) -> Void) -> [[Float]] {
    let pointers = counts.map { count -> UnsafeMutablePointer<Float> in
        let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
        return pointer
    }
    defer { pointers.forEach { $0.deallocate() } }
    body(pointers)
    return zip(pointers, counts).map { Array(UnsafeBufferPointer(start: $0, count: $1)) }
}

/// Every tensor `pass` trains (the encoder's too where it trains them), against central differences of its loss on
/// `batch` (dropout reseeded alike for every evaluation). `step` gives each tensor's finite-difference step.
/// Returns the analytic gradients.
@discardableResult
func checkGraphGradients(_ pass: TrainingPass, batch: TrainingBatch, coordinates: Int = 12,
                         file: StaticString = #filePath, line: UInt = #line, step: (TensorSpec) -> Float) -> [Float] {
    let graph = pass.graph, layout = graph.layout
    let encoderTensors = Set(layout.encoderTensors.map(\.name)), trained = pass.encoder?.trainedTensorNames ?? []
    func loss() -> Double {
        graph.reseedDropout(11)
        return Double(pass.forward(batch).total)
    }
    _ = loss()
    graph.zeroGradients()
    pass.backward()
    let analytic = Array(UnsafeBufferPointer(start: graph.gradients, count: layout.count))
    // The score bias cancels in the softmax; running statistics and a frozen encoder get no gradient.
    for spec in layout.tensors where spec.trainable && spec.name != "decoder.att_score.bias"
        && (!encoderTensors.contains(spec.name) || trained.contains(spec.name)) {
        var values = Array(UnsafeBufferPointer(start: graph.parameters + spec.offset, count: spec.count))
        checkGradient(spec.name, values: &values, analytic: Array(analytic[spec.offset..<(spec.offset + spec.count)]),
                      tolerance: GradientTolerance(step: step(spec), relative: 2e-2, absolute: 2e-3),
                      coordinates: coordinates, file: file, line: line) { values in
            (graph.parameters + spec.offset).update(from: values, count: spec.count)
            return loss()
        }
        (graph.parameters + spec.offset).update(from: values, count: spec.count)
    }
    return analytic
}

/// A small EfficientNet-Lite0 captioner for gradient tests: `imageSize` pixels, grid `tap` projected to 4, E = 5,
/// H = 6, A = 4, eight words, every tensor random (batch norms too).
func smallLite0Captioner(imageSize: Int, tap: LiteTap, seed: UInt64) -> Model {
    smallCaptioner(EncoderConfig(Lite0EncoderConfig(imageSize: imageSize, tap: tap)), seed: seed)
}

/// The same on another encoder (EfficientNet-Lite1 or Lite2 at a small side).
func smallCaptioner(_ encoder: EncoderConfig, seed: UInt64) -> Model {
    var config = ModelConfig(encoder: encoder, projectionSize: 4)
    config.embeddingSize = 5
    config.hiddenSize = 6
    config.attentionSize = 4
    let vocabulary = Vocabulary(words: Vocabulary.specialTokens + ["red", "circle", "and", "blue"])
    return Model.random(config: config, vocabulary: vocabulary, seed: seed, randomizeAll: true)
}
