import AttendImage
import AttendModel
import Foundation

// MARK: - Augmentation of training pictures (behind `attend train --augment`)
//
// Each is drawn per picture per batch from the batch's seeded generator, so a run stays reproducible.
// A horizontal flip is only allowed together with swapping "left" and "right" in the captions, so that what the
// caption says stays true of the flipped picture.

public struct Augmentation: Equatable, Sendable {
    /// Random crop of this fraction of the side or more (at a random place), squashed back to the side.
    /// 1 turns it off.
    public var minimumCropFraction: Float = 1
    /// Brightness, contrast and saturation each scaled by a factor drawn from [1 − j, 1 + j]. 0 turns it off.
    public var colourJitter: Float = 0
    /// Mirror half the pictures left to right, and swap "left" and "right" in their captions.
    public var flip = false

    public init(minimumCropFraction: Float = 1, colourJitter: Float = 0, flip: Bool = false) {
        self.minimumCropFraction = minimumCropFraction
        self.colourJitter = colourJitter
        self.flip = flip
    }

    public static let none = Augmentation()
    /// `--augment crop,jitter,flip` for photos.
    public static let photos = Augmentation(minimumCropFraction: 0.8, colourJitter: 0.2, flip: true)

    public var isIdentity: Bool { minimumCropFraction >= 1 && colourJitter == 0 && !flip }

    /// The augmentations `--augment` names, each at the strength of `photos`.
    public enum Kind: String, CaseIterable, Sendable {
        /// A random 80–100% crop squashed back.
        case crop
        /// Brightness, contrast and saturation ±20%.
        case jitter
        /// Mirror half the pictures, swapping "left" and "right" in their captions.
        case flip
    }

    /// `kinds` at the strength of `photos`.
    public init(_ kinds: [Kind]) {
        self.init()
        for kind in kinds {
            switch kind {
            case .crop: minimumCropFraction = Self.photos.minimumCropFraction
            case .jitter: colourJitter = Self.photos.colourJitter
            case .flip: flip = true
            }
        }
    }

    /// A comma-separated list of kinds ("crop,flip"); nil when an item names none.
    public init?(list: String) {
        var kinds: [Kind] = []
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let kind = Kind(rawValue: item) else { return nil }
            kinds.append(kind)
        }
        self.init(kinds)
    }

    /// The augmented picture (same size) and its captions (with left and right swapped when flipped).
    public func apply(_ image: RGBImage, captions: [String], using generator: inout SeededGenerator)
        -> (RGBImage, [String]) {
        var picture = image
        var captions = captions
        if minimumCropFraction < 1 {
            let fraction = minimumCropFraction + (1 - minimumCropFraction) * generator.nextUnitFloat()
            let width = max(1, Int((Float(image.width) * fraction).rounded()))
            let height = max(1, Int((Float(image.height) * fraction).rounded()))
            let x = Int(generator.nextUnitFloat() * Float(image.width - width + 1)) % (image.width - width + 1)
            let y = Int(generator.nextUnitFloat() * Float(image.height - height + 1)) % (image.height - height + 1)
            picture = crop(picture, x: x, y: y, width: width, height: height)
                .resized(width: image.width, height: image.height)
        }
        if colourJitter > 0 {
            func factor() -> Float { 1 + colourJitter * (2 * generator.nextUnitFloat() - 1) }
            picture = jitter(picture, brightness: factor(), contrast: factor(), saturation: factor())
        }
        if flip && generator.nextUnitFloat() < 0.5 {
            picture = mirror(picture)
            captions = captions.map(Augmentation.swapLeftAndRight)
        }
        return (picture, captions)
    }

    /// "a dog to the left of a man" → "a dog to the right of a man", word by word, keeping case and punctuation.
    public static func swapLeftAndRight(_ caption: String) -> String {
        var result = ""
        var word = ""
        func flush() {
            switch word.lowercased() {
            case "left": result += word.first!.isUppercase ? "Right" : "right"
            case "right": result += word.first!.isUppercase ? "Left" : "left"
            default: result += word
            }
            word = ""
        }
        for character in caption {
            if character.isLetter { word.append(character) } else { flush(); result.append(character) }
        }
        flush()
        return result
    }
}

private func crop(_ image: RGBImage, x: Int, y: Int, width: Int, height: Int) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for row in 0..<height {
        let source = ((y + row) * image.width + x) * 3
        pixels.replaceSubrange((row * width * 3)..<((row + 1) * width * 3),
                               with: image.pixels[source..<(source + width * 3)])
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

private func mirror(_ image: RGBImage) -> RGBImage {
    var pixels = image.pixels
    for row in 0..<image.height {
        for column in 0..<image.width {
            let target = (row * image.width + column) * 3, source = (row * image.width + image.width - 1 - column) * 3
            pixels[target] = image.pixels[source]
            pixels[target + 1] = image.pixels[source + 1]
            pixels[target + 2] = image.pixels[source + 2]
        }
    }
    return RGBImage(width: image.width, height: image.height, pixels: pixels)
}

/// Brightness scales every value; contrast scales the distance from the picture's mean grey; saturation the
/// distance of each pixel from its own grey. Results are clamped to 0…255.
private func jitter(_ image: RGBImage, brightness: Float, contrast: Float, saturation: Float) -> RGBImage {
    let count = image.width * image.height
    var meanGrey: Float = 0
    for i in 0..<count {
        meanGrey += 0.299 * Float(image.pixels[3 * i]) + 0.587 * Float(image.pixels[3 * i + 1])
            + 0.114 * Float(image.pixels[3 * i + 2])
    }
    meanGrey = meanGrey / Float(count) * brightness
    var pixels = image.pixels
    for i in 0..<count {
        let r = Float(image.pixels[3 * i]) * brightness, g = Float(image.pixels[3 * i + 1]) * brightness
        let b = Float(image.pixels[3 * i + 2]) * brightness
        let grey = 0.299 * r + 0.587 * g + 0.114 * b
        for (c, value) in [r, g, b].enumerated() {
            let saturated = grey + (value - grey) * saturation
            let contrasted = meanGrey + (saturated - meanGrey) * contrast
            pixels[3 * i + c] = UInt8(max(0, min(255, contrasted.rounded())))
        }
    }
    return RGBImage(width: image.width, height: image.height, pixels: pixels)
}
