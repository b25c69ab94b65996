/// Whether a cluster can serve, from its nodes' states.
public enum ClusterState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every expected node is Green.
    case green = "Green"
    /// At least one node is Green (Synced in the Primary component), but fewer than expected.
    case yellow = "Yellow"
    /// No node is Green: no Primary component can take writes.
    case red = "Red"

    /// Pure. A Green node is by definition Synced and Primary, so "some node Green" is the same as
    /// "a Primary component exists and serves".
    public static func assess(nodes: [NodeState], expected: Int) -> ClusterState {
        let green = nodes.count { $0 == .green }
        if green == 0 { return .red }
        if green >= expected && expected > 0 { return .green }
        return .yellow
    }
}
