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

    public init(clusterName: String, nodes: [NodeSnapshot], replicas: Int, intent: ClusterIntent = .serving) {
        self.clusterName = clusterName
        var nodes = nodes.sorted { $0.ordinal < $1.ordinal }
        if let view = Self.majorityView(nodes) {
            for index in nodes.indices where nodes[index].view.map({ $0 != view }) == true {
                nodes[index].outOfView = view
            }
        }
        self.nodes = nodes
        self.replicas = replicas
        self.intent = intent
    }

    /// The view most Synced Primary members report (ties: the newer one), when they do not all
    /// agree; nil when they agree or report no view number. A node frozen (SIGSTOP, a paused VM)
    /// while the others evicted it comes back still reporting its old view, Synced and Primary:
    /// it is Yellow until it notices it left and agrees again, so the cluster is never falsely Green.
    static func majorityView(_ nodes: [NodeSnapshot]) -> NodeSnapshot.View? {
        let views = nodes.compactMap(\.view)
        guard Set(views).count > 1 else { return nil }
        let counts = Dictionary(grouping: views, by: { $0 }).mapValues(\.count)
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key.confID < b.key.confID }?.key
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
