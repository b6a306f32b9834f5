import AttendModel
import CAttendShims

// MARK: - model-file: the model loader

extension FuzzTarget {
    /// `ModelFile.decode`: magic, version, header length, header JSON, the tensor table's offsets, lengths, dtypes
    /// and shapes, and the checksum. With bit 0 of the first byte set, the harness writes the right CRC-32 into
    /// the last four bytes first, so the fuzzer reaches the header and the tensors instead of stopping at the
    /// checksum; otherwise the bytes are loaded as they are.
    static let modelFile = FuzzTarget(
        name: "model-file",
        summary: "ModelFile.decode (header JSON, tensor table, lengths, offsets, checksum)",
        run: { input in
            guard let flags = input.first else { return }
            var file = Array(input.dropFirst())
            if flags & 1 != 0, file.count >= 4 {
                let crc = file.withUnsafeBufferPointer { attend_crc32(0, $0.baseAddress, $0.count - 4) }
                for i in 0..<4 { file[file.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
            }
            guard let model = try? ModelFile.decode(file, path: "fuzz.attend") else { return }
            precondition(model.parameters.count == model.layout.count, "every parameter loaded")
        },
        seeds: {
            let model = Model.referenceRandom(configName: "tiny", vocabularySize: 8, seed: 1)
            // The same model with a classifier and presence heads (format version 5), so that their headers and
            // tensors are reached too.
            var grounded = model
            let C = model.config.gridChannels
            grounded.classifier = ImageNetClassifier(
                classes: [ImageNetClass(name: "tabby", word: "cat", also: ["cats"], kind: "animal"),
                          ImageNetClass(name: "espresso", word: nil)],
                weight: [Float](repeating: 0.5, count: 2 * C), bias: [0, 1])
            grounded.presence = ObjectPresence(objects: [PresenceObject(name: "person", words: ["man", "men"])],
                                               weight: [Float](repeating: 0.25, count: C), bias: [-1])
            let files = [ModelFile.Storage.float32, .float16].compactMap { try? ModelFile.encode(model, storage: $0) }
                + [try? ModelFile.encode(grounded, storage: .float16)].compactMap { $0 }
            return files.flatMap { [[1] + $0, [0] + $0] }
        })
}
