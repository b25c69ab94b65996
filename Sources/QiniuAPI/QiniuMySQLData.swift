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
    /// The backup to restore from: the name of a finished backup task (QiniuMySQLData); restore only.
    public var backupName: String?
    /// The node to restore on and bootstrap; chosen by the controller when absent.
    public var bootstrapNode: String?
    public var approval: ApprovalMode?

    public init(cluster: String, action: DataAction, backupName: String? = nil, bootstrapNode: String? = nil, approval: ApprovalMode? = nil) {
        self.cluster = cluster
        self.action = action
        self.backupName = backupName
        self.bootstrapNode = bootstrapNode
        self.approval = approval
    }
}

public enum DataPhase: String, Codable, Sendable, CaseIterable, Hashable {
    case pending = "Pending"
    case running = "Running"
    case waitingForApproval = "WaitingForApproval"
    case succeeded = "Succeeded"
    case failed = "Failed"

    /// Succeeded and Failed never change again.
    public var isFinished: Bool { self == .succeeded || self == .failed }
}

public struct QiniuMySQLDataStatus: Codable, Sendable, Hashable {
    public var phase: DataPhase?
    public var steps: [DataStep]?
    public var backup: BackupRecord?
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

public struct DataStep: Codable, Sendable, Hashable {
    public var name: String
    /// Pending, Running, Succeeded, Failed or Skipped.
    public var state: String
    public var message: String?
    public var startTime: String?
    public var completionTime: String?

    public init(name: String, state: String, message: String? = nil, startTime: String? = nil, completionTime: String? = nil) {
        self.name = name
        self.state = state
        self.message = message
        self.startTime = startTime
        self.completionTime = completionTime
    }
}

public struct BackupRecord: Codable, Sendable, Hashable {
    public var id: String?
    public var location: String?
    public var size: Int64?
    /// The Galera position of the backup, `UUID:SEQNO`.
    public var position: String?

    public init(id: String? = nil, location: String? = nil, size: Int64? = nil, position: String? = nil) {
        self.id = id
        self.location = location
        self.size = size
        self.position = position
    }
}
