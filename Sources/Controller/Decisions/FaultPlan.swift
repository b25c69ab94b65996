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
    /// A joiner waits for a state transfer that no donor can finish (no Primary component).
    case stalledTransfer = "stalled-transfer"

    /// Larger is worse.
    var severity: Int {
        switch self {
        case .pausing: -2
        case .forming: -1
        case .nodeDown, .stalledTransfer: 0
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
    /// End a running mysqld at once (SIGKILL): a joiner stuck in a state transfer that cannot
    /// finish, whose datadir holds nothing of its own (a graceful stop waits on the transfer).
    case halt(node: String)

    public var node: String {
        switch self {
        case .recoverPosition(let node), .join(let node, _), .bootstrap(let node, _), .bootstrapNew(let node),
             .bootstrapSurvivor(let node), .stop(let node), .halt(let node): node
        }
    }

    /// Whether the action runs mysqld on its node (and so needs room on its disk).
    public var startsMySQL: Bool {
        switch self {
        case .recoverPosition, .join, .bootstrap, .bootstrapNew: true
        case .bootstrapSurvivor, .stop, .halt: false
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
        case .halt: "halt"
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
        case .halt(let node): "stop \(node) at once (SIGKILL)"
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
public struct ManualIntervention: Sendable, Hashable, Codable {
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

/// Something in progress that the next step waits for. It is no idleness: the status says
/// what is awaited (Recovering), and a wait that can last for ever is bounded by the controller,
/// which asks a person once it has lasted too long (`ClusterController.waitEscalation`).
public struct Waiting: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// An agent is starting, stopping, recovering, promoting or backing up its node (its own
        /// operations are bounded by its timeouts).
        case agentBusy = "WaitingForAgent"
        /// A node receives a state transfer from a Primary component.
        case transfer = "WaitingForStateTransfer"
        /// The Primary component still counts members that are stopped (Galera evicts them within seconds).
        case viewSettling = "WaitingForViewChange"
        /// Forming: not every agent has answered yet (pods starting).
        case agentsStarting = "WaitingForAgents"
        /// Cut-off nodes rejoin by themselves once their network is back.
        case rejoining = "WaitingForRejoin"
        /// Without a Primary component, a node's mysqld runs but answers no SQL yet.
        case starting = "WaitingForStart"
        /// Every node runs and none is Primary: Galera merges them into a Primary component once
        /// they reach each other (a partition heals, or every node stalled past the inactive timeout).
        case merging = "WaitingForMerge"
    }

    public var kind: Kind
    /// The node awaited, when one is.
    public var node: String?
    public var reason: String

    public init(_ kind: Kind, node: String? = nil, reason: String) {
        self.kind = kind
        self.node = node
        self.reason = reason
    }

    /// What identifies one wait across evaluations (its kind and node), to time it.
    public var key: String { kind.rawValue + "/" + (node ?? "") }
}

/// What to do about the cluster, decided from one snapshot.
public enum FaultPlan: Sendable, Hashable {
    /// Nothing to do now; the reason says why (healthy, paused, or a restore owns the nodes).
    case none(reason: String)
    /// Waiting for something in progress (see `Waiting`).
    case wait(Waiting)
    case step(RecoveryStep)
    case manual(ManualIntervention)
}
