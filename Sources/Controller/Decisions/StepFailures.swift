import Clocks
import Foundation
import KubeAPI

/// How often each recovery step failed, per step ("join demo-2"), whatever else happened in
/// between: a node whose mysqld exits at every start fails its join, gets its position recovered
/// (which succeeds), and fails its join again. Counting only failures in a row would never see
/// that loop. An entry ends when its step succeeds or its node is Green again.
struct StepFailures: Sendable {
    struct Entry: Sendable, Hashable {
        /// The step in words, e.g. "start demo-2 in join mode from ...:100".
        var step: String
        var node: String
        var count: Int
        var lastError: String
        /// When it last failed: on the time of day for the status, on the controller's clock
        /// for the escalated retry interval (a clock the tests move).
        var lastAt: Date
        var lastInstant: ContinuousClock.Instant
    }

    private(set) var entries: [String: Entry] = [:]

    /// The key of a step: its verb and node (a position that moves does not make a new step).
    static func key(_ action: RecoveryAction) -> String { "\(action.verb) \(action.node)" }

    mutating func failed(_ action: RecoveryAction, error: String, at date: Date, instant: ContinuousClock.Instant) -> Entry {
        let key = Self.key(action)
        var entry = entries[key] ?? Entry(step: action.description, node: action.node, count: 0, lastError: error, lastAt: date, lastInstant: instant)
        entry.step = action.description
        entry.count += 1
        entry.lastError = error
        entry.lastAt = date
        entry.lastInstant = instant
        entries[key] = entry
        return entry
    }

    mutating func succeeded(_ action: RecoveryAction) { entries[Self.key(action)] = nil }

    /// Forgets every step of `node` (it is Green: whatever failed is behind it).
    mutating func nodeRecovered(_ node: String) { entries = entries.filter { $0.value.node != node } }

    func entry(for action: RecoveryAction) -> Entry? { entries[Self.key(action)] }
}

/// Everything the controller remembers of failed recovery steps, as one value: the failures per
/// step (the escalation rule counts these), the failures in a row, and the back-off they impose
/// (1 s, 2 s, 4 s ... up to a limit; the escalated interval once a step failed too often). It
/// is changed only through its methods, so a reset cannot forget one of its parts.
struct RetryState: Sendable {
    struct Policy: Sendable {
        var backoff: Duration
        var limit: Duration
        var escalateAfter: Int
        var escalatedInterval: Duration
    }

    private(set) var perStep = StepFailures()
    /// Recovery tasks failed in a row.
    private(set) var inARow = 0
    private(set) var notBefore: ContinuousClock.Instant?
    /// `notBefore` on the wall clock, for the status (fixed when the step failed).
    private(set) var notBeforeText: String?
    /// The last step that failed.
    private(set) var last: StepFailures.Entry?

    mutating func stepSucceeded(_ action: RecoveryAction) { perStep.succeeded(action) }

    mutating func stepFailed(_ action: RecoveryAction, error: String, at date: Date, instant: ContinuousClock.Instant) -> StepFailures.Entry {
        let entry = perStep.failed(action, error: error, at: date, instant: instant)
        last = entry
        return entry
    }

    /// A recovery task ended. A success clears the back-off; a failure lengthens it and
    /// returns how long the next step waits.
    mutating func taskEnded(succeeded: Bool, policy: Policy, now: ContinuousClock.Instant, wallNow: Date) -> Duration? {
        guard !succeeded else {
            reset()
            return nil
        }
        inARow += 1
        var wait = Backoff(initial: policy.backoff, cap: policy.limit, jitter: 0).pause(afterFailures: inARow)
        if let last, last.count >= policy.escalateAfter { wait = policy.escalatedInterval }
        notBefore = now + wait
        notBeforeText = KubeTime.format(wallNow.addingTimeInterval(wait.inSeconds))
        return wait
    }

    /// These nodes are Green: whatever failed on them is behind them; when the last failure's
    /// node is among them, everything starts afresh.
    mutating func nodesGreen(_ nodes: [String]) {
        for node in nodes { perStep.nodeRecovered(node) }
        if let last, !perStep.entries.values.contains(where: { $0.node == last.node }) { reset() }
    }

    func backingOff(at now: ContinuousClock.Instant) -> Bool { notBefore.map { now < $0 } ?? false }

    func entry(for action: RecoveryAction) -> StepFailures.Entry? { perStep.entry(for: action) }

    /// The retry the status shows while a failed step waits for its next attempt.
    var pendingRetry: (step: String, failures: Int, lastError: String, nextAttempt: String)? {
        guard inARow > 0, let last, let notBeforeText else { return nil }
        return (last.step, last.count, last.lastError, notBeforeText)
    }

    private mutating func reset() {
        inARow = 0
        notBefore = nil
        notBeforeText = nil
        last = nil
    }
}
