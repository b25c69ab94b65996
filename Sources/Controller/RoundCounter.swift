import Clocks
import Synchronization

/// Probe rounds completed (every node asked, then one evaluation; before the first spec, one
/// look for nodes), and whoever waits for a count of them: a test says "nothing happened" after
/// the controller has had so many rounds to act, not after a span of time, which a busy machine
/// fills with fewer rounds. Waiting is a continuation resumed by the round, not a poll.
public final class RoundCounter: Sendable {
    private let rounds = Threshold(0)
    private let wake = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    public var count: Int { rounds.value }

    /// When the loop starts its next round, on the controller's clock, as it said when it
    /// counted the last one: a test that drives a manual clock moves it there, round by round.
    public var nextRoundAt: ContinuousClock.Instant? { wake.withLock { $0 } }

    /// One more round, the next starting at `next`; wakes the waits it completes.
    func add(nextRoundAt next: ContinuousClock.Instant) {
        wake.withLock { $0 = next }
        rounds.raise { $0 + 1 }
    }

    /// Returns once `target` rounds have completed, or when the waiting task is cancelled.
    public func wait(until target: Int) async {
        try? await rounds.wait(until: target)
    }
}
