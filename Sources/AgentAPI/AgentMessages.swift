import Foundation
import Galera

// The agent's HTTP API types, shared by the server, AgentClient and the controller.
// docs/agent.md describes every endpoint with examples.

/// `POST /v1/start`.
public struct StartRequest: Codable, Sendable, Hashable {
    public var mode: StartMode
    /// The position the caller expects the node to have; the agent refuses to start if it differs.
    public var position: GaleraPosition?
    /// Bootstrap a node whose safe_to_bootstrap is 0. Requires `position`.
    public var force: Bool?

    public init(mode: StartMode, position: GaleraPosition? = nil, force: Bool? = nil) {
        self.mode = mode
        self.position = position
        self.force = force
    }
}

public enum StopMode: String, Codable, Sendable, Hashable, CaseIterable {
    /// SIGTERM, then wait for mysqld to exit (it writes its seqno to grastate.dat).
    case graceful
    /// SIGKILL to mysqld and its helpers (SST scripts): for tests and stuck nodes.
    case kill
}

/// `POST /v1/stop`. An empty body means a graceful stop with the configured deadline.
public struct StopRequest: Codable, Sendable, Hashable {
    public var mode: StopMode
    /// Deadline for a graceful stop, in seconds.
    public var timeoutSeconds: Double?

