#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT), a lost terminal (SIGHUP) and SIGTERM while the wizard runs: instead of dying
/// mid-sentence, the process cancels the wizard's task, which then says where the restore waits
/// and gives up its lease before it exits. The restore itself goes on or waits in the cluster;
/// a signal never changes it.
/// `@unchecked`: dispatch sources are not Sendable; `sources` is touched only under `lock`.
final class Interrupts: @unchecked Sendable {
    private let lock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private let received = Atomic<Int32>(0)

    /// The first signal received, or nil.
    var receivedSignal: Int32? {
        let value = received.load(ordering: .acquiring)
        return value == 0 ? nil : value
    }

    /// Cancels `task` on the first of the signals; a second Ctrl-C exits at once (130).
    func watch(_ task: Task<Void, any Error>) {
        var installed: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGHUP, SIGTERM] {
            // Dispatch needs the default action off to see the signal instead of the process dying.
            _ = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                let (exchanged, _) = self.received.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing)
                if exchanged {
                    task.cancel()
                } else if number == SIGINT {
                    _exit(130)
                }
            }
            source.resume()
            installed.append(source)
        }
        // A vanished terminal must not kill the process on its next write: it still gives up the lease.
        _ = signal(SIGPIPE, SIG_IGN)
        lock.withLock { sources = installed }
    }

    func stop() {
        lock.withLock {
            sources.forEach { $0.cancel() }
            sources = []
        }
    }
}
