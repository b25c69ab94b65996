import AgentAPI
import AsyncHTTPClient
import ControllerAPI
import Foundation
import KubeAPI
import KubeClient
import KubeRuntime
import Logging
import NIOSSL
import QiniuAPI
import RoleNetwork
import Synchronization

/// The seed's "MySQL Data Operator": hands each QiniuMySQLData (one backup or restore) to its
/// cluster's controller, which runs it, and mirrors what the controller reports (phase, steps,
/// bytes, the backup) into the object's status. It runs inside the cluster's reconcile, so the
/// controller's status stream, which carries the tasks, wakes it.
///
/// - A task is sent once (the controller keeps it by name; sending again is harmless) and again
///   when its `approvedStep` grows.
/// - A task the controller refuses (no such backup, another task runs, a bad node) is Failed
///   with the controller's reason; nothing else changes.
/// - `spec.cancel: true`, or deleting the QiniuMySQLData, cancels the task at its next step
///   boundary.
public final class DataReconciler: Sendable {
    let client: KubeClient
    let caches: OwnedCaches
    let events: EventRecorder
    let metrics: OperatorMetrics
    let httpClient: HTTPClient
    let logger: Logger
    /// What was last sent per task (its uid): when, and the approval it carried.
    private let sent = Mutex([String: (at: ContinuousClock.Instant, approvedStep: Int)]())
    /// A task is not sent again sooner than this while the controller's status does not show it.
    static let resendAfter = Duration.seconds(10)

    public init(client: KubeClient, caches: OwnedCaches, events: EventRecorder, metrics: OperatorMetrics, httpClient: HTTPClient, logger: Logger) {
        self.client = client
        self.caches = caches
        self.events = events
        self.metrics = metrics
        self.httpClient = httpClient
        self.logger = logger
    }

    /// The cluster a QiniuMySQLData belongs to: `spec.cluster` in its namespace.
    public static func cluster(of object: JSONValue) -> ObjectKey? {
        guard let cluster = object[path: ["spec", "cluster"]]?.stringValue,
              let namespace = object[path: ["metadata", "namespace"]]?.stringValue else { return nil }
        return ObjectKey(namespace: namespace, name: cluster)
    }

    /// The controller and how to reach it; nil fields: not yet known (no Secret yet).
    public struct Controller: Sendable {
        public var url: String
        public var caPEM: String?
        public var token: String?
        /// The controller's latest status (nil: not heard yet).
        public var status: ClusterStatus?
    }

    /// Hands over and mirrors every task of `key`. Returns an error text when something must be
    /// tried again (the controller did not answer).
    public func reconcile(_ key: ObjectKey, controller: Controller) async -> String? {
        var retry: String?
        var names: Set<String> = []
        for raw in caches.data.list(owner: key) {
            guard let name = raw[path: ["metadata", "name"]]?.stringValue else { continue }
            names.insert(name)
            // Finished and deleted tasks are most of them: they are skipped before decoding.
            if raw[path: ["metadata", "deletionTimestamp"]] != nil { continue }
            if let phase = raw[path: ["status", "phase"]]?.stringValue.flatMap(DataPhase.init(rawValue:)), phase.isFinished { continue }
            guard let task = try? raw.decode(as: QiniuMySQLData.self) else { continue }
            do {
                try await reconcile(task, name: name, raw: raw, controller: controller)
            } catch is CancellationError {
                return nil
            } catch {
                retry = "\(name): \(error)"
            }
        }
        await cancelOrphans(of: key, keeping: names, controller: controller)
        return retry
    }

