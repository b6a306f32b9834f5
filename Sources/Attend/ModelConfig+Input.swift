import AttendImage
import AttendModel

extension ModelConfig {
    /// How a file becomes this model's input tensor: AttendImage's decoding and squashing to the encoder's side, and
    /// its family's pixel statistics.
    public var modelInput: ModelInput {
        ModelInput(size: imageSize, mean: pixelStatistics.mean, std: pixelStatistics.std)
    }
}
