import AgentAPI
import Foundation
import Galera

/// One node as the controller sees it at one instant: the agent's report merged with the
/// controller's own SQL probe (see `NodeTable`), reduced to what deciding needs.
public struct NodeSnapshot: Sendable, Hashable {
    public var name: String
    public var ordinal: Int
    /// What was observed, in the Galera module's vocabulary; `NodeState.assess` turns it into a state.
    public var observation: NodeObservation
    /// A position the agent recovered with `--wsrep-recover` since mysqld last ran.
    public var recoveredPosition: GaleraPosition?
    /// The agent answered or reported within the staleness bound: the controller can act on the node.
    public var agentReachable: Bool
    /// What the agent is busy with (stopping, starting, recovering, backing up ...), per its fresh report.
    public var agentOperation: AgentOperation?
    /// When the agent last reported, once it has been silent past the staleness bound (frozen,
    /// hung, cut off): shown even while mysqld still answers SQL and the node is Green, since the
    /// controller cannot repair a node whose agent does not answer.
    public var agentSilentSince: Date?

    public init(name: String, ordinal: Int, observation: NodeObservation,
                recoveredPosition: GaleraPosition? = nil, agentReachable: Bool, agentOperation: AgentOperation? = nil) {
        self.name = name
        self.ordinal = ordinal
        self.observation = observation
        self.recoveredPosition = recoveredPosition
        self.agentReachable = agentReachable
        self.agentOperation = agentOperation
    }

    /// Set when this node reports a Primary view that the cluster has left (see
    /// `ClusterSnapshot.newestView`): the newer view, and who reports it.
    public var outOfView: NewerView?

    public struct NewerView: Sendable, Hashable {
        public var view: View
        public var reportedBy: [String]
    }

    /// Set when this node reports a Primary view that cannot have a quorum any more: more of the
    /// view's members are confirmed stopped than a majority allows. Galera says so itself a few
    /// seconds later (suspect timeout); until then the node is no Green member of a serving
    /// component (see `ClusterSnapshot`).
    public var quorumGone: QuorumGone?

    public struct QuorumGone: Sendable, Hashable {
        public var viewSize: Int
        public var running: Int
    }

    /// A Primary component's view as one member reports it.
    public struct View: Sendable, Hashable, CustomStringConvertible {
        public var confID: Int64
        public var size: Int
        public var description: String { "view \(confID) of \(size) member\(size == 1 ? "" : "s")" }
    }

    /// The view this node reports, when it is Synced in a Primary component and says which.
    public var view: View? {
        guard observation.processRunning == true, let wsrep = observation.wsrep, wsrep.isSyncedPrimary,
              let confID = wsrep.clusterConfID else { return nil }
        return View(confID: confID, size: wsrep.clusterSize)
    }

    /// The agent found the joiner's `sst_in_progress` marker in the stopped node's datadir: a state
    /// transfer to it began and never finished. Its data is a partial copy of what the donor had.
    public var interruptedTransfer = false

    /// How long the donor of the transfer this node receives has been confirmed stopped (nil
    /// while it runs, or when no donor is known): the controller's clock, given here so that
    /// deciding stays pure.
    public var donorGoneFor: Duration?

    /// Whether this node's datadir was ever Synced in the formed cluster's Primary component
    /// (the controller works it out from its record and the two facts below).
    public var membership: Membership = .unknown
    /// The cluster UUID in the agent's membership marker (`AgentStatus.member`).
    public var memberMarker: String?
    /// A person approved replacing this node's data (`AgentStatus.reseedApproved`).
    public var reseedApproved = false

    public enum Membership: Sendable, Hashable {
        /// The controller saw it Synced, or its agent's marker says so.
        case member
        /// The controller has watched the cluster since it was formed (or read that record back)
        /// and never saw it Synced, and no marker says otherwise: whatever its datadir holds came
        /// from a transfer or a failed start, nothing of its own.
        case never
        /// No complete record (a controller started later, without its state): treated as a member.
        case unknown
    }

    /// A stopped node whose datadir holds nothing the cluster could lack: a transfer to it was cut
    /// off, or it never was a member. It is re-seeded by SST and never recovered or bootstrapped.
    public var seedOnly: Bool { role == .stopped && ownsNoData }

    var ownsNoData: Bool { interruptedTransfer || membership == .never }

    /// Set when a stopped node's datadir has no room to start in (`NodeTable` applies the
    /// configured thresholds to the agent's report); row 20 then asks for a person.
    public var diskShortage: DiskShortage?

    public struct DiskShortage: Sendable, Hashable {
        public var path: String
        public var freeBytes: Int64
        public var totalBytes: Int64
        /// mysqld's own disk-full line from its last run, when it said so.
        public var errorLine: String?
        /// The free space at which the controller acts on the node again.
        public var resumeAtBytes: Int64

        public init(path: String, freeBytes: Int64, totalBytes: Int64, errorLine: String?, resumeAtBytes: Int64) {
            self.path = path
            self.freeBytes = freeBytes
            self.totalBytes = totalBytes
            self.errorLine = errorLine
            self.resumeAtBytes = resumeAtBytes
        }

        /// Whether a node with this disk and this last error has no room to start in. Pure.
        public static func assess(_ disk: AgentStatus.Disk?, error: AgentStatus.DiskFullError?,
                                  floor: Int64, resume: Int64) -> DiskShortage? {
            guard let disk else { return nil }
            let needed = error == nil ? floor : max(floor, resume)
            guard disk.freeBytes < needed else { return nil }
            return DiskShortage(path: disk.path, freeBytes: disk.freeBytes, totalBytes: disk.totalBytes,
                                errorLine: error?.line, resumeAtBytes: needed)
        }
    }

