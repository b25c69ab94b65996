import AgentAPI
import Galera

/// The controller's memory of its cluster: one record per node, where the latest observation wins.
/// Every source (pushed reports, polled agent status, SQL probes) writes here; deciding reads one
/// consistent `ClusterSnapshot` from here.
public actor NodeTable {
    public typealias Instant = ContinuousClock.Instant

    /// A node's state changed between two snapshots.
    public struct Transition: Sendable, Hashable {
        public var node: String
        public var from: NodeState
        public var to: NodeState
        public var at: Instant
        /// For a node leaving Green: the time since the last observation that showed it Green, an
        /// upper bound of how long the fault went unnoticed.
        public var sinceLastGreen: Duration?
    }

    private var records: [String: NodeRecord]
    private var order: [String]
    private let clusterName: String
    private var replicas: Int
    private let staleAfter: Duration
    private let diskFloorBytes: Int64
    private let diskResumeBytes: Int64
    private var lastStates: [String: NodeState] = [:]
    private var lastGreenObservation: [String: Instant] = [:]
    /// When each node was last heard while not lost (serving, donating, joining).
    private var lastAlive: [String: Instant] = [:]
    /// Nodes whose loss since they were last alive was already counted as a detection.
    private var detected: Set<String> = []
    private var transitionLog: [Transition] = []
    private var pendingDetections: [Duration] = []
    private let transitionLimit = 500

    public init(configuration: ControllerConfiguration) {
        clusterName = configuration.clusterName
        replicas = configuration.replicas
        staleAfter = configuration.staleAfter
        diskFloorBytes = configuration.diskFloorBytes
        diskResumeBytes = configuration.diskResumeBytes
        order = configuration.nodes.map(\.name)
        records = Dictionary(uniqueKeysWithValues: configuration.nodes.map { ($0.name, NodeRecord(endpoint: $0)) })
    }

    /// The nodes of the desired state, in ordinal order: a new node starts unobserved, a removed
    /// one is forgotten, one that stays keeps what was observed of it (a new address included).
    public func setNodes(_ nodes: [NodeEndpoint], replicas: Int) {
        var kept: [String: NodeRecord] = [:]
        for endpoint in nodes {
            var record = records[endpoint.name] ?? NodeRecord(endpoint: endpoint)
            record.endpoint = endpoint
            kept[endpoint.name] = record
        }
        for name in records.keys where kept[name] == nil {
            lastStates[name] = nil
            lastGreenObservation[name] = nil
            lastAlive[name] = nil
            detected.remove(name)
        }
        records = kept
        order = nodes.map(\.name)
        self.replicas = replicas
    }

    /// Offers an agent report. Reports from unknown nodes or another cluster are refused (false).
    @discardableResult
    public func offer(_ report: AgentStatus, at instant: Instant = .now) -> Bool {
        guard report.cluster == clusterName, records[report.node] != nil else { return false }
        return records[report.node]!.offer(report, at: instant)
    }

    public func recordAgentFailure(node: String, error: String) {
        records[node]?.lastAgentError = error
    }

    public func recordSQL(node: String, status: WsrepStatus, at instant: Instant = .now) {
        records[node]?.recordSQL(status, at: instant)
    }

    public func recordSQLFailure(node: String, error: String) {
        records[node]?.lastSQLError = error
    }

    /// The newest agent report held for a node.
    public func report(of node: String) -> AgentStatus? { records[node]?.agentReport }

    /// The last probe errors of a node, for messages.
    public func lastErrors(of node: String) -> (agent: String?, sql: String?) {
        (records[node]?.lastAgentError, records[node]?.lastSQLError)
    }

    /// Every node's observation as of `now`. Also notes state transitions for detection metrics.
    public func snapshot(at now: Instant = .now) -> ClusterSnapshot {
        let nodes = order.enumerated().map { index, name -> NodeSnapshot in
            let record = records[name]!
            let observation = record.observation(at: now, staleAfter: staleAfter)
            let reachable = record.agentFresh(at: now, staleAfter: staleAfter)
            var node = NodeSnapshot(name: name, ordinal: record.endpoint.ordinal, observation: observation,
                                    recoveredPosition: record.recoveredPosition, agentReachable: reachable,
                                    agentOperation: reachable ? record.agentReport?.operation : nil)
            node.disagreement = record.disagreement(at: now, staleAfter: staleAfter)
            // The agent's own time of its last report: fixed while it is silent, so the status
            // does not change with every look.
            if !reachable { node.agentSilentSince = record.agentReport?.observedAt }
            node.memberMarker = record.agentReport?.member
            node.reseedApproved = reachable && record.agentReport?.reseedApproved == true
            node.interruptedTransfer = reachable && observation.processRunning == false
                && record.agentReport?.stateTransferIncomplete == true
            if reachable, observation.processRunning == false, let report = record.agentReport {
                node.diskShortage = NodeSnapshot.DiskShortage.assess(report.disk, error: report.diskFullError,
                                                                     floor: diskFloorBytes, resume: diskResumeBytes)
            }
            return node
        }
        for node in nodes { note(node, now: now, heard: records[node.name]?.lastHeard) }
        return ClusterSnapshot(clusterName: clusterName, nodes: nodes, replicas: replicas)
    }

    /// How long each node lost since the last call (stopped, cut off or unknown) went unnoticed, at most.
    public func takeDetections() -> [Duration] {
        defer { pendingDetections = [] }
        return pendingDetections
    }

    /// Transitions since `instant` (all kept ones when nil), oldest first.
    public func transitions(since instant: Instant? = nil) -> [Transition] {
        guard let instant else { return transitionLog }
        return transitionLog.filter { $0.at >= instant }
    }

    private func note(_ node: NodeSnapshot, now: Instant, heard: Instant?) {
        let state = node.state
        if state == .green, let heard { lastGreenObservation[node.name] = heard }
        // A detection is the first observation of a node lost to the cluster (stopped, cut off,
        // unknown) since it was last heard alive, timed from then: the longest the loss can have
        // gone unnoticed. Counted once per loss, whatever states came between: a killed node is
        // often seen Yellow first (its agent's report still says Synced while its SQL probe
        // fails), and counting only Green-to-lost missed those. A node never seen alive (not yet
        // started) has no loss to detect. Alive means a member of a Primary component: a node
        // that is only starting (mysqld launched, no SQL answer yet; a position recovery's helper
        // seen as running) is neither alive nor a new loss, so a repair in progress is not counted
        // as a second detection of the same loss.
        let lost = node.role == .stopped || node.role == .nonPrimary || node.role == .unknown
        if case .primary = node.role {
            if let heard { lastAlive[node.name] = heard }
            detected.remove(node.name)
        } else if lost, let alive = lastAlive[node.name], detected.insert(node.name).inserted {
            pendingDetections.append(now - alive)
        }
        let previous = lastStates[node.name]
        lastStates[node.name] = state
        guard let previous, previous != state else { return }
        var since: Duration?
        if previous == .green, let green = lastGreenObservation[node.name] { since = now - green }
        transitionLog.append(Transition(node: node.name, from: previous, to: state, at: now, sinceLastGreen: since))
        if transitionLog.count > transitionLimit { transitionLog.removeFirst(transitionLog.count - transitionLimit) }
    }
}
