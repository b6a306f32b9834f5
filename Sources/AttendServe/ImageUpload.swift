import AttendUpload
import Foundation
import Hummingbird

// MARK: - ImageUpload from a request

extension ImageUpload {
    /// Reads the body of `request` through an `UploadReader` (AttendUpload: the content type, the form, the
    /// limit), refusing it (413) as soon as it is known to be over `maxBytes`: from its Content-Length before
    /// a byte is read, else while it streams in. Every byte read counts against `budget` as it arrives (503 when
    /// it is spent); the caller releases the returned `reserved` once done with the upload. An upload is read
    /// into memory only, never written to disk.
    static func read(_ request: Request, maxBytes: Int, budget: UploadBudget,
                     retryAfter: Int) async throws -> (upload: ImageUpload, reserved: Int) {
        var reserved = 0
        do {
            var reader = try UploadReader(contentType: request.headers[.contentType],
                                          contentLength: request.headers[.contentLength], maxBytes: maxBytes)
            do {
                for try await chunk in request.body {
                    guard budget.reserve(chunk.readableBytes) else {
                        throw ServeError.unavailable("the server holds its limit of uploads in memory "
                            + "(attend serve --upload-memory-mb); retry shortly", retryAfter: retryAfter)
                    }
                    reserved += chunk.readableBytes
                    try reader.append(chunk.readableBytesView)
                }
            } catch let error as UploadError {
                throw error
            } catch let error as ServeError {
                throw error
            } catch {
                // The client went away or broke the framing mid-body: its fault, and no one is left to answer.
                throw ServeError.badRequest("the request body could not be read: \(error)")
            }
            return (try reader.finish(), reserved)
        } catch let error as UploadError {
            budget.release(reserved)
            throw ServeError(error)
        } catch {
            budget.release(reserved)
            throw error
        }
    }
}

extension ServeError {
    /// The status an upload's refusal deserves.
    init(_ error: UploadError) {
        switch error {
        case .unsupportedType(let reason): self = .unsupportedType(reason)
        case .tooLarge(let maxBytes): self = .bodyTooLarge(maxBytes: maxBytes)
        case .malformed(let reason): self = .badRequest(reason)
        }
    }
}

// MARK: - UploadBudget

/// Bytes of request bodies held in memory at once, over every connection (`--upload-memory-mb`). Bodies are read
/// before a request takes its place in the model's queue, so a client trickling its upload holds a connection
/// and the few bytes it sent, never a place in the queue; this budget is what bounds the memory of many uploads
/// arriving at once.
final class UploadBudget: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var used = 0

    init(capacity: Int) {
        precondition(capacity > 0, "the budget is positive")
        self.capacity = capacity
    }

    /// Takes `bytes` from the budget, or nothing and false when they do not fit.
    func reserve(_ bytes: Int) -> Bool {
        lock.withLock {
            guard bytes <= capacity - used else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        lock.withLock {
            used -= bytes
            precondition(used >= 0, "released more than was reserved")
        }
    }

    var inUse: Int { lock.withLock { used } }
}
