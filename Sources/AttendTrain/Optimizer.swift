import AttendModel
import Foundation

// MARK: - Adam with gradient-norm clipping, weight decay and a learning-rate schedule
//
// Moments use the parameter layout, so one offset finds a tensor in parameters, gradients and moments.
// Non-trainable tensors (batch-norm running statistics) and frozen ones (a pretrained encoder trained around) are
// skipped.

/// Warmup (linear from 0) then cosine decay to `minimumFraction` of the peak at `totalSteps`.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minimumFraction: Float = 0.05

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minimumFraction: Float = 0.05) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumFraction = minimumFraction
    }

    /// The rate for step `step` (0-based). `timeFraction`, when given, is how much of a wall-time budget has
    /// passed: the decay then runs by whichever of steps and time is further along, so a run on a loaded
    /// machine still ends annealed at its deadline.
    public func rate(at step: Int, timeFraction: Double? = nil) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        var progress = min(Float(step - warmupSteps) / Float(span), 1)
        if let timeFraction { progress = max(progress, min(Float(timeFraction), 1)) }
        let cosine = 0.5 * (1 + cos(Float.pi * progress))
        return peak * (minimumFraction + (1 - minimumFraction) * cosine)
    }
}

public struct AdamOptions: Codable, Equatable, Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Decoupled weight decay (AdamW) on weight matrices; biases, batch-norm and embeddings are not decayed.
    public var weightDecay: Float = 0
    /// The global gradient norm is scaled down to this when above it (0: no clipping).
    public var clipNorm: Float = 5

    public init(weightDecay: Float = 0, clipNorm: Float = 5) {
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
    }
}

public final class AdamOptimizer {
    public let layout: ParameterLayout
    public var options: AdamOptions
    /// Steps taken so far: the bias corrections and the schedule read it.
    public var step = 0
    /// (P) first and second moments, in layout order.
    public var firstMoment: [Float]
    public var secondMoment: [Float]
    private let decayed: [Bool]
    /// The tensors updated: trainable and not frozen.
    private let updated: [TensorSpec]

    /// `frozen` names tensors left as they are (their gradients are ignored).
    public init(layout: ParameterLayout, options: AdamOptions = AdamOptions(), frozen: (TensorSpec) -> Bool = { _ in false }) {
        self.layout = layout
        self.options = options
        firstMoment = [Float](repeating: 0, count: layout.count)
        secondMoment = firstMoment
        updated = layout.tensors.filter { $0.trainable && !frozen($0) }
        decayed = updated.map { $0.shape.count >= 2 && $0.name != "decoder.embedding" }
    }

    /// The global L2 norm of the trainable gradients.
    public func gradientNorm(_ gradients: UnsafePointer<Float>) -> Float {
        var sum: Double = 0
        for spec in updated {
            for i in spec.offset..<(spec.offset + spec.count) { sum += Double(gradients[i]) * Double(gradients[i]) }
        }
        return Float(sum.squareRoot())
    }

    /// One update with learning rate `rate`; returns the gradient norm before clipping.
    @discardableResult
    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, rate: Float) -> Float {
        let norm = gradientNorm(gradients)
        let clip = options.clipNorm > 0 && norm > options.clipNorm ? options.clipNorm / norm : 1
        step += 1
        let (b1, b2) = (options.beta1, options.beta2)
        let correction1 = 1 - pow(b1, Float(step)), correction2 = 1 - pow(b2, Float(step))
        let stepSize = rate / correction1
        let decay = rate * options.weightDecay
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                for (spec, isDecayed) in zip(updated, decayed) {
                    for i in spec.offset..<(spec.offset + spec.count) {
                        let g = gradients[i] * clip
                        m[i] = b1 * m[i] + (1 - b1) * g
                        v[i] = b2 * v[i] + (1 - b2) * g * g
                        let denominator = (v[i] / correction2).squareRoot() + options.epsilon
                        if isDecayed { parameters[i] -= decay * parameters[i] }
                        parameters[i] -= stepSize * m[i] / denominator
                    }
                }
            }
        }
        return norm
    }
}
