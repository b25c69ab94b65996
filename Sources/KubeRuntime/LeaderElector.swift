import Clocks
import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Leader election on a `coordination.k8s.io/v1` Lease, with client-go's timings:
/// - the leader renews every `retryPeriod` (2 s);
/// - a Lease not renewed for `leaseDuration` (15 s) may be taken over by another operator;
/// - a leader that cannot renew within `renewDeadline` (10 s) stops leading at once, before
///   anyone else can take over, so two leaders never overlap;
/// - a leader that is shut down gives the Lease up (client-go's `ReleaseOnCancel`), so a
///   standby leads at its next attempt (within `retryPeriod`), not only once the Lease expires.
/// Only the leader reconciles (`whileLeading`).
public struct LeaderElector: Sendable {
    public struct Timing: Sendable, Hashable {
        public var leaseDuration: Duration = .seconds(15)
        public var renewDeadline: Duration = .seconds(10)
        public var retryPeriod: Duration = .seconds(2)
        public init() {}
    }

    public let client: KubeClient
    public let namespace: String
    public let name: String
    public let identity: String
    public let timing: Timing
    /// What the timings are measured on (the Lease's own stamps are wall-clock text for people).
    public let clock: RoleClock
    let logger: Logger
    let observed: ObservedRecord

    public init(client: KubeClient, namespace: String, name: String = "qmysql-operator", identity: String,
                timing: Timing = Timing(), clock: RoleClock = .continuous, logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
        self.clock = clock
        self.logger = logger
        observed = ObservedRecord(clock: clock)
    }

