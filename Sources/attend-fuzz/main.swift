import AttendFuzzing
import Foundation

// MARK: - attend-fuzz
//
//   attend-fuzz TARGET [libFuzzer flags] [CORPUS…]   built by `make fuzz` (-sanitize=fuzzer,address, -DATTEND_FUZZ):
//                                                    libFuzzer's driver on that target
//   attend-fuzz TARGET FILE…                         any other build: each file through the target once (replay)
//   attend-fuzz seeds TARGET FOLDER                  writes the target's seed corpus
//   attend-fuzz list                                 the targets

func usage() -> Never {
    var text = "usage: attend-fuzz TARGET [libFuzzer flags] [CORPUS…] | attend-fuzz seeds TARGET FOLDER | attend-fuzz list\n"
    for target in FuzzTarget.all { text += "  \(target.name): \(target.summary)\n" }
    FileHandle.standardError.write(Data(text.utf8))
    exit(2)
}

func target(_ name: String) -> FuzzTarget {
    guard let target = FuzzTarget.named(name) else {
        FileHandle.standardError.write(Data("attend-fuzz: no target '\(name)'\n".utf8))
        usage()
    }
    return target
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { usage() }
switch arguments[1] {
case "list":
    for target in FuzzTarget.all { print(target.name) }
case "seeds":
    guard arguments.count == 4 else { usage() }
    do {
        let count = try target(arguments[2]).writeSeeds(into: arguments[3])
        print("\(arguments[3]): \(count) seeds")
    } catch {
        FileHandle.standardError.write(Data("attend-fuzz: \(arguments[3]): \(error)\n".utf8))
        exit(1)
    }
default:
    selected = target(arguments[1])
    exit(runFuzzer(arguments: [arguments[0]] + arguments.dropFirst(2)))
}