    private func reconcile(_ task: QiniuMySQLData, name: String, raw: JSONValue, controller: Controller) async throws {
        let known = controller.status?.tasks?.first { $0.name == name }
        var status = task.status ?? QiniuMySQLDataStatus()
        if let known {
            status = Self.mirror(known, onto: status)
            if task.spec.cancel == true, !known.phase.isFinished {
                try await cancel(name, controller: controller)
            } else if task.spec.approval == .step, let approved = task.spec.approvedStep, known.phase == .waitingForApproval,
               approved > lastSentApproval(task) {
                _ = try await send(task, name: name, controller: controller)
            }
        } else if task.spec.cancel == true {
            // Never handed over (or forgotten by a restarted controller): nothing ran.
            status.phase = .cancelled
            status.message = "cancelled before the controller ran it; nothing was changed"
            status.completionTime = KubeTime.format(Date())
        } else if shouldSend(task, approvedStep: task.spec.approvedStep ?? -1) {
            switch try await prepareRequest(task, name: name) {
            case .failed(let reason):
                status.phase = .failed
                status.message = reason
                status.completionTime = KubeTime.format(Date())
            case .waiting(let reason):
                status.phase = .pending
                status.message = reason
            case .ready(let request):
                do {
                    let accepted = try await send(request, uid: task.metadata.uid ?? name, controller: controller)
                    status = Self.mirror(accepted, onto: status)
                } catch let refused as ControllerStatusClient.Refused {
                    status.phase = .failed
                    status.message = "refused by the controller: \(refused.reason)"
                    status.completionTime = KubeTime.format(Date())
                } catch let error as NotReachable {
                    status.phase = .pending
                    status.message = "waiting for the cluster's controller: \(error)"
                    try await write(task, status: status, raw: raw)
                    throw error
                }
            }
        }
        try await write(task, status: status, raw: raw)
    }

    /// Whether the task should be sent now: never sent, or sent long enough ago without the
    /// controller showing it, or with a lower approval than the spec has now.
    private func shouldSend(_ task: QiniuMySQLData, approvedStep: Int) -> Bool {
        let uid = task.metadata.uid ?? task.metadata.name ?? ""
        return sent.withLock { all in
            guard let last = all[uid] else { return true }
            return approvedStep > last.approvedStep || last.at.duration(to: .now) > Self.resendAfter
        }
    }

    private func lastSentApproval(_ task: QiniuMySQLData) -> Int {
        sent.withLock { $0[task.metadata.uid ?? task.metadata.name ?? ""]?.approvedStep ?? -1 }
    }

    enum Preparation {
        case ready(DataTaskRequest)
        case waiting(String)
        case failed(String)
    }

    /// The controller's request for `task`; a restore's `backupName` may name a backup task,
    /// whose backup is then the one restored.
    private func prepareRequest(_ task: QiniuMySQLData, name: String) async throws -> Preparation {
        var request = DataTaskRequest(
            name: name, action: task.spec.action, sourceCluster: task.spec.sourceCluster, bootstrapNode: task.spec.bootstrapNode,
            approval: task.spec.approval, approvedStep: task.spec.approvedStep, skipSafetyBackup: task.spec.skipSafetyBackup,
            restoreTo: task.spec.restoreTo)
        guard task.spec.action == .restore else { return .ready(request) }
        // A point-in-time restore without a backup: the controller takes the newest before the point.
        if task.spec.restoreTo != nil, task.spec.backupName == nil { return .ready(request) }
        guard let backupName = task.spec.backupName else {
            return .failed("spec.backupName is required for a restore: a backup id (kubectl qmysql backups \(task.spec.cluster)) or a backup task's name")
        }
        request.backupID = backupName
        if let namespace = task.metadata.namespace, let other = caches.data.get(namespace: namespace, name: backupName),
           let backupTask = try? other.decode(as: QiniuMySQLData.self), backupTask.spec.action == .backup {
            switch backupTask.status?.phase {
            case .succeeded?:
                guard let id = backupTask.status?.backup?.id else { return .failed("backup task \(backupName) succeeded but records no backup id") }
                request.backupID = id
                request.sourceCluster = request.sourceCluster ?? backupTask.spec.cluster
            case .failed?:
                return .failed("backup task \(backupName) failed: there is nothing to restore from it")
            default:
                return .waiting("waiting for backup task \(backupName) to finish")
            }
        }
        return .ready(request)
    }

    private func send(_ task: QiniuMySQLData, name: String, controller: Controller) async throws -> DataTaskStatus {
        guard case .ready(let request) = try await prepareRequest(task, name: name) else {
            throw NotReachable(description: "the task cannot be prepared")
        }
        return try await send(request, uid: task.metadata.uid ?? name, controller: controller)
    }

    /// `spec.cancel`: the controller stops the task at its next step boundary. Sent again on
    /// every reconcile until the task ends (it is idempotent), so a lost request costs a wakeup.
    private func cancel(_ name: String, controller: Controller) async throws {
        let (client, token) = try connection(to: controller)
        do {
            _ = try await client.cancel(name, token: token)
            logger.info("data task cancelled through spec.cancel", metadata: ["task": "\(name)"])
        } catch {
            throw NotReachable(description: "\(error)")
        }
    }

