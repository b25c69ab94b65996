import Galera

/// Which nodes were ever Synced in the formed cluster's Primary component: what tells a node that
/// lost its data (a person must decide) from one that never had any (seeded by SST). The
/// controller keeps it in its state file; each agent keeps its own node's part in a marker in the
/// datadir (`AgentStatus.member`), which survives the controller's state.
struct MemberRecord: Sendable, Hashable {
    var names: Set<String> = []
    /// The controller watched the cluster since it was formed under its UUID (or read such a
    /// record back): a node missing from `names` never was a member.
    var complete: Bool

    /// What the record and the node's own facts say about it.
    func membership(of node: NodeSnapshot, clusterUUID: String?) -> NodeSnapshot.Membership {
        // A person's word that its data may be replaced outranks every record.
        if node.reseedApproved { return .never }
        // Never formed: no one is a member, and no one's data is dismissed for it either.
        guard let clusterUUID else { return .unknown }
        if names.contains(node.name) { return .member }
        // A marker beside a full SST is about to be replaced with the datadir.
        if node.memberMarker == clusterUUID, node.observation.stateTransfer?.method != .sst { return .member }
        return complete ? .never : .unknown
    }

    /// Adds the nodes Synced in the Primary component under `clusterUUID`, and those whose marker
    /// names it. True when the record changed.
    mutating func learn(from snapshot: ClusterSnapshot, clusterUUID: String) -> Bool {
        let seen = snapshot.nodes.filter { node in
            (node.state == .green && node.clusterUUID == clusterUUID)
                || (node.memberMarker == clusterUUID && node.observation.stateTransfer == nil)
        }
        let before = names.count
        names.formUnion(seen.map(\.name))
        return names.count != before
    }

    /// Forgets the nodes receiving a full SST from a Primary component: the transfer replaces
    /// their datadir with what the Primary component holds, so whatever they had is superseded,
    /// and should the transfer fail they hold nothing of their own. True when the record changed.
    mutating func forgetReseeded(in snapshot: ClusterSnapshot) -> Bool {
        guard snapshot.hasPrimary else { return false }
        let reseeded = snapshot.nodes.filter { $0.observation.processRunning == true && $0.observation.stateTransfer?.method == .sst }
        let before = names.count
        names.subtract(reseeded.map(\.name))
        return names.count != before
    }

    /// The record as the state file keeps it: the names only when the record is complete.
    var stored: [String]? { complete ? names.sorted() : nil }
}
