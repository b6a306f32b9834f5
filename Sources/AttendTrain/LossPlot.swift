import AttendImage
import Foundation

// MARK: - Loss curves as a PNG
//
// `attend train --plot` draws the training cross-entropy (per step, and its running mean) and the validation
// points on one chart, written by AttendImage's PNG writer.

/// A chart of `steps` (step, cross-entropy) and `validation` (step, cross-entropy), width × height pixels.
public func lossChart(steps: [(Int, Float)], validation: [(Int, Float)], width: Int = 720, height: Int = 420) -> RGBImage {
    var image = RGBImage(width: width, height: height, fill: (255, 255, 255))
    let (left, right, top, bottom) = (56, 16, 28, 36)
    let plotWidth = width - left - right, plotHeight = height - top - bottom
    strokeRect(into: &image, x: left, y: top, width: plotWidth, height: plotHeight, colour: (0, 0, 0))
    drawText("cross-entropy per word vs step (grey: step, blue: running mean, red: validation)", into: &image,
             x: left, y: 8, scale: 1, colour: (0, 0, 0))
    let all = steps.map(\.1) + validation.map(\.1)
    guard let maxStep = (steps.map(\.0) + validation.map(\.0)).max(), maxStep > 0,
          let high = all.max(), let low = all.min() else { return image }
    let top_ = high, bottom_ = min(low, 0)
    func point(_ step: Int, _ value: Float) -> (Int, Int) {
        let x = left + Int(Double(step) / Double(maxStep) * Double(plotWidth - 1))
        let y = top + Int(Double(top_ - value) / Double(max(top_ - bottom_, 1e-6)) * Double(plotHeight - 1))
        return (x, y)
    }
    func line(_ a: (Int, Int), _ b: (Int, Int), _ colour: (UInt8, UInt8, UInt8), thick: Int = 1) {
        let n = max(abs(b.0 - a.0), abs(b.1 - a.1), 1)
        for i in 0...n {
            let x = a.0 + (b.0 - a.0) * i / n, y = a.1 + (b.1 - a.1) * i / n
            fillRect(into: &image, x: x, y: y, width: thick, height: thick, colour: colour)
        }
    }
    for (a, b) in zip(steps, steps.dropFirst()) { line(point(a.0, a.1), point(b.0, b.1), (190, 190, 190)) }
    var mean = steps.first?.1 ?? 0
    var previous: (Int, Int)? = nil
    for (step, value) in steps {
        mean = 0.98 * mean + 0.02 * value
        let p = point(step, mean)
        if let previous { line(previous, p, (30, 80, 220), thick: 2) }
        previous = p
    }
    for (step, value) in validation {
        let p = point(step, value)
        fillRect(into: &image, x: p.0 - 3, y: p.1 - 3, width: 7, height: 7, colour: (220, 30, 30))
    }
    for k in 0...4 {
        let value = bottom_ + (top_ - bottom_) * Float(k) / 4
        let y = point(0, value).1
        drawText(String(format: "%.2f", value), into: &image, x: 4, y: y - 4, scale: 1, colour: (0, 0, 0))
        let step = maxStep * k / 4
        drawText("\(step)", into: &image, x: point(step, 0).0 - 8, y: height - bottom + 8, scale: 1, colour: (0, 0, 0))
    }
    return image
}

/// Writes the chart of a JSONL training log (`--log`) to a PNG file.
public func writeLossPlot(logPath: String, to path: String) throws {
    guard let data = FileManager.default.contents(atPath: logPath), let text = String(data: data, encoding: .utf8) else {
        throw CheckpointError.unreadable(path: logPath, reason: "cannot read the training log")
    }
    var steps: [(Int, Float)] = [], validation: [(Int, Float)] = []
    for line in text.split(separator: "\n") {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let step = object["step"] as? Int else { continue }
        if let value = object["validationCrossEntropy"] as? Double {
            validation.append((step, Float(value)))
        } else if let value = object["crossEntropy"] as? Double {
            steps.append((step, Float(value)))
        }
    }
    try PNGWriter.write(lossChart(steps: steps, validation: validation), to: path)
}
