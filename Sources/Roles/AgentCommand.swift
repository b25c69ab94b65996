import Agent
import AgentAPI
import ArgumentParser
import Foundation
import Galera
import Logging
import ServiceLifecycle

/// `kubectl-qmysql agent`: supervises one node's mysqld (PID 1 of the database container, or a
/// local process in the playground).
public struct AgentCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Supervise one Galera node's mysqld and serve its HTTP API.",
        discussion: """
            The agent is the only thing that touches a node. It writes the node's my.cnf, starts \
            mysqld in join or bootstrap mode when asked (recovering its position first after an \
            unclean exit), stops it, reports its state, and forwards mysqld's error log to stdout. \
            It starts no mysqld on its own unless --start says so.

            API (docs/agent.md): GET /v1/status, POST /v1/start, POST /v1/stop, POST /v1/recover, \
            GET /v1/jobs/<id>, GET /v1/logs/error with 'Authorization: Bearer <token>'; GET /livez, \
            /readyz and /metrics without. Send 'Prefer: respond-async' with a POST to get a job \
            (202 and its id) instead of waiting for the answer.

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
    var mysqlPort: Int = DefaultPorts.mysql

    @Option(help: "Galera replication port (gmcast.listen_addr).")
    var galeraPort: Int = DefaultPorts.galera

    @Option(help: "IST receive port (ist.recv_addr).")
    var istPort: Int = DefaultPorts.ist

    @Option(help: "SST receive port (wsrep_sst_receive_address).")
    var sstPort: Int = DefaultPorts.sst

    @Option(help: "Every member's Galera address, this node included, comma-separated: host or host:port (port defaults to --galera-port). Needed unless --peers-file gives them.")
    var peers: String = ""

    @Option(help: "A file listing the peers (one a line, or comma-separated), read at every mysqld start; a cluster's ConfigMap, so a scale changes no pod template.")
    var peersFile: String?

    @Option(help: "Address the agent's HTTP API listens on. Default: --address.")
    var listenAddress: String?

    @Option(help: "Port of the agent's HTTP API.")
    var listenPort: Int = DefaultPorts.agent

    @Option(help: "The API bearer token. Prefer --token-file or QMYSQL_AGENT_TOKEN: arguments are visible in ps.")
    var token: String?

    @Option(help: "File holding the API bearer token (surrounding whitespace is ignored).")
    var tokenFile: String?

    @Option(help: "Controller URL to POST status reports to (at once on every change, and as a heartbeat), e.g. http://127.0.0.1:\(DefaultPorts.controller)/v1/reports/demo-1.")
    var controllerURL: String?

    @Option(help: "Seconds between heartbeat reports to the controller.")
    var heartbeatInterval: Double = 5

    @Option(help: "Seconds between reads of mysqld's wsrep status.")
    var pollInterval: Double = 1

    @Option(help: "Start mysqld when the agent starts: none (wait for the API), join or bootstrap.")
    var start: AgentOptions.InitialStart = .none

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

    @Option(help: "MySQL account the agent reads status with over the unix socket. Default: the flavor's socket account for the OS user (MariaDB: that user; Percona: root).")
    var monitorUser: String?

    @Option(help: "File with the monitor account's password; none: unix_socket authentication.")
    var monitorPasswordFile: String?

    @Option(help: "Keep root@'%' at the password in this file once the node is Synced (the cluster's Secret).")
    var rootPasswordFile: String?

    @Option(help: "The controller's probe account, kept at --controller-password-file once the node is Synced.")
    var controllerUser: String = "monitor"

    @Option(help: "File with the controller account's password.")
    var controllerPasswordFile: String?

    @Option(help: "Default seconds a graceful stop waits for mysqld to exit (keep it below the controller's --step-deadline).")
    var stopTimeout: Double = 90

    @Option(help: "Seconds each mysqld helper run may take: --wsrep-recover and datadir initialisation (keep it below the controller's --step-deadline).")
    var helperTimeout: Double = 90

    @Option(help: "Rotate mysqld's error log above this many bytes.")
    var logMaxBytes: Int = 16 << 20

    @Option(help: "Rotated error logs to keep.")
    var logArchives: Int = 3

    @Option(help: "Agent log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "Log lines as text or json (one object a line, for log pipelines).")
    var logFormat: AgentOptions.LogFormat = .text

    @Option(help: "A my.cnf with extra server settings, included after the agent's own (the operator's ConfigMap).")
    var configFile: String?

    @Option(help: "Serve the API over HTTPS with this certificate chain (PEM); needs --tls-key-file.")
    var tlsCertFile: String?

    @Option(help: "The private key (PEM) of --tls-cert-file.")
    var tlsKeyFile: String?

    @Option(help: "The CA (PEM) that an https --controller-url's certificate must chain to.")
    var caFile: String?

    public init() {}

    /// The typed options these flags stand for (the token itself, if given inline, is not part of them).
    var options: AgentOptions {
        var options = AgentOptions(
            nodeName: nodeName, clusterName: clusterName, dataDirectory: dataDir, address: address,
            peers: peers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        options.peersFile = peersFile
        options.flavor = flavor
        options.runDirectory = runDir
        options.mysqlPort = mysqlPort
        options.galeraPort = galeraPort
        options.istPort = istPort
        options.sstPort = sstPort
        options.listenAddress = listenAddress
        options.listenPort = listenPort
        options.tokenFile = tokenFile
        options.controllerURL = controllerURL
        options.heartbeatInterval = AgentOptions.duration(seconds: heartbeatInterval)
        options.pollInterval = AgentOptions.duration(seconds: pollInterval)
        options.initialStart = start
        options.serverBinary = serverBinary
        options.providerPath = provider
        options.bufferPoolSize = bufferPoolSize
        options.gcacheSize = gcacheSize
        options.pcRecovery = !noPcRecovery
        options.monitorUser = monitorUser
        options.monitorPasswordFile = monitorPasswordFile
        options.rootPasswordFile = rootPasswordFile
        options.controllerUser = controllerUser
        options.controllerPasswordFile = controllerPasswordFile
        options.stopTimeout = AgentOptions.duration(seconds: stopTimeout)
        options.helperTimeout = AgentOptions.duration(seconds: helperTimeout)
        options.logMaxBytes = logMaxBytes
        options.logArchives = logArchives
        options.logLevel = logLevel
        options.logFormat = logFormat
        options.configFile = configFile
        options.tlsCertificateFile = tlsCertFile
        options.tlsKeyFile = tlsKeyFile
        options.caFile = caFile
        return options
    }

    public func validate() throws {
        if let problem = options.problems.first { throw ValidationError(problem) }
        let tokenSources = [token != nil, tokenFile != nil, ProcessInfo.processInfo.environment["QMYSQL_AGENT_TOKEN"] != nil].filter { $0 }.count
        guard tokenSources >= 1 else {
            throw ValidationError("no API token: give --token-file FILE (or --token, or set QMYSQL_AGENT_TOKEN)")
        }
        guard token == nil || tokenFile == nil else {
            throw ValidationError("give either --token or --token-file, not both")
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
        var monitorPassword: String?
        if let monitorPasswordFile {
            do {
                monitorPassword = try String(contentsOfFile: monitorPasswordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ValidationError("cannot read --monitor-password-file \(monitorPasswordFile): \(error.localizedDescription)")
            }
        }
        do {
            return try AgentConfiguration(options: options, token: try readToken(), monitorPassword: monitorPassword)
        } catch let problem as AgentOptions.Problem {
            throw ValidationError(problem.description)
        }
    }

    public func run() async throws {
        let configuration = try makeConfiguration()
        let logger = RoleLogging.logger(label: "qmysql.agent", level: logLevel, format: logFormat)
        let agent = AgentService(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [agent], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension Flavor: ExpressibleByArgument {}
extension AgentOptions.InitialStart: ExpressibleByArgument {}
