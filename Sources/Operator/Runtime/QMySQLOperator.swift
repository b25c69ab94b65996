import AsyncHTTPClient
import Clocks
import Foundation
import Galera
import KubeAPI
import KubeClient
import KubeRuntime
import Logging
import QiniuAPI
import Synchronization

/// The operator: ensures its CRDs, elects a leader, and while leading keeps every QiniuMySQL's
/// objects as rendered. The pieces (caches, queue, reconciler, followers) are in this folder;
/// this type only wires them and runs the loops.
public final class QMySQLOperator: Sendable {
    public let client: KubeClient
    public let settings: OperatorSettings
    public let metrics = OperatorMetrics()
    let caches = OwnedCaches()
    /// One queue per term as leader: a new leader starts with an empty queue and caches it lists afresh.
    let queues = CurrentQueue()
    let followers: ControllerFollowers
    let reconciler: ClusterReconciler
    let elector: LeaderElector
    let logger: Logger
    /// For the controllers' status streams; shut down when `run` returns.
    let statusHTTPClient: HTTPClient
    private let state = Mutex(State())

    struct State {
        var crdsReady = false
        var leading = false
        var synced = false
    }

    /// - Parameters:
    ///   - leaseNamespace: where the leader Lease lives (the operator's own namespace).
    ///   - identity: this replica's name in the Lease (the pod name in a cluster).
    ///   - controllerURL: where a cluster's controller answers; default: its Service's DNS name.
    public init(client: KubeClient, settings: OperatorSettings, leaseNamespace: String, identity: String,
                leaderTiming: LeaderElector.Timing = LeaderElector.Timing(),
                logger: Logger, controllerURL: @escaping @Sendable (ObjectKey) -> String = ClusterReconciler.serviceURL) {
        self.client = client
        self.settings = settings
        self.logger = logger
        let queues = self.queues
        // Every followed controller holds a connection for as long as it streams. In a cluster each
        // is its own host; in the playground they share one, and the default pool of 8 per host
        // would leave all but 8 clusters unfollowed.
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 100_000
        configuration.connectionPool.retryConnectionEstablishment = false
        statusHTTPClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let events = EventRecorder(client: client, logger: logger)
        let clusters = caches.clusters
        followers = ControllerFollowers(
            httpClient: statusHTTPClient, unavailableAfter: settings.controllerUnavailableAfter, logger: logger,
            onChange: { key in await queues.add(key) },
            onFinishedActions: { key, actions in
                // Every step the controller performed becomes an Event on the cluster.
                guard let cluster = clusters.get(key) else { return }
                for action in actions {
                    let failed = action.state == .failed
                    await events.record(cluster, kind: failed ? .warning : .normal, reason: failed ? "RecoveryStepFailed" : "RecoveryStep",
                                        message: "\(action.detail): \(action.message ?? action.state.rawValue)")
                }
            })
        reconciler = ClusterReconciler(
            client: client, settings: settings, caches: caches, followers: followers,
            events: events, metrics: metrics, logger: logger, controllerURL: controllerURL,
            data: DataReconciler(client: client, caches: caches, events: events, metrics: metrics, httpClient: statusHTTPClient, logger: logger))
        elector = LeaderElector(client: client, namespace: leaseNamespace, identity: identity, timing: leaderTiming, logger: logger)
    }

    /// `/metrics`: the operator's own values and its API client's requests.
    public func metricsText() -> String { metrics.render(requests: client.requestCounts.snapshot) }

    public var isLeading: Bool { state.withLock { $0.leading } }
    /// Ready: CRDs ensured, and (when leading) every cache listed once.
    public var isReady: Bool { state.withLock { $0.crdsReady && (!$0.leading || $0.synced) } }

    /// Runs until cancelled. Call once.
    public func run() async throws {
        do {
            try await lead()
        } catch {
            try? await statusHTTPClient.shutdown()
            throw error
        }
        try? await statusHTTPClient.shutdown()
    }

    func lead() async throws {
        // Forbidden or failing calls are retried with back-off, never a crash loop: the log and
        // /readyz say what is wrong meanwhile.
        try await retrying("ensure the CRDs") { try await self.ensureCustomResourceDefinitions() }
        state.withLock { $0.crdsReady = true }
        await elector.whileLeading({ [self] in try await self.reconcileWhileLeading() }, onChange: { [self] leading in
            self.state.withLock {
                $0.leading = leading
                if !leading { $0.synced = false }
            }
            self.metrics.leader.set(to: leading ? 1 : 0)
        })
    }

