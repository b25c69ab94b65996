import Synchronization

/// A value that only grows, and the tasks waiting for it to reach a target: a manual clock's
/// time and its sleepers, a count of rounds and whoever waits for so many. A wait ends when the
/// value reaches its target (earliest targets first) or when its task is cancelled (throwing
/// `CancellationError`), also when the cancellation comes before the wait is registered.
public final class Threshold<Value: Comparable & Sendable>: Sendable {
    private struct State {
        var value: Value
        var nextID: UInt64 = 0
        var waiters: [UInt64: (target: Value, continuation: CheckedContinuation<Void, Error>)] = [:]
        /// Waits with an id but not registered yet: a cancellation that comes then is kept in
        /// `cancelled` for the registration to find (the handler can run first).
        var unregistered: Set<UInt64> = []
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    public init(_ value: Value) { state = Mutex(State(value: value)) }

    public var value: Value { state.withLock { $0.value } }
    /// How many tasks wait now.
    public var waiting: Int { state.withLock { $0.waiters.count } }
    /// The lowest target waited for (nil: nobody waits).
    public var nextTarget: Value? { state.withLock { $0.waiters.values.map(\.target).min() } }

    /// Moves the value (never back) and wakes every wait it reaches, lowest target first.
    public func raise(_ change: (Value) -> Value) {
        let due = state.withLock { state in
            let raised = change(state.value)
            precondition(raised >= state.value, "a threshold does not go back")
            state.value = raised
            let due = state.waiters.filter { $0.value.target <= raised }.sorted { $0.value.target < $1.value.target }
            for (id, _) in due { state.waiters[id] = nil }
            return due.map(\.value.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    public func wait(until target: Value) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.unregistered.insert(state.nextID)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let now: WaitOutcome = state.withLock { state in
                    state.unregistered.remove(id)
                    if state.cancelled.remove(id) != nil { return .cancelled }
                    if target <= state.value { return .reached }
                    state.waiters[id] = (target, continuation)
                    return .wait
                }
                switch now {
                case .reached: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                let waiter = state.waiters.removeValue(forKey: id)
                // Not registered yet: the registration finds the mark. Already woken: nothing to do.
                if waiter == nil, state.unregistered.contains(id) { state.cancelled.insert(id) }
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}

/// What a wait finds when it registers.
private enum WaitOutcome { case reached, cancelled, wait }
