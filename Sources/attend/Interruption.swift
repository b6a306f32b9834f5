import Dispatch
import Foundation

/// Ctrl-C (SIGINT) and SIGTERM, as a batch job wants them: the first asks the work to stop cleanly (the
/// handler runs once, on a background queue); a second one ends the process at once.
final class Interruption {
    private let lock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private var signalReceived: Int32?

    /// The signal that arrived, if one did.
    var received: Int32? {
        lock.lock(); defer { lock.unlock() }
        return signalReceived
    }

    init(onFirst: @escaping (Int32) -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let first = signalReceived == nil
                if first { signalReceived = number }
                lock.unlock()
                if first { onFirst(number) } else { _exit(128 + number) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Puts the default handlers back.
    func restore() {
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
