import AgentAPI
import QiniuAPI

/// What the operator wants of one cluster's controller: the settings a user changes while the
/// cluster runs. The operator sends it with `PUT /v1/spec` whenever the controller's status shows
/// an older `observedGeneration`; the controller applies it in place (no restart) and keeps it in
/// its state file, so a restarted controller resumes with the last one it accepted.
///
/// Who writes what (docs/controller.md, "The desired state"):
/// - the operator writes the spec (from the QiniuMySQL's spec, and the formed UUID from its status);
/// - the controller writes `observedGeneration` and `clusterUUID` in its status.
///
/// A PUT is idempotent: the same spec again changes nothing; an older generation of the same
/// object than the one accepted is refused (`409 staleGeneration`), so a slow operator never
/// undoes a newer change.
public struct ControllerSpec: Codable, Sendable, Hashable {
    public enum Intent: String, Codable, Sendable, Hashable {
        /// Run the cluster: form it if it never was, repair known faults.
        case serving
        /// `spec.paused`: stop every node gracefully, then observe only.
        case paused
    }

    /// Scheduled backups: times of day `HH:MM[,HH:MM...]` in a time zone (UTC when nil).
    public struct Schedule: Codable, Sendable, Hashable {
        public var times: String
        public var timeZone: String?

        public init(times: String, timeZone: String? = nil) {
            self.times = times
            self.timeZone = timeZone
        }
    }

    /// The QiniuMySQL's `metadata.generation` this spec was made from; it only grows.
    public var generation: Int64
    /// The QiniuMySQL's `metadata.uid`. Generations compare only within one object: a cluster
    /// deleted and made again on its kept volumes starts at generation 1 again, and its first
    /// spec is no older than the last one of the object before.
    public var owner: String?
    /// Every node, in ordinal order.
    public var nodes: [ControllerOptions.Node]
    /// How many Synced nodes make the cluster Green; nil: all of them.
    public var replicas: Int?
    public var intent: Intent
    public var autoRecovery: Bool
    /// The cluster's Galera UUID as the operator recorded it (`status.clusterUUID`), once formed:
    /// a replaced controller then never forms a new cluster on empty datadirs.
    public var formedUUID: String?
    /// nil: manual backups only.
    public var backupSchedule: Schedule?
    /// Days a backup is kept once a newer one succeeded.
    public var reservedDays: Int
    /// Point-in-time recovery: the binary log is archived in segments closed at least every
    /// this many seconds (`spec.backup.pitr.segmentSeconds`); nil: not archived.
    public var pitrSegmentSeconds: Int?
    /// The node the writer endpoint should send to while it is fit (`spec.writer.preferred`,
    /// what `kubectl qmysql switchover` sets); nil: the writer sticks where it is.
    public var preferredWriter: String?

    public init(generation: Int64, owner: String? = nil, nodes: [ControllerOptions.Node], replicas: Int? = nil, intent: Intent = .serving,
                autoRecovery: Bool = true, formedUUID: String? = nil, backupSchedule: Schedule? = nil, reservedDays: Int = BackupSpec.defaultReservedDays,
                pitrSegmentSeconds: Int? = nil, preferredWriter: String? = nil) {
        self.pitrSegmentSeconds = pitrSegmentSeconds
        self.preferredWriter = preferredWriter
        self.generation = generation
        self.owner = owner
        self.nodes = nodes
        self.replicas = replicas
        self.intent = intent
        self.autoRecovery = autoRecovery
        self.formedUUID = formedUUID
        self.backupSchedule = backupSchedule
        self.reservedDays = reservedDays
    }
}

/// The controller's answer to `PUT /v1/spec`.
public struct ControllerSpecAcknowledgement: Codable, Sendable, Hashable {
    /// The generation the controller now runs with.
    public var observedGeneration: Int64
    /// false: the controller already ran this spec (a repeated PUT).
    public var changed: Bool

    public init(observedGeneration: Int64, changed: Bool) {
        self.observedGeneration = observedGeneration
        self.changed = changed
    }
}
