import Galera

/// Evicting a member whose mysqld is known dead (docs/controller.md, "Eviction"). Pure.
///
/// Galera removes a member that stopped answering only after `evs.suspect_timeout` (3 s here,
/// checked every second), and until its view drops the member no write commits on any node:
/// a killed writer's endpoint waited 2.7–3.6 s for that alone (docs/benchmarks.md). A member
/// whose own agent saw its mysqld exit can never answer again under that identity (a mysqld
/// that starts again joins with a new gcomm UUID), so waiting for the timeout protects nothing:
/// the controller has a survivor evict it at once (`evs.evict=<gcomm UUID>`). Never a member
/// that is only silent: an agent that does not answer may be cut off while its mysqld runs.
public enum Eviction {
    public struct Order: Sendable, Equatable {
        /// The node whose mysqld exited, and its gcomm UUID while it ran.
        public var node: String
        public var uuid: String
        /// The survivor that evicts it.
        public var via: String
    }

    /// What to evict now. `uuids`: each node's gcomm UUID as last reported while it ran;
    /// `evicted`: the UUIDs already evicted (or being evicted).
    public static func orders(_ snapshot: ClusterSnapshot, uuids: [String: String], evicted: Set<String>) -> [Order] {
        let running = snapshot.nodes.filter { $0.observation.processRunning == true }
        // A survivor that still counts the dead in its view: Synced in the Primary component.
        guard let via = running.filter({ $0.agentReachable && $0.role == .primary(synced: true) })
                .min(by: { $0.ordinal < $1.ordinal }),
              let viewSize = via.observation.wsrep?.clusterSize, viewSize > running.count else { return [] }
        return snapshot.nodes.compactMap { node in
            // Confirmed by its own agent: the process exited (not merely unheard of).
            guard node.agentReachable, node.observation.processRunning == false,
                  let uuid = uuids[node.name], !evicted.contains(uuid) else { return nil }
            return Order(node: node.name, uuid: uuid, via: via.name)
        }
    }
}
