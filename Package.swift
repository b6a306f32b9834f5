// swift-tools-version:5.10
// attend: "Show, Attend and Tell" (Xu et al. 2015) image captioning on the CPU, in Swift.
//
// Targets, bottom to top:
//   CPNG, CJPEG, COpenBLAS   system libraries (pkg-config, Debian packages)
//   CAttendShims             the few lines of C that keep libpng/libjpeg's longjmp out of Swift frames
//   AttendMath               math kernels: the only code that calls BLAS
//   AttendImage              image I/O: decode, EXIF, resize, PNG writing, model input
//   AttendModel              layers, encoder, decoder, beam search, model file, vocabulary
//   AttendEval               caption metrics (BLEU, ROUGE-L, CIDEr-D) as the COCO toolkit computes them
//   AttendTrain              backward passes' driver, optimizer, data sets, synthetic scenes
//   Attend                   the small public API other packages use
//   attend                   the thin command-line front end
import PackageDescription

// Heavy numeric targets are always built optimised, so even a debug `swift test` runs them at speed.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "attend",
    products: [
        .library(name: "Attend", targets: ["Attend"]),
        .executable(name: "attend", targets: ["attend"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CAttendShims", dependencies: ["CPNG", "CJPEG"], linkerSettings: [.linkedLibrary("z")]),
        .target(name: "AttendMath", dependencies: ["COpenBLAS", "CAttendShims"], swiftSettings: optimised),
        .target(name: "AttendImage", dependencies: ["CAttendShims", "CPNG", "CJPEG"], swiftSettings: optimised),
        .target(name: "AttendModel", dependencies: ["AttendMath", "AttendImage", "CAttendShims"], swiftSettings: optimised),
        .target(name: "AttendEval", dependencies: [], swiftSettings: optimised),
        .target(name: "AttendTrain", dependencies: ["AttendMath", "AttendModel", "AttendImage", "AttendEval"],
                swiftSettings: optimised),
        .target(name: "Attend", dependencies: ["AttendModel", "AttendImage", "AttendEval"]),
        .executableTarget(name: "attend", dependencies: [
            "Attend", "AttendTrain", "AttendEval", "AttendImage", "AttendModel", "AttendMath", "CAttendShims",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "AttendMathTests", dependencies: ["AttendMath"]),
        .testTarget(name: "AttendImageTests", dependencies: ["AttendImage", "CAttendShims", "CJPEG", "CPNG"]),
        .testTarget(name: "AttendModelTests", dependencies: ["AttendModel", "AttendMath", "Attend"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AttendEvalTests", dependencies: ["AttendEval"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AttendTrainTests", dependencies: ["AttendTrain", "AttendModel", "AttendMath"]),
        .testTarget(name: "AttendCLITests", dependencies: ["AttendImage"]),
    ]
)