    public init(mode: StopMode, timeoutSeconds: Double? = nil) {
        self.mode = mode
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Every 4xx/5xx answer's body.
public struct APIErrorBody: Codable, Sendable, Hashable, Error, CustomStringConvertible {
    public var status: Int
    /// A stable machine-readable code, e.g. "alreadyRunning", "unsafeBootstrap", "badRequest".
    public var code: String
    /// What went wrong and what to do next.
    public var reason: String

    public init(status: Int, code: String, reason: String) {
        self.status = status
        self.code = code
        self.reason = reason
    }

    public var description: String { "HTTP \(status) \(code): \(reason)" }
}

/// What the agent is busy with; other mutating requests get 409 meanwhile.
public enum AgentOperation: String, Codable, Sendable, Hashable, CaseIterable {
    case starting, stopping, recovering, initializing, promoting
    /// A hot backup of the running node (the backup job): mysqld keeps serving.
    case backingUp = "backing-up"
    /// A backup is being unpacked and prepared in a scratch directory (restore step 0): mysqld
    /// keeps serving, and its datadir is not touched.
    case stagingRestore = "staging-restore"
    /// The datadir is being replaced: the staged backup copied back, or emptied for a joiner.
    case restoring
    /// Archived binary logs are replayed into the running node (a point-in-time restore's step 4).
    case replayingBinlog = "replaying-binlog"
    /// The agent got SIGTERM (its pod is being deleted): it stops mysqld and exits, and refuses
    /// every other request until then. The controller never starts a step while a node terminates.
    case terminating

    /// Whether the node's membership may change under this operation (it starts, stops or is
    /// promoted). The controller waits for those before deciding anything; a backup changes no
    /// membership, so it never freezes the repair of another node.
    public var changesMembership: Bool { self != .backingUp && self != .stagingRestore }
}

/// `GET /v1/status`, and the body of every passive report.
public struct AgentStatus: Codable, Sendable, Hashable {
    public struct Process: Codable, Sendable, Hashable {
        public var running: Bool
        public var pid: Int32?
        public var startedAt: Date?
        /// The mode of the current (or last) launch.
        public var mode: StartMode?
        /// mysqld launches since the agent started.
        public var launches: Int

        public init(running: Bool, pid: Int32? = nil, startedAt: Date? = nil, mode: StartMode? = nil, launches: Int) {
            self.running = running
            self.pid = pid
            self.startedAt = startedAt
            self.mode = mode
            self.launches = launches
        }
    }

    public struct Exit: Codable, Sendable, Hashable {
        public var exit: ProcessExit
        public var clean: Bool
        public var description: String
        public var at: Date

        public init(exit: ProcessExit, clean: Bool, description: String, at: Date) {
            self.exit = exit
            self.clean = clean
            self.description = description
            self.at = at
        }
    }

    public struct Grastate: Codable, Sendable, Hashable {
        public var uuid: String
        public var seqno: Int64
        public var safeToBootstrap: Bool
        public var position: GaleraPosition

        public init(uuid: String, seqno: Int64, safeToBootstrap: Bool, position: GaleraPosition) {
            self.uuid = uuid
            self.seqno = seqno
            self.safeToBootstrap = safeToBootstrap
            self.position = position
        }
    }

    public struct Recovered: Codable, Sendable, Hashable {
        public var position: GaleraPosition
        public var at: Date
        /// Recovered since mysqld last ran: the position a start will use.
        public var current: Bool

        public init(position: GaleraPosition, at: Date, current: Bool) {
            self.position = position
            self.at = at
            self.current = current
        }
    }

    /// The filesystem of the datadir.
    public struct Disk: Codable, Sendable, Hashable {
        public var path: String
        public var freeBytes: Int64
        public var totalBytes: Int64

        public init(path: String, freeBytes: Int64, totalBytes: Int64) {
            self.path = path
            self.freeBytes = freeBytes
            self.totalBytes = totalBytes
        }
    }

    /// An error-log line of the current (or last) mysqld run that said the disk is full.
    public struct DiskFullError: Codable, Sendable, Hashable {
        public var line: String
        public var at: Date

        public init(line: String, at: Date) {
            self.line = line
            self.at = at
        }
    }

    public struct StateTransfer: Codable, Sendable, Hashable {
        /// "IST" or "SST".
        public var method: String
        public var at: Date
        /// The log line that said so.
        public var line: String

        public init(method: String, at: Date, line: String) {
            self.method = method
            self.at = at
            self.line = line
        }
    }

    /// A state transfer this node receives now, as its error log tells it.
    public struct StateTransferInProgress: Codable, Sendable, Hashable {
        /// "IST" or "SST"; nil while the donor has not chosen yet.
        public var method: String?
        public var since: Date
        /// The donor's node name, as Galera's selection line names it.
        public var donor: String?
        /// Bytes of a full copy received so far (our state transfer says; the packaged one does not).
        public var bytes: Int64?
        /// Bytes a second since the transfer began.
        public var bytesPerSecond: Double?

        public init(method: String?, since: Date, donor: String? = nil, bytes: Int64? = nil, bytesPerSecond: Double? = nil) {
            self.method = method
            self.since = since
            self.donor = donor
            self.bytes = bytes
            self.bytesPerSecond = bytesPerSecond
        }
    }

    public var node: String
    public var cluster: String
    public var flavor: Flavor
    public var state: NodeState
    public var stateReason: String
    /// When this status was put together.
    public var observedAt: Date
    public var agentStartedAt: Date
    public var process: Process
    public var operation: AgentOperation?
    public var lastExit: Exit?
    public var grastate: Grastate?
    /// Why grastate.dat could not be read; nil when absent or fine.
    public var grastateError: String?
    public var gvwstatePresent: Bool
    public var datadirInitialized: Bool
    public var recovered: Recovered?
    public var wsrep: WsrepStatus?
    public var wsrepObservedAt: Date?
    /// Why wsrep status could not be read while mysqld runs.
    public var wsrepError: String?
    /// The last IST/SST this node received as a joiner.
    public var lastStateTransfer: StateTransfer?
    /// The transfer under way while mysqld runs (a joiner's IST or SST).
    public var stateTransferInProgress: StateTransferInProgress?
    /// true: mysqld is stopped and the joiner's `sst_in_progress` marker is in the datadir: a state
    /// transfer began and never finished, so the datadir holds nothing the cluster lacks.
    /// nil (absent) otherwise.
    public var stateTransferIncomplete: Bool?
    /// Free and total bytes of the datadir's filesystem (nil when it cannot be read).
    public var disk: Disk?
    /// The newest disk-full line of mysqld's current or last run; cleared when mysqld starts again.
    public var diskFullError: DiskFullError?
    /// The server's version (`mariadbd --version`), once the agent read it: a restore refuses a
    /// backup of a newer major version than this.
    public var serverVersion: String?
    /// The Galera cluster UUID under which this datadir was once Synced in a Primary component
    /// (the `qmysql-member` marker the agent writes then); nil when it never was. A datadir
    /// that never was a member holds nothing of its own: it is seeded by SST, never recovered
    /// or bootstrapped.
    public var member: String?
    /// true: a person put `qmysql-reseed` in the datadir, saying that whatever this node held
    /// may be replaced: the controller treats it as a node that never was a member (re-seeded by
    /// SST, left out of a bootstrap choice). nil otherwise. Removed once the node is Synced.
    public var reseedApproved: Bool?
    /// true: the running mysqld offers clients TLS with the cluster's certificate (its my.cnf
    /// names it), so a caller holding the certificate's fingerprint may require TLS. nil otherwise.
    public var clientTLS: Bool?

    public init(
        node: String, cluster: String, flavor: Flavor, state: NodeState, stateReason: String, observedAt: Date,
        agentStartedAt: Date, process: Process, operation: AgentOperation? = nil, lastExit: Exit? = nil,
        grastate: Grastate? = nil, grastateError: String? = nil, gvwstatePresent: Bool = false,
        datadirInitialized: Bool, recovered: Recovered? = nil, wsrep: WsrepStatus? = nil,
        wsrepObservedAt: Date? = nil, wsrepError: String? = nil, lastStateTransfer: StateTransfer? = nil,
        stateTransferInProgress: StateTransferInProgress? = nil, stateTransferIncomplete: Bool? = nil, disk: Disk? = nil, diskFullError: DiskFullError? = nil,
        member: String? = nil, reseedApproved: Bool? = nil
    ) {
        self.node = node
        self.cluster = cluster
        self.flavor = flavor
        self.state = state
        self.stateReason = stateReason
        self.observedAt = observedAt
        self.agentStartedAt = agentStartedAt
        self.process = process
        self.operation = operation
        self.lastExit = lastExit
        self.grastate = grastate
        self.grastateError = grastateError
        self.gvwstatePresent = gvwstatePresent
        self.datadirInitialized = datadirInitialized
        self.recovered = recovered
        self.wsrep = wsrep
        self.wsrepObservedAt = wsrepObservedAt
        self.wsrepError = wsrepError
        self.lastStateTransfer = lastStateTransfer
        self.stateTransferInProgress = stateTransferInProgress
        self.stateTransferIncomplete = stateTransferIncomplete
        self.disk = disk
        self.diskFullError = diskFullError
        self.member = member
        self.reseedApproved = reseedApproved
    }

    /// Synced and Primary: what /readyz answers.
    public var ready: Bool { process.running && (wsrep?.isSyncedPrimary ?? false) }
}

/// JSON coding shared by server and clients: ISO 8601 dates with milliseconds.
public enum AgentJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Self.dateStyle))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Self.dateStyle.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 date")
        }
        return decoder
    }

    static let dateStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// A long operation the agent runs in the background: a `POST` sent with `Prefer: respond-async`
