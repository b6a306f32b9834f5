import AttendEval
import AttendImage
import CJPEG
import Foundation

// MARK: - Pictures of a caption corpus, decoded for training
//
// `decodePicture` is the one place training reads picture files, so AttendImage's `ModelInput.load(path:size:)`
// replaces it once it is on main.

public enum PictureError: Error, CustomStringConvertible {
    case undecodable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .undecodable(path, reason): return "\(path): cannot decode picture: \(reason)"
        }
    }
}

extension CaptionDataset {
    /// Decodes the pictures of one split ("train", "dev", "test") of a corpus at side × side, with their captions.
    public init(corpus: CaptionCorpus, split: String, side: Int, limit: Int? = nil) throws {
        self.init(side: side)
        for image in corpus.split(split).prefix(limit ?? Int.max) {
            append(try decodePicture(path: corpus.imagePath(image), side: side), captions: corpus.references(image),
                   name: image)
        }
    }
}

/// The picture at `path` as side × side RGB (JPEG through libjpeg; a picture of another size is squashed
/// to the side by bilinear sampling).
func decodePicture(path: String, side: Int) throws -> RGBImage {
    guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
        throw PictureError.undecodable(path: path, reason: "cannot read the file")
    }
    let bytes = [UInt8](data)
    guard bytes.count > 3, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
        throw PictureError.undecodable(path: path, reason: "not a JPEG file")
    }
    let image = decodeJPEG(bytes)
    return image.width == side && image.height == side ? image : squash(image, side: side)
}

// libjpeg reports errors by longjmp, which must not cross Swift frames. Until AttendImage's decoder (with its
// setjmp in C) is on main, a decoding error here ends the process with the library's message: training reads
// only the corpus's own, well-formed files.
private func decodeJPEG(_ bytes: [UInt8]) -> RGBImage {
    var info = jpeg_decompress_struct()
    var errors = jpeg_error_mgr()
    info.err = jpeg_std_error(&errors)
    errors.error_exit = { common in
        var message = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
        common?.pointee.err.pointee.format_message(common, &message)
        FileHandle.standardError.write(Data(("libjpeg: " + String(cString: message) + "\n").utf8))
        exit(3)
    }
    jpeg_CreateDecompress(&info, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
    defer { jpeg_destroy_decompress(&info) }
    return bytes.withUnsafeBufferPointer { buffer in
        jpeg_mem_src(&info, buffer.baseAddress, UInt(buffer.count))
        _ = jpeg_read_header(&info, 1)
        info.out_color_space = JCS_RGB
        _ = jpeg_start_decompress(&info)
        let width = Int(info.output_width), height = Int(info.output_height)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            while info.output_scanline < info.output_height {
                var row: JSAMPROW? = out.baseAddress! + Int(info.output_scanline) * width * 3
                _ = jpeg_read_scanlines(&info, &row, 1)
            }
        }
        _ = jpeg_finish_decompress(&info)
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// Bilinear resampling to side × side (pixel centres aligned), aspect ratio not kept.
private func squash(_ image: RGBImage, side: Int) -> RGBImage {
    var out = [UInt8](repeating: 0, count: side * side * 3)
    let sx = Double(image.width) / Double(side), sy = Double(image.height) / Double(side)
    for y in 0..<side {
        let fy = max(0, min(Double(image.height - 1), (Double(y) + 0.5) * sy - 0.5))
        let y0 = Int(fy), y1 = min(y0 + 1, image.height - 1), wy = fy - Double(y0)
        for x in 0..<side {
            let fx = max(0, min(Double(image.width - 1), (Double(x) + 0.5) * sx - 0.5))
            let x0 = Int(fx), x1 = min(x0 + 1, image.width - 1), wx = fx - Double(x0)
            for c in 0..<3 {
                func p(_ xx: Int, _ yy: Int) -> Double { Double(image.pixels[(yy * image.width + xx) * 3 + c]) }
                let value = (1 - wy) * ((1 - wx) * p(x0, y0) + wx * p(x1, y0)) + wy * ((1 - wx) * p(x0, y1) + wx * p(x1, y1))
                out[(y * side + x) * 3 + c] = UInt8(max(0, min(255, value.rounded())))
            }
        }
    }
    return RGBImage(width: side, height: side, pixels: out)
}
