import Foundation
import XCTest

/// `--shard K/N` and the job schedulers' variables: N shards cover every file exactly once, by a hash of the
/// path below the root that does not depend on where the folder is.
final class BatchShardTests: XCTestCase {
    /// FNV-1a 64, written here from its definition (offset basis 14695981039346656037, prime 1099511628211).
    private func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return hash
    }

    func testShardsPartitionTheSetByTheHashOfTheRelativePath() throws {
        let folder = try batchScratchFolder(self, "shard")
        let model = try batchTinyModel(in: folder)
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos + "/sub", withIntermediateDirectories: true)
        var relative: [String] = []
        for i in 0..<40 {
            let name = i % 3 == 0 ? "sub/s\(i).png" : "p\(i).png"
            try writePNG(batchPicture(seed: 500 + i, width: 20, height: 20), to: photos + "/" + name)
            relative.append(name)
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: photos + "/bad.txt"))   // failures are sharded too
        relative.append("bad.txt")

        let whole = try attend(["batch", photos, "-r", "--model", model, "--quiet"], environment: [:])
        let all = readBatchLines(whole.stdout)
        XCTAssertEqual(all.count, relative.count)

        let count = 4
        var union: [BatchLine] = []
        for k in 0..<count {
            let run = try attend(["batch", photos, "-r", "--model", model, "--quiet", "--shard", "\(k)/\(count)"],
                                 environment: [:])
            let part = readBatchLines(run.stdout)
            XCTAssertFalse(part.isEmpty, "40 files over 4 shards: each gets some")
            let mine = Set(relative.filter { Int(fnv1a($0) % UInt64(count)) == k }.map { photos + "/" + $0 })
            XCTAssertEqual(Set(part.map(\.path)), mine, "shard \(k) is the files whose relative path hashes to it")
            union += part
        }
        XCTAssertEqual(union.count, all.count, "no file in two shards")
        XCTAssertEqual(Set(union.map(\.path)), Set(all.map(\.path)), "every file in one")
        let byPath = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
        for record in union { XCTAssertEqual(record.caption, byPath[record.path]?.caption) }

        // The same folder reached by another path (a symbolic link, as another machine's mount): same split.
        try FileManager.default.createSymbolicLink(atPath: folder + "/mount", withDestinationPath: photos)
        let elsewhere = try attend(["batch", folder + "/mount", "-r", "--model", model, "--quiet", "--shard", "1/4"],
                                   environment: [:])
        let viaLink = Set(readBatchLines(elsewhere.stdout).map { String($0.path.dropFirst((folder + "/mount/").count)) })
        XCTAssertEqual(viaLink, Set(relative.filter { fnv1a($0) % 4 == 1 }))
    }

    func testShardFromSlurmKubernetesOrAttendVariables() throws {
        let folder = try batchScratchFolder(self, "shard-env")
        let model = try batchTinyModel(in: folder)
        for i in 0..<12 { try writePNG(batchPicture(seed: 600 + i, width: 20, height: 20), to: folder + "/i\(i).png") }
        func paths(_ arguments: [String], _ environment: [String: String]) throws -> [String] {
            let run = try attend(["batch", folder, "--model", model] + arguments, environment: environment)
            XCTAssertEqual(run.status, 0, run.stderr)
            return readBatchLines(run.stdout).map(\.path)
        }
        let explicit = try paths(["--shard", "1/3"], [:])
        XCTAssertEqual(try paths([], ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"]), explicit)
        XCTAssertEqual(try paths([], ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "4"]),
                       explicit, "arrays that start at 4 count from there")
        XCTAssertEqual(try paths([], ["JOB_COMPLETION_INDEX": "1", "ATTEND_SHARD_COUNT": "3"]), explicit)
        XCTAssertEqual(try paths([], ["ATTEND_SHARD": "1/3"]), explicit)
        XCTAssertEqual(try paths(["--shard", "0/1"], ["ATTEND_SHARD": "1/3"]).count, 12, "--shard overrides the environment")

        let noCount = try attend(["batch", folder, "--model", model], environment: ["JOB_COMPLETION_INDEX": "1"])
        XCTAssertEqual(noCount.status, 64)
        XCTAssertTrue(noCount.stderr.contains("ATTEND_SHARD_COUNT"), noCount.stderr)
        let outOfRange = try attend(["batch", folder, "--model", model],
                                    environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3"])
        XCTAssertEqual(outOfRange.status, 64, outOfRange.stderr)
    }
}
