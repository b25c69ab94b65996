import Foundation
import Galera
import RoleFlags

/// The agent's command line as one typed value: what `kubectl-qmysql agent` accepts, rendered to
/// arguments by whoever starts an agent (the operator's StatefulSet, LocalCluster) and parsed
/// back by the agent command, both through `flagTable`, its one declaration.
///
/// Secrets are never arguments (they would show in `ps`): the token and the monitor password
/// come from files.
public struct AgentOptions: Sendable, Hashable, Codable {
    public var nodeName: String
    public var clusterName: String
    public var flavor: Flavor = .mariadb
    /// mysqld's datadir (absolute).
    public var dataDirectory: String
    /// my.cnf, socket, pid file, tmpdir; nil: `<dataDirectory>-run`.
    public var runDirectory: String?
    /// The node's own address: mysqld, Galera, IST and SST bind to it.
    public var address: String
    public var mysqlPort: Int = DefaultPorts.mysql
    public var galeraPort: Int = DefaultPorts.galera
    public var istPort: Int = DefaultPorts.ist
    public var sstPort: Int = DefaultPorts.sst
    /// Every member's Galera address, this node included: `host` or `host:port`. May be empty
    /// when `peersFile` names them.
    public var peers: [String]
    /// A file listing the peers (one a line, or comma-separated), read at every mysqld start:
    /// the operator's ConfigMap, so that a scale changes a file, not the pod template, and no
    /// node that stays is restarted. Takes precedence over `peers`, which remain the fallback.
    public var peersFile: String?
    /// nil: `address`.
    public var listenAddress: String?
    public var listenPort: Int = DefaultPorts.agent
    public var tokenFile: String?
    public var controllerURL: String?
    public var heartbeatInterval: Duration = .seconds(5)
    public var pollInterval: Duration = .seconds(1)
    public var initialStart: InitialStart = .none
    public var serverBinary: String?
    public var providerPath: String?
    public var bufferPoolSize: String = "64M"
    public var gcacheSize: String = "32M"
    public var pcRecovery = true
    /// How a joiner receives a full copy: our method or the distribution's script.
    public var stateTransfer: StateTransferChoice = .qmysql
    /// Whether Galera's replication runs over TLS (with the TLS files below). Off unless asked: a
    /// pod template from before the flag existed keeps meaning plain TCP, whatever agent runs it.
    public var replicationEncryption: ReplicationEncryption = .off
    /// mysqld refuses TCP clients that do not use TLS (with the TLS files below).
    public var requireSecureTransport = false
    /// The account the agent reads status with over the unix socket; nil: the one the flavor's
    /// datadir initialisation creates for the OS user the agent runs as (`Flavor.socketUser`), so
    /// the same rendered arguments work in a pod (user mysql) and in the playground (any user).
    public var monitorUser: String?
    public var monitorPasswordFile: String?
    /// The accounts the cluster is reached with over TCP, kept equal to these files (the
    /// cluster's Secret) once the node is Synced: root@'%' with this password...
    public var rootPasswordFile: String?
    /// ...and the controller's probe account, `controllerUser`@'%' (PROCESS, REPLICATION CLIENT).
    public var controllerUser: String = "monitor"
    public var controllerPasswordFile: String?
    /// Below the controller's step deadline (120 s): no agent operation outlives its step.
    public var stopTimeout: Duration = .seconds(90)
    /// Each mysqld helper run (`--wsrep-recover`, datadir initialisation); likewise below the step deadline.
    public var helperTimeout: Duration = .seconds(90)
    /// How long a binary log file stays after its last write, unless the archive still needs it.
    public var binlogRetention: Duration = .seconds(BinaryLog.defaultRetentionSeconds)
    public var logMaxBytes: Int = 16 << 20
    public var logArchives: Int = 3
    public var logLevel: String = "info"
    /// `text` (default) or `json`: one JSON object a line, for Kubernetes log pipelines.
    public var logFormat: LogFormat = .text
    /// A my.cnf with the user's settings, included last (the operator's ConfigMap).
    public var configFile: String?
    /// Serve the API over HTTPS with this certificate chain and key (PEM); nil: plain HTTP.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// The CA that the controller's certificate must chain to (for an https `controllerURL`).
    public var caFile: String?

