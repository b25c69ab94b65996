import Foundation
import KubeAPI

/// One manual backup or restore of a QiniuMySQL cluster.
public struct QiniuMySQLData: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: QiniuGroup.name, version: QiniuGroup.version,
        plural: "qiniumysqldatas", kind: "QiniuMySQLData", namespaced: true)

    /// Optional because list items arrive without them; the client fills them in when sending.
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: QiniuMySQLDataSpec
    public var status: QiniuMySQLDataStatus?

    public init(metadata: ObjectMeta, spec: QiniuMySQLDataSpec, status: QiniuMySQLDataStatus? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

public enum DataAction: String, Codable, Sendable, CaseIterable, Hashable {
    case backup
    case restore
}

/// How a restore advances: on its own, or one step at a time after a person approves each
/// (the wizard and `kubectl qmysql restore --approval Step`).
public enum ApprovalMode: String, Codable, Sendable, CaseIterable, Hashable {
    case auto = "Auto"
    case step = "Step"
}

public struct QiniuMySQLDataSpec: Codable, Sendable, Hashable {
    /// The QiniuMySQL in the same namespace.
    public var cluster: String
    public var action: DataAction
    /// The backup to restore (restore only): a backup id (the cluster's `status.backups`), or the
    /// name of a finished backup task (QiniuMySQLData), whose `status.backup.id` is used.
    public var backupName: String?
    /// The cluster whose backup it is; `cluster` when absent.
    public var sourceCluster: String?
    /// The node to restore on and bootstrap; chosen by the controller when absent.
    public var bootstrapNode: String?
    public var approval: ApprovalMode?
    /// With `approval: Step`: steps up to this one may run (the wizard raises it one at a time).
    public var approvedStep: Int?
    /// Skip step 1, the backup of the current state (the way back).
    public var skipSafetyBackup: Bool?
    /// A point-in-time restore: after the backup, the archived binary log is replayed up to this
    /// point (docs/backup.md, "Point-in-time recovery"). Without `backupName` the newest backup
    /// before the point is chosen.
    public var restoreTo: RestoreTarget?
    /// Ends the task at its next step boundary. A restore cancelled before step 2 changed
    /// nothing; one cancelled later brings the cluster back from its own data (`status.message`
    /// says how, or why that is impossible).
    public var cancel: Bool?

    public init(cluster: String, action: DataAction, backupName: String? = nil, sourceCluster: String? = nil, bootstrapNode: String? = nil,
                approval: ApprovalMode? = nil, approvedStep: Int? = nil, skipSafetyBackup: Bool? = nil, cancel: Bool? = nil) {
        self.cancel = cancel
        self.cluster = cluster
        self.action = action
        self.backupName = backupName
        self.sourceCluster = sourceCluster
        self.bootstrapNode = bootstrapNode
        self.approval = approval
        self.approvedStep = approvedStep
        self.skipSafetyBackup = skipSafetyBackup
    }
}

public enum DataPhase: String, Codable, Sendable, CaseIterable, Hashable {
    case pending = "Pending"
    case running = "Running"
    case waitingForApproval = "WaitingForApproval"
    case succeeded = "Succeeded"
    case failed = "Failed"
    /// Ended by `spec.cancel` (or the object's deletion) before it finished.
    case cancelled = "Cancelled"

    /// Succeeded, Failed and Cancelled never change again.
    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

public struct QiniuMySQLDataStatus: Codable, Sendable, Hashable {
    public var phase: DataPhase?
    public var steps: [DataStep]?
    public var backup: BackupRecord?
    /// A restore's step 1: the backup of the state before the restore (the way back).
    public var safetyBackup: BackupRecord?
    /// The node the task works on (the backup's source, the restore's bootstrap node).
    public var node: String?
    /// Bytes streamed so far.
    public var bytes: Int64?
    public var startTime: String?
    public var completionTime: String?
    public var message: String?

    public init(phase: DataPhase? = nil, steps: [DataStep]? = nil, backup: BackupRecord? = nil,
                startTime: String? = nil, completionTime: String? = nil, message: String? = nil) {
        self.phase = phase
        self.steps = steps
        self.backup = backup
        self.startTime = startTime
        self.completionTime = completionTime
        self.message = message
    }
}

/// Where one step of a data task is. One enum for the controller's API, the CRD's schema (its
/// `enum`) and the CLI.
public enum DataStepState: String, Codable, Sendable, CaseIterable, Hashable {
    case pending = "Pending"
    case waitingForApproval = "WaitingForApproval"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case skipped = "Skipped"
    /// The task was cancelled while this step waited (or just before it ran).
    case cancelled = "Cancelled"

    /// Done with, one way or the other: Succeeded or Skipped.
    public var isCompleted: Bool { self == .succeeded || self == .skipped }
}

public struct DataStep: Codable, Sendable, Hashable {
    /// 0 to 5 for a restore (the seed's steps, 0 the verification); 1 for a backup.
    public var number: Int?
    public var name: String
    public var state: DataStepState
    public var message: String?
    public var startTime: String?
    public var completionTime: String?

    public init(number: Int? = nil, name: String, state: DataStepState, message: String? = nil, startTime: String? = nil, completionTime: String? = nil) {
        self.number = number
        self.name = name
        self.state = state
        self.message = message
        self.startTime = startTime
        self.completionTime = completionTime
    }
}

/// A backup in the cluster's store, as the statuses show it.
public struct BackupRecord: Codable, Sendable, Hashable {
    public var id: String?
    public var cluster: String?
    /// The node it was taken on.
    public var node: String?
    /// When it finished (RFC 3339).
    public var time: String?
    /// Where it is: `<claim>:<cluster>/<id>/`.
    public var location: String?
    public var size: Int64?
    /// The Galera position of the backup, `UUID:SEQNO`.
    public var position: String?
    public var serverVersion: String?
    public var sha256: String?
    /// When the stored stream last read back whole with its sha256; nil: never.
    public var verified: String?
    /// Its GTID in the cluster's domain (`1-1-N`) and the archive history it was taken in: a
    /// point-in-time restore can start from it. nil: taken without the archive.
    public var gtid: String?
    public var archiveHistory: String?

    public init(id: String? = nil, cluster: String? = nil, node: String? = nil, time: String? = nil, location: String? = nil,
                size: Int64? = nil, position: String? = nil, serverVersion: String? = nil, sha256: String? = nil, verified: String? = nil) {
        self.verified = verified
        self.id = id
        self.cluster = cluster
        self.node = node
        self.time = time
        self.location = location
        self.size = size
        self.position = position
        self.serverVersion = serverVersion
        self.sha256 = sha256
    }
}

/// The restore procedure's steps, numbered as the seed documents them (0 is the verification
/// that precedes any change). The controller runs them; the wizard and `data` show them.
public enum RestoreSteps {
    public static let names = [
        "VerifyBackup", "BackupCurrentState", "PauseNodes", "PickBootstrapNode", "RestoreOnBootstrapNode", "StartOtherNodes",
    ]

    /// `PauseNodes` for 2; `step 9` for a number out of range.
    public static func name(_ number: Int) -> String { names.indices.contains(number) ? names[number] : "step \(number)" }
}

/// Where a point-in-time restore stops: one of a time or a GTID.
public struct RestoreTarget: Codable, Sendable, Hashable {
    /// RFC 3339 (`2026-12-05T10:00:00Z`): every transaction committed at or before it is kept,
    /// up to the first committed later.
    public var time: String?
    /// `DOMAIN-SERVER-SEQUENCE` (`1-1-1234`): up to and including this transaction.
    public var gtid: String?

    public init(time: String? = nil, gtid: String? = nil) {
        self.time = time
        self.gtid = gtid
    }

    /// The time as seconds since the epoch; nil when absent or not RFC 3339.
    public var seconds: Int64? {
        guard let time else { return nil }
        return RestoreTarget.parse(time)
    }

    /// Seconds since the epoch of an RFC 3339 time (`Z` or an offset, fractions cut off).
    public static func parse(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
    }

    /// What is wrong with it, if anything: exactly one of time and gtid, each well-formed.
    public var problem: String? {
        switch (time, gtid) {
        case (nil, nil): return "restoreTo needs a time or a gtid"
        case (.some, .some): return "restoreTo takes a time or a gtid, not both"
        case (.some(let time), nil):
            return seconds == nil ? "restoreTo.time '\(time)' is not an RFC 3339 time like 2026-12-05T10:00:00Z" : nil
        case (nil, .some(let gtid)):
            let parts = gtid.split(separator: "-", omittingEmptySubsequences: false)
            return parts.count == 3 && parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) })
                ? nil : "restoreTo.gtid '\(gtid)' is not a GTID like 1-1-1234"
        }
    }

    public var description: String { time.map { "time \($0)" } ?? gtid.map { "GTID \($0)" } ?? "nothing" }

    /// The newest of `backups` a restore to this point can start from: taken with the binary
    /// log archived, at or before the point. The CLI shows it in the plan; the controller takes
    /// it when a request names no backup.
    public func newestBackup(in backups: [BackupRecord]) -> BackupRecord? {
        backups.filter { backup in
            guard backup.archiveHistory != nil, let sequence = backup.gtid.flatMap(Self.sequence(of:)) else { return false }
            if let seconds {
                return (backup.time.flatMap(Self.parse) ?? .max) <= seconds
            }
            return gtid.flatMap(Self.sequence(of:)).map { sequence <= $0 } ?? false
        }.max { ($0.time ?? "", $0.id ?? "") < ($1.time ?? "", $1.id ?? "") }
    }

    /// The sequence number of `DOMAIN-SERVER-SEQUENCE`.
    static func sequence(of gtid: String) -> UInt64? {
        gtid.split(separator: "-").last.flatMap { UInt64($0) }
    }
}
