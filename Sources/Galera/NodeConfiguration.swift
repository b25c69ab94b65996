/// A certificate chain, its key, and the CA a peer's certificate must chain to (PEM files).
public struct TLSFiles: Sendable, Hashable, Codable {
    public var certificate: String
    public var key: String
    public var certificateAuthority: String

    public init(certificate: String, key: String, certificateAuthority: String) {
        self.certificate = certificate
        self.key = key
        self.certificateAuthority = certificateAuthority
    }
}

/// How a joiner receives a full copy of the data.
public enum StateTransferChoice: String, Sendable, Hashable, Codable, CaseIterable {
    /// Our own method, `wsrep_sst_qmysql` (the executable under that name): a hot backup streamed
    /// compressed to the joiner the moment it listens, with no sleep before it.
    case qmysql
    /// The distribution's packaged script (`mariabackup`, `xtrabackup-v2`).
    case packaged

    /// The program mysqld runs for our method: `wsrep_sst_` and the method's name.
    public static let qmysqlProgram = "wsrep_sst_qmysql"

    /// `wsrep_sst_method`'s value for `flavor`.
    public func method(for flavor: Flavor) -> String {
        switch self {
        case .qmysql: "qmysql"
        case .packaged: flavor.sstMethod
        }
    }
}

/// Whether Galera's own traffic (replication on 4567, IST on 4568) runs over TLS with the
/// cluster's certificate (`socket.ssl_*`). Galera verifies the peer's certificate against the
/// cluster's CA either way it is on: a node with another CA's certificate never joins.
public enum ReplicationEncryption: String, Sendable, Hashable, Codable, CaseIterable {
    /// TLS only: a peer that speaks plain TCP, or holds no certificate of the cluster's CA, is refused.
    case required
    /// TLS to and from every peer that speaks it, plain TCP accepted too (`socket.dynamic`): the
    /// middle of a rolling change between `off` and `required`, in either direction. Every
    /// connection between two nodes that both have TLS is encrypted (measured: TLS records only).
    case accepting
    /// Plain TCP.
    case off

    /// The provider options that configure it with `tls` (none without TLS files).
    public func providerOptions(_ tls: TLSFiles?) -> [String] {
        guard let tls, self != .off else { return [] }
        let files = ["socket.ssl_cert=\(tls.certificate)", "socket.ssl_key=\(tls.key)", "socket.ssl_ca=\(tls.certificateAuthority)"]
        return self == .accepting ? files + ["socket.dynamic=YES"] : files
    }
}

/// Settings every node of a cluster shares.
public struct ClusterSettings: Sendable, Hashable, Codable {
    public var name: String
    public var flavor: Flavor
    /// Every member's Galera address (`host:port`), this node included.
    public var peers: [String]
    /// nil: the flavor's packaged library.
    public var providerPath: String?
    public var innodbBufferPoolSize: String
    public var gcacheSize: String
    /// EVS timeouts: the tuned values detect a dead peer in about 4.5 s instead of 6.4 s (GALERA.md).
    public var evsOptions: [String]
    /// pc.recovery re-forms the Primary component from gvwstate.dat after a full crash.
    public var pcRecovery: Bool
    /// How a joiner receives a full copy (`wsrep_sst_method`).
    public var stateTransfer: StateTransferChoice = .qmysql
    /// The cluster's certificate, its key and its CA: our state transfer runs over TLS with them
    /// (the `[qmysql-sst]` group of my.cnf names them for it), and so does Galera's replication
    /// unless `replicationEncryption` is off. nil: plain TCP everywhere.
    public var tls: TLSFiles?
    /// Whether Galera's replication and IST use `tls` (nothing without it).
    public var replicationEncryption: ReplicationEncryption = .required
    /// TCP clients must use TLS (`require_secure_transport`); only with `tls`.
    public var requireSecureTransport = false
    /// A my.cnf with the user's settings (the operator's ConfigMap), included last so its values win.
    /// The operator refuses settings the agent owns (addresses, paths, wsrep wiring).
    public var includeFile: String?

    public static let tunedEVSOptions = [
        "evs.suspect_timeout=PT3S", "evs.inactive_timeout=PT6S", "evs.inactive_check_period=PT1S",
        "evs.keepalive_period=PT1S", "evs.join_retrans_period=PT1S",
    ]

    public init(
        name: String, flavor: Flavor, peers: [String], providerPath: String? = nil,
        innodbBufferPoolSize: String = "64M", gcacheSize: String = "32M",
        evsOptions: [String] = ClusterSettings.tunedEVSOptions, pcRecovery: Bool = true
    ) {
        self.name = name
        self.flavor = flavor
        self.peers = peers
        self.providerPath = providerPath
        self.innodbBufferPoolSize = innodbBufferPoolSize
        self.gcacheSize = gcacheSize
        self.evsOptions = evsOptions
        self.pcRecovery = pcRecovery
    }
}

extension ClusterSettings {
    /// What makes a running node load renewed certificate files without a restart: mysqld's
    /// client TLS (`FLUSH SSL`; MySQL's `ALTER INSTANCE RELOAD TLS`) and Galera's replication
    /// TLS (`socket.ssl_reload`, measured on Galera 4.23: new connections present the new
    /// certificate, the cluster stays Primary). Galera's first: it is a provider option, set
    /// even while the node is not ready. Nothing without TLS files.
    public var certificateReloadStatements: [String] {
        guard tls != nil else { return [] }
        let client = switch flavor {
        case .mariadb: "FLUSH SSL"
        case .percona: "ALTER INSTANCE RELOAD TLS"
        }
        return (replicationEncryption == .off ? [] : ["SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'"]) + [client]
    }
}

/// Where one node listens and keeps its files. Every field must differ between nodes that share
/// a machine; with one loopback address per node the ports can stay standard.
public struct NodeSettings: Sendable, Hashable, Codable {
    public var name: String
    /// The node's own address: mysqld, Galera replication, IST and SST all bind to it.
    public var address: String
    public var mysqlPort: Int
    public var galeraPort: Int
    public var istPort: Int
    public var sstPort: Int
    public var dataDirectory: String
    public var socketPath: String
    public var temporaryDirectory: String
    public var pidFile: String
    public var errorLog: String
    /// The OS user mysqld runs as. Running as root needs `user=root`; mariabackup SST then works
    /// (rsync SST would not: its daemon drops to nobody).
    public var osUser: String

    public init(
        name: String, address: String, mysqlPort: Int = DefaultPorts.mysql, galeraPort: Int = DefaultPorts.galera, istPort: Int = DefaultPorts.ist,
        sstPort: Int = DefaultPorts.sst, dataDirectory: String, socketPath: String, temporaryDirectory: String,
        pidFile: String, errorLog: String, osUser: String
    ) {
        self.name = name
        self.address = address
        self.mysqlPort = mysqlPort
        self.galeraPort = galeraPort
        self.istPort = istPort
        self.sstPort = sstPort
        self.dataDirectory = dataDirectory
        self.socketPath = socketPath
        self.temporaryDirectory = temporaryDirectory
        self.pidFile = pidFile
        self.errorLog = errorLog
        self.osUser = osUser
    }

    /// The Galera address other nodes list in gcomm://.
    public var galeraAddress: String { "\(address):\(galeraPort)" }
}
