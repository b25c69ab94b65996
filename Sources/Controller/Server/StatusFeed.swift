import Synchronization

/// The upward path for a cluster's status: a bounded queue in which only the latest entry matters.
///
/// The controller publishes after every observation, but only a status that differs from the
/// previous one is enqueued, so a steady cluster writes nothing anywhere. When the consumer (the
/// operator writing the Kubernetes status) is slower than the changes, the oldest entries are
/// dropped: an old status is worthless once a newer one exists.
public final class StatusFeed<Status: Equatable & Sendable>: Sendable {
    /// What the consumer reads. Single consumer: iterate it once.
    public let updates: AsyncStream<Status>

    private let continuation: AsyncStream<Status>.Continuation
    private let state: Mutex<State>

    private struct State {
        var latest: Status?
        var published = 0
        var dropped = 0
        var subscribers: [Int: AsyncStream<Status>.Continuation] = [:]
        var nextSubscriber = 0
        var finished = false
    }

    /// - Parameter capacity: how many unread statuses are kept; at least 1.
    public init(capacity: Int = 4) {
        precondition(capacity >= 1, "a status feed needs room for at least the latest status")
        let (stream, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(capacity))
        self.updates = stream
        self.continuation = continuation
        self.state = Mutex(State())
    }

    /// Offers a new status. Returns true when it differed from the last one and was enqueued.
    @discardableResult
    public func publish(_ status: Status) -> Bool {
        state.withLock { state in
            guard state.latest != status else { return false }
            state.latest = status
            state.published += 1
            // `.dropped` means the buffer was full and the oldest entry made room for this one.
            if case .dropped = continuation.yield(status) { state.dropped += 1 }
            for subscriber in state.subscribers.values { subscriber.yield(status) }
            return true
        }
    }

    /// A stream of its own for one more reader (the `?watch=true` endpoint, one per client): it
    /// starts with the latest status, then every change. It holds one entry: a reader slower
    /// than the changes gets the newest status when it reads next, never a backlog.
    public func subscribe() -> AsyncStream<Status> {
        let (stream, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(1))
        let id: Int? = state.withLock { state in
            if let latest = state.latest { continuation.yield(latest) }
            guard !state.finished else { return nil }
            defer { state.nextSubscriber += 1 }
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// How many `subscribe()` streams are open.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// The most recent status, for readers that want the current value rather than the changes.
    public var latest: Status? { state.withLock { $0.latest } }

    /// How many distinct statuses were published, and how many of them were dropped unread.
    public var counts: (published: Int, dropped: Int) {
        state.withLock { ($0.published, $0.dropped) }
    }

    public func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        continuation.finish()
        for subscriber in subscribers { subscriber.finish() }
    }
}
