import Galera

/// The faults the controller knows how to repair. Used for metrics ("recoveries by kind") and logs.
public enum FaultKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A new cluster on empty datadirs: bootstrap ordinal 0, then join the others by SST.
    case forming
    /// Some nodes are down while a Primary component serves: bring them back one at a time.
    case nodeDown = "node-down"
    /// The survivors lost quorum (non-Primary) and every other node is confirmed stopped.
    case quorumLost = "quorum-lost"
    /// Every node is stopped (crashed, or shut down cleanly).
    case clusterDown = "cluster-down"
    /// Not a fault: `spec.paused` asks for every node to stop, data kept. Same one-step queue.
    case pausing

    /// Larger is worse.
    var severity: Int {
        switch self {
        case .pausing: -2
        case .forming: -1
        case .nodeDown: 0
        case .quorumLost: 1
        case .clusterDown: 2
        }
    }
}

/// One thing the controller asks one node's agent to do.
public enum RecoveryAction: Sendable, Hashable, CustomStringConvertible {
    /// Run `mysqld --wsrep-recover` on a stopped node to learn its position.
    case recoverPosition(node: String)
    /// Start a stopped node in join mode; with its position it can take IST instead of a full SST.
    case join(node: String, position: GaleraPosition?)
    /// Start a stopped node as a new Primary component from its position (`--wsrep-new-cluster`).
    case bootstrap(node: String, position: GaleraPosition)
    /// Initialise an empty datadir and start a new cluster history on it (formation only).
    case bootstrapNew(node: String)
    /// Make a running non-Primary survivor Primary in place (`pc.bootstrap=YES`).
    case bootstrapSurvivor(node: String)
    /// Stop a running node gracefully (the cluster is paused): it leaves the cluster cleanly and
    /// its grastate.dat keeps its position.
    case stop(node: String)

    public var node: String {
        switch self {
        case .recoverPosition(let node), .join(let node, _), .bootstrap(let node, _), .bootstrapNew(let node),
             .bootstrapSurvivor(let node), .stop(let node): node
        }
    }

    /// Whether the action runs mysqld on its node (and so needs room on its disk).
    public var startsMySQL: Bool {
        switch self {
        case .recoverPosition, .join, .bootstrap, .bootstrapNew: true
        case .bootstrapSurvivor, .stop: false
        }
    }

    /// A short verb for the action history and metrics.
    public var verb: String {
        switch self {
        case .recoverPosition: "recover-position"
        case .join: "join"
        case .bootstrap: "bootstrap"
        case .bootstrapNew: "bootstrap-new"
        case .bootstrapSurvivor: "bootstrap-survivor"
        case .stop: "stop"
        }
    }

    public var description: String {
        switch self {
        case .recoverPosition(let node): "recover the position of \(node)"
        case .join(let node, let position?): "start \(node) in join mode from \(position)"
        case .join(let node, nil): "start \(node) in join mode"
        case .bootstrap(let node, let position): "bootstrap \(node) from \(position)"
        case .bootstrapNew(let node): "form a new cluster on \(node) (empty datadir)"
        case .bootstrapSurvivor(let node): "re-bootstrap survivor \(node) in place (pc.bootstrap=YES)"
        case .stop(let node): "stop \(node) gracefully"
        }
    }
}

/// The next single step of a known fault's recovery.
public struct RecoveryStep: Sendable, Hashable {
    public var fault: FaultKind
    public var action: RecoveryAction
    /// Why this step, in words for the log and the status message.
    public var reason: String

    public init(fault: FaultKind, action: RecoveryAction, reason: String) {
        self.fault = fault
        self.action = action
        self.reason = reason
    }
}

/// A situation the controller will not touch: what it saw, and what a person could do.
public struct ManualIntervention: Sendable, Hashable {
    /// A stable, machine-readable reason (the condition's `reason`).
    public var reason: String
    /// What was seen.
    public var seen: String
    /// What the cluster's operator could do about it.
    public var advice: String

    public init(reason: String, seen: String, advice: String) {
        self.reason = reason
        self.seen = seen
        self.advice = advice
    }

    public var message: String { "\(seen); automatic recovery will not act. \(advice)" }
}

/// What to do about the cluster, decided from one snapshot.
public enum FaultPlan: Sendable, Hashable {
    /// Nothing to do now; the reason says why (healthy, or waiting for something in progress).
    case none(reason: String)
    case step(RecoveryStep)
    case manual(ManualIntervention)
}
