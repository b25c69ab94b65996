/// Every path of the agent's HTTP API, in one place: its routes, its client, the probes the
/// operator renders and the errors that name a path all read them here (docs/agent.md lists
/// what each does). The `/v1` paths take the bearer token; the probes and metrics do not.
public enum AgentPaths {
    /// Answers while the agent runs, whatever mysqld does (the liveness and startup probes).
    public static let liveness = "/livez"
    /// 200 while the node is Synced in a Primary component (the readiness probe).
    public static let readiness = "/readyz"
    public static let metrics = "/metrics"

    public static let status = "/v1/status"
    public static let start = "/v1/start"
    public static let stop = "/v1/stop"
    public static let recover = "/v1/recover"
    public static let jobs = "/v1/jobs"
    public static let backup = "/v1/backup"
    public static let restoreStage = "/v1/restore/stage"
    public static let restoreApply = "/v1/restore/apply"
    public static let restoreEmpty = "/v1/restore/empty"
    public static let errorLog = "/v1/logs/error"
    /// GET: the binary log from a transaction on (`?after=SEQ`), followed as it is written.
    public static let binlog = "/v1/binlog"
    /// POST: a binary log's transactions run on the node (a point-in-time restore's replay).
    public static let binlogReplay = "/v1/binlog/replay"
    /// POST: every client connection ended (`KILL CONNECTION`): the writer moved away from this
    /// node, and its clients' connections must not go on writing here.
    public static let fence = "/v1/fence"
    /// POST `{"uuid": ...}`: Galera evicts that member now (`evs.evict`): its mysqld is known dead.
    public static let evict = "/v1/evict"
    /// The header a binlog stream's answer names the transaction before its first one in.
    public static let binlogPreviousHeader = "Qmysql-Binlog-Previous"

    public static func job(_ id: String) -> String { "\(jobs)/\(id)" }
    public static func jobStream(_ id: String) -> String { "\(job(id))/stream" }

    /// The routes' patterns for the paths that carry a parameter.
    public enum Pattern {
        public static let job = AgentPaths.job(":id")
        public static let jobStream = AgentPaths.jobStream(":id")
    }
}
