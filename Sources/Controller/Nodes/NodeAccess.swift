import AgentAPI
import Foundation
import Galera
import NIOCore

/// How the controller reaches the nodes of its cluster: each node's agent (status, start, stop,
/// recover) and each node's mysqld (the monitor user's SQL probe).
///
/// Two implementations: `AgentNodeAccess` talks to real agents over HTTP(S) and to mysqld over
/// SQL; the tests' in-memory fake Galera cluster answers the same calls in microseconds, so the
/// controller's loop (observe, decide, act once, observe again) is tested without processes.
/// Every call may throw; the controller treats a throw as "no answer", never as a state.
public protocol NodeAccess: Sendable {
    /// The agent's full status of `node`, bounded by the probe timeout.
    func status(of node: String) async throws -> AgentStatus
    /// Starts mysqld on `node` (join, bootstrap, survivor bootstrap); answers once it launched.
    func start(_ node: String, _ request: StartRequest) async throws -> AgentStatus
    /// Stops mysqld on `node` (graceful: it writes its seqno to grastate.dat).
    func stop(_ node: String, _ request: StopRequest) async throws -> AgentStatus
    /// Runs `--wsrep-recover` on the stopped `node` to learn its position.
    func recover(_ node: String) async throws -> AgentStatus
    /// `SHOW GLOBAL STATUS LIKE 'wsrep_%'` on `node`'s mysqld as the monitor user.
    func probeSQL(of node: String) async throws -> WsrepStatus
    /// The nodes of the cluster now (the desired state changed): calls name only these.
    func setNodes(_ nodes: [NodeEndpoint])
    /// Releases connections and threads; called once when the controller stops.
    func shutdown() async

    // Backups and restore (docs/backup.md). Only real agents do these; the in-memory fake
    // refuses them (the default implementations below).

    /// A hot backup of `node`: its compressed stream handed to `consume` chunk by chunk, then
    /// what it holds. Throws if the stream breaks or the agent reports a failure.
    func backup(_ node: String, timeout: Duration, _ consume: (Data) async throws -> Void) async throws -> BackupOutcome
    /// Sends a backup's stream to `node`, which unpacks and prepares it in its scratch directory.
    func stageRestore(_ node: String, from stream: ChunkPipe, timeout: Duration) async throws -> RestoreStage
    /// Copies the staged backup into the stopped `node`'s emptied datadir.
    func applyRestore(_ node: String, timeout: Duration) async throws -> AgentStatus
    /// Empties the stopped `node`'s datadir so that it joins by a full state transfer.
    func emptyForRejoin(_ node: String) async throws -> AgentStatus
    /// Forgets a staged backup on `node` (best effort).
    func discardStage(_ node: String) async

    // Point-in-time recovery (docs/backup.md). Only real agents do these.

    /// `node`'s binary log after transaction `after` (nil: from its oldest file), followed for
    /// `seconds`: `begin` gets the transaction before the stream's first, `consume` the events.
    func followBinlog(_ node: String, after: UInt64?, seconds: Int, begin: (UInt64) async throws -> Void,
                      _ consume: (ByteBuffer) async throws -> Void) async throws
    /// Runs the transactions of the binary log `stream` on the running `node`.
    func replayBinlog(_ node: String, from stream: ChunkPipe, timeout: Duration) async throws -> BinlogReplayOutcome

    /// Ends `node`'s client connections: the writer moved away from it.
    func fence(_ node: String) async throws -> FenceOutcome
    /// Has `via`'s Galera evict the member with gcomm UUID `uuid` now; answers once `via`'s
    /// view dropped it or its agent stopped waiting.
    func evict(via: String, uuid: String) async throws -> EvictOutcome
}

extension NodeAccess {
    public func backup(_ node: String, timeout: Duration, _ consume: (Data) async throws -> Void) async throws -> BackupOutcome {
        throw ControllerError.refused(task: "backup of \(node)", why: "this node access cannot take backups")
    }
    public func stageRestore(_ node: String, from stream: ChunkPipe, timeout: Duration) async throws -> RestoreStage {
        throw ControllerError.refused(task: "restore on \(node)", why: "this node access cannot restore")
    }
    public func applyRestore(_ node: String, timeout: Duration) async throws -> AgentStatus {
        throw ControllerError.refused(task: "restore on \(node)", why: "this node access cannot restore")
    }
    public func emptyForRejoin(_ node: String) async throws -> AgentStatus {
        throw ControllerError.refused(task: "restore on \(node)", why: "this node access cannot restore")
    }
    public func discardStage(_ node: String) async {}
    public func followBinlog(_ node: String, after: UInt64?, seconds: Int, begin: (UInt64) async throws -> Void,
                             _ consume: (ByteBuffer) async throws -> Void) async throws {
        throw ControllerError.refused(task: "archiving the binary log of \(node)", why: "this node access cannot read binary logs")
    }
    public func replayBinlog(_ node: String, from stream: ChunkPipe, timeout: Duration) async throws -> BinlogReplayOutcome {
        throw ControllerError.refused(task: "replay on \(node)", why: "this node access cannot replay binary logs")
    }
    public func fence(_ node: String) async throws -> FenceOutcome {
        throw ControllerError.refused(task: "fencing \(node)", why: "this node access has no client connections to end")
    }
    public func evict(via: String, uuid: String) async throws -> EvictOutcome {
        throw ControllerError.refused(task: "evicting \(uuid) through \(via)", why: "this node access has no Galera to ask")
    }
}

extension RecoveryAction {
    /// The agent request that performs this action, or nil for `recoverPosition` (its own call).
    var startRequest: StartRequest? {
        switch self {
        case .recoverPosition:
            return nil
        case .join(_, let position):
            return StartRequest(mode: .join, position: position)
        case .bootstrap(_, let position):
            // force: the controller compared every node's position and this one is the most
            // advanced, even though its grastate.dat says safe_to_bootstrap: 0 (after a crash it
            // always does). The agent checks the position matches what it knows.
            return StartRequest(mode: .bootstrap, position: position, force: true)
        case .bootstrapNew:
            // An empty datadir: the agent initialises it and starts a new cluster history.
            return StartRequest(mode: .bootstrap)
        case .bootstrapSurvivor:
            return StartRequest(mode: .bootstrapSurvivor)
        case .stop, .halt:
            return nil
        }
    }
}

extension NodeAccess {
    /// Performs one recovery action and returns the agent's status after it.
    func perform(_ action: RecoveryAction) async throws -> AgentStatus {
        if case .stop(let node) = action { return try await stop(node, StopRequest(mode: .graceful)) }
        if case .halt(let node) = action { return try await stop(node, StopRequest(mode: .kill)) }
        guard let request = action.startRequest else { return try await recover(action.node) }
        return try await start(action.node, request)
    }
}
