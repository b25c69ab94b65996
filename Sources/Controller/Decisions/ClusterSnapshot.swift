import Galera

/// Every node's observation at one instant, with what the cluster should be. The only input of
/// `FaultDecision.decide` and of the cluster state.
public struct ClusterSnapshot: Sendable, Hashable {
    public var clusterName: String
    /// In ordinal order.
    public var nodes: [NodeSnapshot]
    /// How many Synced nodes make the cluster Green.
    public var replicas: Int
    /// What the cluster is meant to be doing: forming, serving, paused or restoring.
    public var intent: ClusterIntent
    /// How long no node has been seen in a Primary component (nil while one is, or none was
    /// ever seen since the controller started): the controller's clock, given here so that
    /// deciding stays pure.
    public var primaryAbsentFor: Duration?
    /// A joiner still waiting for a state transfer after this long without a Primary component
    /// is stopped (no donor can finish it).
    public var stalledTransferAfter: Duration = .seconds(60)

    public init(clusterName: String, nodes: [NodeSnapshot], replicas: Int, intent: ClusterIntent = .serving) {
        self.clusterName = clusterName
        var nodes = nodes.sorted { $0.ordinal < $1.ordinal }
        if let view = Self.newestView(nodes) {
            let reporters = nodes.filter { $0.view == view }.map(\.name)
            for index in nodes.indices where nodes[index].view.map({ $0 != view }) == true {
                nodes[index].outOfView = .init(view: view, reportedBy: reporters)
            }
        }
        // A Primary view of S members keeps its quorum only while more than S/2 of them can run:
        // with the others confirmed stopped by their agents, it has none, whatever it reports.
        let running = nodes.count - nodes.filter { $0.observation.processRunning == false }.count
        for index in nodes.indices {
            if let view = nodes[index].view, running * 2 <= view.size {
                nodes[index].quorumGone = .init(viewSize: view.size, running: running)
            }
        }
        self.nodes = nodes
        self.replicas = replicas
        self.intent = intent
    }

    /// The newest view a Synced Primary member reports, when they do not all agree; nil when
    /// they agree or report no view number. Galera numbers its configurations in order
    /// (`wsrep_cluster_conf_id`), so a member reporting an older one is behind: frozen (SIGSTOP,
    /// a paused VM) or cut off while the others evicted it, it comes back still reporting its old
    /// view, Synced and Primary, and is Yellow until it notices it left and agrees again, so the
    /// cluster is never falsely Green. Not the view most members report: while a cut-off node
    /// still reports the old view beside one whose report is a moment old, those two outnumber
    /// the node that already reports the new one, and the healthy node was named instead.
    static func newestView(_ nodes: [NodeSnapshot]) -> NodeSnapshot.View? {
        let views = Set(nodes.compactMap(\.view))
        guard views.count > 1 else { return nil }
        return views.max { $0.confID != $1.confID ? $0.confID < $1.confID : $0.size < $1.size }
    }

    public var clusterState: ClusterState {
        ClusterState.assess(nodes: nodes.map(\.state), expected: replicas)
    }

    /// Running members of a Primary component.
    public var primaryMembers: [NodeSnapshot] {
        nodes.filter { if case .primary = $0.role { true } else { false } }
    }

    public var hasPrimary: Bool { !primaryMembers.isEmpty }

    public func node(named name: String) -> NodeSnapshot? { nodes.first { $0.name == name } }
}
