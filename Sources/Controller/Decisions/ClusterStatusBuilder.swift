import Galera
import KubeAPI

/// Builds the cluster status from a snapshot and the current plan. Pure, apart from the time it is
/// given for conditions that change.
enum ClusterStatusBuilder {
    /// What the controller is doing about the cluster, as far as the status is concerned.
    struct Activity: Sendable, Hashable {
        var plan: FaultPlan
        var autoRecovery: Bool
        /// The fault being repaired by a queued or running recovery task, if any.
        var recovering: FaultKind?
        /// A failed step waiting for its next attempt.
        var retry: Retry?
        /// A step that failed too often (the escalation rule).
        var escalation: ManualIntervention?
    }

    /// What the Recovering condition shows while a failed step waits for its next attempt.
    struct Retry: Sendable, Hashable {
        var step: String
        var failures: Int
        var lastError: String
        /// When the next attempt may start, on the wall clock (RFC 3339).
        var nextAttempt: String
    }

    static func build(_ snapshot: ClusterSnapshot, activity: Activity, previous: ClusterStatus?, now: String) -> ClusterStatus {
        let state = snapshot.clusterState
        let message = message(snapshot, activity: activity)
        var manual = activity.escalation
        if case .manual(let intervention) = activity.plan { manual = intervention }
        let ready = state == .green
        let conditions = [
            condition(ConditionType.ready, ready, reason: state.rawValue,
                      message: ready ? "\(snapshot.replicas) nodes Synced in the Primary component" : message,
                      previous: previous, now: now),
            recoveringCondition(activity, message: message, previous: previous, now: now),
            condition(ConditionType.manualInterventionRequired, manual != nil,
                      reason: manual?.reason ?? "None",
                      message: manual?.message ?? "nothing needs a person",
                      previous: previous, now: now),
        ]
        return ClusterStatus(cluster: snapshot.clusterName, state: state, nodes: snapshot.nodes.map(nodeStatus),
                             conditions: conditions, message: message)
    }

    /// The invariant's breach: not Green, while it should serve (or form), with no recovery under
    /// way, no wait named and nothing asked of a person.
    static func unattended(_ status: ClusterStatus) -> Bool {
        guard status.state != .green, status.phase == .serving || status.phase == .forming else { return false }
        return status.condition(ConditionType.recovering)?.status != "True"
            && status.condition(ConditionType.manualInterventionRequired)?.status != "True"
    }

    /// True while a fault is being repaired, while a failed step waits for its next attempt (then
    /// it says which step, how often it failed, the last error and when it is tried again), and
    /// while the next step waits for something in progress (a transfer, an agent, Galera).
    static func recoveringCondition(_ activity: Activity, message: String, previous: ClusterStatus?, now: String) -> Condition {
        if case .wait(let waiting) = activity.plan, activity.recovering == nil {
            return condition(ConditionType.recovering, true, reason: waiting.kind.rawValue, message: waiting.reason,
                             previous: previous, now: now)
        }
        if let retry = activity.retry, case .step = activity.plan {
            return condition(
                ConditionType.recovering, true, reason: "RetryingFailedStep",
                message: "\(retry.step) failed (\(retry.failures) time\(retry.failures == 1 ? "" : "s") so far; the last error: \(retry.lastError)); the next attempt is at \(retry.nextAttempt) or later",
                previous: previous, now: now)
        }
        return condition(ConditionType.recovering, activity.recovering != nil,
                         reason: activity.recovering.map { recoveringReason($0) } ?? "Idle",
                         message: activity.recovering != nil ? message : "no recovery in progress",
                         previous: previous, now: now)
    }

    static func nodeStatus(_ node: NodeSnapshot) -> NodeStatus {
        let wsrep = node.observation.wsrep
        var wsrepState: String?
        var seqno: Int64?
        switch node.role {
        case .primary:
            wsrepState = wsrep?.localStateComment
        case .nonPrimary:
            wsrepState = wsrep.map { "\($0.clusterStatus) (\($0.localStateComment))" }
            seqno = wsrep?.lastCommitted
        case .stopped:
            switch node.storedPosition {
            case .known(let position, _): seqno = position.seqno
            case .needsRecovery: seqno = -1
            case .empty, .zero: seqno = nil
            }
        case .starting, .unknown:
            break
        }
        return NodeStatus(name: node.name, state: node.state, wsrepState: wsrepState, seqno: seqno, ready: node.state == .green,
                          agentSilentSince: node.agentSilentSince.map(KubeTime.format))
    }

    static func message(_ snapshot: ClusterSnapshot, activity: Activity) -> String {
        let silent = snapshot.nodes.compactMap { node in
            node.agentSilentSince.map { "the agent of \(node.name) has not answered since \(KubeTime.format($0))" }
        }
        let base = baseMessage(snapshot, activity: activity)
        return silent.isEmpty ? base : base + "; " + silent.joined(separator: "; ")
    }

    static func baseMessage(_ snapshot: ClusterSnapshot, activity: Activity) -> String {
        let state = snapshot.clusterState
        if let escalation = activity.escalation {
            return "cluster \(snapshot.clusterName) is \(state.rawValue): \(escalation.message)"
        }
        switch activity.plan {
        case .manual(let intervention):
            return "cluster \(snapshot.clusterName) is \(state.rawValue): \(intervention.message)"
        case .step(let step):
            if !activity.autoRecovery {
                return "cluster \(snapshot.clusterName) is \(state.rawValue) (\(step.fault.rawValue)); automatic recovery is off; it would \(step.action): \(step.reason)"
            }
            return "cluster \(snapshot.clusterName) is \(state.rawValue); recovering (\(step.fault.rawValue))"
        case .none(let reason):
            if let fault = activity.recovering { return "cluster \(snapshot.clusterName) is \(state.rawValue); recovering (\(fault.rawValue))" }
            return "cluster \(snapshot.clusterName) is \(state.rawValue): \(reason)"
        case .wait(let waiting):
            if let fault = activity.recovering { return "cluster \(snapshot.clusterName) is \(state.rawValue); recovering (\(fault.rawValue))" }
            return "cluster \(snapshot.clusterName) is \(state.rawValue): \(waiting.reason)"
        }
    }

    static func recoveringReason(_ fault: FaultKind) -> String {
        switch fault {
        case .forming: "Forming"
        case .nodeDown: "NodeDown"
        case .quorumLost: "QuorumLost"
        case .clusterDown: "ClusterDown"
        case .pausing: "Pausing"
        case .stalledTransfer: "StalledTransfer"
        }
    }

    /// A condition whose transition time moves only when its status does.
    static func condition(_ type: String, _ isTrue: Bool, reason: String, message: String, previous: ClusterStatus?, now: String) -> Condition {
        Condition(type: type, status: isTrue ? "True" : "False", reason: reason, message: message)
            .stamped(previous: previous?.condition(type), now: now)
    }
}
