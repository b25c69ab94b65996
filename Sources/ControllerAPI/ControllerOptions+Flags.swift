import AgentAPI
import Galera
import QiniuAPI
import RoleFlags

extension ControllerOptions {
    /// `kubectl-qmysql controller`'s flags, in the order they are rendered: the one declaration
    /// of the controller's command line (see `RoleFlag`). Sources/Roles/Generated/ControllerFlags.swift
    /// is generated from it.
    public static var flagTable: RoleFlagTable<ControllerOptions> {
        RoleFlagTable(defaults: ControllerOptions(cluster: "", nodes: [], agentTokenFile: ""), [
            .text("cluster", \.cluster, required: true, valueName: "name",
                  help: "The cluster's name (the QiniuMySQL's name); agents report with the same name."),
            .repeated("node", \.nodes, valueName: "node",
                      help: "A node, once per node in ordinal order: NAME=AGENT_URL,SQL_HOST:SQL_PORT. None: wait for the desired state (PUT /v1/spec).",
                      format: \.argument, parse: Node.init(argument:)),
            .text("agent-token-file", \.agentTokenFile, required: true, valueName: "file",
                  help: "A file holding the bearer token of the agents' API (also required on pushed reports)."),
            .text("monitor-user", \.monitorUser, valueName: "user",
                  help: "The MySQL user the controller probes mysqld with (needs only USAGE: SHOW GLOBAL STATUS)."),
            .text("monitor-password-file", \.monitorPasswordFile, valueName: "file",
                  help: "A file holding the monitor user's password; omit for a user without password."),
            .integer("replicas", \.replicas, help: "How many Synced nodes make the cluster Green (default: the number of nodes)."),
            .toggle("auto-recovery", \.autoRecovery,
                    help: "Repair known faults automatically; with --no-auto-recovery the controller only observes and reports."),
            .presence("paused", \.paused, sets: true,
                      help: "The cluster is paused: stop its nodes gracefully one at a time (data kept), then observe and report."),
            .text("formed-uuid", \.formedUUID, valueName: "uuid",
                  help: "The cluster's Galera UUID if it was formed before (the operator passes the QiniuMySQL's status.clusterUUID). Then empty datadirs everywhere are lost data, never a new cluster."),
            .text("state-file", \.stateFile, valueName: "file",
                  help: "A file where the controller records the cluster's UUID once formed, its members and its last desired state, and reads them back after a restart."),
            .text("listen", \.listen, valueName: "host:port", help: "Where the controller's HTTP endpoints listen, HOST:PORT (loopback unless in a pod)."),
            .seconds("probe-interval", \.probeInterval, help: "Seconds between two probe rounds."),
            .seconds("probe-timeout", \.probeTimeout, help: "Seconds each probe (SQL or agent) may take."),
            .seconds("stale-after", \.staleAfter, help: "Seconds without any report or successful probe after which a node is Unknown."),
            .seconds("step-deadline", \.stepDeadline, help: "Seconds one recovery step may take (a join may need a full SST)."),
            .seconds("agent-start-timeout", \.agentStartTimeout,
                     help: "Seconds a node's agent may take to answer for the first time (image pull, volume attach) before a restore that needs it gives up."),
            .text("log-level", \.logLevel, valueName: "level", help: "Log level: trace, debug, info, notice, warning, error or critical."),
            .choice("log-format", \.logFormat, help: "Log lines as text or json (one object a line, for log pipelines)."),
            .text("tls-cert-file", \.tlsCertificateFile, valueName: "file",
                  help: "Serve the endpoints over HTTPS with this certificate chain (PEM); needs --tls-key-file."),
            .text("tls-key-file", \.tlsKeyFile, valueName: "file", help: "The private key (PEM) of --tls-cert-file."),
            .text("ca-file", \.caFile, valueName: "file", help: "The CA (PEM) that https agent URLs' certificates must chain to."),
            .text("backup-dir", \.backupDirectory, valueName: "directory",
                  help: "The backup store: a directory holding CLUSTER/ID/ backups (a volume only the controller mounts). Without it backups are refused."),
            .text("backup-time", \.backupTime, valueName: "times", help: "Scheduled backups at these times of day, HH:MM[,HH:MM...] (needs --backup-dir or --backup-s3)."),
            .text("backup-time-zone", \.backupTimeZone, valueName: "zone", help: "The time zone of --backup-time, e.g. Asia/Shanghai (default UTC)."),
            .integer("reserved-days", \.reservedDays, valueName: "days",
                     help: "Days a backup is kept once a newer one succeeded (the newest is always kept; default \(BackupSpec.defaultReservedDays))."),
            .text("restore-from", \.restoreFrom, valueName: "cluster/id",
                  help: "Form the never-formed cluster from this backup, CLUSTER/ID, instead of empty datadirs (needs --backup-dir, --backup-s3, --restore-from-dir or --restore-from-s3)."),
            .text("restore-from-dir", \.restoreFromDirectory, valueName: "directory",
                  help: "The store holding --restore-from's backup when it is not --backup-dir (another cluster's, mounted read-only)."),
            .single("backup-s3", \.backupS3, valueName: "store",
                    help: "The backup store in an S3 bucket instead of --backup-dir: endpoint=URL,bucket=NAME,credentials=DIR[,prefix=P/][,region=R][,addressing=path|virtualHost][,ca=FILE][,sse=SSE-S3|SSE-C][,sse-key=FILE]. DIR holds access-key-id and secret-access-key.",
                    format: { $0?.argument }, parse: { (text: String) throws(RoleFlagProblem) -> S3StoreOptions? in try S3StoreOptions(argument: text, flag: "backup-s3") }),
            .single("restore-from-s3", \.restoreFromS3, valueName: "store",
                    help: "The bucket holding --restore-from's backup when it is not the backup store (another namespace's or Kubernetes cluster's), in --backup-s3's form; read only.",
                    format: { $0?.argument }, parse: { (text: String) throws(RoleFlagProblem) -> S3StoreOptions? in try S3StoreOptions(argument: text, flag: "restore-from-s3") }),
        ])
    }
}

extension ControllerOptions.Node {
    /// Reads `NAME=AGENT_URL,SQL_HOST:SQL_PORT`, the form of `--node` (the controller checks the
    /// URL and the port when it builds its endpoints).
    public init(argument: String) throws(RoleFlagProblem) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex,
              let comma = argument.lastIndex(of: ","), comma > equals else {
            throw RoleFlagProblem("--node '\(argument)' is not NAME=AGENT_URL,SQL_HOST:SQL_PORT, e.g. demo-0=http://127.0.0.2:\(DefaultPorts.agent),127.0.0.2:\(DefaultPorts.mysql)")
        }
        self.init(name: String(argument[..<equals]), agentURL: String(argument[argument.index(after: equals)..<comma]),
                  sqlAddress: String(argument[argument.index(after: comma)...]))
    }
}
