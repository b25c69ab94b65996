/// Exponential back-off with a cap: the one doubling rule of every retry in the operator, the
/// watches, the playground, the controller's recovery steps and seeding, and the work queue.
/// Watches add a little jitter, so that many watchers that lost the same server do not come back
/// in lockstep; a kubelet's restart back-off has none.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var cap: Duration
    /// Up to this fraction is added to each pause, at random.
    public var jitter: Double
    private var current: Duration?

    public init(initial: Duration = .milliseconds(200), cap: Duration = .seconds(30), jitter: Double = 0.1) {
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
    }

    /// The next pause: `initial`, then doubling, never above `cap`, each with its jitter.
    public mutating func next() -> Duration {
        let base = current.map { min($0 * 2, cap) } ?? initial
        current = base
        return jitter > 0 ? base + base * Double.random(in: 0..<jitter) : base
    }

    public mutating func reset() {
        current = nil
    }

    /// The pause after `failures` failures in a row (1: `initial`), without jitter: for a
    /// retry whose state is a count of failures, not this value.
    public func pause(afterFailures failures: Int) -> Duration {
        min(cap, initial * (1 << min(max(failures - 1, 0), 30)))
    }
}
