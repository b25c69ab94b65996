import ControllerAPI
import KubeAPI
import QiniuAPI

/// The QiniuMySQL status the operator wants written, as a pure function of what it observed.
/// Equal inputs give an equal status (transition times are kept from `current` while a
/// condition's status stays the same), so in steady state the result equals what is stored and
/// nothing is written.
public enum StatusComposer {
    public enum ConditionType {
        public static let ready = "Ready"
        public static let degraded = "Degraded"
        public static let manualInterventionRequired = "ManualInterventionRequired"
        public static let recovering = "Recovering"
        public static let controllerUnavailable = "ControllerUnavailable"
        public static let specRejected = "SpecRejected"
        public static let applyFailed = "ApplyFailed"
        public static let paused = "Paused"
    }

    public struct Inputs: Sendable {
        public var controller: ClusterStatus?
        public var controllerUnavailable: Bool
        /// Why the spec was refused (nothing applied), or empty.
        public var specProblems: [String]
        /// Why applying failed (it is retried with back-off), or nil.
        public var applyError: String?
        /// The generation whose objects are applied; nil when the spec was refused or applying failed.
        public var appliedGeneration: Int64?
        public var now: String

        public init(controller: ClusterStatus?, controllerUnavailable: Bool, specProblems: [String], applyError: String?,
                    appliedGeneration: Int64?, now: String) {
            self.controller = controller
            self.controllerUnavailable = controllerUnavailable
            self.specProblems = specProblems
            self.applyError = applyError
            self.appliedGeneration = appliedGeneration
            self.now = now
        }
    }

    public static func compose(_ cluster: QiniuMySQL, _ inputs: Inputs) -> QiniuMySQLStatus {
        let current = cluster.status ?? QiniuMySQLStatus()
        var status: QiniuMySQLStatus
        let replicas = cluster.spec.replicas ?? 3
        if let controller = inputs.controller {
            status = controller.resourceStatus(observedGeneration: current.observedGeneration, lastBackup: current.lastBackup)
            // The formed-cluster fact is never forgotten, even if a new controller has not learnt it yet.
            status.clusterUUID = controller.clusterUUID ?? current.clusterUUID
        } else {
            status = QiniuMySQLStatus(
                state: current.state, ready: current.ready ?? "0/\(replicas)", nodes: current.nodes, conditions: [],
                observedGeneration: current.observedGeneration, lastBackup: current.lastBackup,
                message: current.message ?? "waiting for the controller's first status", clusterUUID: current.clusterUUID)
        }
        if let generation = inputs.appliedGeneration { status.observedGeneration = generation }

        var conditions = inputs.controller?.conditions ?? [
            Condition(type: ConditionType.ready, status: "False", reason: "WaitingForController",
                      message: "the cluster's controller has not reported yet"),
        ]
        let state = inputs.controller.flatMap { ClusterHealth(rawValue: $0.state.rawValue) }
        conditions.append(Condition(
            type: ConditionType.degraded, status: state == .yellow || state == .red ? "True" : "False",
            reason: state.map { $0.rawValue } ?? "Unknown", message: state == .green ? "" : (inputs.controller?.message ?? "")))
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
        let paused = cluster.spec.paused ?? false
        conditions.append(Condition(
            type: ConditionType.paused, status: paused ? "True" : "False", reason: paused ? "Paused" : "Running",
            message: paused ? "spec.paused is true: the controller observes only" : ""))
        if inputs.controllerUnavailable {
            status.message = "controller unavailable: \(status.message ?? "")"
        }
        status.conditions = conditions.map { stamp($0, previous: current.conditions ?? [], now: inputs.now) }
        return status
    }

    /// Keeps the previous transition time while the condition's status is unchanged.
    static func stamp(_ condition: Condition, previous: [Condition], now: String) -> Condition {
        var condition = condition
        if condition.message?.isEmpty == true { condition.message = nil }
        if let old = previous.first(where: { $0.type == condition.type }), old.status == condition.status {
            condition.lastTransitionTime = old.lastTransitionTime ?? now
        } else {
            condition.lastTransitionTime = now
        }
        return condition
    }
}
