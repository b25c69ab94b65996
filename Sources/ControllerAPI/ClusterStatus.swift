import Galera
import KubeAPI
import QiniuAPI

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
    /// What the cluster is meant to be doing: a Red cluster that is forming, paused or being
    /// restored is doing what it was asked to, not failing (no Warning, no alert).
    public var phase: ClusterPhase?
    /// The generation of the `ControllerSpec` the controller runs with (nil: none was sent; it
    /// runs with its command line's settings). The operator sends the spec until this is its own.
    public var observedGeneration: Int64?
    /// The newest steps the controller performed (at most `ActionSummary.kept`), oldest first:
    /// the operator records an Event for each one that finishes. Changes only when a step starts
    /// or ends.
    public var actions: [ActionSummary]?
    /// Data tasks (backups, restores): every unfinished one and the newest finished ones.
    public var tasks: [DataTaskStatus]?
    /// The newest backup in the store, and every kept one (oldest first).
    public var lastBackup: BackupSummary?
    public var backups: [BackupSummary]?
    /// The binary log archive (point-in-time recovery), while it is on.
    public var archive: ArchiveSummary?
    /// The node the writer endpoint (`NAME-writer`) sends to; nil while no node is fit (no
    /// Primary component, every node joining) or the cluster does not serve.
    public var writer: String?

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
    /// When the node's agent last reported (RFC 3339), while it has not answered past the
    /// staleness bound; nil while it answers. A Green node whose agent is silent serves, but
    /// cannot be repaired.
    public var agentSilentSince: String?

    public init(name: String, state: NodeState, wsrepState: String?, seqno: Int64?, ready: Bool, agentSilentSince: String? = nil) {
        self.name = name
        self.state = state
        self.wsrepState = wsrepState
        self.seqno = seqno
        self.ready = ready
        self.agentSilentSince = agentSilentSince
    }
}

/// Every condition type of a QiniuMySQL, in one place: the controller sets the first three, the
/// operator the others (`StatusComposer.operatorOwned`).
public enum ConditionType {
    /// True when the cluster is Green.
    public static let ready = "Ready"
    /// True while a fault is being repaired automatically.
    public static let recovering = "Recovering"
    /// True when the controller saw something it will not repair by itself; the message says what.
    public static let manualInterventionRequired = "ManualInterventionRequired"
    /// Yellow or Red while the cluster should serve.
    public static let degraded = "Degraded"
    /// The controller's status stream has been silent too long.
    public static let controllerUnavailable = "ControllerUnavailable"
    /// The spec was refused; nothing was applied.
    public static let specRejected = "SpecRejected"
    /// Applying the rendered objects failed; retried with back-off.
    public static let applyFailed = "ApplyFailed"
    /// `spec.paused`.
    public static let paused = "Paused"
    /// True while the binary log archive has a break after the oldest kept backup: a restore
    /// to a point after it is refused. The message names it.
    public static let binlogGap = "BinlogGap"
}
