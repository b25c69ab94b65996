import Agent
import ArgumentParser
import Foundation
import Galera
import Logging
import ServiceLifecycle

/// `kubectl-qmysql agent`: supervises one node's mysqld (PID 1 of the database container, or a
/// local process in the playground).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Supervise one Galera node's mysqld and serve its HTTP API.",
        discussion: """
            The agent is the only thing that touches a node. It writes the node's my.cnf, starts
            mysqld in join or bootstrap mode when asked (recovering its position first after an
            unclean exit), stops it, reports its state, and forwards mysqld's error log to stdout.
            It starts no mysqld on its own unless --start says so.

            API (docs/agent.md): GET /v1/status, POST /v1/start, POST /v1/stop, POST /v1/recover
            with 'Authorization: Bearer <token>'; GET /livez, /readyz and /metrics without.

            SIGTERM stops mysqld gracefully, then the agent exits.

            Example (three nodes on loopback addresses, this is the second):
              kubectl-qmysql agent --node-name demo-1 --cluster-name demo \\
                --data-dir /var/lib/qmysql/demo-1/data --address 127.0.0.3 \\
                --peers 127.0.0.2,127.0.0.3,127.0.0.4 --token-file /etc/qmysql/agent-token
            """)

    @Option(help: "This node's name (wsrep_node_name), e.g. demo-0. Letters, digits, '-', '_' and '.'.")
    var nodeName: String

    @Option(help: "The cluster's name (wsrep_cluster_name); every node of a cluster must use the same.")
    var clusterName: String = "qmysql"

    @Option(help: "The Galera distribution: \(Flavor.allCases.map(\.rawValue).joined(separator: " or ")).")
    var flavor: Flavor = .mariadb

    @Option(help: "mysqld's datadir (absolute). The error log and wsrep-recover log live here too.")
    var dataDir: String

    @Option(help: "Directory for my.cnf, the socket, the pid file and tmpdir (absolute). Default: <data-dir>-run.")
    var runDir: String?

    @Option(help: "The node's own address: mysqld, Galera replication, IST and SST all bind to it.")
    var address: String

    @Option(help: "mysqld's client port.")
    var mysqlPort: Int = 3306

    @Option(help: "Galera replication port (gmcast.listen_addr).")
    var galeraPort: Int = 4567

    @Option(help: "IST receive port (ist.recv_addr).")
    var istPort: Int = 4568

    @Option(help: "SST receive port (wsrep_sst_receive_address).")
    var sstPort: Int = 4444

    @Option(help: "Every member's Galera address, this node included, comma-separated: host or host:port (port defaults to --galera-port).")
    var peers: String

    @Option(help: "Address the agent's HTTP API listens on. Default: --address.")
    var listenAddress: String?

    @Option(help: "Port of the agent's HTTP API.")
    var listenPort: Int = 7080

    @Option(help: "The API bearer token. Prefer --token-file or QMYSQL_AGENT_TOKEN: arguments are visible in ps.")
    var token: String?

    @Option(help: "File holding the API bearer token (surrounding whitespace is ignored).")
    var tokenFile: String?

    @Option(help: "Controller URL to POST status reports to (at once on every change, and as a heartbeat), e.g. http://127.0.0.1:7443/v1/reports/demo-1.")
    var controllerURL: String?

    @Option(help: "Seconds between heartbeat reports to the controller.")
    var heartbeatInterval: Double = 5

    @Option(help: "Seconds between reads of mysqld's wsrep status.")
    var pollInterval: Double = 1

    @Option(help: "Start mysqld when the agent starts: none (wait for the API), join or bootstrap.")
    var start: InitialStart = .none

    @Option(help: "The server binary. Default: the flavor's (mariadbd or mysqld) from PATH.")
    var serverBinary: String?

    @Option(help: "The Galera provider library. Default: the flavor's packaged path.")
    var provider: String?

    @Option(help: "innodb_buffer_pool_size.")
    var bufferPoolSize: String = "64M"

    @Option(help: "Galera gcache.size: how much history a donor keeps for IST.")
    var gcacheSize: String = "32M"

    @Flag(help: "Turn off pc.recovery (a node that lost every peer then stays down until bootstrapped).")
    var noPcRecovery = false

    @Option(help: "MySQL account the agent reads status with over the unix socket.")
    var monitorUser: String = "root"

    @Option(help: "File with the monitor account's password; none: unix_socket authentication.")
    var monitorPasswordFile: String?

    @Option(help: "Default seconds a graceful stop waits for mysqld to exit.")
    var stopTimeout: Double = 120

    @Option(help: "Rotate mysqld's error log above this many bytes.")
    var logMaxBytes: Int = 16 << 20

    @Option(help: "Rotated error logs to keep.")
    var logArchives: Int = 3

    @Option(help: "Agent log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    enum InitialStart: String, ExpressibleByArgument, CaseIterable {
        case none, join, bootstrap
    }

    func validate() throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !nodeName.isEmpty, nodeName.unicodeScalars.allSatisfy(allowed.contains) else {
            throw ValidationError("--node-name '\(nodeName)' must be non-empty letters, digits, '-', '_' or '.', e.g. demo-0")
        }
        guard !clusterName.isEmpty, clusterName.unicodeScalars.allSatisfy(allowed.contains) else {
            throw ValidationError("--cluster-name '\(clusterName)' must be non-empty letters, digits, '-', '_' or '.'")
        }
        for (name, path) in [("--data-dir", dataDir), ("--run-dir", runDir ?? "/"), ("--token-file", tokenFile ?? "/"), ("--monitor-password-file", monitorPasswordFile ?? "/")] {
            guard path.hasPrefix("/") else { throw ValidationError("\(name) '\(path)' must be an absolute path") }
        }
        for (name, port) in [("--mysql-port", mysqlPort), ("--galera-port", galeraPort), ("--ist-port", istPort), ("--sst-port", sstPort), ("--listen-port", listenPort)] {
            guard (1...65535).contains(port) else { throw ValidationError("\(name) \(port) is not a TCP port (1-65535)") }
        }
        let nodePorts = [mysqlPort, galeraPort, istPort, sstPort]
        guard Set(nodePorts).count == nodePorts.count else {
            throw ValidationError("--mysql-port, --galera-port, --ist-port and --sst-port must differ (got \(nodePorts.map(String.init).joined(separator: ", ")))")
        }
        if listenAddress ?? address == address, nodePorts.contains(listenPort) {
            throw ValidationError("--listen-port \(listenPort) collides with a mysqld or Galera port on \(address); choose another")
        }
        let peerList = try parsedPeers()
        guard peerList.contains("\(address):\(galeraPort)") else {
            throw ValidationError("--peers \(peers) does not include this node (\(address):\(galeraPort)); list every member, this one included")
        }
        let tokenSources = [token != nil, tokenFile != nil, ProcessInfo.processInfo.environment["QMYSQL_AGENT_TOKEN"] != nil].filter { $0 }.count
        guard tokenSources >= 1 else {
            throw ValidationError("no API token: give --token-file FILE (or --token, or set QMYSQL_AGENT_TOKEN)")
        }
        guard token == nil || tokenFile == nil else {
            throw ValidationError("give either --token or --token-file, not both")
        }
        if let controllerURL {
            guard let url = URL(string: controllerURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--controller-url '\(controllerURL)' must be an http:// or https:// URL, e.g. http://127.0.0.1:7443/v1/reports/\(nodeName)")
            }
        }
        guard heartbeatInterval > 0, heartbeatInterval <= 3600 else {
            throw ValidationError("--heartbeat-interval \(heartbeatInterval) must be between 0 and 3600 seconds")
        }
        guard pollInterval >= 0.1, pollInterval <= 60 else {
            throw ValidationError("--poll-interval \(pollInterval) must be between 0.1 and 60 seconds")
        }
        guard stopTimeout > 0 else { throw ValidationError("--stop-timeout must be positive") }
        guard logMaxBytes >= 64 << 10 else { throw ValidationError("--log-max-bytes \(logMaxBytes) is too small; use at least 65536") }
        guard (0...100).contains(logArchives) else { throw ValidationError("--log-archives must be 0...100") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Peers as host:port, the default Galera port filled in.
    func parsedPeers() throws -> [String] {
        let list = peers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !list.isEmpty else { throw ValidationError("--peers is empty; list every member's address, e.g. 127.0.0.2,127.0.0.3,127.0.0.4") }
        return try list.map { peer in
            let parts = peer.split(separator: ":", omittingEmptySubsequences: false)
            switch parts.count {
            case 1: return "\(peer):\(galeraPort)"
            case 2 where Int(parts[1]).map({ (1...65535).contains($0) }) == true && !parts[0].isEmpty: return peer
            default: throw ValidationError("--peers entry '\(peer)' is not host or host:port")
            }
        }
    }

    func readToken() throws -> String {
        let text: String
        if let token {
            text = token
        } else if let tokenFile {
            do {
                text = try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read --token-file \(tokenFile): \(error.localizedDescription)")
            }
        } else {
            text = ProcessInfo.processInfo.environment["QMYSQL_AGENT_TOKEN"] ?? ""
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 16 else {
            throw ValidationError("the API token is \(trimmed.count) characters; use at least 16 random characters")
        }
        return trimmed
    }

    func makeConfiguration() throws -> AgentConfiguration {
        let cluster = ClusterSettings(
            name: clusterName, flavor: flavor, peers: try parsedPeers(), providerPath: provider,
            innodbBufferPoolSize: bufferPoolSize, gcacheSize: gcacheSize, pcRecovery: !noPcRecovery)
        var configuration = AgentConfiguration(
            nodeName: nodeName, cluster: cluster, address: address, dataDirectory: dataDir, runDirectory: runDir,
            listenAddress: listenAddress ?? address, listenPort: listenPort, token: try readToken())
        configuration.mysqlPort = mysqlPort
        configuration.galeraPort = galeraPort
        configuration.istPort = istPort
        configuration.sstPort = sstPort
        configuration.controllerURL = controllerURL
        configuration.heartbeatInterval = .milliseconds(Int64(heartbeatInterval * 1000))
        configuration.pollInterval = .milliseconds(Int64(pollInterval * 1000))
        configuration.serverBinary = serverBinary
        configuration.monitorUser = monitorUser
        if let monitorPasswordFile {
            configuration.monitorPassword = try String(contentsOfFile: monitorPasswordFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        configuration.stopTimeout = .milliseconds(Int64(stopTimeout * 1000))
        configuration.errorLogMaxBytes = logMaxBytes
        configuration.errorLogArchives = logArchives
        configuration.initialStart = switch start {
        case .none: nil
        case .join: .join
        case .bootstrap: .bootstrap
        }
        return configuration
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        var logger = Logger(label: "qmysql.agent") { label in StreamLogHandler.standardOutput(label: label) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let agent = AgentService(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [agent], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension Flavor: ExpressibleByArgument {}
