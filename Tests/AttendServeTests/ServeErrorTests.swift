import XCTest

/// Every refusal has its status and a JSON line; nothing a client sends yields a 500 or stops the server.
final class ServeErrorTests: LiveServerTestCase {
    /// `answer` is the JSON error `status` calls for, its message containing `fragment`.
    private func assertRefused(_ answer: RawHTTPClient.Answer, _ status: Int, _ fragment: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(answer.status, status, answer.text, file: file, line: line)
        XCTAssertEqual(answer.headers["content-type"], "application/json", file: file, line: line)
        XCTAssertTrue(answer.error?.contains(fragment) ?? false, "\(answer.text) lacks '\(fragment)'", file: file, line: line)
    }

    private func assertStillCaptions(file: StaticString = #filePath, line: UInt = #line) throws {
        let answer = try RawHTTPClient.request(port: port, path: "/v1/caption?beam=1", body: Fixtures.scene)
        XCTAssertEqual(answer.status, 200, answer.text, file: file, line: line)
        XCTAssertFalse((answer.json?["caption"] as? String ?? "").isEmpty, file: file, line: line)
    }

    func testEachErrorClass() throws {
        let port = try port
        assertRefused(try RawHTTPClient.request(port: port, method: "GET", path: "/nowhere", contentType: nil), 404, "no such route")
        let wrongMethod = try RawHTTPClient.request(port: port, method: "GET", path: "/v1/caption", contentType: nil)
        assertRefused(wrongMethod, 405, "use POST")
        XCTAssertEqual(wrongMethod.headers["allow"], "POST")
        assertRefused(try RawHTTPClient.request(port: port, method: "DELETE", path: "/healthz", contentType: nil), 405, "use GET")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption", contentType: "text/plain",
                                                body: Fixtures.scene), 415, "unsupported Content-Type 'text/plain'")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption", body: Array("GIF89a\u{1}\u{0}".utf8)),
                      415, "GIF image")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption", body: []), 400, "empty body")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption", body: Array(Fixtures.scene.prefix(3000))),
                      400, "truncated PNG")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/overlay",
                                                body: Fixtures.pngHeader(width: 60000, height: 60000)), 422, "too large")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption", contentType: "image/jpeg",
                                                body: Fixtures.jpegHeader(width: 5000, height: 5000)), 422, "25,000,000")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption?beam=0", body: Fixtures.scene), 400, "beam")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption?length_alpha=nan", body: Fixtures.scene),
                      400, "length_alpha")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/overlay?style=neon", body: Fixtures.scene), 400, "style")
        let form = Fixtures.multipart(field: "photo", fileName: "a.png", bytes: Fixtures.scene)
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption", contentType: form.contentType, body: form.body),
                      400, "no field 'image'")
        assertRefused(try RawHTTPClient.request(port: port, path: "/v1/caption", contentType: "multipart/form-data",
                                                body: form.body), 400, "boundary")
        try assertStillCaptions()
    }

    /// A Content-Length over the limit is refused before any of the body is sent.
    func testOversizedBodyIsRefusedFromItsHeader() throws {
        let client = try RawHTTPClient(port: port, timeout: 5)
        client.send("POST /v1/caption HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 500000000\r\n\r\n")
        let answer = try client.answer()
        assertRefused(answer, 413, "body too large")
        XCTAssertEqual(answer.headers["connection"], "close")
        XCTAssertTrue(client.serverClosed(), "the server closes rather than read 500 MB it will not use")
        try assertStillCaptions()
    }

    /// A chunked body (no length said) is counted as it arrives, and cut off at the limit.
    func testOversizedChunkedBodyIsRefusedWhileStreaming() throws {
        let client = try RawHTTPClient(port: port, timeout: 5)
        client.send("POST /v1/caption HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = [UInt8](repeating: 0x89, count: 64 << 10)
        var sent = 0
        while sent <= (1 << 20) + (128 << 10) {   // past the 1 MB limit; the server may stop reading sooner
            guard client.send(Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10]) else { break }
            sent += chunk.count
        }
        assertRefused(try client.answer(), 413, "body too large")
        try assertStillCaptions()
    }

    func testHostileMixNeverGetsA500() throws {
        let scene = Fixtures.scene
        var flipped = scene
        for i in stride(from: 200, to: flipped.count - 20, by: 97) { flipped[i] ^= 0x5A }   // damage the image data
        let hostile: [(String, [UInt8])] = [
            ("zero bytes", []),
            ("text", Array("<html><body>hello</body></html>".utf8)),
            ("truncated PNG", Array(scene.prefix(scene.count / 2))),
            ("truncated JPEG", Fixtures.jpegHeader(width: 64, height: 64) + [0xFF, 0xDA, 0x00]),
            ("PNG signature only", Array(scene.prefix(8))),
            ("damaged PNG", flipped),
            ("bomb 100k × 100k", Fixtures.pngHeader(width: 100_000, height: 100_000)),
            ("bomb 1 × 2^31-1", Fixtures.pngHeader(width: 1, height: 0x7FFF_FFFF)),
            ("zero-size PNG", Fixtures.pngHeader(width: 0, height: 0)),
            ("random", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }),
            ("JPEG start only", [0xFF, 0xD8]),
        ]
        for (name, body) in hostile {
            for route in ["/v1/caption", "/v1/overlay"] {
                let answer = try RawHTTPClient.request(port: port, path: route, contentType: "application/octet-stream", body: body)
                XCTAssertTrue((400..<500).contains(answer.status), "\(name) on \(route): \(answer.status) \(answer.text)")
                XCTAssertNotNil(answer.error, "\(name): a JSON error")
            }
        }
        try assertStillCaptions()
    }

    /// Headers past the parser's limits (80 KB, 1,000 fields) get SwiftNIO's bare 400 and a closed connection.
    func testHugeHeadersAreRefused() throws {
        let filler = String(repeating: "a", count: 200 << 10)
        let many = (0..<3000).map { "X-H\($0): v\r\n" }.joined()
        for headers in ["X-Filler: \(filler)\r\n", many] {
            let client = try RawHTTPClient(port: port, timeout: 5)
            client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\(headers)\r\n")
            let answer = try client.answer()
            XCTAssertEqual(answer.status, 400)
            XCTAssertEqual(answer.headers["connection"], "close")
            XCTAssertTrue(client.serverClosed())
        }
        try assertStillCaptions()
    }

    /// A client sending its picture in slow pieces is answered, and others are served meanwhile.
    func testSlowClientDoesNotHoldUpOthers() throws {
        let body = Fixtures.scene
        let slow = try RawHTTPClient(port: port, timeout: 20)
        slow.send("POST /v1/caption?beam=1 HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: \(body.count)\r\n\r\n")
        let pieces = 8, size = (body.count + pieces - 1) / pieces
        var servedMeanwhile = false
        for i in 0..<pieces {
            slow.send(Array(body[(i * size)..<min(body.count, (i + 1) * size)]))
            if i == pieces / 2 {
                let other = try RawHTTPClient.request(port: port, method: "GET", path: "/healthz", contentType: nil)
                servedMeanwhile = other.status == 200
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertTrue(servedMeanwhile)
        let answer = try slow.answer()
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertNotNil(answer.json?["caption"])
    }

    /// A client that stops sending mid-body is cut off by the idle timeout (2 s here), not waited on forever.
    func testStalledClientIsDisconnected() throws {
        let stalled = try RawHTTPClient(port: port, timeout: 15)
        stalled.send("POST /v1/caption HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n")
        stalled.send(Array(Fixtures.scene.prefix(1000)))
        let start = Date()
        var closed = false
        while Date().timeIntervalSince(start) < 12 {
            if let answer = try? stalled.answer() {
                XCTAssertEqual(answer.status, 400, answer.text)
                closed = true
                break
            }
            if stalled.serverClosed() { closed = true; break }
        }
        XCTAssertTrue(closed, "the server still holds a stalled connection after 12 s")
        try assertStillCaptions()
    }
}
