import AttendServe
import Foundation
import XCTest

/// Concurrent requests share model batches; a full queue says 503 at once; SIGTERM lets work in flight finish.
final class ServeBatchingTests: XCTestCase {
    func testConcurrentRequestsShareBatches() throws {
        // The small model captions in milliseconds: a longer wait makes "arrived together" hold on a busy machine.
        var configuration = ServerFixture.testConfiguration()
        configuration.batchWaitMilliseconds = 300
        let server = try ServerFixture(configuration: configuration)
        defer { server.stop() }
        let count = 6
        let results = Results(count: count), done = DispatchGroup()
        for i in 0..<count {   // one thread each: all six are in flight at once, whatever the core count
            done.enter()
            Thread {
                results.set(i, try? RawHTTPClient.request(port: server.port, path: "/v1/caption", body: Fixtures.scene))
                done.leave()
            }.start()
        }
        done.wait()
        let answers = results.answers
        let captions = answers.map { $0?.json?["caption"] as? String }
        XCTAssertEqual(answers.map { $0?.status }, [Int?](repeating: 200, count: count))
        XCTAssertEqual(Set(captions).count, 1, "one picture, one caption, whatever batch it was in: \(captions)")
        let metrics = try RawHTTPClient.request(port: server.port, method: "GET", path: "/metrics", contentType: nil).text
        let batches = try XCTUnwrap(metricValue(metrics, "attend_model_batch_size_count"))
        let images = try XCTUnwrap(metricValue(metrics, "attend_images_captioned_total"))
        XCTAssertEqual(images, Double(count))
        XCTAssertLessThan(batches, Double(count), "some requests were captioned together")
    }

    /// With one place in the queue and slow captions (beam 10, one image a batch), twelve requests at once: the
    /// ones that find the place taken are refused with 503 + Retry-After, the others answered; then all is well.
    func testFullQueueIsRefusedWithRetryAfter() throws {
        var configuration = ServerFixture.testConfiguration()
        configuration.queueCapacity = 1
        configuration.maxBatch = 1
        let server = try ServerFixture(configuration: configuration)
        defer { server.stop() }
        let body = Fixtures.scene
        let answers = LockedAnswers()
        DispatchQueue.concurrentPerform(iterations: 12) { _ in
            answers.add(try? RawHTTPClient.request(port: server.port, path: "/v1/caption?beam=10&max_words=50", body: body))
        }
        let all = answers.all
        XCTAssertEqual(all.count, 12, "every request was answered")
        let refused = all.filter { $0.status == 503 }
        XCTAssertFalse(refused.isEmpty, "twelve requests at once never found the one place taken")
        XCTAssertTrue(refused.allSatisfy { $0.headers["retry-after"] == "1" && $0.error?.contains("queue is full") == true },
                      refused.map(\.text).joined(separator: "\n"))
        XCTAssertEqual(all.filter { $0.status == 200 }.count + refused.count, 12, all.map(\.text).joined(separator: "\n"))
        XCTAssertEqual(try RawHTTPClient.request(port: server.port, path: "/v1/caption", body: body).status, 200)
    }

    /// A body still arriving holds its connection, not the queue's one place: another request is answered meanwhile.
    func testTricklingUploadDoesNotHoldTheQueue() throws {
        var configuration = ServerFixture.testConfiguration()
        configuration.queueCapacity = 1
        let server = try ServerFixture(configuration: configuration)
        defer { server.stop() }
        let holder = try RawHTTPClient(port: server.port)
        let body = Fixtures.scene
        holder.send("POST /v1/caption HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: \(body.count)\r\n\r\n")
        holder.send(Array(body.prefix(100)))
        Thread.sleep(forTimeInterval: 0.2)
        let other = try RawHTTPClient.request(port: server.port, path: "/v1/caption", body: body)
        XCTAssertEqual(other.status, 200, other.text)
        holder.send(Array(body.dropFirst(100)))
        XCTAssertEqual(try holder.answer().status, 200)
    }

    /// The built binary: SIGTERM while a request is half sent; that request is still answered, then exit 0.
    func testSIGTERMFinishesInFlightThenExitsZero() throws {
        let binary = try attendBinary()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--model", "shapes", "--beam", "1"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let port = try XCTUnwrap(listeningPort(stderr.fileHandleForReading), "no 'listening on' line")
        let client = try RawHTTPClient(port: port)
        let body = Fixtures.scene
        client.send("POST /v1/caption HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: \(body.count)\r\n\r\n")
        client.send(Array(body.prefix(body.count / 2)))
        Thread.sleep(forTimeInterval: 0.2)
        kill(process.processIdentifier, SIGTERM)
        Thread.sleep(forTimeInterval: 0.2)
        client.send(Array(body.dropFirst(body.count / 2)))
        let answer = try client.answer()
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertNotNil(answer.json?["caption"])
        let deadline = Date(timeIntervalSinceNow: 15)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(process.isRunning, "still running 15 s after SIGTERM")
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertThrowsError(try RawHTTPClient(port: port), "no longer listening")
    }

    // MARK: - Helpers

    private func metricValue(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    /// Reads the server's log until it says where it listens.
    private func listeningPort(_ handle: FileHandle) -> Int? {
        var log = ""
        let deadline = Date(timeIntervalSinceNow: 30)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { return nil }
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: "listening on http://127.0.0.1:") {
                let digits = log[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), log[range.upperBound...].dropFirst(digits.count).first?.isNewline == true {
                    return port
                }
            }
        }
        return nil
    }

    /// The `attend` binary: $ATTEND_BIN (as `make test` sets it), else the package's own build.
    private func attendBinary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["ATTEND_BIN"], !path.isEmpty { return path }
        for config in ["debug", "release"] {
            let path = Fixtures.root.appendingPathComponent(".build/\(config)/attend").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw XCTSkip("no attend binary: build it, or set ATTEND_BIN")
    }
}

/// Answers written from several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [RawHTTPClient.Answer?]

    init(count: Int) { list = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ answer: RawHTTPClient.Answer?) { lock.withLock { list[i] = answer } }

    var answers: [RawHTTPClient.Answer?] { lock.withLock { list } }
}

private final class LockedAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [RawHTTPClient.Answer] = []

    func add(_ answer: RawHTTPClient.Answer?) {
        guard let answer else { return }
        lock.withLock { answers.append(answer) }
    }

    var all: [RawHTTPClient.Answer] { lock.withLock { answers } }
}
