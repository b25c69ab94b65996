import Foundation
import Galera
import QiniuAPI

// The controller's data tasks (backups and restores) as the operator and the CLI see them:
// the request that starts one (`POST /v1/tasks/data`), and its status, which rides in
// `ClusterStatus.tasks` so that the one status stream carries everything the operator mirrors
// into the QiniuMySQLData object.

/// `POST /v1/tasks/data`. The name is the QiniuMySQLData's: a second request with the same name
/// is the same task (the operator may send it again after a restart), never a second one.
public struct DataTaskRequest: Codable, Sendable, Hashable {
    public var name: String
    public var action: DataAction
    /// Restore: the backup to restore (an id from `GET /v1/backups`).
    public var backupID: String?
    /// Restore: the cluster whose store holds the backup; this cluster when absent.
    public var sourceCluster: String?
    /// Restore: the node to restore on; the documented rule picks one when absent.
    public var bootstrapNode: String?
    public var approval: ApprovalMode?
    /// Restore: steps up to this one are approved (with `approval: Step`).
    public var approvedStep: Int?
    /// Restore: skip step 1, the backup of the current state (never the default).
    public var skipSafetyBackup: Bool?
    /// Restore: replay the archived binary log after the backup up to this point.
    public var restoreTo: RestoreTarget?

    public init(name: String, action: DataAction, backupID: String? = nil, sourceCluster: String? = nil, bootstrapNode: String? = nil,
                approval: ApprovalMode? = nil, approvedStep: Int? = nil, skipSafetyBackup: Bool? = nil, restoreTo: RestoreTarget? = nil) {
        self.name = name
        self.action = action
        self.backupID = backupID
        self.sourceCluster = sourceCluster
        self.bootstrapNode = bootstrapNode
        self.approval = approval
        self.approvedStep = approvedStep
        self.skipSafetyBackup = skipSafetyBackup
        self.restoreTo = restoreTo
    }
}

/// `POST /v1/tasks/data/<name>/approve`: steps up to `step` may run.
public struct DataTaskApproval: Codable, Sendable, Hashable {
    public var step: Int
    public init(step: Int) { self.step = step }
}

/// One data task as the controller runs it. Only fields that change when the task moves on
/// (bytes advance at most every few seconds), so an unchanged task publishes nothing.
public struct DataTaskStatus: Codable, Sendable, Hashable {
    public struct Step: Codable, Sendable, Hashable {
        /// 0 to 5 for a restore (the seed's procedure, with step 0 the verification); 1 for a backup.
        public var number: Int
        public var name: String
        public var state: DataStepState
        public var message: String?
        public var startTime: String?
        public var completionTime: String?

        public init(number: Int, name: String, state: DataStepState, message: String? = nil, startTime: String? = nil, completionTime: String? = nil) {
            self.number = number
            self.name = name
            self.state = state
            self.message = message
            self.startTime = startTime
            self.completionTime = completionTime
        }
    }


    public var name: String
    public var action: DataAction
    public var phase: DataPhase
    public var steps: [Step]
    public var message: String?
    /// The node the task works on (the backup's source, the restore's bootstrap node).
    public var node: String?
    /// Bytes streamed so far (a backup's stream; a restore's staging).
    public var bytes: Int64?
    /// A finished backup: what it is; a restore: the backup restored.
    public var backup: BackupSummary?
    /// A restore's step 1: the backup of the state before the restore (the way back).
    public var safetyBackup: BackupSummary?
    public var startTime: String?
    public var completionTime: String?

    public init(name: String, action: DataAction, phase: DataPhase, steps: [Step], message: String? = nil, node: String? = nil,
                bytes: Int64? = nil, backup: BackupSummary? = nil, safetyBackup: BackupSummary? = nil, startTime: String? = nil,
                completionTime: String? = nil) {
        self.safetyBackup = safetyBackup
        self.name = name
        self.action = action
        self.phase = phase
        self.steps = steps
        self.message = message
        self.node = node
        self.bytes = bytes
        self.backup = backup
        self.startTime = startTime
        self.completionTime = completionTime
    }
}

/// A backup in the store, as the status and `kubectl qmysql backups` show it.
public struct BackupSummary: Codable, Sendable, Hashable {
    public var id: String
    public var cluster: String
    public var node: String
    /// When it finished (RFC 3339).
    public var time: String
    public var size: Int64
    /// `UUID:SEQNO`.
    public var position: String
    public var serverVersion: String
    public var sha256: String
    /// When the stored stream last read back whole with its sha256 (RFC 3339); nil: never.
    public var verified: String?
    /// Its GTID in the cluster's domain (`1-1-N`) and the archive history it was taken in: a
    /// point-in-time restore can start from it. nil: taken without the archive.
    public var gtid: String?
    public var archiveHistory: String?

    public init(id: String, cluster: String, node: String, time: String, size: Int64, position: String, serverVersion: String, sha256: String,
                verified: String? = nil) {
        self.verified = verified
        self.id = id
        self.cluster = cluster
        self.node = node
        self.time = time
        self.size = size
        self.position = position
        self.serverVersion = serverVersion
        self.sha256 = sha256
    }
}
