import AgentAPI
import Galera
import Backup
import NIOSSL
import RoleNetwork

/// Where one node of the cluster is reached.
public struct NodeEndpoint: Sendable, Hashable, Codable {
    /// The node's name, e.g. `demo-0`. Unique in the cluster.
    public var name: String
    /// The node's position in the cluster (the StatefulSet ordinal); ties in seqno go to the lowest.
    public var ordinal: Int
    /// The agent's base URL, e.g. `http://127.0.0.2:9809`.
    public var agentURL: String
    /// mysqld's SQL address, for the monitor user's probe.
    public var sqlHost: String
    public var sqlPort: Int

    public init(name: String, ordinal: Int, agentURL: String, sqlHost: String, sqlPort: Int = DefaultPorts.mysql) {
        self.name = name
        self.ordinal = ordinal
        self.agentURL = agentURL
        self.sqlHost = sqlHost
        self.sqlPort = sqlPort
    }
}

/// Everything one controller needs to watch and repair one cluster.
///
/// `nodes`, `replicas`, `autoRecovery`, `paused`, `formedUUID` and the backup schedule and
/// retention are the *initial* desired state: the state file's spec, then every `PUT /v1/spec`
/// from the operator, replace them (`DesiredState`).
public struct ControllerConfiguration: Sendable {
    public var clusterName: String
    public var nodes: [NodeEndpoint]
    /// The bearer token the agents accept, and require on the reports they push to us.
    public var agentToken: String
    public var monitorUser: String
    public var monitorPassword: String
    /// How many Synced nodes make the cluster Green.
    public var replicas: Int
    /// false: observe and report only; never act on a node.
    public var autoRecovery: Bool
    /// true: the cluster is paused (`spec.paused`): stop every node gracefully, then observe only.
    public var paused = false
    /// The cluster's Galera UUID if it was formed before (the operator keeps it in the status
    /// and sends it in the spec):
    /// then empty datadirs everywhere are lost data, never a reason to form a new cluster.
    public var formedUUID: String?
    /// A file where the controller records what must outlive its pod (the formed cluster's UUID,
    /// its members, the desired state, a restore's progress and the restores finished), and
    /// reads it back after a restart.
    public var stateFile: String?

    /// How often every node is probed (SQL and agent), in parallel.
    public var probeInterval: Duration = .seconds(1)
    /// Connect and read timeout of each probe.
    public var probeTimeout: Duration = .seconds(1)
    /// The cluster's certificate files. The nodes' mysqld serve clients the same certificate, so
    /// the SQL probe uses TLS pinned to its SHA-1 fingerprint with every node whose agent says
    /// its mysqld offers TLS (nil: plain TCP to every node). Read again every
    /// `certificateCheckInterval`: a renewed certificate is pinned, and served by the endpoints
    /// when `serverTLS` came from these files, without a restart.
    public var certificates: CertificateFiles?
    public var certificateCheckInterval: Duration = .seconds(10)
    /// A node with no report, heartbeat or successful probe for this long is Unknown.
    public var staleAfter: Duration = .seconds(5)
    /// Deadline of one recovery step (a joiner may need a full SST: tens of seconds).
    public var recoveryStepDeadline: Duration = .seconds(120)
    /// A joiner still waiting for a state transfer this long after the last Primary component
    /// was seen is stopped and re-seeded later: no donor can finish its transfer.
    public var stalledTransferAfter: Duration = .seconds(60)
    /// How long a wait that need not end by itself may last before the cluster asks a person:
    /// cut-off nodes not rejoining, a node without a Primary component that never answers SQL.
    public var waitEscalateAfter: Duration = .seconds(60)
    /// How long a node's agent may take to answer for the first time after the controller
    /// started (an image pull, a volume attach) before a restore that needs it gives up.
    public var agentStartDeadline: Duration = .seconds(600)
    /// How often a step's effect is looked for while it runs.
    public var effectPollInterval: Duration = .milliseconds(200)
    /// The wait after the first failed step; it doubles with every failure in a row, up to `retryBackoffLimit`.
    public var retryBackoff: Duration = .seconds(1)
    public var retryBackoffLimit: Duration = .seconds(30)
    /// After this many failures of the same step (other steps may succeed in between), the
    /// cluster needs a person: `ManualInterventionRequired` (`RecoveryStepFailing`). With the
    /// default back-off the fifth failure comes about 15 s plus the steps' own time after the first.
    public var escalateAfterFailures = 5
    /// How often an escalated step is still tried (so a cause fixed by a person is picked up).
    public var escalatedRetryInterval: Duration = .seconds(300)

