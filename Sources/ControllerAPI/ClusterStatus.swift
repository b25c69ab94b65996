import Galera
import KubeAPI

/// What the controller tells the operator and the CLI about its cluster (`GET /v1/status`).
///
/// Only fields that change when the cluster changes belong here: no observation times, no ages,
/// no live seqno of a serving node (it moves with every write). Two statuses that compare equal
/// mean "nothing changed", and then nothing is written anywhere.
public struct ClusterStatus: Codable, Sendable, Hashable {
    public var cluster: String
    public var state: ClusterState
    public var nodes: [NodeStatus]
    public var conditions: [Condition]
    public var message: String
    /// The cluster's Galera UUID once it was formed (see `ClusterIntent`); nil before.
    public var clusterUUID: String?
    /// The newest steps the controller performed (at most `ActionSummary.kept`), oldest first:
    /// the operator records an Event for each one that finishes. Changes only when a step starts
    /// or ends.
    public var actions: [ActionSummary]?
    /// Data tasks (backups, restores): every unfinished one and the newest finished ones.
    public var tasks: [DataTaskStatus]?
    /// The newest backup in the store, and every kept one (oldest first).
    public var lastBackup: BackupSummary?
    public var backups: [BackupSummary]?

    public init(cluster: String, state: ClusterState, nodes: [NodeStatus], conditions: [Condition], message: String,
                clusterUUID: String? = nil) {
        self.cluster = cluster
        self.state = state
        self.nodes = nodes
        self.conditions = conditions
        self.message = message
        self.clusterUUID = clusterUUID
    }

    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }
}

/// One step the controller performed, as the status carries it (`GET /v1/actions` has the whole
/// record).
public struct ActionSummary: Codable, Sendable, Hashable {
    /// How many the status carries.
    public static let kept = 5

    public enum State: String, Codable, Sendable, Hashable {
        case running, succeeded, failed
    }

    /// Increases with every action of one controller (a restarted controller starts again at 1).
    public var id: Int
    /// `join`, `bootstrap`, `recover-position`, `stop`, `restart`, ...
    public var verb: String
    public var node: String
    /// The step in words, with its position where it has one.
    public var detail: String
    public var state: State
    /// The result or the error, once finished.
    public var message: String?

    public init(id: Int, verb: String, node: String, detail: String, state: State, message: String? = nil) {
        self.id = id
        self.verb = verb
        self.node = node
        self.detail = detail
        self.state = state
        self.message = message
    }
}

/// One node in the cluster status.
public struct NodeStatus: Codable, Sendable, Hashable {
    public var name: String
    public var state: NodeState
    /// The wsrep state when mysqld answers, e.g. "Synced", "Joining: receiving State Transfer",
    /// "non-Primary (Initialized)"; nil when it does not.
    public var wsrepState: String?
    /// The position that matters for recovery: a stopped node's stored or recovered seqno, or the
    /// frozen last committed seqno of a non-Primary node. nil for a serving node (it moves with
    /// every write; see the metrics) and when unknown.
    public var seqno: Int64?
    /// Synced in the Primary component: may serve clients.
    public var ready: Bool

    public init(name: String, state: NodeState, wsrepState: String?, seqno: Int64?, ready: Bool) {
        self.name = name
        self.state = state
        self.wsrepState = wsrepState
        self.seqno = seqno
        self.ready = ready
    }
}

/// The condition types the controller sets.
public enum ConditionType {
    /// True when the cluster is Green.
    public static let ready = "Ready"
    /// True while a fault is being repaired automatically.
    public static let recovering = "Recovering"
    /// True when the controller saw something it will not repair by itself; the message says what.
    public static let manualInterventionRequired = "ManualInterventionRequired"
}
