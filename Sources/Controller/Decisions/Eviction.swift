import Galera

/// Evicting a member whose mysqld is known dead (docs/controller.md, "Eviction of a member known
/// dead"). Pure.
///
/// Galera removes a member that stopped answering only after `evs.suspect_timeout` (3 s here,
/// checked every second), and until its view drops the member no write commits on any node: a
/// killed writer's endpoint waited 2.7-3.6 s for that alone (docs/benchmarks.md). A member whose
/// own agent saw its mysqld die can never answer again under that identity (a mysqld that starts
/// again joins under a new gcomm UUID), so waiting protects nothing: every survivor evicts it at
/// once (`evs.evict=<gcomm UUID>`).
///
/// Every survivor, at the same moment, or none: the survivors must agree on the next view, and a
/// survivor that evicts alone proposes one the others refuse until their own timeout; measured,
/// that ended in Galera's install timeout with the evicting node alone and non-Primary for a
/// second (4.0-4.6 s instead of 3.3 s). So nothing is ordered unless every other node is a
/// Synced survivor the controller can ask, busy with nothing else, or a member known dead. Never
/// a member that is only silent: an agent that does not answer may be cut off while its mysqld
/// runs. Never a majority of the view: that would decide quorum, which stays Galera's (and the
/// decision table's) to decide. Never during a state transfer: a joiner killed in its SST and
/// evicted left the other two non-Primary for good.
public enum Eviction {
    public struct Order: Sendable, Equatable {
        /// The node whose mysqld died, and its gcomm UUID while it ran.
        public var node: String
        public var uuid: String
        /// Every survivor, each asked through its own agent.
        public var via: [String]
    }

    /// How one order ended (the metric `qmysql_controller_evictions_total`).
    public enum Result: String, Sendable, CaseIterable {
        /// Every survivor's view dropped the member.
        case dropped
        /// A survivor's view did not drop it within its agent's wait: Galera's timeout did.
        case late
        /// A survivor could not be asked (its agent, or Galera, refused).
        case failed

        public static func of(_ outcomes: [Bool?]) -> Result {
            if outcomes.contains(where: { $0 == nil }) { return .failed }
            return outcomes.allSatisfy { $0 == true } ? .dropped : .late
        }
    }

    /// Each node's gcomm UUID from while its mysqld ran Synced, kept until a new process runs or
    /// an order names it (so no process is evicted twice). Pure.
    public struct Identities: Sendable, Equatable {
        public private(set) var uuids: [String: String] = [:]
        /// Nodes seen stopped since: the next process that runs is a new identity.
        private var stopped: Set<String> = []

        public init() {}

        public mutating func learn(_ snapshot: ClusterSnapshot) {
            for node in snapshot.nodes {
                switch (node.observation.processRunning, node.role) {
                case (true, .primary(synced: true)):
                    if let uuid = node.observation.wsrep?.gcommUUID { uuids[node.name] = uuid }
                    stopped.remove(node.name)
                case (true, let role):
                    // A new process (its identity is not known yet), or a donor or a joiner (a
                    // state transfer: never evicted). A Synced node that answers SQL slowly for
                    // a moment (`starting`) keeps its identity: it is the same process.
                    if stopped.contains(node.name) || role == .primary(synced: false) { uuids[node.name] = nil }
                    stopped.remove(node.name)
                case (false, _):
                    stopped.insert(node.name)
                case (nil, _):
                    continue
                }
            }
        }

        /// An order named this node's identity: it is evicted once.
        public mutating func forget(_ node: String) { uuids[node] = nil }
    }

    /// What to evict now. `uuids`: `Identities.uuids`.
    public static func orders(_ snapshot: ClusterSnapshot, uuids: [String: String]) -> [Order] {
        var survivors: [NodeSnapshot] = []
        var dead: [NodeSnapshot] = []
        for node in snapshot.nodes {
            guard node.agentReachable else { return [] }
            switch node.role {
            // A survivor busy with something else (a backup, a stop): the timeout decides.
            case .primary(synced: true) where node.agentOperation != nil: return []
            case .primary(synced: true): survivors.append(node)
            // A donor or a joiner in the view: a state transfer runs. Measured: a joiner killed
            // in the middle of its SST and evicted through the donor and the other node left
            // both non-Primary for good. Galera's timeout decides then, as it always did.
            case .primary(synced: false): return []
            // Confirmed by its own agent: mysqld died (a signal or an error exit). A clean exit
            // left the view on its way out.
            case .stopped where node.observation.lastExit.map({ !$0.isClean }) == true: dead.append(node)
            case .stopped: continue
            // Starting, outside the Primary component, or not known: nobody to ask, or a view
            // the survivors do not share. Galera's timeout decides.
            case .starting, .nonPrimary, .unknown: return []
            }
        }
        // Only while a survivor's view still counts more members than survive, and only while
        // the survivors are a majority of it: Galera counts an evicted member as one that left,
        // so evicting a majority would keep a minority Primary (measured: one survivor of three
        // stayed Primary alone). Whether the survivors keep the Primary component stays
        // Galera's quorum decision; the eviction only decides when the view drops the dead.
        guard !survivors.isEmpty,
              let viewSize = survivors.compactMap({ $0.observation.wsrep?.clusterSize }).max(),
              viewSize > survivors.count, survivors.count * 2 > viewSize else { return [] }
        let via = survivors.sorted { $0.ordinal < $1.ordinal }.map(\.name)
        // A member's UUID is known only from while it was Synced (`uuids`): a joiner's is not.
        return dead.compactMap { node in
            guard let uuid = uuids[node.name] else { return nil }
            return Order(node: node.name, uuid: uuid, via: via)
        }
    }
}
