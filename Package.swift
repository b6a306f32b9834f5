// swift-tools-version:5.10
// attend: "Show, Attend and Tell" (Xu et al. 2015) image captioning on the CPU, in Swift.
//
// Targets, bottom to top:
//   CPNG, CJPEG, COpenBLAS   system libraries (pkg-config, Debian packages)
//   CAttendShims             the few lines of C that keep libpng/libjpeg's longjmp out of Swift frames
//   AttendSupport            the few helpers every target uses: the atomic file write, the stopwatch
//   AttendMath               math kernels: the only code that calls BLAS
//   AttendImage              image I/O: decode, EXIF, resize, PNG writing, model input
//   AttendModel              layers, encoder families, decoder, beam search, grounding, model file, vocabulary
//   AttendEval               caption metrics (BLEU, ROUGE-L, CIDEr-D as the COCO toolkit computes them; CHAIR) and
//                            the caption corpus readers (Flickr8k layout, COCO, Karpathy)
//   AttendTrain              backward passes' driver, optimizer, data sets, synthetic scenes
//   Attend                   the small public API other packages use
//   AttendUpload             what a request body becomes: content type, multipart/form-data, size limit (no HTTP)
//   AttendServe              `attend serve`: the HTTP captioning service and its page (Hummingbird)
//   attend                   the thin command-line front end
//   attend-fuzz              libFuzzer targets, one per parser (`make fuzz`; docs/RELIABILITY.md)
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
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CAttendShims", dependencies: ["CPNG", "CJPEG"], linkerSettings: [.linkedLibrary("z")]),
        .target(name: "AttendSupport", dependencies: []),
        .target(name: "AttendMath", dependencies: ["COpenBLAS", "CAttendShims"], swiftSettings: optimised),
        .target(name: "AttendImage", dependencies: ["AttendSupport", "CAttendShims", "CPNG", "CJPEG"],
                swiftSettings: optimised),
        .target(name: "AttendModel", dependencies: ["AttendMath", "AttendSupport", "CAttendShims"], swiftSettings: optimised),
        .target(name: "AttendEval", dependencies: [], swiftSettings: optimised),
        .target(name: "AttendTrain", dependencies: ["AttendMath", "AttendModel", "AttendImage", "AttendEval", "AttendSupport"],
                swiftSettings: optimised),
        .target(name: "Attend", dependencies: ["AttendModel", "AttendImage", "AttendEval", "AttendSupport"]),
        .target(name: "AttendUpload", dependencies: []),
        .target(name: "AttendServe", dependencies: [
            "Attend", "AttendImage", "AttendModel", "AttendUpload",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "attend", dependencies: [
            "Attend", "AttendServe", "AttendTrain", "AttendEval", "AttendImage", "AttendModel", "AttendMath", "AttendSupport",
            "CAttendShims",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libFuzzer targets: a library of harnesses (replayed by the tests) and the driver `make fuzz` builds with
        // -sanitize=fuzzer,address; in any other build the driver replays files.
        .target(name: "AttendFuzzing", dependencies: ["AttendImage", "AttendModel", "AttendUpload", "AttendEval",
                                                      "CAttendShims"]),
        .executableTarget(name: "attend-fuzz", dependencies: ["AttendFuzzing"]),
        .testTarget(name: "AttendSupportTests", dependencies: ["AttendSupport"]),
        .testTarget(name: "AttendMathTests", dependencies: ["AttendMath"]),
        .testTarget(name: "AttendImageTests", dependencies: ["AttendImage", "CAttendShims", "CJPEG", "CPNG"]),
        .testTarget(name: "AttendModelTests", dependencies: ["AttendModel", "AttendMath", "Attend"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AttendEvalTests", dependencies: ["AttendEval"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AttendTrainTests", dependencies: ["AttendTrain", "AttendModel", "AttendMath", "Attend"]),
        .testTarget(name: "AttendCLITests", dependencies: ["AttendImage", "AttendModel"]),
        .testTarget(name: "AttendServeTests", dependencies: ["AttendServe", "Attend", "AttendImage", "AttendUpload"]),
        .testTarget(name: "AttendFuzzingTests", dependencies: ["AttendFuzzing", "AttendUpload", "AttendModel", "AttendImage",
                                                               "AttendEval"],
                    resources: [.copy("Regressions")]),
        .testTarget(name: "AttendTests", dependencies: ["Attend", "AttendImage"]),
    ]
)
