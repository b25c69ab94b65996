import Foundation
import KubeAPI
import KubeClient
import Logging

/// Leader election on a `coordination.k8s.io/v1` Lease, with client-go's timings:
/// - the leader renews every `retryPeriod` (2 s);
/// - a Lease not renewed for `leaseDuration` (15 s) may be taken over by another operator;
/// - a leader that cannot renew within `renewDeadline` (10 s) stops leading at once, before
///   anyone else can take over, so two leaders never overlap.
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
    let logger: Logger

    public init(client: KubeClient, namespace: String, name: String = "qmysql-operator", identity: String,
                timing: Timing = Timing(), logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
        self.logger = logger
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
                // Whichever ends first (lease lost, or the body returned) ends both.
                await group.next()
                group.cancelAll()
            }
            await onChange(false)
            if !Task.isCancelled {
                logger.warning("stopped leading", metadata: ["lease": "\(namespace)/\(name)"])
            }
        }
    }

    /// Tries every `retryPeriod` until this operator holds the Lease; false when cancelled.
    func acquire() async -> Bool {
        while !Task.isCancelled {
            if (try? await tryAcquireOrRenew()) == true { return true }
            try? await Task.sleep(for: timing.retryPeriod)
        }
        return false
    }

    /// Renews every `retryPeriod`; returns when a renewal has not succeeded for `renewDeadline`.
    func keepRenewing() async {
        var lastRenewal = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: timing.retryPeriod)
            if Task.isCancelled { return }
            do {
                if try await tryAcquireOrRenew() {
                    lastRenewal = .now
                } else {
                    logger.warning("another operator holds the lease", metadata: ["lease": "\(namespace)/\(name)"])
                    return
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot renew the lease", metadata: ["error": "\(error)"])
            }
            if lastRenewal.duration(to: .now) >= timing.renewDeadline { return }
        }
    }

    /// One attempt: create the Lease, renew ours, or take over an expired one. Conflicts (someone
    /// else wrote first) are a plain "no".
    func tryAcquireOrRenew() async throws -> Bool {
        let now = Date()
        let stamp = Self.microTime(now)
        let seconds = Int(timing.leaseDuration.components.seconds)
        do {
            let lease = try await client.get(Lease.self, name: name, namespace: namespace)
            var spec = lease.spec ?? LeaseSpec()
            let held = spec.holderIdentity ?? ""
            if held != identity, !held.isEmpty, let renew = spec.renewTime.flatMap(Self.parseMicroTime),
               now.timeIntervalSince(renew) < Double(spec.leaseDurationSeconds ?? seconds) {
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

    /// Kubernetes `MicroTime`: RFC 3339 with six fractional digits, UTC.
    static func microTime(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        let micros = Int((seconds - whole) * 1_000_000)
        let base = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: whole))
        return base.replacingOccurrences(of: "Z", with: String(format: ".%06dZ", micros))
    }

    static func parseMicroTime(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