    /// The seed's CreateCRD/GetCRD: creates missing CRDs and updates changed ones; idempotent.
    public func ensureCustomResourceDefinitions() async throws {
        try await Self.ensureCustomResourceDefinitions(client: client, fieldManager: settings.fieldManager, logger: logger)
    }

    /// The same for any client (the playground's host installs them before the operator runs).
    public static func ensureCustomResourceDefinitions(client: KubeClient, fieldManager: String, logger: Logger) async throws {
        for definition in QiniuCRDs.all {
            let name = definition[path: ["metadata", "name"]]?.stringValue ?? ""
            let live: JSONValue?
            do {
                live = try await client.getRaw(CustomResourceDefinition.resourceType, name: name)
            } catch let error as KubeError where error.isNotFound {
                live = nil
            }
            if LiveComparison.covers(live, definition) { continue }
            _ = try await client.applyRaw(CustomResourceDefinition.resourceType, definition, fieldManager: fieldManager, force: true)
            logger.notice(live == nil ? "created CRD" : "updated CRD", metadata: ["crd": "\(name)"])
        }
    }

    /// Caches, workers and the periodic resync; everything stops when leadership is lost.
    func reconcileWhileLeading() async throws {
        for cache in caches.all { cache.reset() }
        let queue = WorkQueue<ObjectKey>()
        queues.set(queue)
        defer {
            queues.set(nil)
            followers.stopAll()
            Task { await queue.shutdown() }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for cache in caches.all {
                let isClusters = cache === caches.clusters
                let isData = cache === caches.data
                group.addTask { [self] in
                    try await retrying("watch \(cache.type.plural)") {
                        try await cache.run(client: client, namespaces: settings.watchNamespaces, logger: logger) { object in
                            // A data task wakes its cluster: one reconcile handles a cluster and its tasks.
                            let key = isClusters ? ObjectKey(object) : isData ? DataReconciler.cluster(of: object) : ObjectCache.owner(of: object, label: QiniuLabels.cluster)
                            if let key { await queue.add(key) }
                        }
                    }
                }
            }
            let scopes = max(1, settings.watchNamespaces.count)
            while !caches.all.allSatisfy({ $0.hasSynced(namespaces: scopes) }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            state.withLock { $0.synced = true }
            logger.info("caches synced", metadata: ["clusters": "\(caches.clusters.count)"])
            for _ in 0..<max(1, settings.workers) {
                group.addTask { [self] in await self.work(queue) }
            }
            group.addTask { [self] in try await self.resync(queue) }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Runs `body` until it succeeds, waiting 1 s after the first failure, doubling to 60 s.
    func retrying(_ what: String, _ body: @Sendable () async throws -> Void) async throws {
        var backoff = Backoff(initial: .seconds(1), cap: .seconds(60), jitter: 0)
        while true {
            do {
                return try await body()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let delay = backoff.next()
                logger.error("cannot \(what); retrying", metadata: ["error": "\(error)", "retry in": "\(delay)"])
                metrics.apiErrors.increment()
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Enqueues every cluster every `resyncInterval`: a missed event never lasts.
    func resync(_ queue: WorkQueue<ObjectKey>) async throws {
        while true {
            try await Task.sleep(for: settings.resyncInterval)
            for key in caches.clusters.keys() { await queue.add(key) }
        }
    }

    func work(_ queue: WorkQueue<ObjectKey>) async {
        await withTaskCancellationHandler {
            while !Task.isCancelled, let key = await queue.next() {
                metrics.clusters.set(to: Double(caches.clusters.count))
                let started = ContinuousClock.now
                let outcome = await reconciler.reconcile(key)
                let elapsed = ContinuousClock.now - started
                metrics.reconcileDurations.record(elapsed)
                switch outcome {
                case .done:
                    await queue.forget(key)
                case .requeue(let delay):
                    await queue.forget(key)
                    queue.add(key, after: delay)
                case .retry:
                    metrics.reconcileErrors.increment()
                    await queue.retry(key)
                }
                await queue.done(key)
                let depth = await queue.count
                metrics.queueDepth.set(to: Double(depth))
            }
        } onCancel: {
            Task { await queue.shutdown() }
        }
    }
}

/// The queue of the current term as leader, if any: followers wake whatever queue is current.
final class CurrentQueue: Sendable {
    private let queue = Mutex<WorkQueue<ObjectKey>?>(nil)

    func set(_ queue: WorkQueue<ObjectKey>?) { self.queue.withLock { $0 = queue } }

    func add(_ key: ObjectKey) async {
        await queue.withLock { $0 }?.add(key)
    }
}
