import AgentAPI
import Galera

/// Which node takes writes (the `NAME-writer` Service, docs/endpoints.md). Pure.
///
/// Writes from many connections to several Galera nodes at once fail certification on hot rows;
/// one writer at a time avoids it. Galera's own state decides, never the pod's ordinal alone:
/// - only a node Synced in the Primary component may be the writer: never a Donor/Desynced one,
///   a joiner, one whose view is behind, or one its agent is stopping;
/// - the writer sticks: it moves only when it is no longer fit (or a switchover names another).
///   A writer whose report shows a view the others moved past a moment ago stays: during every
///   join the members' reports arrive apart, and moving then would fence a healthy writer. A
///   writer cut off for real leaves the Primary component within Galera's eviction timeout;
///   one frozen stops answering its agent: both are unfit then;
/// - a first choice (or a move) takes the lowest ordinal that is fit: clients that prefer one
///   node prefer the first, and backups and the archive read the highest.
///
/// No node fit (a split with no Primary component, every node joining): no writer, so the
/// Service has no endpoint rather than a wrong one.
public enum WriterChoice {
    /// Whether `node` may become the writer now.
    public static func fit(_ node: NodeSnapshot) -> Bool {
        node.state == .green && node.role == .primary(synced: true) && operationAllows(node)
    }

    /// Whether the writer may stay on `node`: as `fit`, but a view behind the newest one some
    /// other member reports does not count.
    public static func mayStay(_ node: NodeSnapshot) -> Bool {
        if fit(node) { return true }
        guard node.outOfView != nil, node.disagreement == nil, node.quorumGone == nil, node.agentReachable,
              node.observation.processRunning == true, node.observation.wsrep?.isSyncedPrimary == true else { return false }
        return operationAllows(node)
    }

    static func operationAllows(_ node: NodeSnapshot) -> Bool {
        switch node.agentOperation {
        case .stopping?, .terminating?, .restoring?, .starting?, .recovering?, .initializing?, .promoting?: return false
        case nil, .backingUp?, .stagingRestore?, .replayingBinlog?: return true
        }
    }

    /// The writer: `current` while it is fit, else `requested` (a switchover's target) when it
    /// is fit, else the fit node with the lowest ordinal; nil when none is.
    /// A fit `requested` other than `current` moves the writer: the switchover.
    public static func choose(_ snapshot: ClusterSnapshot, current: String?, requested: String? = nil) -> String? {
        let fitNodes = snapshot.nodes.filter(fit)
        if let requested, fitNodes.contains(where: { $0.name == requested }) { return requested }
        if let current, let node = snapshot.node(named: current), mayStay(node) { return current }
        return fitNodes.min { $0.ordinal < $1.ordinal }?.name
    }
}