/// answers 202 at once with this body (and `Location: /v1/jobs/<id>`); `GET /v1/jobs/<id>`
/// follows it. A caller never has to hold a request open for minutes (a start that recovers a
/// big datadir, a backup).
public struct AgentJob: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case start, stop, recover, backup
    }

    public enum Phase: String, Codable, Sendable, Hashable {
        case running, succeeded, failed
    }

    public var id: String
    public var kind: Kind
    public var phase: Phase
    public var startedAt: Date
    public var finishedAt: Date?
    /// While running: what the agent is busy with (its `operation`), e.g. "recovering".
    public var progress: String?
    /// When succeeded: the node's status right after the operation.
    public var result: AgentStatus?
    /// When failed: the same error body the synchronous call would have answered.
    public var error: APIErrorBody?
    /// A backup job: bytes of the compressed stream handed over so far.
    public var bytes: Int64?
    /// A backup job, when succeeded: what the stream holds.
    public var backup: BackupOutcome?

    public init(id: String, kind: Kind, phase: Phase, startedAt: Date, finishedAt: Date? = nil,
                progress: String? = nil, result: AgentStatus? = nil, error: APIErrorBody? = nil) {
        self.id = id
        self.kind = kind
        self.phase = phase
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.progress = progress
        self.result = result
        self.error = error
    }

    /// The header value that asks for a job instead of a waiting answer (RFC 7240).
    public static let preferAsync = "respond-async"
}

/// What a finished backup stream holds, from the stream itself (`--galera-info` and
/// `xtrabackup_info`), so the controller's record never guesses.
public struct BackupOutcome: Codable, Sendable, Hashable {
    public var node: String
    public var flavor: Flavor
    /// The Galera position the backup is consistent at.
    public var position: GaleraPosition
    /// Its binary log's GTID list there (`1-1-40,101-1-2`); nil without binary logging.
    public var gtidPosition: String?
    /// The server's version, e.g. `10.11.19-MariaDB-0+deb12u1`.
    public var serverVersion: String
    /// Bytes of the compressed stream, and of the xbstream inside it.
    public var bytes: Int64
    public var rawBytes: Int64
    public var startedAt: Date
    public var finishedAt: Date

