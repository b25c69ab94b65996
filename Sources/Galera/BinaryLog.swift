/// The binary log every MariaDB node writes, for point-in-time recovery (docs/backup.md): on, with
/// the transactions it applies from its peers too, numbered alike on every node.
///
/// Measured on 10.11 (docs/backup.md): with one `server_id` and one `wsrep_gtid_domain_id` on
/// every node, a transaction has the same GTID everywhere, through IST, both state transfers
/// and restarts. `gtid_domain_id` differs per node: it numbers only what Galera does not
/// replicate (MyISAM writes), which is never part of the cluster's history.
public enum BinaryLog {
    /// `wsrep_gtid_domain_id`: the domain of every transaction Galera replicates.
    public static let clusterDomain: UInt32 = 1
    /// The files' base name in the datadir (`binlog.000001`, `binlog.index`).
    public static let baseName = "binlog"
    public static let indexFile = baseName + ".index"
    /// How long a node keeps a binary log file after its last write (the agent's
    /// `--binlog-retention`): an archive that falls behind never loses a file, since the agent
    /// keeps every file the archive does not hold yet (`LogPurge`).
    public static let defaultRetentionSeconds = 86_400

    /// The my.cnf lines the agent owns (`SpecCheck.binaryLogSettings` refuses them in a spec).
    /// mysqld never purges a binary log by itself: the agent does, and keeps what the archive
    /// does not hold yet.
    public static func settings(localDomain: UInt32) -> [String] {
        [
            "log_bin=\(baseName)",
            "log_slave_updates=ON",
            "server_id=1",
            "gtid_domain_id=\(localDomain)",
            "wsrep_gtid_mode=ON",
            "wsrep_gtid_domain_id=\(clusterDomain)",
            "binlog_expire_logs_seconds=0",
        ]
    }

    /// The node's own domain: 100 plus its ordinal (the number its name ends with), never the
    /// cluster's.
    public static func localDomain(ofNode name: String) -> UInt32 {
        let digits = name.reversed().prefix(while: \.isNumber).reversed()
        return 100 + (UInt32(String(digits)).map { min($0, 1_000_000) } ?? 0)
    }
}
