import AgentAPI
import Clocks
import Foundation
import Galera
import NIOSSL
import RoleNetwork

/// Everything an agent needs to supervise one node, secrets included. The agent command builds it
/// from `AgentOptions` (what starters render) and the secrets read from files; tests build it directly.
public struct AgentConfiguration: Sendable {
    public var nodeName: String
    /// The cluster's shared settings, including every peer's Galera address.
    public var cluster: ClusterSettings
    /// The node's own address: mysqld, Galera, IST and SST bind to it.
    public var address: String
    public var mysqlPort: Int = DefaultPorts.mysql
    public var galeraPort: Int = DefaultPorts.galera
    public var istPort: Int = DefaultPorts.ist
    public var sstPort: Int = DefaultPorts.sst
    /// mysqld's datadir. The error log and the recover log live here too (bounded by rotation).
    public var dataDirectory: String
    /// my.cnf, the socket, the pid file and tmpdir. Default: `<dataDirectory>-run`.
    public var runDirectory: String
    /// Where the agent's HTTP API listens.
    public var listenAddress: String
    public var listenPort: Int
    /// Bearer token every API call except probes and metrics must present.
    public var token: String
    /// Where reports are pushed (POST, JSON AgentStatus); nil: no passive reports.
    public var controllerURL: String?
    public var heartbeatInterval: Duration = .seconds(5)
    /// How often live wsrep status is read over SQL while mysqld runs.
    public var pollInterval: Duration = .seconds(1)
    /// The program linked as `wsrep_sst_qmysql` on mysqld's PATH when the cluster uses our
    /// state-transfer method: this executable.
    public var transferProgram: String = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    /// Where that link lives (first on mysqld's PATH): `<runDirectory>/bin`.
    public var programDirectory: String { runDirectory + "/bin" }
    /// What the heartbeat and the wsrep poll sleep on (a test may move a manual clock).
    public var clock: RoleClock = .continuous
    /// The server binary; nil: the flavor's, from PATH.
    public var serverBinary: String?
    /// The OS user mysqld runs as: the agent's own user (root here, so `user=root`).
    public var osUser: String
    /// The account the agent reads status with over the unix socket (unix_socket auth for root).
    public var monitorUser: String = "root"
    public var monitorPassword: String?
    /// The TCP accounts kept equal to the cluster's Secret once the node is Synced (`AccountSetup`).
    public var accounts: AccountSetup?
    /// Deadline for a graceful stop when the request does not give one. Below the controller's
    /// step deadline (120 s), so no stop outlives the step that asked for it.
    public var stopTimeout: Duration = .seconds(90)
    /// Deadline of each mysqld helper run: `--wsrep-recover` (InnoDB crash recovery of a big
    /// datadir takes a while; on a stuck disk it never ends) and datadir initialisation. Below the
    /// controller's step deadline (120 s), so no agent operation outlives the step that asked for it.
    public var helperTimeout: Duration = .seconds(90)
    /// How long a binary log file stays after its last write, unless the archive still needs
    /// it (`LogPurge`).
    public var binlogRetention: Duration = .seconds(BinaryLog.defaultRetentionSeconds)
    /// Deadline of each restore helper (`--prepare`, `--copy-back`): they take as long as the
    /// data is big, so this bounds only a stuck tool.
    public var restoreHelperTimeout: Duration = .seconds(3600)
    /// The error log is rotated (copied to mysqld-1.err ... and truncated) above this size.
    public var errorLogMaxBytes: Int = 16 << 20
    public var errorLogArchives: Int = 3
    /// The peers file (the cluster's ConfigMap), read at every mysqld start; `cluster.peers` is
    /// the fallback when it cannot be read.
    public var peersFile: String?
    /// Start mysqld in this mode when the agent starts (nil: wait for the API).
    public var initialStart: StartMode?
    /// Forward mysqld's error log as JSON objects (`--log-format json`), like the agent's own lines.
    public var logJSON = false
    /// The cluster's certificate files (`--tls-cert-file`, `--tls-key-file`, `--ca-file`): the
    /// API serves HTTPS with them, reports trust their CA, and a renewal in the files is loaded
    /// every `certificateCheckInterval` by the API, mysqld and Galera alike. nil: plain HTTP.
    public var certificates: CertificateFiles?
    /// The CA alone (`--ca-file` without a certificate of our own), for an https controller URL.
    public var controllerTrust: TLSConfiguration?
    /// How often the certificate files are read again (the kubelet replaces them within a minute).
    public var certificateCheckInterval: Duration = .seconds(10)

    /// HTTPS for the API; nil: plain HTTP.
    public var serverTLS: TLSConfiguration? { certificates?.serverConfiguration }
    /// What reports to an https controller URL trust: the CA as last loaded.
    public var controllerTLS: TLSConfiguration? { certificates?.clientConfiguration ?? controllerTrust }

