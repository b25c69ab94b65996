import Foundation

/// A `Duration` passed over the deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var what: String
    public var deadline: Duration
    public var description: String { "\(what) did not finish within \(deadline); it was cancelled" }
}

/// Runs `work`, cancelling it when `deadline` passes first.
func withDeadline<T: Sendable>(_ deadline: Duration, _ what: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: deadline)
            throw DeadlineExceeded(what: what, deadline: deadline)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension Duration {
    /// For Foundation's dates.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
