import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - A raw HTTP/1.1 client over a TCP socket

/// What a test needs from a client that a library would hide: sending any bytes at all (huge headers,
/// a body in slow pieces, a body that never ends), and reading exactly what the server answered.
/// Loopback only.
final class RawHTTPClient {
    struct Answer {
        var status: Int
        /// Lower-cased names.
        var headers: [String: String]
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        /// The `error` of a JSON error answer.
        var error: String? {
            (try? JSONSerialization.jsonObject(with: Data(body))).flatMap { ($0 as? [String: Any])?["error"] as? String }
        }
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    }

    enum Failure: Error { case connect(Int32), closedBeforeAnswer, malformed(String) }

    private let socket: Int32
    private var received: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; reads give up after `timeout` seconds.
    init(port: Int, timeout: Double = 20) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure.connect(errno)
        }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int(timeout.truncatingRemainder(dividingBy: 1) * 1e6))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socket) }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a closed peer is a false, not a SIGPIPE); false when the server has
    /// closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads one answer: the head, then Content-Length bytes of body (or up to the close).
    func answer() throws -> Answer {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = find([13, 10, 13, 10])
            if headEnd == nil, !(try fill()) { throw Failure.closedBeforeAnswer }
        }
        let head = String(decoding: received[..<headEnd!], as: UTF8.self)
        received.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure.malformed(head) }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            while received.count < length { if !(try fill()) { throw Failure.closedBeforeAnswer } }
            let body = Array(received[..<length])
            received.removeFirst(length)
            return Answer(status: status, headers: headers, body: body)
        }
        while try fill() {}
        defer { received = [] }
        return Answer(status: status, headers: headers, body: received)
    }

    /// True when the server closes the connection (the stream ends, or is reset) within the read timeout.
    func serverClosed() -> Bool {
        var byte: UInt8 = 0
        while true {
            let n = recv(socket, &byte, 1, 0)
            if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
            if n < 0 { return false }   // timed out
        }
    }

    /// Reads what has arrived; false at the end of the stream.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw Failure.malformed("read failed or timed out (errno \(errno))") }
        if n == 0 { return false }
        received.append(contentsOf: buffer[..<n])
        return true
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard received.count >= needle.count else { return nil }
        for i in 0...(received.count - needle.count) where received[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }

    // MARK: - One-shot requests

    /// Sends one request with `body` and reads the answer, on a connection of its own.
    static func request(port: Int, method: String = "POST", path: String, contentType: String? = "image/png",
                        body: [UInt8] = [], headers: [String: String] = [:]) throws -> Answer {
        let client = try RawHTTPClient(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if method == "POST" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        client.send(head + "\r\n")
        client.send(body)
        return try client.answer()
    }
}