    /// Set when the agent and mysqld contradict each other (see `NodeRecord.disagreement`): the
    /// node is Unknown, and the controller never acts on it.
    public var disagreement: String?

    public var assessment: NodeAssessment {
        if let disagreement { return NodeAssessment(state: .unknown, reason: "disputed: \(disagreement)") }
        if let gone = quorumGone {
            return NodeAssessment(state: .yellow, reason: "reports a Primary view of \(gone.viewSize) members, but only \(gone.running) node\(gone.running == 1 ? "" : "s") still run: that component has lost its quorum (Galera notices within seconds)")
        }
        if let newer = outOfView, let own = view {
            return NodeAssessment(state: .yellow, reason: "reports \(own) while \(newer.reportedBy.joined(separator: ", ")) \(newer.reportedBy.count == 1 ? "reports" : "report") the newer \(newer.view): it has not noticed the cluster moved on (frozen or cut off?)")
        }
        return NodeState.assess(observation)
    }
    public var state: NodeState { assessment.state }

    /// The node's role in deciding, finer than `NodeState`'s Yellow.
    public enum Role: Sendable, Hashable {
        case unknown
        /// Running, but mysqld does not answer SQL yet (starting, state transfer, recovery).
        case starting
        /// Running, a member of a Primary component; synced or not (joiner, donor).
        case primary(synced: Bool)
        /// Running outside any Primary component: isolated, or quorum lost.
        case nonPrimary
        /// Not running, confirmed by its agent.
        case stopped
    }

    public var role: Role {
        if state == .unknown { return .unknown }
        switch observation.processRunning {
        case nil: return .unknown
        case false?: return .stopped
        case true?:
            guard let wsrep = observation.wsrep else { return .starting }
            // A member whose view disagrees is treated like one still syncing: waited for, never acted on.
            if wsrep.clusterStatus == .primary { return .primary(synced: wsrep.isSyncedPrimary && outOfView == nil && quorumGone == nil) }
            return .nonPrimary
        }
    }

    /// A member in the Primary component's view that only donates (wsrep_local_state 2,
    /// Donor/Desynced): it serves, and is not itself receiving a state transfer.
    public var isDonorOnly: Bool {
        observation.processRunning == true && outOfView == nil && observation.wsrep?.clusterStatus == .primary
            && observation.wsrep?.localState == 2
    }

    /// Where a stopped node's data stands in the cluster's history.
    public enum StoredPosition: Sendable, Hashable {
        /// Known and usable: start, join or bootstrap from it.
        case known(GaleraPosition, safeToBootstrap: Bool)
        /// Crashed (or grastate unreadable) and not yet recovered.
        case needsRecovery
        /// No grastate.dat: the datadir never ran Galera.
        case empty
        /// The all-zero cluster UUID: the node cannot prove which history its data belongs to.
        case zero
    }

    /// For a stopped node. A recovered position wins over grastate.dat, since it was read from
    /// InnoDB after the last run.
    public var storedPosition: StoredPosition {
        // A datadir whose state transfer was cut off holds a partial copy, and one that never was
        // a member holds a transfer's or a failed start's leftovers, whatever grastate.dat or a
        // recovery says: nothing to recover, and nothing the cluster lacks. (A grastate.dat of
        // another cluster still claims that history: row 4 refuses it before anything else.)
        if ownsNoData { return .empty }
        if let recovered = recoveredPosition {
            if recovered.isZeroUUID || recovered.seqno < 0 { return .zero }
            return .known(recovered, safeToBootstrap: false)
        }
        // No grastate.dat: this datadir never completed a start in Galera (new, replaced, or a
        // first SST that never finished), whatever the last exit was. Nothing to recover.
        if case .absent = observation.grastate { return .empty }
        if state == .redUnclean { return .needsRecovery }
        switch observation.grastate {
        case .absent: return .empty
        case .unreadable: return .needsRecovery
        case .present(let grastate):
            if grastate.position.isZeroUUID { return grastate.position.seqno < 0 ? .needsRecovery : .zero }
            if grastate.position.seqno < 0 { return .needsRecovery }
            return .known(grastate.position, safeToBootstrap: grastate.safeToBootstrap)
        }
    }

    /// The cluster UUID this node claims: live from wsrep when running, else from its stored
    /// position. nil when it claims none (unknown, starting, all-zero, empty).
    public var clusterUUID: String? {
        switch role {
        case .primary, .nonPrimary:
            guard let uuid = observation.wsrep?.clusterStateUUID.lowercased(),
                  !uuid.isEmpty, uuid != GaleraPosition.zeroUUID else { return nil }
            return uuid
        case .stopped:
            if interruptedTransfer { return nil }  // a partial copy claims no history
            if case .known(let position, _) = storedPosition { return position.uuid }
            if let grastate = presentGrastate, !grastate.position.isZeroUUID { return grastate.position.uuid }
            return nil
        case .unknown, .starting:
            return nil
        }
    }

    /// The last committed seqno of a running node.
    public var liveSeqno: Int64? { observation.wsrep?.lastCommitted }

    var presentGrastate: GaleraState? {
        if case .present(let grastate) = observation.grastate { return grastate }
        return nil
    }

    /// One line for messages: "n2 Red-unclean (mysqld killed by signal 9 ...)".
    /// Stable while the node's situation is (no ages), so messages built from it do not churn.
    public var summary: String {
        if let disagreement { return "\(name) Unknown (disputed: \(disagreement))" }
        if state == .unknown {
            if observation.age >= NodeRecord.neverHeardAge { return "\(name) Unknown (neither its agent nor mysqld has answered yet)" }
            return "\(name) Unknown (neither its agent nor mysqld heard from within \(observation.staleAfter))"
        }
        return "\(name) \(state.rawValue) (\(assessment.reason))"
    }
}
