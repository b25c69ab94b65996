import Galera
import KubeAPI

/// A highly available MySQL cluster: three (or any odd number of) multi-master Galera nodes.
public struct QiniuMySQL: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: QiniuGroup.name, version: QiniuGroup.version,
        plural: "qiniumysqls", kind: "QiniuMySQL", namespaced: true)

    /// Optional because list items arrive without them; the client fills them in when sending.
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: QiniuMySQLSpec
    public var status: QiniuMySQLStatus?

    public init(metadata: ObjectMeta, spec: QiniuMySQLSpec = QiniuMySQLSpec(), status: QiniuMySQLStatus? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// The API group shared by both resources.
public enum QiniuGroup {
    public static let name = "mysql.qiniu.com"
    public static let version = "v1alpha1"
}

public struct QiniuMySQLSpec: Codable, Sendable, Hashable {
    /// Number of Galera nodes; odd so that a majority always exists. Default 3.
    public var replicas: Int?
    public var flavor: Flavor?
    /// Database version, used to choose the default image when `image` is absent.
    public var version: String?
    public var image: String?
    /// Compute resources of the database container (`requests`/`limits`, as in a Pod).
    public var resources: ResourceRequirements?
    public var storage: StorageSpec?
    /// my.cnf settings for the `[mysqld]` section, `name: value`.
    public var config: [String: String]?
    public var backup: BackupSpec?
    /// Form the cluster from this backup instead of empty datadirs (once; never after it was formed).
    public var restoreFrom: RestoreFromSpec?
    /// A Secret in the same namespace with key `password`; generated when absent.
    public var rootPasswordSecret: String?
    /// Paused clusters have every node stopped gracefully (data and pods kept) and are observed only.
    public var paused: Bool?
    /// When false the controller only observes and reports. Default true.
    public var autoRecovery: Bool?
    /// How a joining node receives a full copy: `qmysql` (our method; the default for MariaDB) or
    /// `packaged` (the distribution's SST script; the default for Percona).
    public var stateTransfer: StateTransferChoice?
    /// Encryption in transit between the nodes.
    public var tls: TLSSpec?
    /// The node the writer endpoint (`NAME-writer`) should send to while it is fit, like
    /// `demo-2` (what `kubectl qmysql switchover` sets); absent: the writer stays where it is.
    public var preferredWriter: String?

    // Pod placement, rendered into the database pods as a Pod spec has them.
    public var nodeSelector: [String: String]?
    /// `core/v1 Toleration` objects, passed through.
    public var tolerations: [JSONValue]?
    /// `core/v1 Affinity`; replaces the default (preferred anti-affinity across nodes) when given.
    public var affinity: JSONValue?
    public var priorityClassName: String?
    /// Extra labels and annotations on the database pods (qmysql's own labels win on conflict).
    public var podLabels: [String: String]?
    public var podAnnotations: [String: String]?
    public var imagePullSecrets: [LocalObjectReference]?

    /// The defaults the CRD's schema declares (and the API server fills in); the code reads a
    /// spec through `effectiveReplicas` and `effectiveFlavor`, for objects made without them.
    public static let defaultReplicas = 3
    public static let defaultFlavor = Flavor.mariadb
    public var effectiveReplicas: Int { replicas ?? Self.defaultReplicas }
    public var effectiveFlavor: Flavor { flavor ?? Self.defaultFlavor }
    /// Our method for MariaDB. Percona XtraDB Cluster 8.0 runs only its own `xtrabackup-v2`, and
    /// our method follows MariaDB's script protocol: Percona keeps its packaged one.
    public static func defaultStateTransfer(for flavor: Flavor) -> StateTransferChoice {
        flavor == .percona ? .packaged : .qmysql
    }
    public var effectiveStateTransfer: StateTransferChoice { stateTransfer ?? Self.defaultStateTransfer(for: effectiveFlavor) }

    public init(
        replicas: Int? = nil, flavor: Flavor? = nil, version: String? = nil, image: String? = nil,
        resources: ResourceRequirements? = nil, storage: StorageSpec? = nil, config: [String: String]? = nil,
        backup: BackupSpec? = nil, restoreFrom: RestoreFromSpec? = nil, rootPasswordSecret: String? = nil, paused: Bool? = nil, autoRecovery: Bool? = nil,
        nodeSelector: [String: String]? = nil, tolerations: [JSONValue]? = nil, affinity: JSONValue? = nil,
        priorityClassName: String? = nil, podLabels: [String: String]? = nil, podAnnotations: [String: String]? = nil,
        imagePullSecrets: [LocalObjectReference]? = nil
    ) {
        self.replicas = replicas
        self.flavor = flavor
        self.version = version
        self.image = image
        self.resources = resources
        self.storage = storage
        self.config = config
        self.backup = backup
        self.restoreFrom = restoreFrom
        self.rootPasswordSecret = rootPasswordSecret
        self.paused = paused
        self.autoRecovery = autoRecovery
        self.nodeSelector = nodeSelector
        self.tolerations = tolerations
        self.affinity = affinity
        self.priorityClassName = priorityClassName
        self.podLabels = podLabels
        self.podAnnotations = podAnnotations
        self.imagePullSecrets = imagePullSecrets
    }
}

public struct TLSSpec: Codable, Sendable, Hashable {
    /// Galera's replication and IST over TLS with the cluster's certificate: `required` (the
    /// default for a new cluster), `accepting` (TLS and plain TCP) or `off` (the default for a
    /// cluster formed before this setting existed). A change is rolled out one node at a time,
    /// through `accepting`, so the cluster stays Primary.
    public var replication: ReplicationEncryption?
    /// mysqld refuses TCP clients without TLS (`require_secure_transport`). Default false. A
    /// change rolls the pods; the controller's probe uses TLS with every node that offers it.
    public var requireSecureTransport: Bool?

    public init(replication: ReplicationEncryption? = nil, requireSecureTransport: Bool? = nil) {
        self.replication = replication
        self.requireSecureTransport = requireSecureTransport
    }
}

public struct StorageSpec: Codable, Sendable, Hashable {
    /// A Kubernetes quantity, like `10Gi`.
    public var size: String?
    public var storageClassName: String?
    /// Delete the nodes' volume claims with the cluster. Default false: data outlives a deletion.
    public var deleteClaimsOnDelete: Bool?

    public init(size: String? = nil, storageClassName: String? = nil, deleteClaimsOnDelete: Bool? = nil) {
        self.size = size
        self.storageClassName = storageClassName
        self.deleteClaimsOnDelete = deleteClaimsOnDelete
    }
}

public struct BackupSpec: Codable, Sendable, Hashable {
    /// Scheduled backups on or off. Manual backups (QiniuMySQLData) work either way.
    public var enable: Bool?
    /// Times of day for scheduled backups, like `"01:01,13:01"`, in `timeZone`.
    public var backupTime: String?
    /// The time zone of `backupTime`, like `Asia/Shanghai`. Default UTC.
    public var timeZone: String?
    /// Backups older than this many days are deleted. Default 7 (`defaultReservedDays`).
    public var reservedDays: Int?
    public static let defaultReservedDays = 7
    /// The backup store: a volume claim `<cluster>-backups` that only the controller mounts (a
    /// directory in the playground), kept when the cluster is deleted unless `deleteClaimsOnDelete`.
    /// With `s3` this claim holds only the controller's state file (default size 1Gi).
    public var storage: StorageSpec?
    /// Keep the backups in an S3-compatible bucket instead of the claim: they outlive the
    /// Kubernetes cluster.
    public var s3: S3StoreSpec?
    /// Point-in-time recovery: the binary log archived continuously into the same store.
    public var pitr: PITRSpec?

    public init(enable: Bool? = nil, backupTime: String? = nil, timeZone: String? = nil, reservedDays: Int? = nil, storage: StorageSpec? = nil,
                s3: S3StoreSpec? = nil, pitr: PITRSpec? = nil) {
        self.pitr = pitr
        self.enable = enable
        self.backupTime = backupTime
        self.timeZone = timeZone
        self.reservedDays = reservedDays
        self.storage = storage
        self.s3 = s3
    }
}

/// `spec.backup.pitr`: the binary log archived into the backup store as it is written, so a
/// restore reaches any second (or GTID) from the oldest kept backup to a few seconds ago
/// (docs/backup.md, "Point-in-time recovery").
public struct PITRSpec: Codable, Sendable, Hashable {
    public var enable: Bool?
    /// A segment of the archive is stored at the latest this long after its first transaction:
    /// the most a restore can lose is about this (default 5).
    public var segmentSeconds: Int?
    public static let defaultSegmentSeconds = 5
    public static let segmentSecondsRange = 1...300

    public init(enable: Bool? = nil, segmentSeconds: Int? = nil) {
        self.enable = enable
        self.segmentSeconds = segmentSeconds
    }

    /// The segment seconds when archiving is on; nil when off.
    public var effectiveSegmentSeconds: Int? {
        enable == true ? (segmentSeconds ?? Self.defaultSegmentSeconds) : nil
    }
}

/// `spec.restoreFrom`: the backup a new cluster is formed from.
public struct RestoreFromSpec: Codable, Sendable, Hashable {
    /// The cluster whose backup it is (in this namespace, or in `s3`); this cluster when absent.
    public var cluster: String?
    /// The backup's id.
    public var backup: String
    /// The bucket holding it, when it is not this cluster's own store: another namespace's
    /// (its `prefix`) or another Kubernetes cluster's. Read only.
    public var s3: S3StoreSpec?

    public init(cluster: String? = nil, backup: String, s3: S3StoreSpec? = nil) {
        self.cluster = cluster
        self.backup = backup
        self.s3 = s3
    }
}

/// The controller's intent, as the status and the metrics show it.
public enum ClusterPhase: String, Codable, Sendable, Hashable, CaseIterable {
    /// Never formed yet: bootstrapping the first node, joining the others by SST.
    case forming = "Forming"
    /// Formed: serving, and repairing known faults.
    case serving = "Serving"
    /// `spec.paused`: every node stopped on purpose, observed only.
    case paused = "Paused"
    /// A restore task owns the nodes.
    case restoring = "Restoring"

    /// Whether a cluster that does not serve in this phase is an outage: only while serving.
    public var expectsService: Bool { self == .serving }
}

public struct QiniuMySQLStatus: Codable, Sendable, Hashable {
    public var state: ClusterState?
    /// "ready/desired", for the printer column.
    public var ready: String?
    public var nodes: [QiniuMySQLNodeStatus]?
    public var conditions: [Condition]?
    public var observedGeneration: Int64?
    public var lastBackup: LastBackup?
    /// The backups in the cluster's store, oldest first.
    public var backups: [BackupRecord]?
    /// The binary log archive (point-in-time recovery), while `spec.backup.pitr` is on.
    public var archive: ArchiveSummary?
    /// The node the writer endpoint (`NAME-writer`) sends to; absent while none is fit.
    public var writer: String?
    public var message: String?
    /// The Galera cluster UUID once the cluster was formed: the fact that protects it from ever
    /// being formed again on empty datadirs (lost volumes are restored, never silently replaced).
    public var clusterUUID: String?
    /// Forming, Serving, Paused or Restoring: what the cluster is meant to be doing, so a Red
    /// state during a formation, a pause or a restore reads as planned.
    public var phase: ClusterPhase?
    /// Whether Galera's replication runs over TLS on every database pod: written when a rollout
    /// of the setting is complete (or before the cluster first formed), read to roll the next
    /// change through `accepting`.
    public var replicationEncryption: ReplicationEncryption?

    public init(state: ClusterState? = nil, ready: String? = nil, nodes: [QiniuMySQLNodeStatus]? = nil,
                conditions: [Condition]? = nil, observedGeneration: Int64? = nil,
                lastBackup: LastBackup? = nil, message: String? = nil, clusterUUID: String? = nil, phase: ClusterPhase? = nil,
                archive: ArchiveSummary? = nil) {
        self.archive = archive
        self.state = state
        self.ready = ready
        self.nodes = nodes
        self.conditions = conditions
        self.observedGeneration = observedGeneration
        self.lastBackup = lastBackup
        self.message = message
        self.clusterUUID = clusterUUID
        self.phase = phase
    }
}

public struct QiniuMySQLNodeStatus: Codable, Sendable, Hashable {
    public var name: String
    /// Green, Yellow, Red-clean, Red-unclean or Unknown.
    public var state: String
    /// `wsrep_local_state_comment`: Synced, Donor/Desynced, Joining, ...
    public var wsrepState: String?
    public var seqno: Int64?
    public var ready: Bool?
    /// When the node's agent last reported, while it does not answer (frozen, hung, cut off).
    public var agentSilentSince: String?

    public init(name: String, state: String, wsrepState: String? = nil, seqno: Int64? = nil, ready: Bool? = nil,
                agentSilentSince: String? = nil) {
        self.name = name
        self.state = state
        self.wsrepState = wsrepState
        self.seqno = seqno
        self.ready = ready
        self.agentSilentSince = agentSilentSince
    }
}

public struct LastBackup: Codable, Sendable, Hashable {
    /// The backup's id.
    public var name: String?
    public var time: String?
    public var size: Int64?
    public var succeeded: Bool?
    public var position: String?

    public init(name: String? = nil, time: String? = nil, size: Int64? = nil, succeeded: Bool? = nil, position: String? = nil) {
        self.name = name
        self.time = time
        self.size = size
        self.succeeded = succeeded
        self.position = position
    }
}

/// The binary log archive as the status shows it. Only what changes with the archive's shape
/// (its windows, gaps, node, lag class), never its live position: a busy cluster's status is
/// not rewritten every segment.
public struct ArchiveSummary: Codable, Sendable, Hashable {
    /// The history segments go into now (`YYYYMMDDTHHMMSSZ`; a restore begins a new one).
    public var history: String
    /// Any second in these a restore can reach, oldest first; the newest has no `to` while the
    /// archive is current (it reaches to within `lagWithin` of now).
    public var windows: [Window]
    /// The node the log is read from (nil: none now).
    public var node: String?
    /// How far behind the archive is, as a bound: `10s`, `1m`, `10m`; nil: further (or nothing
    /// archived yet).
    public var lagWithin: String?
    /// Each break in the archive, in words.
    public var gaps: [String]?
    /// Why archiving is interrupted, if it is.
    public var problem: String?

    public struct Window: Codable, Sendable, Hashable {
        public var from: String
        public var to: String?

        public init(from: String, to: String?) {
            self.from = from
            self.to = to
        }
    }

    public init(history: String, windows: [Window], node: String?, lagWithin: String?, gaps: [String]?, problem: String?) {
        self.history = history
        self.windows = windows
        self.node = node
        self.lagWithin = lagWithin
        self.gaps = gaps
        self.problem = problem
    }

    /// The bound `lagWithin` gives `seconds` of lag (nil: more than ten minutes).
    public static func lagClass(_ seconds: Double) -> String? {
        switch seconds {
        case ..<10: "10s"
        case ..<60: "1m"
        case ..<600: "10m"
        default: nil
        }
    }
}
