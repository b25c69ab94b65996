import AgentAPI
import Galera

/// Which node takes writes (the `NAME-writer` Service, docs/endpoints.md). Pure.
///
/// Writes from many connections to several Galera nodes at once fail certification on hot rows;
/// one writer at a time avoids it. Galera's own state decides, never the pod's ordinal alone:
/// - only a node Synced in the Primary component may be the writer: never a Donor/Desynced one,
///   a joiner, one whose view is behind, or one its agent is stopping;
/// - the writer sticks: it moves only when it is no longer fit (or a switchover names another);
/// - a first choice (or a move) takes the lowest ordinal that is fit: clients that prefer one
///   node prefer the first, and backups and the archive read the highest.
///
/// No node fit (a split with no Primary component, every node joining): no writer, so the
/// Service has no endpoint rather than a wrong one.
public enum WriterChoice {
    /// Whether `node` may take writes now.
    public static func fit(_ node: NodeSnapshot) -> Bool {
        guard node.state == .green, node.role == .primary(synced: true) else { return false }
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
        if let current, fitNodes.contains(where: { $0.name == current }) { return current }
        return fitNodes.min { $0.ordinal < $1.ordinal }?.name
    }
}
