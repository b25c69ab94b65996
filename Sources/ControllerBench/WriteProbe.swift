import Foundation
import MySQLClient
import NIOPosix
import Synchronization

/// Writes one row at a time, to whichever node answers (round robin on failure), and records
/// when each INSERT started and when it was acknowledged. "Writes succeed again" is the first
/// acknowledged INSERT that started after the fault.
final class WriteProbe: Sendable {
    struct Write: Sendable {
        var started: ContinuousClock.Instant
        var acknowledged: ContinuousClock.Instant
    }

    struct Failure: Sendable {
        var started: ContinuousClock.Instant
        var failed: ContinuousClock.Instant
        var node: Int
        var error: String
    }

    private let endpoints: [MySQLConnectionOptions]
    private let threadPool: NIOThreadPool
    private let writes = Mutex<[Write]>([])
    private let failures = Mutex<[Failure]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let firstID: Int64

    init(endpoints: [MySQLConnectionOptions], threadPool: NIOThreadPool, firstID: Int64) {
        self.endpoints = endpoints
        self.threadPool = threadPool
        self.firstID = firstID
    }

    func start() {
        task.withLock { $0 = Task { await self.run() } }
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    /// When writes work again after a fault at `fault`: the acknowledgment of the first write that
    /// started after the fault's interruption (a failed write, or one stalled over `stall`, that
    /// began before `cutoff`, the controller's first action that could interrupt writes: before
    /// it, only the fault can have). With no such interruption writes never stopped: the first
    /// acknowledgment after the fault.
    func writesAgain(after fault: ContinuousClock.Instant, cutoff: ContinuousClock.Instant, stall: Duration = .milliseconds(500)) -> ContinuousClock.Instant? {
        let acknowledged = writes.withLock { $0.filter { $0.acknowledged >= fault } }
        let firstFailure = failures.withLock { $0.first { $0.failed >= fault && $0.started < cutoff } }?.started
        let firstStall = acknowledged.first { $0.acknowledged - $0.started > stall && $0.started < cutoff }?.started
        let interruption = [firstFailure, firstStall].compactMap { $0 }.min()
        guard let interruption else { return acknowledged.first?.acknowledged }
        // A stalled write that finally went through counts as writes working again.
        return acknowledged.first { $0.started >= interruption }?.acknowledged
    }

    /// The longest time without an acknowledged write between `start` and `end` (a stalled
    /// commit counts as a gap until it is acknowledged).
    func longestGap(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Duration {
        let times = [start] + writes.withLock { $0.map(\.acknowledged).filter { $0 > start && $0 < end } } + [end]
        return zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero
    }

    /// A compact timeline for debugging: failures and acknowledgments relative to `origin`.
    func timeline(from origin: ContinuousClock.Instant) -> String {
        let events = writes.withLock { $0.map { ($0.acknowledged, "ack(\(Int(($0.acknowledged - $0.started) / .milliseconds(1))) ms)") } }
            + failures.withLock { $0.map { ($0.failed, "fail n\($0.node) \($0.error.prefix(60))") } }
        return events.filter { $0.0 >= origin }.sorted { $0.0 < $1.0 }.prefix(40)
            .map { "\(Int(($0.0 - origin) / .milliseconds(1))) ms \($0.1)" }.joined(separator: "\n")
    }

    private func run() async {
        var next = firstID
        var target = 0
        var connection: MySQLConnection?
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                if connection == nil {
                    connection = try await MySQLConnection.connect(endpoints[target], threadPool: threadPool)
                }
                try await connection!.execute("INSERT INTO qmysql_test.writes (id, node) VALUES (\(next), 'bench')")
                next += 1
                let write = Write(started: started, acknowledged: .now)
                writes.withLock { $0.append(write) }
                try? await Task.sleep(for: .milliseconds(20))
            } catch {
                let failure = Failure(started: started, failed: .now, node: target, error: "\(error)")
                failures.withLock { $0.append(failure) }
                await connection?.close()
                connection = nil
                next += 1  // the id may or may not have been applied: never reuse it
                target = (target + 1) % endpoints.count
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        await connection?.close()
    }
}
