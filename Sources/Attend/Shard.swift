// MARK: - Shards: one folder split among N independent processes

/// Shard K of N (K = 0 … N−1): the images whose relative path hashes to K modulo N.
///
/// The hash is FNV-1a 64 of the path's UTF-8 bytes relative to the root it was found under, so the split
/// depends neither on where the folder is mounted nor on which machine runs the shard, and the N shards
/// cover every image exactly once.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// Every image: shard 0 of 1.
    public static let all = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "shard index must be in 0..<count")
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// True when the image at `relativePath` belongs to this shard.
    public func contains(relativePath: String) -> Bool {
        count == 1 || Int(Self.fnv1a64(relativePath) % UInt64(count)) == index
    }

    // MARK: - Parsing

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed(String, source: String)
        case outOfRange(index: Int, count: Int, source: String)

        public var description: String {
            switch self {
            case let .malformed(text, source):
                return "\(source): '\(text)' is not a shard K/N (K = 0 … N−1, e.g. 0/4)"
            case let .outOfRange(index, count, source):
                return "\(source): shard index \(index) is not in 0…\(count - 1)"
            }
        }
    }

    /// "K/N", as `--shard` takes it.
    public static func parse(_ text: String, source: String = "--shard") throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingSpaces), let count = Int(parts[1].trimmingSpaces),
              count >= 1 else {
            throw ParseError.malformed(text, source: source)
        }
        return try make(index: index, count: count, source: source)
    }

    private static func make(index: Int, count: Int, source: String) throws -> Shard {
        guard (0..<count).contains(index) else { throw ParseError.outOfRange(index: index, count: count, source: source) }
        return Shard(index: index, count: count)
    }

    // MARK: - From a job scheduler's environment

    /// The variable giving the shard count beside a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`
    /// (Kubernetes does not export `.spec.completions`; set it to the same number in the manifest).
    public static let countVariable = "ATTEND_SHARD_COUNT"

    /// The shard a job array assigned to this process, and the variables it came from; nil outside one.
    ///
    /// - Slurm job arrays: `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` (0 when unset) of
    ///   `SLURM_ARRAY_TASK_COUNT`.
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` of `ATTEND_SHARD_COUNT` (required with it).
    /// - Anything else: `ATTEND_SHARD` = "K/N".
    public static func fromEnvironment(_ environment: [String: String]) throws -> (shard: Shard, source: String)? {
        if let text = environment["ATTEND_SHARD"] {
            return (try parse(text, source: "ATTEND_SHARD"), "ATTEND_SHARD")
        }
        if let id = environment["SLURM_ARRAY_TASK_ID"], let countText = environment["SLURM_ARRAY_TASK_COUNT"] {
            let source = "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT"
            let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            guard let task = Int(id), let count = Int(countText), count >= 1 else {
                throw ParseError.malformed("\(id)/\(countText)", source: source)
            }
            return (try make(index: task - minimum, count: count, source: source), source)
        }
        if let indexText = environment["JOB_COMPLETION_INDEX"] {
            let source = "JOB_COMPLETION_INDEX/\(countVariable)"
            guard let countText = environment[countVariable] else {
                throw ParseError.malformed("\(indexText)/?", source: source + " (set \(countVariable) to the job's completions)")
            }
            guard let index = Int(indexText), let count = Int(countText), count >= 1 else {
                throw ParseError.malformed("\(indexText)/\(countText)", source: source)
            }
            return (try make(index: index, count: count, source: source), source)
        }
        return nil
    }

    // MARK: - The hash

    /// FNV-1a, 64 bits, of the UTF-8 bytes: stable across runs, machines and versions of Swift (unlike `Hasher`).
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
