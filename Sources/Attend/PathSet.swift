// MARK: - A set of paths in 16 bytes each

/// The paths already done, when resuming: a million paths cost 16 MB rather than the ~100 MB of their
/// strings. Each path is kept as two 64-bit hashes (FNV-1a over its bytes, and FNV-1a from another offset
/// over its bytes reversed, mixed with its length): two paths are confused only when both collide.
public struct PathSet: Sendable {
    private struct Key: Hashable {
        var first: UInt64
        var second: UInt64
    }

    private var keys = Set<Key>()

    public init() {}

    public var count: Int { keys.count }

    @discardableResult
    public mutating func insert(_ path: String) -> Bool {
        keys.insert(Self.key(path)).inserted
    }

    public func contains(_ path: String) -> Bool {
        keys.contains(Self.key(path))
    }

    private static func key(_ path: String) -> Key {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x6c62_272e_07bb_0142
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var utf8 = Array(path.utf8)
        for byte in utf8 {
            first = (first ^ UInt64(byte)) &* prime
        }
        utf8.reverse()
        for byte in utf8 {
            second = (second ^ UInt64(byte)) &* prime
        }
        // Mix the length in, so that no two paths differing only in trailing bytes share a suffix state.
        second ^= UInt64(utf8.count) &* 0x9e37_79b9_7f4a_7c15
        return Key(first: first, second: second)
    }
}