    /// Waits to become leader, runs `body` while leading, and cancels it the moment leadership is
    /// lost; then tries again. Returns when cancelled.
    public func whileLeading(_ body: @escaping @Sendable () async throws -> Void,
                             onChange: @escaping @Sendable (Bool) async -> Void = { _ in }) async {
        while !Task.isCancelled {
            guard await acquire() else { return }
            logger.notice("became leader", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
            await onChange(true)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { try await body() } catch is CancellationError {} catch {
                        logger.error("reconciling stopped with an error", metadata: ["error": "\(error)"])
                    }
                }
                group.addTask { await keepRenewing() }
                // Whichever ends first (lease lost, or the body returned) ends both; leadership is
                // given up before the body is cancelled, so nothing claims it a moment longer.
                await group.next()
                await onChange(false)
                group.cancelAll()
            }
            if Task.isCancelled {
                // Shut down: the body has stopped, so nothing reconciles any more; hand over.
                await release()
            } else {
                logger.warning("stopped leading", metadata: ["lease": "\(namespace)/\(name)"])
            }
        }
    }

    /// Gives the Lease up if this replica still holds it: no holder, and a duration of one
    /// second, as client-go's `ReleaseOnCancel` leaves it. Called after the body has stopped, so
    /// two leaders never overlap. It runs in a task of its own (the caller's is cancelled, and a
    /// cancelled request would be cut) and is bounded by `retryPeriod`: a shutdown never hangs on
    /// an unreachable API server, whose Lease then simply expires.
    func release() async {
        let attempt = Task { try await self.releaseOnce() }
        let timer = Task {
            try await clock.sleep(for: timing.retryPeriod)
            attempt.cancel()
        }
        switch await attempt.result {
        case .success(true):
            logger.notice("released the lease", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
        case .success(false):
            break
        case .failure(let error):
            logger.warning("cannot release the lease; it expires by itself", metadata: ["lease": "\(namespace)/\(name)", "error": "\(error)"])
        }
        timer.cancel()
    }

    /// One release: true when the Lease was ours and is now free. A conflict means someone
    /// else wrote it since, so it is no longer ours to give up.
    func releaseOnce() async throws -> Bool {
        var lease = try await client.get(Lease.self, name: name, namespace: namespace)
        guard var spec = lease.spec, spec.holderIdentity == identity else { return false }
        let stamp = KubeTime.formatMicro(Date())
        spec.holderIdentity = nil
        spec.leaseDurationSeconds = 1
        spec.renewTime = stamp
        spec.acquireTime = stamp
        lease.spec = spec
        do {
            _ = try await client.update(lease, namespace: namespace)
            return true
        } catch let error as KubeError where error.isConflict {
            return false
        }
    }

    /// Tries every `retryPeriod` until this operator holds the Lease; false when cancelled.
    func acquire() async -> Bool {
        while !Task.isCancelled {
            if (try? await tryAcquireOrRenew()) == true { return true }
            try? await clock.sleep(for: timing.retryPeriod)
        }
        return false
    }

    /// Renews every `retryPeriod`; returns when a renewal has not succeeded for `renewDeadline`,
    /// also while a renewal request hangs (each attempt is raced against the time left), so a
    /// leader on a half-open connection stops before another replica may take over.
    func keepRenewing() async {
        var lastRenewal = clock.now
        while !Task.isCancelled {
            try? await clock.sleep(for: timing.retryPeriod)
            if Task.isCancelled { return }
            let remaining = timing.renewDeadline - lastRenewal.duration(to: clock.now)
            guard remaining > .zero else { return }
            switch await renew(within: remaining) {
            case .renewed:
                lastRenewal = clock.now
            case .lost:
                logger.warning("another operator holds the lease", metadata: ["lease": "\(namespace)/\(name)"])
                return
            case .failed(let error):
                if Task.isCancelled { return }
                logger.warning("cannot renew the lease", metadata: ["error": "\(error)"])
            }
        }
    }

    enum Renewal: Sendable {
        case renewed, lost
        case failed(String)
    }

    func renew(within deadline: Duration) async -> Renewal {
        await withTaskGroup(of: Renewal.self) { group in
            group.addTask {
                do { return try await tryAcquireOrRenew() ? .renewed : .lost } catch { return .failed("\(error)") }
            }
            group.addTask {
                try? await clock.sleep(for: deadline)
                return .failed("no answer within the renew deadline")
            }
            let first = await group.next() ?? .failed("cancelled")
            group.cancelAll()
            return first
        }
    }

    /// One attempt: create the Lease, renew ours, or take over an expired one. Conflicts (someone
    /// else wrote first) are a plain "no".
    func tryAcquireOrRenew() async throws -> Bool {
        let stamp = KubeTime.formatMicro(Date())
        let seconds = Int(timing.leaseDuration.components.seconds)
        do {
            let lease = try await client.get(Lease.self, name: name, namespace: namespace)
            var spec = lease.spec ?? LeaseSpec()
            let held = spec.holderIdentity ?? ""
            // Expiry is measured on this replica's own clock from when it last saw the record
            // change (as client-go does), never by comparing its clock with the holder's.
            let sinceChange = observed.sinceChange(of: "\(held)|\(spec.renewTime ?? "")|\(lease.metadata.resourceVersion ?? "")")
            if held != identity, !held.isEmpty, sinceChange < .seconds(spec.leaseDurationSeconds ?? seconds) {
                return false  // someone else leads, and their lease is fresh
            }
            if held != identity {
                spec.acquireTime = stamp
                spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1
                spec.holderIdentity = identity
            }
            spec.renewTime = stamp
            spec.leaseDurationSeconds = seconds
            var updated = lease
            updated.spec = spec
            _ = try await client.update(updated, namespace: namespace)
            return true
        } catch let error as KubeError where error.isNotFound {
            let lease = Lease(metadata: ObjectMeta(name: name, namespace: namespace),
                              spec: LeaseSpec(holderIdentity: identity, leaseDurationSeconds: seconds,
                                              acquireTime: stamp, renewTime: stamp, leaseTransitions: 0))
            do {
                _ = try await client.create(lease, namespace: namespace)
                return true
            } catch let error as KubeError where error.isAlreadyExists || error.isConflict {
                return false
            }
        } catch let error as KubeError where error.isConflict {
            return false
        }
    }
}

/// When this replica last saw the Lease record change (holder, renew time, version).
final class ObservedRecord: Sendable {
    private let state = Mutex<(record: String, at: ContinuousClock.Instant)?>(nil)
    let clock: RoleClock

    init(clock: RoleClock) { self.clock = clock }

    /// How long ago `record` was first seen as it is now (zero when it just changed).
    func sinceChange(of record: String) -> Duration {
        let now = clock.now
        return state.withLock { state in
            if let state, state.record == record { return state.at.duration(to: now) }
            state = (record, now)
            return .zero
        }
    }
}
