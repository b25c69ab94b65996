import ControllerAPI
import QiniuAPI

/// What the cluster is meant to be doing, as far as the decision table is concerned. It comes
/// from the controller's configuration (paused), from its tasks (restoring) and from the
/// recorded fact that the cluster was formed (its Galera UUID).
public enum ClusterIntent: Sendable, Hashable, CustomStringConvertible {
    /// Never formed: on empty datadirs, bootstrap ordinal 0 as a new cluster and join the rest.
    case forming
    /// Formed before: repair known faults, never form a new cluster from empty datadirs.
    case serving
    /// Observe and report; never start or stop a node.
    case paused
    /// A restore task owns the nodes; fault recovery stands aside until it ends.
    case restoring(step: String)

    /// As the status and the metrics show it.
    public var phase: ClusterPhase {
        switch self {
        case .forming: .forming
        case .serving: .serving
        case .paused: .paused
        case .restoring: .restoring
        }
    }

    public var description: String {
        switch self {
        case .forming: "forming"
        case .serving: "serving"
        case .paused: "paused"
        case .restoring(let step): "restoring (\(step))"
        }
    }
}
