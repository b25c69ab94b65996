import Synchronization

/// The clock a role's loops read and sleep on: the machine's continuous clock, or a manual one
/// that a test moves by hand (`advance(by:)`). On a manual clock a back-off, a lease expiry or a
/// heartbeat happens after exactly so much of the component's time, however busy the machine is,
/// and "nothing happened yet" is checked at an instant, not after a sleep that a starved machine
/// stretches. Instants are `ContinuousClock`'s either way, so state that keeps an instant needs
/// no generic parameter.
public struct RoleClock: Clock {
    public typealias Duration = Swift.Duration
    public typealias Instant = ContinuousClock.Instant

    private let manual: ManualTime?

    /// The machine's continuous clock (what every role runs on).
    public static let continuous = RoleClock(manual: nil)

    /// A clock that stands still until `advance(by:)` moves it.
    public static func manual() -> RoleClock { RoleClock(manual: ManualTime()) }

    private init(manual: ManualTime?) { self.manual = manual }

    public var now: Instant { manual?.now ?? ContinuousClock.now }

    public var minimumResolution: Duration { manual == nil ? ContinuousClock().minimumResolution : .zero }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        guard let manual else { return try await ContinuousClock().sleep(until: deadline, tolerance: tolerance) }
        try await manual.sleep(until: deadline)
    }

    /// Moves a manual clock forward and wakes every sleeper whose deadline it reaches, earliest
    /// first. A continuous clock cannot be moved: calling this on one is a test's mistake.
    public func advance(by duration: Duration) {
        guard let manual else { preconditionFailure("RoleClock.advance(by:) on the continuous clock") }
        manual.advance(by: duration)
    }

    /// How many tasks sleep on this manual clock now (0 on the continuous clock): a test waits
    /// for the component to be asleep before it moves time, so no wake-up is missed or early.
    public var sleepers: Int { manual?.sleeperCount ?? 0 }

    /// The earliest deadline a task sleeps until on this manual clock (nil: none, or the
    /// continuous clock): a test tells which of a component's waits it would end.
    public var nextDeadline: Instant? { manual?.nextDeadline }
}

/// A manual clock's time and its sleepers.
private final class ManualTime: Sendable {
    private struct State {
        var now: ContinuousClock.Instant
        var nextID: UInt64 = 0
        var sleepers: [UInt64: (deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Void, Error>)] = [:]
        /// Sleeps that have an id but are not registered yet: a cancellation that comes then is
        /// kept in `cancelled` for the registration to find (the handler can run first).
        var unregistered: Set<UInt64> = []
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    init() {
        // Any instant will do: only differences are ever read.
        state = Mutex(State(now: ContinuousClock.now))
    }

    var now: ContinuousClock.Instant { state.withLock { $0.now } }
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }
    var nextDeadline: ContinuousClock.Instant? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    func sleep(until deadline: ContinuousClock.Instant) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.unregistered.insert(state.nextID)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                enum Now { case wake, cancel, wait }
                let now: Now = state.withLock { state in
                    state.unregistered.remove(id)
                    if state.cancelled.remove(id) != nil { return .cancel }
                    if deadline <= state.now { return .wake }
                    state.sleepers[id] = (deadline, continuation)
                    return .wait
                }
                switch now {
                case .wake: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                let sleeper = state.sleepers.removeValue(forKey: id)
                // Not registered yet: the registration finds the mark. Already woken: nothing to do.
                if sleeper == nil, state.unregistered.contains(id) { state.cancelled.insert(id) }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock does not go back")
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
            for (id, _) in due { state.sleepers[id] = nil }
            return due.map(\.value.continuation)
        }
        for continuation in due { continuation.resume() }
    }
}
