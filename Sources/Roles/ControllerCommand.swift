import AgentAPI
import ArgumentParser
import AsyncHTTPClient
import Backup
import Controller
import Foundation
import Galera
import Logging
import QiniuAPI
import RoleNetwork
import ServiceLifecycle

/// `kubectl-qmysql controller`: the long-running controller of one MySQL cluster.
public struct ControllerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Watch one Galera cluster, report its state, and repair the faults it knows.",
        discussion: """
            Runs until SIGTERM or SIGINT. Probes every node (SQL as the monitor user, and the node's \
            agent) every --probe-interval, receives the agents' pushed reports, keeps the cluster's \
            state, and repairs known faults one step at a time through the agents. Anything it does \
            not know stops with a ManualInterventionRequired condition (see docs/controller.md).

            Without --node the controller waits for its desired state: the operator sends it with \
            PUT /v1/spec (nodes, pause, automatic recovery, backup schedule and retention, applied \
            in place; see docs/controller.md), and --state-file keeps the last one across restarts.

            Endpoints on --listen: GET /v1/status (?watch=true: a stream of changes), GET /v1/actions, POST /v1/reports (agents), PUT /v1/spec, \
            POST /v1/tasks/restart/<node>, POST /v1/tasks/data (backups and restores), GET /v1/tasks/data[/<name>], \
            POST /v1/tasks/data/<name>/approve, DELETE /v1/tasks/data/<name>, GET /v1/backups, GET /metrics, GET /healthz.

              kubectl-qmysql controller --cluster demo \\
                --node demo-0=http://127.0.0.2:9809,127.0.0.2:3306 \\
                --node demo-1=http://127.0.0.3:9809,127.0.0.3:3306 \\
                --node demo-2=http://127.0.0.4:9809,127.0.0.4:3306 \\
                --agent-token-file /etc/qmysql/agent-token \\
                --monitor-password-file /etc/qmysql/monitor-password
            """)

    @Option(help: "The cluster's name (the QiniuMySQL's name); agents report with the same name.")
    var cluster: String

    @Option(name: .customLong("node"), help: ArgumentHelp(
        "A node, once per node in ordinal order: NAME=AGENT_URL,SQL_HOST:SQL_PORT. None: wait for the desired state (PUT /v1/spec).",
        valueName: "node"))
    var nodes: [String] = []

    @Option(help: "A file holding the bearer token of the agents' API (also required on pushed reports).")
    var agentTokenFile: String

    @Option(help: "The MySQL user the controller probes mysqld with (needs only USAGE: SHOW GLOBAL STATUS).")
    var monitorUser: String = "monitor"

    @Option(help: "A file holding the monitor user's password; omit for a user without password.")
    var monitorPasswordFile: String?

    @Option(help: "How many Synced nodes make the cluster Green (default: the number of nodes).")
    var replicas: Int?

    @Flag(inversion: .prefixedNo, help: "Repair known faults automatically; with --no-auto-recovery the controller only observes and reports.")
    var autoRecovery = true

    @Flag(help: "The cluster is paused: stop its nodes gracefully one at a time (data kept), then observe and report.")
    var paused = false

    @Option(help: "The cluster's Galera UUID if it was formed before (the operator passes the QiniuMySQL's status.clusterUUID). Then empty datadirs everywhere are lost data, never a new cluster.")
    var formedUUID: String?

    @Option(help: "A file where the controller records the cluster's UUID once formed, its members and its last desired state, and reads them back after a restart.")
    var stateFile: String?

    @Option(help: "Where the controller's HTTP endpoints listen, HOST:PORT (loopback unless in a pod).")
    var listen: String = "127.0.0.1:\(DefaultPorts.controller)"

    @Option(help: "Seconds between two probe rounds.")
    var probeInterval: Double = 1

    @Option(help: "Seconds each probe (SQL or agent) may take.")
    var probeTimeout: Double = 1

    @Option(help: "Seconds without any report or successful probe after which a node is Unknown.")
    var staleAfter: Double = 5

    @Option(help: "Seconds one recovery step may take (a join may need a full SST).")
    var stepDeadline: Double = 120

    @Option(help: "Seconds a node's agent may take to answer for the first time (image pull, volume attach) before a restore that needs it gives up.")
    var agentStartTimeout: Double = 600

    @OptionGroup var logging: LogOptions

    @Option(help: "Serve the endpoints over HTTPS with this certificate chain (PEM); needs --tls-key-file.")
    var tlsCertFile: String?

    @Option(help: "The private key (PEM) of --tls-cert-file.")
    var tlsKeyFile: String?

    @Option(help: "The CA (PEM) that https agent URLs' certificates must chain to.")
    var caFile: String?

    @Option(name: .customLong("backup-dir"), help: "The backup store: a directory holding CLUSTER/ID/ backups (a volume only the controller mounts). Without it backups are refused.")
    var backupDirectory: String?

    @Option(help: "Scheduled backups at these times of day, HH:MM[,HH:MM...] (needs --backup-dir).")
    var backupTime: String?

    @Option(help: "The time zone of --backup-time, e.g. Asia/Shanghai (default UTC).")
    var backupTimeZone: String?

    @Option(help: "Days a backup is kept once a newer one succeeded (the newest is always kept).")
    var reservedDays: Int = BackupSpec.defaultReservedDays

    @Option(help: "Form the never-formed cluster from this backup, CLUSTER/ID, instead of empty datadirs (needs --backup-dir).")
    var restoreFrom: String?

    @Option(name: .customLong("restore-from-dir"), help: "The store holding --restore-from's backup when it is not --backup-dir (another cluster's, mounted read-only).")
    var restoreFromDirectory: String?

    public init() {}

    public func validate() throws {
        if cluster.isEmpty { throw ValidationError("--cluster is empty; give the cluster's name, e.g. --cluster demo") }
        for (ordinal, text) in nodes.enumerated() {
            do { _ = try NodeEndpoint(parsing: text, ordinal: ordinal) } catch { throw ValidationError(error.description) }
        }
        if let replicas, replicas < 1 || replicas > nodes.count {
            throw ValidationError("--replicas \(replicas) is outside 1...\(nodes.count) (the number of --node options)")
        }
        if parseListenAddress(listen) == nil {
            throw ValidationError("--listen '\(listen)' is not HOST:PORT with a port between 0 and 65535, e.g. 127.0.0.1:9810")
        }
        for (name, value) in [("--probe-interval", probeInterval), ("--probe-timeout", probeTimeout), ("--stale-after", staleAfter), ("--step-deadline", stepDeadline), ("--agent-start-timeout", agentStartTimeout)] where !(value > 0) {
            throw ValidationError("\(name) must be a positive number of seconds, not \(value)")
        }
        if !FileManager.default.isReadableFile(atPath: agentTokenFile) {
            throw ValidationError("--agent-token-file '\(agentTokenFile)' cannot be read; give the file holding the agents' token")
        }
        if let formedUUID, GaleraPosition.normalizedUUID(formedUUID) == nil || formedUUID == GaleraPosition.zeroUUID {
            throw ValidationError("--formed-uuid '\(formedUUID)' is not a Galera cluster UUID (8-4-4-4-12 hex digits, not all zero)")
        }
        if let stateFile, !stateFile.hasPrefix("/") {
            throw ValidationError("--state-file '\(stateFile)' must be an absolute path")
        }
        if (tlsCertFile == nil) != (tlsKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-key-file go together: give both to serve HTTPS, or neither")
        }
        if nodes.contains(where: { $0.contains("=https://") }), caFile == nil {
            throw ValidationError("agent URLs are https: give --ca-file, the CA their certificates must chain to")
        }
        if let monitorPasswordFile, !FileManager.default.isReadableFile(atPath: monitorPasswordFile) {
            throw ValidationError("--monitor-password-file '\(monitorPasswordFile)' cannot be read")
        }
        if (backupTime != nil || restoreFrom != nil), backupDirectory == nil {
            throw ValidationError("--backup-time and --restore-from need --backup-dir, the backup store")
        }
        if let backupDirectory, !backupDirectory.hasPrefix("/") {
            throw ValidationError("--backup-dir '\(backupDirectory)' must be an absolute path")
        }
        if reservedDays < 1 { throw ValidationError("--reserved-days must be 1 or more, not \(reservedDays)") }
        if let restoreFrom, parseBackupReference(restoreFrom) == nil {
            throw ValidationError("--restore-from '\(restoreFrom)' is not CLUSTER/ID, e.g. demo/demo-20261129-010100")
        }
        let problems = try makeConfiguration(readSecrets: false).problems
        if let first = problems.first { throw ValidationError(first) }
    }

    public func run() async throws {
        let logger = logging.logger(label: "qmysql.controller")
        let configuration = try makeConfiguration(readSecrets: true)
        // Short connects, no connection retries: a deleted pod's old IP fails within a second and
        // the next attempt resolves the pod's name again (a pod's new IP is found at once instead
        // of after AsyncHTTPClient's default 10 s connect timeout).
        var http = HTTPClient.Configuration()
        if let caFile {
            do { http.tlsConfiguration = try RoleTLS.client(caFile: caFile) } catch { throw ValidationError(error.description) }
        }
        http.timeout = .init(connect: .seconds(1))
        http.connectionPool.retryConnectionEstablishment = false
        http.connectionPool.idleTimeout = .seconds(30)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        let controller = ClusterController(configuration: configuration, httpClient: httpClient, logger: logger)
        let server = try ControllerServer.application(for: controller, logger: logger) { port in
            logger.info("listening", metadata: ["address": "\(configuration.listenHost):\(port)"])
        }
        // Shut down in reverse order: the controller first, which ends its status streams, then
        // the server (it waits for open responses; a follower's stream would otherwise hold it
        // until the next heartbeat finds the follower gone).
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: server), .init(service: ControllerService(controller: controller))],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    func makeConfiguration(readSecrets: Bool) throws -> ControllerConfiguration {
        let endpoints = try nodes.enumerated().map { ordinal, text in try NodeEndpoint(parsing: text, ordinal: ordinal) }
        let token = readSecrets ? try secret(agentTokenFile, option: "--agent-token-file") : ""
        let password = try readSecrets ? monitorPasswordFile.map { try secret($0, option: "--monitor-password-file") } ?? "" : ""
        var configuration = ControllerConfiguration(
            clusterName: cluster, nodes: endpoints, agentToken: token, monitorUser: monitorUser,
            monitorPassword: password, replicas: replicas, autoRecovery: autoRecovery)
        configuration.probeInterval = .milliseconds(Int(probeInterval * 1000))
        configuration.probeTimeout = .milliseconds(Int(probeTimeout * 1000))
        configuration.staleAfter = .milliseconds(Int(staleAfter * 1000))
        configuration.recoveryStepDeadline = .milliseconds(Int(stepDeadline * 1000))
        configuration.agentStartDeadline = .milliseconds(Int(agentStartTimeout * 1000))
        configuration.paused = paused
        if readSecrets, let tlsCertFile, let tlsKeyFile {
            do {
                configuration.serverTLS = try RoleTLS.server(certificateFile: tlsCertFile, keyFile: tlsKeyFile)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let backupDirectory { configuration.backupStore = FileBackupStore(root: backupDirectory) }
        if let backupTime {
            guard let zone = TimeZone(identifier: backupTimeZone ?? "UTC") else {
                throw ValidationError("--backup-time-zone '\(backupTimeZone ?? "")' is not a time zone, like UTC or Asia/Shanghai")
            }
            do {
                configuration.backupSchedule = try BackupSchedule(parsing: backupTime, timeZone: zone)
            } catch {
                throw ValidationError("--backup-time: \(error.description)")
            }
        }
        configuration.backupReservedDays = reservedDays
        configuration.restoreFrom = restoreFrom.flatMap(parseBackupReference)
        if let restoreFromDirectory { configuration.restoreSourceStore = FileBackupStore(root: restoreFromDirectory) }
        configuration.formedUUID = formedUUID?.lowercased()
        configuration.stateFile = stateFile
        if let (host, port) = parseListenAddress(listen) {
            configuration.listenHost = host
            configuration.listenPort = port
        }
        return configuration
    }


    func parseBackupReference(_ text: String) -> BackupReference? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return BackupReference(cluster: String(parts[0]), id: String(parts[1]))
    }

    func secret(_ path: String, option: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ValidationError("\(option) '\(path)' cannot be read: \(error.localizedDescription)")
        }
    }
}
