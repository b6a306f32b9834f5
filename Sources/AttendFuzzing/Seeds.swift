import Foundation

// MARK: - Seed corpora

extension FuzzTarget {
    /// Writes the seeds into `folder` (created if missing) as `seed-N`, leaving what is there: a corpus grown by
    /// earlier runs keeps its inputs. Returns how many seeds were written.
    @discardableResult
    public func writeSeeds(into folder: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let seeds = seeds()
        for (index, seed) in seeds.enumerated() {
            try Data(seed).write(to: URL(fileURLWithPath: folder).appendingPathComponent("seed-\(index)"))
        }
        return seeds.count
    }
}