    struct NotReachable: Error, CustomStringConvertible {
        var description: String
    }

    /// A client for the cluster's controller and the token it wants.
    private func connection(to controller: Controller) throws -> (client: ControllerStatusClient, token: String) {
        guard let token = controller.token else { throw NotReachable(description: "the cluster's Secret is not there yet") }
        let tls = try controller.caPEM.map { try RoleTLS.client(caPEM: $0) }
        return (ControllerStatusClient(baseURL: controller.url, tlsConfiguration: tls, httpClient: httpClient), token)
    }

    private func send(_ request: DataTaskRequest, uid: String, controller: Controller) async throws -> DataTaskStatus {
        let (client, token) = try connection(to: controller)
        do {
            let accepted = try await client.submit(request, token: token)
            sent.withLock { $0[uid] = (.now, request.approvedStep ?? -1) }
            logger.info("data task handed to the controller", metadata: ["task": "\(request.name)", "action": "\(request.action.rawValue)"])
            return accepted
        } catch let refused as ControllerStatusClient.Refused {
            sent.withLock { $0[uid] = (.now, request.approvedStep ?? -1) }
            throw refused
        } catch {
            throw NotReachable(description: "\(error)")
        }
    }

    /// Tasks the controller runs for QiniuMySQLData objects that no longer exist: cancelled.
    /// (Scheduled backups and a cluster's seeding restore have no object.)
    private func cancelOrphans(of key: ObjectKey, keeping names: Set<String>, controller: Controller) async {
        guard caches.data.hasSynced(namespaces: 1) else { return }
        let orphans = (controller.status?.tasks ?? []).filter {
            !$0.phase.isFinished && !names.contains($0.name) && !$0.name.hasPrefix("scheduled-") && !$0.name.hasPrefix("restore-from-")
        }
        guard !orphans.isEmpty, let (client, token) = try? connection(to: controller) else { return }
        for orphan in orphans {
            do {
                _ = try await client.cancel(orphan.name, token: token)
                logger.notice("cancelled the task of a deleted QiniuMySQLData", metadata: ["cluster": "\(key)", "task": "\(orphan.name)"])
            } catch {
                logger.warning("cannot cancel the task of a deleted QiniuMySQLData", metadata: ["task": "\(orphan.name)", "error": "\(error)"])
            }
        }
    }

    /// The controller's view of a task, as the object's status holds it.
    static func mirror(_ task: DataTaskStatus, onto current: QiniuMySQLDataStatus) -> QiniuMySQLDataStatus {
        var status = current
        status.phase = task.phase
        status.steps = task.steps.map {
            DataStep(number: $0.number, name: $0.name, state: $0.state, message: $0.message,
                     startTime: $0.startTime, completionTime: $0.completionTime)
        }
        status.backup = task.backup?.record
        status.safetyBackup = task.safetyBackup?.record
        status.node = task.node
        status.bytes = task.bytes
        status.message = task.message
        status.startTime = task.startTime
        status.completionTime = task.completionTime
        return status
    }

    private func write(_ task: QiniuMySQLData, status: QiniuMySQLDataStatus, raw: JSONValue) async throws {
        guard status != task.status else { return }
        var updated = task
        updated.status = status
        let stored = try await client.updateStatus(updated, namespace: task.metadata.namespace)
        if let encoded = try? JSONValue.parse(JSONEncoder().encode(stored)) { caches.data.store(encoded) }
        metrics.statusWrites.increment()
        if let phase = status.phase, phase != task.status?.phase {
            let what = task.spec.action == .backup ? "Backup" : "Restore"
            switch phase {
            case .succeeded:
                await events.record(raw, kind: .normal, reason: "\(what)Succeeded", message: status.message ?? "\(what.lowercased()) finished")
            case .failed:
                await events.record(raw, kind: .warning, reason: "\(what)Failed", message: status.message ?? "\(what.lowercased()) failed")
            case .cancelled:
                await events.record(raw, kind: .normal, reason: "\(what)Cancelled", message: status.message ?? "\(what.lowercased()) cancelled")
            case .waitingForApproval:
                let step = status.steps?.first { $0.state == .waitingForApproval }
                await events.record(raw, kind: .normal, reason: "WaitingForApproval",
                                    message: "step \(step?.number ?? 0) (\(step?.name ?? "?")) waits: set spec.approvedStep to \(step?.number ?? 0) to go on")
            case .running, .pending:
                break
            }
        }
    }
}
