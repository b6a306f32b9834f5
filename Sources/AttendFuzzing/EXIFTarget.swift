import AttendImage

// MARK: - exif: the EXIF orientation reader alone

extension FuzzTarget {
    /// `exifOrientation` on the bytes of an APP1 segment or an eXIf chunk: offsets, counts, byte orders.
    static let exif = FuzzTarget(
        name: "exif",
        summary: "exifOrientation on an EXIF block (TIFF header, IFD0 entries, offsets)",
        run: { input in
            let orientation = input.withUnsafeBytes { exifOrientation($0) }
            if let orientation { precondition((1...8).contains(orientation.rawValue), "orientations are 1 to 8") }
        },
        seeds: {
            (1...8).flatMap { orientation in
                [exifBlock(orientation: orientation), exifBlock(orientation: orientation, bigEndian: true),
                 exifBlock(orientation: orientation, app1Header: false)]
            }
        })
}
