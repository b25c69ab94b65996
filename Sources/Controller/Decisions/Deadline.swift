import Clocks
import Foundation
import Synchronization

/// A `Duration` passed over the deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var what: String
    public var deadline: Duration
    public var description: String { "\(what) did not finish within \(deadline); it was cancelled" }
}

/// Whether the deadline of the `withDeadline` running the current task has passed. A task's
/// work, cancelled, asks this to tell its deadline from its controller stopping: both reach it
/// as a cancellation, and only the first is a failure.
enum DeadlineScope {
    final class Expiry: Sendable {
        let passed = Atomic<Bool>(false)
    }

    @TaskLocal static var expiry: Expiry?

    static var passed: Bool { expiry?.passed.load(ordering: .acquiring) ?? false }
}

/// Runs `work`, cancelling it when `deadline` passes first on `clock`.
func withDeadline<T: Sendable>(_ deadline: Duration, _ what: String, clock: RoleClock,
                               _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let expiry = DeadlineScope.Expiry()
    return try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await DeadlineScope.$expiry.withValue(expiry) { try await work() } }
        group.addTask {
            try await clock.sleep(for: deadline)
            // Before the work is cancelled (below, when this throw ends the group).
            expiry.passed.store(true, ordering: .releasing)
            throw DeadlineExceeded(what: what, deadline: deadline)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
