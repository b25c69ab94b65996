import AgentAPI
import AsyncHTTPClient
import Foundation
import Galera

/// How a LocalCluster lays out its nodes: node i gets the i-th loopback address from
/// `firstAddress` (standard ports on each), and `root/node<i>/{data,run,agent.log}`.
public struct LocalClusterConfiguration: Sendable {
    public var name: String
    /// Every file of the cluster lives under here; `pids/` records the processes to clean up.
    public var root: String
    public var nodeCount: Int = 3
    public var firstAddress: String = "127.0.0.2"
    public var agentPort: Int = DefaultPorts.agent
    /// The `kubectl-qmysql` executable that runs the agents.
    public var executable: String
    public var token: String
    public var flavor: Flavor = .mariadb
    public var pcRecovery = true
    /// How joiners receive a full copy (the agents' `--state-transfer`).
    public var stateTransfer: StateTransferChoice = .qmysql
    /// The cluster's certificate files, and a client that trusts their CA: the agents serve their
    /// API over HTTPS with them, and our state transfer and Galera's replication use them. nil:
    /// plain HTTP and TCP.
    public var tls: TLS?
    /// Galera's replication over `tls` (the agents' `--replication-tls`).
    public var replicationEncryption: ReplicationEncryption = .required
    /// mysqld refuses TCP clients without TLS (the agents' `--require-secure-transport`; needs `tls`).
    public var requireSecureTransport = false
    /// Reports go to `<prefix>/<node name>` when set.
    public var controllerURLPrefix: String?
    public var heartbeatInterval: Duration = .seconds(2)
    /// How often each agent reads wsrep status: short, so a joined node is seen Synced at once.
    public var pollInterval: Duration = .milliseconds(250)
    /// The agents' `--binlog-retention` (a test shortens it to see files purged).
    public var binlogRetention: Duration = .seconds(BinaryLog.defaultRetentionSeconds)
    /// How long one node may take to become Synced (a full SST takes 10 s or more).
    public var syncTimeout: Duration = .seconds(90)
    /// Run every agent as this user instead of the test's own (only root can switch), as a pod's
    /// securityContext does; nil: the test's user.
    public var agentUser: AgentUser?

    /// A user to run agents as: uid, gid, supplementary groups, and the user database the agent
    /// and its mysqld see (passwd and group files given through nss_wrapper, as an image's
    /// /etc/passwd names uid 999 `mysql` where the host's does not).
    public struct AgentUser: Sendable {
        public var uid: Int
        public var gid: Int
        public var groups: [Int]
        public var nssWrapper: String
        public var passwdFile: String
        public var groupFile: String

        public init(uid: Int, gid: Int, groups: [Int], nssWrapper: String, passwdFile: String, groupFile: String) {
            self.uid = uid
            self.gid = gid
            self.groups = groups
            self.nssWrapper = nssWrapper
            self.passwdFile = passwdFile
            self.groupFile = groupFile
        }

        /// The command that runs `command` as this user (util-linux's setpriv execs it).
        func wrap(_ command: [String]) -> [String] {
            ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--groups=\(groups.map(String.init).joined(separator: ","))", "--"] + command
        }

        var environment: [String: String] {
            ["LD_PRELOAD": nssWrapper, "NSS_WRAPPER_PASSWD": passwdFile, "NSS_WRAPPER_GROUP": groupFile, "HOME": "/"]
        }
    }

    public struct TLS: Sendable {
        public var files: TLSFiles
        /// Reaches the agents' HTTPS API: it trusts the files' CA. The caller owns it (and shuts it down).
        public var httpClient: HTTPClient

        public init(files: TLSFiles, httpClient: HTTPClient) {
            self.files = files
            self.httpClient = httpClient
        }
    }

    public init(name: String, root: String, executable: String, token: String = LocalClusterConfiguration.randomToken()) {
        self.name = name
        self.root = root
        self.executable = executable
        self.token = token
    }

    /// The node's loopback address: 127.0.0.2, 127.0.0.3, ...
    public func address(of index: Int) -> String {
        var octets = firstAddress.split(separator: ".").compactMap { Int($0) }
        precondition(octets.count == 4, "firstAddress \(firstAddress) is not an IPv4 address")
        octets[3] += index
        return octets.map(String.init).joined(separator: ".")
    }

    public func nodeName(_ index: Int) -> String { "\(name)-\(index)" }

    public static func randomToken() -> String {
        (0..<32).map { _ in String("abcdefghijklmnopqrstuvwxyz0123456789".randomElement()!) }.joined()
    }

    /// `kubectl-qmysql` next to the running executable (a test bundle in .build/debug), unless
    /// QMYSQL_EXECUTABLE names one.
    public static func siblingExecutable() -> String {
        if let path = ProcessInfo.processInfo.environment["QMYSQL_EXECUTABLE"] { return path }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("kubectl-qmysql").path
    }
}
