import AttendFuzzing
import Foundation

// MARK: - The libFuzzer driver, or a replay

/// The target `runFuzzer` feeds: a global, because libFuzzer's callback is a C function pointer.
nonisolated(unsafe) var selected: FuzzTarget?

#if ATTEND_FUZZ
/// libFuzzer's entry for a program with its own `main` (compiler-rt's FuzzerInterface.h).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// Runs libFuzzer with `arguments` (its flags and corpus folders, after the program name) on `selected`.
func runFuzzer(arguments: [String]) -> Int32 {
    var argc = Int32(arguments.count)
    var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    return pointers.withUnsafeMutableBufferPointer { buffer in
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            selected!.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        }
    }
}
#else
/// Without libFuzzer: each file named in `arguments` through `selected` once (a crash reproduces here).
func runFuzzer(arguments: [String]) -> Int32 {
    for path in arguments.dropFirst() where !path.hasPrefix("-") {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("attend-fuzz: \(path): cannot read\n".utf8))
            return 1
        }
        selected!.run([UInt8](data))
        print("\(path): ok")
    }
    return 0
}
#endif
