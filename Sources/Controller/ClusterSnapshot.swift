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
        self.nodes = nodes.sorted { $0.ordinal < $1.ordinal }
        self.replicas = replicas
        self.intent = intent
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