    public init(
        nodeName: String, cluster: ClusterSettings, address: String, dataDirectory: String,
        runDirectory: String? = nil, listenAddress: String, listenPort: Int, token: String,
        osUser: String = AgentConfiguration.currentUser()
    ) {
        self.nodeName = nodeName
        self.cluster = cluster
        self.address = address
        self.dataDirectory = dataDirectory
        self.runDirectory = runDirectory ?? dataDirectory + "-run"
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.token = token
        self.osUser = osUser
    }

    /// The configuration `options` describe, with the secrets they name read by the caller.
    public init(options: AgentOptions, token: String, monitorPassword: String?) throws(AgentOptions.Problem) {
        var cluster = ClusterSettings(
            name: options.clusterName, flavor: options.flavor,
            peers: options.peersFile != nil && options.peers.isEmpty ? [] : try options.resolvedPeers(),
            providerPath: options.providerPath, innodbBufferPoolSize: options.bufferPoolSize,
            gcacheSize: options.gcacheSize, pcRecovery: options.pcRecovery)
        cluster.includeFile = options.configFile
        cluster.stateTransfer = options.stateTransfer
        // The cluster's certificate secures our state transfer and Galera's replication as it
        // does the roles' API.
        if let certificate = options.tlsCertificateFile, let key = options.tlsKeyFile, let ca = options.caFile {
            cluster.tls = TLSFiles(certificate: certificate, key: key, certificateAuthority: ca)
        }
        cluster.replicationEncryption = options.replicationEncryption
        cluster.requireSecureTransport = options.requireSecureTransport
        self.init(
            nodeName: options.nodeName, cluster: cluster, address: options.address, dataDirectory: options.dataDirectory,
            runDirectory: options.runDirectory, listenAddress: options.listenAddress ?? options.address,
            listenPort: options.listenPort, token: token)
        peersFile = options.peersFile
        mysqlPort = options.mysqlPort
        galeraPort = options.galeraPort
        istPort = options.istPort
        sstPort = options.sstPort
        controllerURL = options.controllerURL
        heartbeatInterval = options.heartbeatInterval
        pollInterval = options.pollInterval
        serverBinary = options.serverBinary
        monitorUser = options.monitorUser ?? options.flavor.socketUser(osUser: osUser)
        if options.rootPasswordFile != nil || options.controllerPasswordFile != nil {
            accounts = AccountSetup(rootPasswordFile: options.rootPasswordFile, controllerUser: options.controllerUser,
                                    controllerPasswordFile: options.controllerPasswordFile)
        }
        self.monitorPassword = monitorPassword
        stopTimeout = options.stopTimeout
        helperTimeout = options.helperTimeout
        binlogRetention = options.binlogRetention
        errorLogMaxBytes = options.logMaxBytes
        errorLogArchives = options.logArchives
        logJSON = options.logFormat == .json
        do {
            if let certificate = options.tlsCertificateFile, let key = options.tlsKeyFile {
                certificates = try CertificateFiles(certificate: certificate, key: key, authority: options.caFile)
            }
            if certificates == nil, let caFile = options.caFile { controllerTrust = try RoleTLS.client(caFile: caFile) }
        } catch {
            throw AgentOptions.Problem(error.description)
        }
        initialStart = switch options.initialStart {
        case .none: nil
        case .join: .join
        case .bootstrap: .bootstrap
        }
    }

    public var myCnfPath: String { runDirectory + "/my.cnf" }
    public var socketPath: String { runDirectory + "/mysqld.sock" }
    public var pidFile: String { runDirectory + "/mysqld.pid" }
    public var temporaryDirectory: String { runDirectory + "/tmp" }
    public var initializeLog: String { runDirectory + "/initialize.log" }
    /// `.err` and `.log` names survive the SST script's cleanup of a joiner's datadir.
    public var errorLog: String { dataDirectory + "/mysqld.err" }
    public var recoverLog: String { dataDirectory + "/wsrep-recover.log" }
    public var grastatePath: String { dataDirectory + "/" + GaleraState.fileName }
    public var gvwstatePath: String { dataDirectory + "/gvwstate.dat" }
    public var serverExecutable: String { serverBinary ?? cluster.flavor.serverBinary }

    public var nodeSettings: NodeSettings {
        NodeSettings(
            name: nodeName, address: address, mysqlPort: mysqlPort, galeraPort: galeraPort, istPort: istPort,
            sstPort: sstPort, dataDirectory: dataDirectory, socketPath: socketPath,
            temporaryDirectory: temporaryDirectory, pidFile: pidFile, errorLog: errorLog, osUser: osUser)
    }

    public static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return geteuid() == 0 ? "root" : "mysql"
    }
}
