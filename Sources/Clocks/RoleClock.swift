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
    // Any instant will do as the start: only differences are ever read.
    let time = Threshold(ContinuousClock.now)

    var now: ContinuousClock.Instant { time.value }
    var sleeperCount: Int { time.waiting }
    var nextDeadline: ContinuousClock.Instant? { time.nextTarget }

    func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await time.wait(until: deadline)
    }

    func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock does not go back")
        time.raise { $0.advanced(by: duration) }
    }
}
