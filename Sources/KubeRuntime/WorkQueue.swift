import Clocks

/// The reconcile queue, with client-go's workqueue semantics:
/// - a key queued twice is queued once (duplicates merge);
/// - a key is never handed to two workers at once: added while in progress, it is queued again
///   when its worker calls `done`;
/// - `retry` re-adds a key after a per-key exponential back-off (`forget` resets it), so a
///   failing cluster neither spins nor starves the others.
public actor WorkQueue<Key: Hashable & Sendable> {
    private var queue: [Key] = []
    private var queued: Set<Key> = []
    private var processing: Set<Key> = []
    private var dirty: Set<Key> = []
    private var failures: [Key: Int] = [:]
    private var waiters: [CheckedContinuation<Key?, Never>] = []
    private var shutDown = false

    public let baseDelay: Duration
    public let maxDelay: Duration
    /// What the delays of `add(_:after:)` and `retry` are measured on.
    public nonisolated let clock: RoleClock

    public init(baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(300), clock: RoleClock = .continuous) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.clock = clock
    }

    public func add(_ key: Key) {
        guard !shutDown else { return }
        if processing.contains(key) {
            dirty.insert(key)
            return
        }
        guard queued.insert(key).inserted else { return }
        if !waiters.isEmpty {
            queued.remove(key)
            processing.insert(key)
            waiters.removeFirst().resume(returning: key)
        } else {
            queue.append(key)
        }
    }

    /// Adds `key` after `delay` (a timer task; the add still merges with any other).
    public nonisolated func add(_ key: Key, after delay: Duration) {
        Task {
            try? await clock.sleep(for: delay)
            await self.add(key)
        }
    }

    /// Re-adds `key` after its back-off: base × 2^(failures), capped. Returns the delay.
    @discardableResult
    public func retry(_ key: Key) -> Duration {
        let count = failures[key, default: 0]
        failures[key] = count + 1
        let delay = Backoff(initial: baseDelay, cap: maxDelay, jitter: 0).pause(afterFailures: count + 1)
        add(key, after: delay)
        return delay
    }

    /// The key succeeded: its next failure starts the back-off again.
    public func forget(_ key: Key) { failures[key] = nil }

    public func failureCount(_ key: Key) -> Int { failures[key, default: 0] }

    /// The next key to work on; nil once the queue is shut down.
    public func next() async -> Key? {
        if shutDown { return nil }
        if !queue.isEmpty {
            let key = queue.removeFirst()
            queued.remove(key)
            processing.insert(key)
            return key
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// The worker finished `key`; if it was added meanwhile, it is queued again now.
    public func done(_ key: Key) {
        processing.remove(key)
        if dirty.remove(key) != nil { add(key) }
    }

    /// Wakes every waiting worker with nil; later adds are ignored.
    public func shutdown() {
        shutDown = true
        queue.removeAll()
        queued.removeAll()
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters.removeAll()
    }

    public var count: Int { queue.count }
}
