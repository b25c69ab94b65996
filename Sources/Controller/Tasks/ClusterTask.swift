/// One unit of work that changes a cluster. Tasks run one at a time on the cluster's `TaskQueue`.
public struct ClusterTask: Sendable {
    /// What a task is for. The order of the cases is the queue's priority: fault recovery first,
    /// a backup last.
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        case faultRecovery = "fault-recovery"
        case restart
        case restore
        case backup

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var kind: Kind
    /// Tasks with the same key are the same request: only one of them may wait at a time (for
    /// fault recovery the kind itself; for a restart, the kind and the node).
    public var key: String
    /// A short description for logs and the history, e.g. "rejoin n2".
    public var summary: String
    /// How long the task may run before it is cancelled and reported as failed.
    public var deadline: Duration
    public var work: @Sendable () async throws -> String

    /// - Parameter work: performs the task and returns a one-line result for the log.
    public init(kind: Kind, key: String? = nil, summary: String, deadline: Duration, work: @escaping @Sendable () async throws -> String) {
        self.kind = kind
        self.key = key ?? kind.rawValue
        self.summary = summary
        self.deadline = deadline
        self.work = work
    }
}

/// How a task ended.
public enum TaskResult: Sendable, Equatable {
    case succeeded(String)
    case failed(String)
    case timedOut(after: Duration)

    public var isSuccess: Bool {
        if case .succeeded = self { return true }
        return false
    }
}
