import AgentAPI
import AsyncHTTPClient
import Clocks
import ControllerAPI
import KubeClient
import KubeRuntime
import Logging
import NIOSSL
import RoleNetwork
import Synchronization

/// One status follower per cluster: keeps the controller's latest status and when it was last
/// heard from (a status line or the 10 s heartbeat), and wakes the reconciler when the status
/// changed or the controller went silent. The stream is the controller's bounded latest-wins
/// feed, so a slow operator reads the newest status next, never a backlog.
public final class ControllerFollowers: Sendable {
    public struct Observation: Sendable {
        public var status: ClusterStatus?
        /// When the follower started or last heard from the controller.
        public var lastHeard: ContinuousClock.Instant
        public var lastError: String?
    }

    private struct Follower {
        var url: String
        /// Which CA the stream is verified with (a changed CA restarts the follower).
        var caPEM: String?
        /// Tells this follower's writes from those of one it replaced (still finishing a callback).
        var generation: Int
        var task: Task<Void, Never>
    }

    private let generations = Atomic<Int>(0)

    private let followers = Mutex([ObjectKey: Follower]())
    private let observations = Mutex([ObjectKey: Observation]())
    let httpClient: HTTPClient
    let unavailableAfter: Duration
    let logger: Logger
    let onChange: @Sendable (ObjectKey) async -> Void
    /// Steps the controller finished since the status this follower saw before (none on the
    /// first status: what happened before the operator looked is history, not news).
    let onFinishedActions: @Sendable (ObjectKey, [ActionSummary]) async -> Void

    public init(httpClient: HTTPClient, unavailableAfter: Duration, logger: Logger,
                onChange: @escaping @Sendable (ObjectKey) async -> Void,
                onFinishedActions: @escaping @Sendable (ObjectKey, [ActionSummary]) async -> Void = { _, _ in }) {
        self.httpClient = httpClient
        self.unavailableAfter = unavailableAfter
        self.logger = logger
        self.onChange = onChange
        self.onFinishedActions = onFinishedActions
    }

    /// The finished actions in `new` that `old` did not show finished.
    static func newlyFinished(old: ClusterStatus?, new: ClusterStatus) -> [ActionSummary] {
        guard let old else { return [] }
        let known = Set((old.actions ?? []).filter { $0.state != .running })
        return (new.actions ?? []).filter { $0.state != .running && !known.contains($0) }
    }

    public func observation(_ key: ObjectKey) -> Observation? { observations.withLock { $0[key] } }

    /// Whether the controller of `key` has been silent for longer than `unavailableAfter`.
    public func isUnavailable(_ key: ObjectKey, now: ContinuousClock.Instant = .now) -> Bool {
        guard let observation = observation(key) else { return false }
        return observation.lastHeard.duration(to: now) > unavailableAfter
    }

    /// Starts following `url` for `key` (or keeps following it). An https URL is verified with
    /// `caPEM`, the cluster's own CA.
    public func follow(_ key: ObjectKey, url: String, caPEM: String?) {
        followers.withLock { all in
            if let current = all[key], current.url == url, current.caPEM == caPEM { return }
            all[key]?.task.cancel()
            observations.withLock { $0[key] = Observation(status: $0[key]?.status, lastHeard: .now) }
            let tls = caPEM.flatMap { try? RoleTLS.client(caPEM: $0) }
            let generation = generations.add(1, ordering: .relaxed).newValue
            all[key] = Follower(url: url, caPEM: caPEM, generation: generation,
                                task: Task { [self] in await self.run(key, url: url, tls: tls, generation: generation) })
        }
    }

    public func stop(_ key: ObjectKey) {
        followers.withLock { $0.removeValue(forKey: key)?.task.cancel() }
        _ = observations.withLock { $0.removeValue(forKey: key) }
    }

    public func stopAll() {
        followers.withLock { all in
            for follower in all.values { follower.task.cancel() }
            all.removeAll()
        }
        observations.withLock { $0.removeAll() }
    }

    /// Whether `generation` is still the follower of `key` (a replaced or stopped one writes nothing).
    private func isCurrent(_ key: ObjectKey, _ generation: Int) -> Bool {
        followers.withLock { $0[key]?.generation == generation }
    }

    private func run(_ key: ObjectKey, url: String, tls: TLSConfiguration?, generation: Int) async {
        let client = ControllerStatusClient(baseURL: url, tlsConfiguration: tls, httpClient: httpClient)
        var backoff = Backoff(initial: .milliseconds(500), cap: .seconds(5), jitter: 0)
        let flaggedUnavailable = Mutex(false)
        let heard = Atomic<Bool>(false)
        while !Task.isCancelled {
            heard.store(false, ordering: .relaxed)
            do {
                try await client.follow(idle: min(unavailableAfter, .seconds(30))) { [self] status in
                    guard isCurrent(key, generation) else { throw CancellationError() }
                    heard.store(true, ordering: .relaxed)
                    let (changed, finished) = observations.withLock { all -> (Bool, [ActionSummary]) in
                        let previous = all[key]?.status
                        all[key] = Observation(status: status, lastHeard: .now, lastError: nil)
                        return (previous != status, Self.newlyFinished(old: previous, new: status))
                    }
                    if !finished.isEmpty { await onFinishedActions(key, finished) }
                    let wasFlagged = flaggedUnavailable.withLock { flagged in defer { flagged = false }; return flagged }
                    if changed || wasFlagged { await onChange(key) }
                }
            } catch is CancellationError {
                return
            } catch {
                guard isCurrent(key, generation) else { return }
                observations.withLock { $0[key]?.lastError = "\(error)" }
                logger.debug("controller status stream ended", metadata: ["cluster": "\(key)", "error": "\(error)"])
            }
            if Task.isCancelled { return }
            let newlySilent = isUnavailable(key) && flaggedUnavailable.withLock { flagged in defer { flagged = true }; return !flagged }
            if newlySilent { await onChange(key) }
            // Reconnect at once-ish after a stream that worked; back off while none does.
            if heard.load(ordering: .relaxed) { backoff.reset() }
            try? await Task.sleep(for: backoff.next())
        }
    }
}