    public init(node: String, flavor: Flavor, position: GaleraPosition, serverVersion: String, bytes: Int64, rawBytes: Int64,
                startedAt: Date, finishedAt: Date) {
        self.node = node
        self.flavor = flavor
        self.position = position
        self.serverVersion = serverVersion
        self.bytes = bytes
        self.rawBytes = rawBytes
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// `POST /v1/restore/stage`'s answer: the backup unpacked and prepared in the node's scratch
/// directory, ready for `POST /v1/restore/apply`.
public struct RestoreStage: Codable, Sendable, Hashable {
    public var node: String
    public var position: GaleraPosition
    public var serverVersion: String?
    /// Compressed bytes received, and the prepared copy's size on disk.
    public var bytes: Int64
    public var preparedBytes: Int64
    public var stagedAt: Date

    public init(node: String, position: GaleraPosition, serverVersion: String?, bytes: Int64, preparedBytes: Int64, stagedAt: Date) {
        self.node = node
        self.position = position
        self.serverVersion = serverVersion
        self.bytes = bytes
        self.preparedBytes = preparedBytes
        self.stagedAt = stagedAt
    }
}

/// What `POST /v1/binlog/replay` did: the transactions it ran and where the node's binary log
/// stands after them.
public struct BinlogReplayOutcome: Codable, Sendable, Hashable {
    /// Transactions run, and those skipped because the node already had them (a replay
    /// resumed after an interruption).
    public var applied: Int
    public var skipped: Int
    /// The last transaction run (its sequence and commit time), nil when none was.
    public var lastSequence: UInt64?
    public var lastCommit: Date?
    /// `@@gtid_binlog_pos` after the replay.
    public var gtidPosition: String
    public var seconds: Double

    public init(applied: Int, skipped: Int, lastSequence: UInt64?, lastCommit: Date?, gtidPosition: String, seconds: Double) {
        self.applied = applied
        self.skipped = skipped
        self.lastSequence = lastSequence
        self.lastCommit = lastCommit
        self.gtidPosition = gtidPosition
        self.seconds = seconds
    }
}

/// The controller's answer to a report (`POST /v1/reports`): what it asks of the node until the
/// next one. An empty body (an older controller) asks nothing new: the agent keeps what it had.
public struct ReportReply: Codable, Sendable, Hashable {
    /// The binary log the node must keep for the archive (docs/backup.md, "Retention").
    public var binlog: BinlogKeep
    /// This node is the writer (docs/endpoints.md): a planned stop lets the writer move first.
    public var writer: Bool?

    public init(binlog: BinlogKeep, writer: Bool? = nil) {
        self.binlog = binlog
        self.writer = writer
    }
}

/// What the node keeps of its binary log besides `--binlog-retention`.
public struct BinlogKeep: Codable, Sendable, Hashable {
    /// Every transaction after this one stays until the archive holds it; nil while the
    /// cluster is not archived (the retention alone decides).
    public var after: UInt64?

    public init(after: UInt64?) {
        self.after = after
    }
}

/// `POST /v1/fence`: what ending the node's client connections did.
public struct FenceOutcome: Codable, Sendable, Hashable {
    /// The client connections ended.
    public var closed: Int
    /// mysqld ran (nothing to end otherwise).
    public var running: Bool

    public init(closed: Int, running: Bool) {
        self.closed = closed
        self.running = running
    }
}

/// `POST /v1/evict`: the member to evict from the Primary component, by its gcomm UUID.
public struct EvictRequest: Codable, Sendable, Hashable {
    public var uuid: String

    public init(uuid: String) {
        self.uuid = uuid
    }
}

/// `POST /v1/evict`'s answer.
public struct EvictOutcome: Codable, Sendable, Hashable {
    /// This node's view dropped the member (and this node is still in the Primary component).
    /// false: the view did not change within the agent's wait; Galera's own timeout decides.
    public var dropped: Bool
    /// From the request to the view without the member (or to the end of the wait).
    public var seconds: Double

    public init(dropped: Bool, seconds: Double) {
        self.dropped = dropped
        self.seconds = seconds
    }
}
