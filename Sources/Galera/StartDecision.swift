/// What the agent knows when asked to start mysqld.
public struct StartObservation: Sendable, Hashable {
    public var processRunning: Bool
    public var lastExit: ProcessExit?
    public var grastate: GrastateObservation
    /// The datadir holds system tables (a `mysql` schema directory).
    public var datadirInitialized: Bool
    /// The position `--wsrep-recover` reported since mysqld last ran; nil if none.
    public var recoveredPosition: GaleraPosition?
    /// Live status, when mysqld is running and answers.
    public var wsrep: WsrepStatus?
    /// The joiner's `sst_in_progress` marker is in the datadir: a state transfer began and never
    /// finished, so the datadir is a partial copy (nothing to recover, nothing to bootstrap from).
    public var stateTransferIncomplete: Bool

    public init(
        processRunning: Bool, lastExit: ProcessExit? = nil, grastate: GrastateObservation,
        datadirInitialized: Bool, recoveredPosition: GaleraPosition? = nil, wsrep: WsrepStatus? = nil,
        stateTransferIncomplete: Bool = false
    ) {
        self.processRunning = processRunning
        self.lastExit = lastExit
        self.grastate = grastate
        self.datadirInitialized = datadirInitialized
        self.recoveredPosition = recoveredPosition
        self.wsrep = wsrep
        self.stateTransferIncomplete = stateTransferIncomplete
    }

    /// The last run did not end in a way that left a trustworthy grastate.dat: the position must
    /// come from `--wsrep-recover` before mysqld may start again. Starting without it is the
    /// data-loss trap (a plain start can form a Primary component with an empty history).
    public var needsRecovery: Bool {
        if let lastExit, !lastExit.isClean { return true }
        switch grastate {
        case .absent: return datadirInitialized
        case .unreadable: return true
        case .present(let state): return !state.isClean
        }
    }
}

/// What a start request asks for.
public struct StartIntent: Sendable, Hashable {
    public var mode: StartMode
    /// The position the caller believes the node has; it must match what the node knows.
    public var position: GaleraPosition?
    /// Bootstrap although safe_to_bootstrap is 0. Needs `position`, so the caller proves it compared.
    public var force: Bool

    public init(mode: StartMode, position: GaleraPosition? = nil, force: Bool = false) {
        self.mode = mode
        self.position = position
        self.force = force
    }
}

/// How to launch mysqld once it may start.
public struct LaunchPlan: Sendable, Hashable {
    /// `.join` or `.bootstrap`.
    public var mode: StartMode
    /// Create the system tables first (a brand-new cluster's first node).
    public var initializeDatadir: Bool
    /// Pass `--wsrep-new-cluster`.
    public var newCluster: Bool
    /// Pass `--wsrep_start_position` (only when the position came from recovery).
    public var startPosition: GaleraPosition?
    /// Write this grastate.dat before launching (a forced bootstrap marks the node safe, so
    /// mysqld does not refuse and reset the file to all-zero).
    public var grastateRewrite: GaleraState?

    public init(
        mode: StartMode, initializeDatadir: Bool = false, newCluster: Bool = false,
        startPosition: GaleraPosition? = nil, grastateRewrite: GaleraState? = nil
    ) {
        self.mode = mode
        self.initializeDatadir = initializeDatadir
        self.newCluster = newCluster
        self.startPosition = startPosition
        self.grastateRewrite = grastateRewrite
    }

    /// The mysqld arguments after `--defaults-file`.
    public var serverArguments: [String] {
        var arguments: [String] = []
        if newCluster { arguments.append("--wsrep-new-cluster") }
        if let startPosition { arguments.append("--wsrep_start_position=\(startPosition)") }
        return arguments
    }
}

/// The next step a start request takes.
public enum StartStep: Sendable, Hashable {
    /// Run `--wsrep-recover` first, then decide again with the recovered position.
    case recoverPosition
    case launch(LaunchPlan)
    /// Run `--wsrep-recover` and report; nothing is left running.
    case recoverOnly
    /// `SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'`.
    case bootstrapSurvivor
}

/// Why a start request was refused. Nothing was changed.
public struct StartRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        case alreadyRunning, notRunning, notAnswering, alreadyPrimary, emptyDatadir
        case positionMismatch, emptyState, unsafeBootstrap, forceNeedsPosition
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}

