import Attend
import AttendImage
import AttendModel
import XCTest

/// The routes answer what the library computes: the same caption, the same sheet, the model's facts.
final class ServeAPITests: LiveServerTestCase {
    func testCaptionIsWhatTheLibraryGives() throws {
        let answer = try RawHTTPClient.request(port: port, path: "/v1/caption?beam=3&max_words=12", body: Fixtures.scene)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.headers["content-type"], "application/json")
        let json = try XCTUnwrap(answer.json)
        let captioner = try server.captioner
        let expected = try ImageCaptioner(model: "shapes").caption(
            file: Fixtures.scenePath, options: CaptionOptions(beamSize: 3, maxWords: 12))
        XCTAssertEqual(json["caption"] as? String, expected.text)
        XCTAssertFalse(expected.text.isEmpty)
        XCTAssertEqual(json["path"] as? String, "-")
        XCTAssertEqual(json["grid"] as? Int, captioner.gridSize)
        XCTAssertEqual((json["logprob"] as? Double).map(Float.init) ?? .nan, expected.logProbability, accuracy: 1e-3)
        let words = try XCTUnwrap(json["words"] as? [[String: Any]])
        XCTAssertEqual(words.map { $0["word"] as? String }, (expected.tokens + (expected.end.map { [$0] } ?? [])).map(\.word))
        let attention = try XCTUnwrap(words.first?["attention"] as? [[Double]])
        XCTAssertEqual(attention.count, captioner.gridSize)
        XCTAssertTrue(attention.allSatisfy { $0.count == captioner.gridSize })
        XCTAssertEqual(attention.joined().reduce(0, +), 1, accuracy: 1e-3, "α sums to 1 over the grid")
    }

    func testMultipartUploadNamesTheFile() throws {
        let form = Fixtures.multipart(field: "image", fileName: "scene-01.png", bytes: Fixtures.scene)
        let answer = try RawHTTPClient.request(port: port, path: "/v1/caption", contentType: form.contentType, body: form.body)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.json?["path"] as? String, "scene-01.png")
        let raw = try RawHTTPClient.request(port: port, path: "/v1/caption", contentType: "application/octet-stream",
                                            body: Fixtures.scene)
        XCTAssertEqual(answer.json?["caption"] as? String, raw.json?["caption"] as? String)
    }

    func testOverlayIsTheSheetPNG() throws {
        let answer = try RawHTTPClient.request(port: port, path: "/v1/overlay", body: Fixtures.scene)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.headers["content-type"], "image/png")
        XCTAssertEqual(Array(answer.body.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let info = try ImageDecoder.info(answer.body)
        let captioner = try server.captioner
        let loaded = try captioner.load(file: Fixtures.scenePath)
        let caption = captioner.caption(pixels: [loaded.pixels], options: CaptionOptions(beamSize: 2))[0]
        let layout = AttentionSheet(caption: caption, upright: loaded.decoded.image, grid: captioner.gridSize).layout()
        XCTAssertEqual(info.width, layout.width)
        XCTAssertEqual(info.height, layout.height)
        XCTAssertNoThrow(try ImageDecoder.decode(answer.body), "the sheet decodes whole")
    }

    func testHealthNamesTheModel() throws {
        let answer = try RawHTTPClient.request(port: port, method: "GET", path: "/healthz", contentType: nil)
        XCTAssertEqual(answer.status, 200)
        let json = try XCTUnwrap(answer.json)
        XCTAssertEqual(json["status"] as? String, "ok")
        XCTAssertEqual(json["model"] as? String, "shapes")
        XCTAssertEqual(json["grid"] as? Int, try server.captioner.gridSize)
        XCTAssertEqual(json["input"] as? Int, try server.captioner.input.size)
        XCTAssertNotNil(json["config"] as? [String: Any])
    }

    func testPageIsSelfContained() throws {
        let answer = try RawHTTPClient.request(port: port, method: "GET", path: "/", contentType: nil)
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertTrue(answer.text.contains("/v1/caption") && answer.text.contains("/v1/overlay"))
        XCTAssertFalse(answer.text.contains("/*VIRIDIS*/"), "the colour map is written in")
        XCTAssertFalse(answer.text.contains("http://") || answer.text.contains("https://"), "nothing from elsewhere")
    }

    func testMetricsCountRequestsByRouteAndStatus() throws {
        _ = try RawHTTPClient.request(port: port, path: "/v1/caption", body: Fixtures.scene)
        _ = try RawHTTPClient.request(port: port, path: "/v1/caption", body: Array("not an image".utf8))
        _ = try RawHTTPClient.request(port: port, method: "GET", path: "/no/such/thing", contentType: nil)
        let answer = try RawHTTPClient.request(port: port, method: "GET", path: "/metrics", contentType: nil)
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(answer.headers["content-type"]?.hasPrefix("text/plain") ?? false)
        let text = answer.text
        XCTAssertTrue(text.contains(#"attend_http_requests_total{route="/v1/caption",method="POST",status="200"}"#), text)
        XCTAssertTrue(text.contains(#"attend_http_errors_total{route="/v1/caption",status="415"}"#), text)
        XCTAssertTrue(text.contains(#"attend_http_requests_total{route="unmatched",method="GET",status="404"}"#), text)
        XCTAssertFalse(text.contains("/no/such/thing"), "raw paths never become labels")
        XCTAssertTrue(text.contains(#"attend_http_request_duration_seconds_bucket{route="/v1/caption",le="+Inf"}"#))
        XCTAssertTrue(text.contains(#"attend_model_batch_size_bucket{le="1"}"#))
        XCTAssertTrue(text.contains("attend_queue_depth 0\n") || text.contains("attend_queue_depth 1\n"), text)
        XCTAssertTrue(text.contains("attend_queue_capacity 64\n"))
    }
}