    /// A stopped node is not started while its datadir has less free space than this (mysqld and
    /// `--wsrep-recover` need room for their logs and temporary files)...
    public var diskFloorBytes: Int64 = 16 << 20
    /// ...and, after mysqld said its disk is full, until it has this much again: a node that
    /// aborted on a full disk is never restarted into the same wall (row 20, `DiskFull`).
    public var diskResumeBytes: Int64 = 128 << 20

    /// Where backups are kept; nil: backups and restores are refused (no store configured).
    public var backupStore: (any BackupStore)?
    /// Point-in-time recovery: the binary log is archived into `backupStore` in segments closed
    /// at least this often, in seconds (nil: not archived). The initial desired state.
    public var archiveSegmentSeconds: Int?
    /// Scheduled backups (`spec.backup.backupTime`); nil: manual backups only.
    public var backupSchedule: BackupSchedule?
    /// Backups finished longer ago than this are deleted after a newer one succeeds (never the newest).
    public var backupReservedDays = 7
    /// A backup stream may take this long (a big datadir streams for hours).
    public var backupDeadline: Duration = .seconds(6 * 3600)
    /// A restore may take this long, waits for approval included.
    public var restoreDeadline: Duration = .seconds(24 * 3600)
    /// Form the cluster from this backup instead of empty datadirs (`spec.restoreFrom`), once:
    /// never when the cluster was formed before.
    public var restoreFrom: BackupReference?
    /// Where `restoreFrom`'s backup and other clusters' backups are read from (another
    /// cluster's volume mounted read-only, or another namespace's bucket); nil: `backupStore`.
    public var restoreSourceStore: (any BackupStore)?

    /// The store that holds `cluster`'s backups. `restoreFrom`'s cluster may have this
    /// cluster's name and still be another (in another namespace or Kubernetes cluster).
    public func store(for cluster: String) -> (any BackupStore)? {
        if let restoreSourceStore, cluster == restoreFrom?.cluster { return restoreSourceStore }
        return cluster == clusterName ? backupStore : (restoreSourceStore ?? backupStore)
    }

    /// HTTPS for the controller's endpoints; nil: plain HTTP.
    public var serverTLS: TLSConfiguration?

    /// Where the controller's HTTP endpoints listen.
    public var listenHost: String = "127.0.0.1"
    public var listenPort: Int = DefaultPorts.controller

    public init(clusterName: String, nodes: [NodeEndpoint], agentToken: String, monitorUser: String,
                monitorPassword: String, replicas: Int? = nil, autoRecovery: Bool = true) {
        self.clusterName = clusterName
        self.nodes = nodes.sorted { $0.ordinal < $1.ordinal }
        self.agentToken = agentToken
        self.monitorUser = monitorUser
        self.monitorPassword = monitorPassword
        self.replicas = replicas ?? nodes.count
        self.autoRecovery = autoRecovery
    }

    /// Problems that make this configuration unusable, each saying what to change.
    public var problems: [String] {
        var problems: [String] = []
        if clusterName.isEmpty { problems.append("the cluster name is empty; give the QiniuMySQL's name") }
        let names = nodes.map(\.name)
        for name in Set(names) where names.filter({ $0 == name }).count > 1 {
            problems.append("node name '\(name)' is given twice; node names must be unique")
        }
        let ordinals = nodes.map(\.ordinal)
        if Set(ordinals).count != ordinals.count { problems.append("two nodes share an ordinal; ordinals must be unique") }
        // No nodes: the controller waits for its desired state (PUT /v1/spec).
        if !nodes.isEmpty, replicas < 1 || replicas > nodes.count {
            problems.append("replicas is \(replicas) but \(nodes.count) node(s) are configured; it must be between 1 and the number of nodes")
        }
        if probeTimeout > probeInterval * 2 {
            problems.append("the probe timeout (--probe-timeout, \(probeTimeout)) is over twice the probe interval (--probe-interval, \(probeInterval)); probes would pile up")
        }
        if staleAfter < probeInterval * 2 {
            problems.append("the staleness bound (--stale-after, \(staleAfter)) is below two probe intervals (--probe-interval, \(probeInterval)); one slow probe would make a node Unknown")
        }
        return problems
    }
}

/// A backup in a store: the cluster whose backups hold it, and its id.
public struct BackupReference: Sendable, Hashable, CustomStringConvertible {
    public var cluster: String
    public var id: String

    public init(cluster: String, id: String) {
        self.cluster = cluster
        self.id = id
    }

    public var description: String { "\(cluster)/\(id)" }
}
