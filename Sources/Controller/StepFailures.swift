import Foundation

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
        var lastAt: Date
    }

    private(set) var entries: [String: Entry] = [:]

    /// The key of a step: its verb and node (a position that moves does not make a new step).
    static func key(_ action: RecoveryAction) -> String { "\(action.verb) \(action.node)" }

    mutating func failed(_ action: RecoveryAction, error: String, at date: Date) -> Entry {
        let key = Self.key(action)
        var entry = entries[key] ?? Entry(step: action.description, node: action.node, count: 0, lastError: error, lastAt: date)
        entry.step = action.description
        entry.count += 1
        entry.lastError = error
        entry.lastAt = date
        entries[key] = entry
        return entry
    }

    mutating func succeeded(_ action: RecoveryAction) { entries[Self.key(action)] = nil }

    /// Forgets every step of `node` (it is Green: whatever failed is behind it).
    mutating func nodeRecovered(_ node: String) { entries = entries.filter { $0.value.node != node } }

    func entry(for action: RecoveryAction) -> Entry? { entries[Self.key(action)] }
}
