import AgentAPI
import Galera

/// The controller's command line as one typed value, like `AgentOptions` for the agent: the
/// operator renders a controller Deployment's arguments from it and `kubectl-qmysql controller`
/// parses them back, both through `flagTable`. Secrets are files, never arguments.
public struct ControllerOptions: Sendable, Hashable, Codable {
    /// One node as the controller reaches it: its agent's URL and its mysqld's `host:port`.
    public struct Node: Sendable, Hashable, Codable {
        public var name: String
        public var agentURL: String
        public var sqlAddress: String

        public init(name: String, agentURL: String, sqlAddress: String) {
            self.name = name
            self.agentURL = agentURL
            self.sqlAddress = sqlAddress
        }

        /// `NAME=AGENT_URL,SQL_HOST:SQL_PORT`, the form of `--node`.
        public var argument: String { "\(name)=\(agentURL),\(sqlAddress)" }
    }

    public var cluster: String
    public var nodes: [Node]
    public var agentTokenFile: String
    public var monitorUser: String = "monitor"
    public var monitorPasswordFile: String?
    /// nil: every node must be Synced for Green.
    public var replicas: Int?
    public var autoRecovery = true
    public var paused = false
    public var formedUUID: String?
    public var stateFile: String?
    public var listen: String = "127.0.0.1:\(DefaultPorts.controller)"
    public var probeInterval: Double = 1
    public var probeTimeout: Double = 1
    public var staleAfter: Double = 5
    public var stepDeadline: Double = 120
    /// Seconds a node's agent may take to answer for the first time (an image pull, a volume
    /// attach) before a restore that needs it gives up.
    public var agentStartTimeout: Double = 600
    public var logLevel: String = "info"
    public var logFormat: AgentOptions.LogFormat = .text
    /// Serve HTTPS with this certificate chain and key (PEM files); nil: plain HTTP.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// The CA that https agent URLs' certificates must chain to.
    public var caFile: String?
    /// The backup store's directory (`ROOT/CLUSTER/ID/`); nil: no backups.
    public var backupDirectory: String?
    /// Scheduled backups: times of day `HH:MM[,HH:MM...]`, in `backupTimeZone` (UTC by default).
    public var backupTime: String?
    public var backupTimeZone: String?
    /// Days backups are kept (after a newer one succeeded; never the newest).
    public var reservedDays: Int?
    /// Form the cluster from this backup, `CLUSTER/ID`, if it was never formed.
    public var restoreFrom: String?
    /// The store holding `restoreFrom` when it is another cluster's (default: `backupDirectory`).
    public var restoreFromDirectory: String?
    /// The backup store in an S3 bucket instead of `backupDirectory`.
    public var backupS3: S3StoreOptions?
    /// The bucket holding `restoreFrom` when it is not the backup store.
    public var restoreFromS3: S3StoreOptions?

    public init(cluster: String, nodes: [Node], agentTokenFile: String) {
        self.cluster = cluster
        self.nodes = nodes
        self.agentTokenFile = agentTokenFile
    }

    /// The arguments after `kubectl-qmysql controller` (`flagTable`): defaults are left out so
    /// that a rendered Deployment stays stable when a default changes nothing.
    public var arguments: [String] { Self.flagTable.arguments(self) }
}
