import AttendServe
import Foundation
import XCTest

/// The limits that keep slow or idle clients from holding the service: the header and request deadlines
/// (which Hummingbird's idle timeout alone does not give: it restarts at every byte of a body) and the
/// connection cap. The idle timeout is 30 s here, so a cut within a few seconds is the deadlines' doing.
final class ServeDeadlineTests: XCTestCase {
    nonisolated(unsafe) private static var fixture: ServerFixture?

    override class func setUp() {
        super.setUp()
        var configuration = ServerFixture.testConfiguration()
        configuration.idleTimeoutSeconds = 30
        configuration.headerTimeoutSeconds = 1
        configuration.requestTimeoutSeconds = 2
        configuration.maxConnections = 4
        fixture = try? ServerFixture(configuration: configuration)
    }

    override class func tearDown() {
        fixture?.stop()
        fixture = nil
        super.tearDown()
    }

    private var port: Int { get throws { try XCTUnwrap(Self.fixture, "the test server did not start").port } }

    /// Sends `pieces` one every `interval` seconds until the server closes the connection; the seconds it took.
    private func secondsUntilClosed(_ client: RawHTTPClient, pieces: [[UInt8]], interval: Double) -> Double? {
        let start = Date()
        for piece in pieces {
            if !client.send(piece) { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: interval)
        }
        return client.serverClosed() ? Date().timeIntervalSince(start) : nil
    }

    func testHeadersTrickledByteByByteAreCutAtTheHeaderTimeout() throws {
        let client = try RawHTTPClient(port: port, timeout: 1)
        let head = Array("POST /v1/caption HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + [UInt8](repeating: 97, count: 60)
        let seconds = try XCTUnwrap(secondsUntilClosed(client, pieces: head.map { [$0] }, interval: 0.1),
                                    "a connection trickling its headers is still open after \(head.count / 10) s")
        XCTAssertLessThan(seconds, 4, "cut at the 1 s header timeout, not the 30 s idle timeout")
    }

    func testBodyTrickledByteByByteIsCutAtTheRequestTimeout() throws {
        let client = try RawHTTPClient(port: port, timeout: 1)
        let body = Fixtures.scene
        client.send("POST /v1/caption HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: \(body.count)\r\n\r\n")
        let seconds = try XCTUnwrap(secondsUntilClosed(client, pieces: body.prefix(80).map { [$0] }, interval: 0.1),
                                    "a body trickled a byte every 0.1 s is still being read after 8 s")
        XCTAssertLessThan(seconds, 5, "cut at the 2 s request timeout")
        XCTAssertGreaterThan(seconds, 1.5, "not before the request timeout")
    }

    /// Four idle connections fill the cap of 4: the next request waits unaccepted until the header timeout
    /// closes them, then is answered.
    func testConnectionCapHoldsTheNextConnectionUntilOneCloses() throws {
        let port = try port
        let idle = try (0..<4).map { _ in try RawHTTPClient(port: port) }
        Thread.sleep(forTimeInterval: 0.2)
        let start = Date()
        let answer = try RawHTTPClient.request(port: port, path: "/v1/caption?beam=1", body: Fixtures.scene)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.5, "answered while 4 connections held the cap of 4")
        XCTAssertTrue(idle.allSatisfy { $0.serverClosed() }, "the idle connections were closed by the header timeout")
    }

    /// A client answered keeps its connection for its next request: the header deadline starts after the answer.
    func testKeepAliveClientGetsAFreshHeaderDeadlineAfterEachAnswer() throws {
        let client = try RawHTTPClient(port: port, timeout: 10)
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.6)   // under the 1 s header timeout each time, over it in all
            XCTAssertTrue(client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
            XCTAssertEqual(try client.answer().status, 200)
        }
    }
}
