/// The Galera distribution a node runs. Every difference between MariaDB Galera and Percona XtraDB
/// Cluster lives here, so the rest of the code asks the flavor instead of branching on it.
public enum Flavor: String, Sendable, Codable, CaseIterable {
    case mariadb
    case percona

    /// The server binary (looked up on PATH unless an absolute path is configured).
    public var serverBinary: String {
        switch self {
        case .mariadb: "mariadbd"
        case .percona: "mysqld"
        }
    }

    /// The hot backup tool, also used by the SST script.
    public var backupTool: String {
        switch self {
        case .mariadb: "mariabackup"
        case .percona: "xtrabackup"
        }
    }

    /// What unpacks the backup tool's stream (`-x -C DIR`).
    public var streamTool: String {
        switch self {
        case .mariadb: "mbstream"
        case .percona: "xbstream"
        }
    }

    /// Decodes a binary log into SQL (a point-in-time restore's replay).
    public var binlogTool: String {
        switch self {
        case .mariadb: "mariadb-binlog"
        case .percona: "mysqlbinlog"
        }
    }

    /// The SQL client the replay pipes that SQL into.
    public var clientTool: String {
        switch self {
        case .mariadb: "mariadb"
        case .percona: "mysql"
        }
    }

    /// `wsrep_sst_method`: the backup-based SST, which keeps the donor writable.
    public var sstMethod: String {
        switch self {
        case .mariadb: "mariabackup"
        case .percona: "xtrabackup-v2"
        }
    }

    /// The my.cnf group the backup tool reads its own options from.
    public var backupToolConfigGroup: String {
        switch self {
        case .mariadb: "mariabackup"
        case .percona: "xtrabackup"
        }
    }

    /// The tool that creates the system tables of a fresh datadir, with its arguments.
    /// Percona's mysqld initialises itself (`--initialize-insecure`); MariaDB ships a script.
    ///
    /// `--user` only as root: it makes both tools chown the datadir to that user, which a
    /// non-root pod may not do (a volume's root is root:fsGroup, or root's with mode 0777, or an
    /// emptyDir), and which a pod already running as the datadir's user does not need. The
    /// socket account is the OS user's, whatever its name (MariaDB names it after `--user`, else
    /// $USER).
    public func initializeCommand(defaultsFile: String, user: String) -> [String] {
        let asRoot = user == "root"
        switch self {
        case .mariadb:
            return ["mariadb-install-db", "--defaults-file=\(defaultsFile)"] + (asRoot ? ["--user=root"] : [])
                + ["--auth-root-authentication-method=socket", "--auth-root-socket-user=\(user)", "--skip-test-db"]
        case .percona:
            return [serverBinary, "--defaults-file=\(defaultsFile)", "--initialize-insecure"] + (asRoot ? ["--user=root"] : [])
        }
    }

    /// The Galera provider library shipped by the distribution's packages.
    public var defaultProviderPath: String {
        switch self {
        case .mariadb: "/usr/lib/galera/libgalera_smm.so"
        case .percona: "/usr/lib64/galera4/libgalera_smm.so"
        }
    }

    /// The container image used in Kubernetes for `version` (nil: the default version).
    public func image(version: String?) -> String {
        switch self {
        case .mariadb: "docker.io/library/mariadb:\(version ?? "10.11")"
        case .percona: "docker.io/percona/percona-xtradb-cluster:\(version ?? "8.0")"
        }
    }

    /// The uid of the image's `mysql` user: database pods run as it, never as root.
    public var imageUserID: Int {
        switch self {
        case .mariadb: 999
        case .percona: 1001
        }
    }

    /// The account the agent reads status with over the unix socket in a fresh datadir: MariaDB's
    /// install script creates one for the OS user with unix_socket authentication; Percona's
    /// `--initialize-insecure` creates root@localhost without a password.
    public func socketUser(osUser: String) -> String {
        switch self {
        case .mariadb: osUser
        case .percona: "root"
        }
    }

    /// The command-line client in the image.
    public var clientBinary: String {
        switch self {
        case .mariadb: "mariadb"
        case .percona: "mysql"
        }
    }
}