    public enum LogFormat: String, Sendable, Hashable, Codable, CaseIterable {
        case text, json
    }

    /// Whether the agent starts mysqld by itself when it starts.
    public enum InitialStart: String, Sendable, Hashable, Codable, CaseIterable {
        case none, join, bootstrap
    }

    public init(nodeName: String, clusterName: String, dataDirectory: String, address: String, peers: [String]) {
        self.nodeName = nodeName
        self.clusterName = clusterName
        self.dataDirectory = dataDirectory
        self.address = address
        self.peers = peers
    }

    /// The arguments after `kubectl-qmysql agent` (`flagTable`): options at their default are
    /// left out, so a rendered pod template stays short and stable when a default changes nothing.
    public var arguments: [String] { Self.flagTable.arguments(self) }

    /// Peers as `host:port`, the default Galera port filled in.
    public func resolvedPeers() throws(Problem) -> [String] {
        try Self.resolve(peers, galeraPort: galeraPort)
    }

    /// A peer list as `host:port`: entries of `--peers`, or of a peers file (one a line or
    /// comma-separated; blank lines and `#` comments ignored).
    public static func resolve(_ entries: [String], galeraPort: Int) throws(Problem) -> [String] {
        let list = entries.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == "\n" }) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard !list.isEmpty else { throw Problem("the peer list is empty; list every member's address, e.g. 127.0.0.2,127.0.0.3,127.0.0.4") }
        var resolved: [String] = []
        for peer in list {
            let parts = peer.split(separator: ":", omittingEmptySubsequences: false)
            switch parts.count {
            case 1: resolved.append("\(peer):\(galeraPort)")
            case 2 where Int(parts[1]).map({ (1...65535).contains($0) }) == true && !parts[0].isEmpty: resolved.append(peer)
            default: throw Problem("--peers entry '\(peer)' is not host or host:port")
            }
        }
        return resolved
    }

    /// Whether a resolved peer (`host:port`) is this node: its address, or its name as a host
    /// (`demo-0`, `demo-0.demo-peers`, `demo-0.demo-peers.ns.svc.cluster.local`). On Kubernetes
    /// the peers are stable DNS names while `--address` is the pod's IP, which changes with
    /// every new pod: the name is the identity that lasts.
    public func isThisNode(_ peer: String) -> Bool {
        guard let colon = peer.lastIndex(of: ":"), peer[peer.index(after: colon)...] == "\(galeraPort)" else { return false }
        let host = peer[..<colon]
        return host == address || host == nodeName || host.hasPrefix(nodeName + ".")
    }

    /// What makes these options unusable, each naming the option and what to give instead.
    public var problems: [String] {
        var problems: [String] = []
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        if nodeName.isEmpty || !nodeName.unicodeScalars.allSatisfy(allowed.contains) {
            problems.append("--node-name '\(nodeName)' must be non-empty letters, digits, '-', '_' or '.', e.g. demo-0")
        }
        if clusterName.isEmpty || !clusterName.unicodeScalars.allSatisfy(allowed.contains) {
            problems.append("--cluster-name '\(clusterName)' must be non-empty letters, digits, '-', '_' or '.'")
        }
        for (name, path) in [("--data-dir", dataDirectory), ("--run-dir", runDirectory ?? "/"), ("--token-file", tokenFile ?? "/"),
                             ("--peers-file", peersFile ?? "/"),
                             ("--monitor-password-file", monitorPasswordFile ?? "/"),
                             ("--root-password-file", rootPasswordFile ?? "/"),
                             ("--controller-password-file", controllerPasswordFile ?? "/"),
                             ("--config-file", configFile ?? "/"), ("--tls-cert-file", tlsCertificateFile ?? "/"),
                             ("--tls-key-file", tlsKeyFile ?? "/"), ("--ca-file", caFile ?? "/")] where !path.hasPrefix("/") {
            problems.append("\(name) '\(path)' must be an absolute path")
        }
        for (name, port) in [("--mysql-port", mysqlPort), ("--galera-port", galeraPort), ("--ist-port", istPort),
                             ("--sst-port", sstPort), ("--listen-port", listenPort)] where !(1...65535).contains(port) {
            problems.append("\(name) \(port) is not a TCP port (1-65535)")
        }
        let nodePorts = [mysqlPort, galeraPort, istPort, sstPort]
        if Set(nodePorts).count != nodePorts.count {
            problems.append("--mysql-port, --galera-port, --ist-port and --sst-port must differ (got \(nodePorts.map(String.init).joined(separator: ", ")))")
        }
        if listenAddress ?? address == address, nodePorts.contains(listenPort) {
            problems.append("--listen-port \(listenPort) collides with a mysqld or Galera port on \(address); choose another")
        }
        // With a peers file the list is read at every mysqld start instead, and not checked for
        // this node: Galera needs no entry for itself, and a node a scale-down removes may start
        // once more, from a list that no longer names it, before it goes.
        if peersFile == nil || !peers.isEmpty {
            do {
                let resolved = try resolvedPeers()
                if !resolved.contains(where: isThisNode) {
                    problems.append("--peers \(peers.joined(separator: ",")) does not include this node (\(address):\(galeraPort) or a name starting with \(nodeName)); list every member, this one included")
                }
            } catch {
                problems.append(peersFile == nil ? error.description + " (or give --peers-file)" : error.description)
            }
        }
        if let controllerURL {
            if let url = URL(string: controllerURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {} else {
                problems.append("--controller-url '\(controllerURL)' must be an http:// or https:// URL, e.g. http://127.0.0.1:\(DefaultPorts.controller)/v1/reports/\(nodeName)")
            }
        }
        if (tlsCertificateFile == nil) != (tlsKeyFile == nil) {
            problems.append("--tls-cert-file and --tls-key-file go together: give both to serve HTTPS, or neither")
        }
        if replicationEncryption != .off, tlsCertificateFile == nil || tlsKeyFile == nil || caFile == nil {
            problems.append("--replication-tls \(replicationEncryption.rawValue) needs the cluster's certificate: give --tls-cert-file, --tls-key-file and --ca-file, or --replication-tls off")
        }
        if requireSecureTransport, tlsCertificateFile == nil || tlsKeyFile == nil || caFile == nil {
            problems.append("--require-secure-transport needs the cluster's certificate for mysqld: give --tls-cert-file, --tls-key-file and --ca-file")
        }
        if controllerURL?.hasPrefix("https://") == true, caFile == nil {
            problems.append("--controller-url is https: give --ca-file, the CA its certificate must chain to")
        }
        if !(heartbeatInterval > .zero && heartbeatInterval <= .seconds(3600)) {
            problems.append("--heartbeat-interval \(RoleFlagText.seconds(heartbeatInterval)) must be between 0 and 3600 seconds")
        }
        if !(pollInterval >= .milliseconds(100) && pollInterval <= .seconds(60)) {
            problems.append("--poll-interval \(RoleFlagText.seconds(pollInterval)) must be between 0.1 and 60 seconds")
        }
        if !(stopTimeout > .zero) { problems.append("--stop-timeout must be positive") }
        if !(binlogRetention >= .zero && binlogRetention <= .seconds(366 * 86_400)) {
            problems.append("--binlog-retention \(RoleFlagText.seconds(binlogRetention)) must be between 0 and 31622400 seconds (a year)")
        }
        if !(helperTimeout > .zero) { problems.append("--helper-timeout must be positive") }
        if logMaxBytes < 64 << 10 { problems.append("--log-max-bytes \(logMaxBytes) is too small; use at least 65536") }
        if !(0...100).contains(logArchives) { problems.append("--log-archives must be 0...100") }
        if !Self.logLevels.contains(logLevel) {
            problems.append("--log-level '\(logLevel)' is not one of \(Self.logLevels.joined(separator: ", "))")
        }
        return problems
    }

    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}
