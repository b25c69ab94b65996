import ControllerAPI
import Galera
import KubeAPI
import QiniuAPI

/// The QiniuMySQL status the operator wants written, as a pure function of what it observed.
/// Equal inputs give an equal status (transition times are kept from `current` while a
/// condition's status stays the same), so in steady state the result equals what is stored and
/// nothing is written.
public enum StatusComposer {
    /// The conditions the operator sets itself; every other one comes from the controller.
    static let operatorOwned: Set<String> = [
        ConditionType.degraded, ConditionType.controllerUnavailable, ConditionType.specRejected,
        ConditionType.applyFailed, ConditionType.paused,
    ]

    public struct Inputs: Sendable {
        public var controller: ClusterStatus?
        public var controllerUnavailable: Bool
        /// Why the spec was refused (nothing applied), or empty.
        public var specProblems: [String]
        /// Why applying failed (it is retried with back-off), or nil.
        public var applyError: String?
        /// The generation whose objects are applied; nil when the spec was refused or applying failed.
        public var appliedGeneration: Int64?
        /// What every database pod runs now (`EncryptionRollout.recorded`); nil keeps the stored value.
        public var replicationEncryption: ReplicationEncryption?
        public var now: String

        public init(controller: ClusterStatus?, controllerUnavailable: Bool, specProblems: [String], applyError: String?,
                    appliedGeneration: Int64?, replicationEncryption: ReplicationEncryption? = nil, now: String) {
            self.controller = controller
            self.controllerUnavailable = controllerUnavailable
            self.specProblems = specProblems
            self.applyError = applyError
            self.appliedGeneration = appliedGeneration
            self.replicationEncryption = replicationEncryption
            self.now = now
        }
    }

    public static func compose(_ cluster: QiniuMySQL, _ inputs: Inputs) -> QiniuMySQLStatus {
        let current = cluster.status ?? QiniuMySQLStatus()
        var status: QiniuMySQLStatus
        let replicas = cluster.spec.effectiveReplicas
        if let controller = inputs.controller {
            status = controller.resourceStatus(observedGeneration: current.observedGeneration, lastBackup: current.lastBackup)
            // The formed-cluster fact is never forgotten, even if a new controller has not learnt it yet.
            status.clusterUUID = controller.clusterUUID ?? current.clusterUUID
            // The store's catalog as the controller read it (it is the one that mounts the store).
            status.backups = controller.backups?.map(\.record)
        } else {
            status = QiniuMySQLStatus(
                state: current.state, ready: current.ready ?? "0/\(replicas)", nodes: current.nodes, conditions: [],
                observedGeneration: current.observedGeneration, lastBackup: current.lastBackup,
                message: current.message ?? "waiting for the controller's first status", clusterUUID: current.clusterUUID,
                phase: current.phase, archive: current.archive)
            status.backups = current.backups
            // The controller's last word: the labels stay where it put them until it speaks.
            status.writer = current.writer
        }
        if let generation = inputs.appliedGeneration { status.observedGeneration = generation }
        status.replicationEncryption = inputs.replicationEncryption ?? current.replicationEncryption

        // Before this operator term heard the controller (just started, or just became leader),
        // the controller's last word as stored stands: writing "waiting" over it would flap Ready
        // on every failover and replay its Events.
        let previous = current.conditions ?? []
        let heardBefore = current.state != nil
        var conditions: [Condition]
        if let controller = inputs.controller {
            conditions = controller.conditions
        } else if heardBefore {
            conditions = previous.filter { !operatorOwned.contains($0.type) }
        } else {
            conditions = [Condition(type: ConditionType.ready, status: "False", reason: "WaitingForController",
                                    message: "the cluster's controller has not reported yet")]
        }
        let paused = cluster.spec.paused ?? false
        if let controller = inputs.controller {
            let state: ClusterState? = controller.state
            // A paused cluster has its nodes stopped on purpose, a forming or restoring one is
            // doing what it was asked: not degraded.
            let planned = paused || (controller.phase.map { !$0.expectsService } ?? false)
            let degraded = !planned && (state == .yellow || state == .red)
            conditions.append(Condition(
                type: ConditionType.degraded, status: degraded ? "True" : "False",
                reason: paused ? "Paused" : planned ? controller.phase?.rawValue ?? "Unknown" : state?.rawValue ?? "Unknown",
                message: degraded ? controller.message : ""))
        } else if let stored = previous.first(where: { $0.type == ConditionType.degraded }) {
            conditions.append(stored)
        } else {
            conditions.append(Condition(type: ConditionType.degraded, status: "False", reason: "Unknown", message: ""))
        }
        conditions.append(Condition(
            type: ConditionType.controllerUnavailable, status: inputs.controllerUnavailable ? "True" : "False",
            reason: inputs.controllerUnavailable ? "NoStatus" : "Answering",
            message: inputs.controllerUnavailable
                ? "the controller has not answered for a while; its pod is being replaced (the database keeps running)" : ""))
        conditions.append(Condition(
            type: ConditionType.specRejected, status: inputs.specProblems.isEmpty ? "False" : "True",
            reason: inputs.specProblems.isEmpty ? "Accepted" : "Invalid", message: inputs.specProblems.joined(separator: "; ")))
        conditions.append(Condition(
            type: ConditionType.applyFailed, status: inputs.applyError == nil ? "False" : "True",
            reason: inputs.applyError == nil ? "Applied" : "APIError", message: inputs.applyError ?? ""))
        conditions.append(Condition(
            type: ConditionType.paused, status: paused ? "True" : "False", reason: paused ? "Paused" : "Running",
            message: paused ? "spec.paused is true: the controller stops every node gracefully, then observes only" : ""))
        let prefix = "controller unavailable: "
        var message = status.message ?? ""
        while message.hasPrefix(prefix) { message.removeFirst(prefix.count) }
        status.message = inputs.controllerUnavailable ? prefix + message : message
        status.conditions = conditions.map { stamp($0, previous: current.conditions ?? [], now: inputs.now) }
        return status
    }

    /// `Condition.stamped`, with an empty message left out (as the API server would drop it).
    static func stamp(_ condition: Condition, previous: [Condition], now: String) -> Condition {
        var condition = condition.stamped(previous: previous.first { $0.type == condition.type }, now: now)
        if condition.message?.isEmpty == true { condition.message = nil }
        return condition
    }
}