public enum StartDecision {
    /// May the node start in this mode, and how? Pure: the same observation and intent always give
    /// the same answer. See docs/agent.md for the rules as a table.
    public static func decide(_ intent: StartIntent, given node: StartObservation) throws(StartRefusal) -> StartStep {
        switch intent.mode {
        case .bootstrapSurvivor:
            return try decideSurvivor(node)
        case .recoverOnly:
            guard !node.processRunning else {
                throw StartRefusal(.alreadyRunning, "mysqld is running; stop it before recovering its position")
            }
            if case .absent = node.grastate, !node.datadirInitialized {
                throw StartRefusal(.emptyDatadir, "the datadir is empty: there is no position to recover")
            }
            if node.stateTransferIncomplete {
                throw StartRefusal(.emptyDatadir, "a state transfer to this node was interrupted (sst_in_progress): its datadir is a partial copy with no position to recover; let it join, it takes a full SST")
            }
            return .recoverOnly
        case .join, .bootstrap:
            guard !node.processRunning else {
                throw StartRefusal(.alreadyRunning, "mysqld is already running; stop it first")
            }
            if node.stateTransferIncomplete {
                // A partial copy: a join takes a full SST (the SST script empties the datadir
                // first); recovering it could fail on half-written files, and it must never
                // start a cluster.
                guard intent.mode == .join, intent.position == nil else {
                    throw StartRefusal(.emptyState, "a state transfer to this node was interrupted (sst_in_progress): its datadir is a partial copy; it can only join, without a position, and take a full SST")
                }
                return .launch(LaunchPlan(mode: .join, startPosition: nil))
            }
            if node.needsRecovery && node.recoveredPosition == nil {
                if intent.mode == .bootstrap { try refuseBootstrapBeforeRecovery(intent, node) }
                return .recoverPosition
            }
            let known = knownPosition(node)
            if let requested = intent.position {
                guard let known else {
                    throw StartRefusal(.positionMismatch, "the request names position \(requested) but the node has no Galera state (empty datadir)")
                }
                guard requested == known else {
                    throw StartRefusal(.positionMismatch, "the request names position \(requested) but the node is at \(known); observe the node again before starting it")
                }
            }
            if intent.mode == .join {
                let start = node.needsRecovery ? known.flatMap { $0.isDefined ? $0 : nil } : nil
                return .launch(LaunchPlan(mode: .join, startPosition: start))
            }
            return try decideBootstrap(intent, node, known: known)
        }
    }

    /// The position the node is at: the recovered one when recovery was needed, else grastate.dat's.
    /// nil when the datadir has no Galera state at all.
    static func knownPosition(_ node: StartObservation) -> GaleraPosition? {
        if node.needsRecovery { return node.recoveredPosition }
        if case .present(let state) = node.grastate { return state.position }
        return nil
    }

    static func decideBootstrap(_ intent: StartIntent, _ node: StartObservation, known: GaleraPosition?) throws(StartRefusal) -> StartStep {
        // A datadir that never ran Galera starts a new history: that is how a cluster is created.
        if case .absent = node.grastate {
            if !node.datadirInitialized {
                return .launch(LaunchPlan(mode: .bootstrap, initializeDatadir: true, newCluster: true))
            }
            if let known, known.isZeroUUID {
                return .launch(LaunchPlan(mode: .bootstrap, newCluster: true))
            }
        }
        guard let known, known.isDefined else {
            throw StartRefusal(
                .emptyState,
                "the node's position is \(known.map(\.description) ?? "unknown") (no cluster UUID or no seqno): bootstrapping it would start the cluster with an empty history; bootstrap a node with a real position, or restore from a backup")
        }
        var safe = false
        if !node.needsRecovery, case .present(let state) = node.grastate { safe = state.safeToBootstrap }
        let startPosition = node.needsRecovery ? known : nil
        if safe {
            return .launch(LaunchPlan(mode: .bootstrap, newCluster: true, startPosition: startPosition))
        }
        guard intent.force else {
            let why = node.needsRecovery
                ? "its last run ended uncleanly (position \(known) was recovered), so it is not known to be the most advanced node"
                : "grastate.dat has safe_to_bootstrap: 0 (another node left the cluster after it and may hold newer transactions)"
            throw StartRefusal(
                .unsafeBootstrap,
                "refusing to bootstrap: \(why); bootstrap the node with the highest seqno, or repeat with force and position \(known) after comparing every node's position")
        }
        guard intent.position != nil else {
            throw StartRefusal(.forceNeedsPosition, "a forced bootstrap needs the position the caller compared (here \(known)); repeat with \"position\": \"\(known)\"")
        }
        return .launch(LaunchPlan(
            mode: .bootstrap, newCluster: true, startPosition: startPosition,
            grastateRewrite: GaleraState(position: known, safeToBootstrap: true)))
    }

    /// A bootstrap of a node that needs recovery is refused before recovery runs when it could
    /// only be refused afterwards: so a refused request changes nothing.
    static func refuseBootstrapBeforeRecovery(_ intent: StartIntent, _ node: StartObservation) throws(StartRefusal) {
        // Without grastate.dat, recovery may show a datadir without history: a new cluster.
        if case .absent = node.grastate { return }
        guard intent.force else {
            throw StartRefusal(
                .unsafeBootstrap,
                "refusing to bootstrap: the node's last run ended uncleanly, so it is not known to be the most advanced node; recover its position (POST /v1/recover), compare it with every other node's, then bootstrap the most advanced one with force and its position")
        }
        guard intent.position != nil else {
            throw StartRefusal(.forceNeedsPosition, "a forced bootstrap needs the position the caller compared; recover the position first (POST /v1/recover) and repeat with \"position\": \"UUID:SEQNO\"")
        }
    }

    static func decideSurvivor(_ node: StartObservation) throws(StartRefusal) -> StartStep {
        guard node.processRunning else {
            throw StartRefusal(.notRunning, "mysqld is not running: there is no survivor to promote; start it with bootstrap instead")
        }
        guard let wsrep = node.wsrep else {
            throw StartRefusal(.notAnswering, "mysqld does not answer SQL, so whether it is non-Primary is unknown; try again when it answers")
        }
        guard wsrep.clusterStatus != .primary else {
            throw StartRefusal(.alreadyPrimary, "the node is already in a Primary component of size \(wsrep.clusterSize): nothing to do")
        }
        return .bootstrapSurvivor
    }
}
