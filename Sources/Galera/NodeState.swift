/// A node's health as the controller acts on it (see docs/agent.md for the table).
public enum NodeState: String, Sendable, Hashable, Codable, CaseIterable {
    /// mysqld running, member of the Primary component, Synced.
    case green = "Green"
    /// Running but not Synced and Primary: starting, joining, donor, or cut off (non-Primary).
    case yellow = "Yellow"
    /// mysqld exited gracefully; grastate.dat holds a real seqno.
    case redClean = "Red-clean"
    /// mysqld exited non-gracefully; its position must be recovered with --wsrep-recover.
    case redUnclean = "Red-unclean"
    /// The observations do not say: agent unreachable or its report too old.
    case unknown = "Unknown"
}

/// What grastate.dat looked like when observed.
public enum GrastateObservation: Sendable, Hashable {
    /// No file: a datadir that never ran Galera.
    case absent
    case present(GaleraState)
    /// The file exists but cannot be trusted; the message says why.
    case unreadable(String)
}

/// Everything known about a node at one moment, from which its state is derived.
public struct NodeObservation: Sendable, Hashable {
    /// nil: the agent could not tell (e.g. the report is missing).
    public var processRunning: Bool?
    /// How the last mysqld run ended, if one ended since the agent started.
    public var lastExit: ProcessExit?
    public var grastate: GrastateObservation
    /// Live status over SQL; nil when mysqld does not answer (starting, SST, stuck).
    public var wsrep: WsrepStatus?
    /// How old the observation is when judged (0 for the agent's own view).
    public var age: Duration
    /// Older than this, the observation says nothing any more.
    public var staleAfter: Duration
    /// The position `--wsrep-recover` found since the last run, if any (named in the reason).
    public var recoveredPosition: GaleraPosition?
    /// The state transfer the running mysqld receives, from its error log (named in the reason).
    public var stateTransfer: StateTransferProgress.Current?

    public init(
        processRunning: Bool?, lastExit: ProcessExit? = nil, grastate: GrastateObservation,
        wsrep: WsrepStatus? = nil, age: Duration = .zero, staleAfter: Duration = .seconds(15),
        recoveredPosition: GaleraPosition? = nil, stateTransfer: StateTransferProgress.Current? = nil
    ) {
        self.recoveredPosition = recoveredPosition
        self.stateTransfer = stateTransfer
        self.processRunning = processRunning
        self.lastExit = lastExit
        self.grastate = grastate
        self.wsrep = wsrep
        self.age = age
        self.staleAfter = staleAfter
    }
}

/// A node state with the reason it was chosen, for reports and events.
public struct NodeAssessment: Sendable, Hashable, Codable {
    public var state: NodeState
    public var reason: String

    public init(state: NodeState, reason: String) {
        self.state = state
        self.reason = reason
    }
}

extension NodeState {
    /// The state a node is in, given what was observed. Pure: no I/O, no clock.
    public static func assess(_ observation: NodeObservation) -> NodeAssessment {
        if observation.age > observation.staleAfter {
            return .init(state: .unknown, reason: "observation is \(observation.age) old (stale after \(observation.staleAfter))")
        }
        guard let running = observation.processRunning else {
            return .init(state: .unknown, reason: "whether mysqld runs is not known")
        }
        if running {
            let transfer = observation.stateTransfer.map { current -> String in
                switch current.method {
                case .sst: "receiving a full state transfer (SST)" + (current.bytes.map { ", \(ByteCount.short($0)) so far" } ?? "")
                case .ist: "receiving an incremental state transfer (IST)"
                case nil: "requesting a state transfer"
                }
            }
            guard let wsrep = observation.wsrep else {
                if let transfer { return .init(state: .yellow, reason: "mysqld is \(transfer) and answers no SQL until it ends") }
                return .init(state: .yellow, reason: "mysqld is running but does not answer SQL yet (starting, state transfer or recovery)")
            }
            if wsrep.isSyncedPrimary {
                return .init(state: .green, reason: "Synced member of the Primary component of size \(wsrep.clusterSize)")
            }
            return .init(
                state: .yellow,
                reason: "running, \(wsrep.clusterStatus), \(wsrep.localStateComment), ready \(wsrep.ready ? "ON" : "OFF")" + (transfer.map { "; \($0)" } ?? ""))
        }
        let mustRecover = observation.recoveredPosition.map { "position \($0) recovered" } ?? "its position must be recovered"
        if let exit = observation.lastExit, !exit.isClean {
            return .init(state: .redUnclean, reason: "mysqld \(exit): \(mustRecover)")
        }
        let exitText = observation.lastExit.map { "mysqld \($0)" } ?? "mysqld is not running"
        switch observation.grastate {
        case .absent:
            return .init(state: .redClean, reason: "\(exitText); no grastate.dat (datadir never ran Galera): it can only join by SST")
        case .unreadable(let problem):
            return .init(state: .redUnclean, reason: "\(exitText); grastate.dat unreadable (\(problem)): \(mustRecover)")
        case .present(let state) where state.isClean:
            return .init(state: .redClean, reason: "\(exitText); grastate.dat at \(state.position)")
        case .present(let state):
            return .init(state: .redUnclean, reason: "\(exitText); grastate.dat seqno -1 (\(state.position.uuid)): \(mustRecover)")
        }
    }
}
