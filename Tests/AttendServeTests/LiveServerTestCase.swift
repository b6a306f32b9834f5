import XCTest

/// A test case whose tests share one in-process server (`ServerFixture`), started before its first test and
/// stopped after its last: each subclass gets its own.
class LiveServerTestCase: XCTestCase {
    nonisolated(unsafe) private static var servers: [ObjectIdentifier: ServerFixture] = [:]

    override class func setUp() {
        super.setUp()
        servers[ObjectIdentifier(self)] = try? ServerFixture()
    }

    override class func tearDown() {
        servers.removeValue(forKey: ObjectIdentifier(self))?.stop()
        super.tearDown()
    }

    var server: ServerFixture {
        get throws { try XCTUnwrap(Self.servers[ObjectIdentifier(Self.self)], "the test server did not start") }
    }

    var port: Int { get throws { try server.port } }
}
