import AgentAPI
import ArgumentParser
import ClusterCertificates
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

    /// Every flag of `ControllerOptions.flagTable` (generated from it).
    @OptionGroup var flags: ControllerFlags

    public init() {}

    /// The typed options the flags stand for.
    var options: ControllerOptions {
        get throws {
            do { return try ControllerOptions.flagTable.options(given: flags.given) } catch { throw ValidationError(error.description) }
        }
    }

    public func validate() throws {
        let options = try options
        if options.cluster.isEmpty { throw ValidationError("--cluster is empty; give the cluster's name, e.g. --cluster demo") }
        for (ordinal, node) in options.nodes.enumerated() {
            do { _ = try NodeEndpoint(parsing: node.argument, ordinal: ordinal) } catch { throw ValidationError(error.description) }
        }
        if let replicas = options.replicas, replicas < 1 || replicas > options.nodes.count {
            throw ValidationError("--replicas \(replicas) is outside 1...\(options.nodes.count) (the number of --node options)")
        }
        if parseListenAddress(options.listen) == nil {
            throw ValidationError("--listen '\(options.listen)' is not HOST:PORT with a port between 0 and 65535, e.g. 127.0.0.1:9810")
        }
        for (name, value) in [("--probe-interval", options.probeInterval), ("--probe-timeout", options.probeTimeout),
                              ("--stale-after", options.staleAfter), ("--step-deadline", options.stepDeadline),
                              ("--agent-start-timeout", options.agentStartTimeout)] where !(value > 0) {
            throw ValidationError("\(name) must be a positive number of seconds, not \(value)")
        }
        if !FileManager.default.isReadableFile(atPath: options.agentTokenFile) {
            throw ValidationError("--agent-token-file '\(options.agentTokenFile)' cannot be read; give the file holding the agents' token")
        }
        if let formedUUID = options.formedUUID, GaleraPosition.normalizedUUID(formedUUID) == nil || formedUUID == GaleraPosition.zeroUUID {
            throw ValidationError("--formed-uuid '\(formedUUID)' is not a Galera cluster UUID (8-4-4-4-12 hex digits, not all zero)")
        }
        if let stateFile = options.stateFile, !stateFile.hasPrefix("/") {
            throw ValidationError("--state-file '\(stateFile)' must be an absolute path")
        }
        if (options.tlsCertificateFile == nil) != (options.tlsKeyFile == nil) {
            throw ValidationError("--tls-cert-file and --tls-key-file go together: give both to serve HTTPS, or neither")
        }
        if options.nodes.contains(where: { $0.agentURL.hasPrefix("https://") }), options.caFile == nil {
            throw ValidationError("agent URLs are https: give --ca-file, the CA their certificates must chain to")
        }
        if let monitorPasswordFile = options.monitorPasswordFile, !FileManager.default.isReadableFile(atPath: monitorPasswordFile) {
            throw ValidationError("--monitor-password-file '\(monitorPasswordFile)' cannot be read")
        }
        if options.backupDirectory != nil, options.backupS3 != nil {
            throw ValidationError("--backup-dir and --backup-s3 are two backup stores; give one")
        }
        if options.restoreFromDirectory != nil, options.restoreFromS3 != nil {
            throw ValidationError("--restore-from-dir and --restore-from-s3 are two stores for one backup; give one")
        }
        let hasStore = options.backupDirectory != nil || options.backupS3 != nil
        if options.backupTime != nil, !hasStore {
            throw ValidationError("--backup-time needs a backup store: --backup-dir or --backup-s3")
        }
        if options.restoreFrom != nil, !hasStore, options.restoreFromDirectory == nil, options.restoreFromS3 == nil {
            throw ValidationError("--restore-from needs the store that holds the backup: --backup-dir, --backup-s3, --restore-from-dir or --restore-from-s3")
        }
        if let store = options.backupS3 { try S3StoreLoading.check(store, flag: "backup-s3") }
        if let store = options.restoreFromS3 { try S3StoreLoading.check(store, flag: "restore-from-s3") }
        if let backupDirectory = options.backupDirectory, !backupDirectory.hasPrefix("/") {
            throw ValidationError("--backup-dir '\(backupDirectory)' must be an absolute path")
        }
        if let reservedDays = options.reservedDays, reservedDays < 1 {
            throw ValidationError("--reserved-days must be 1 or more, not \(reservedDays)")
        }
        if !AgentOptions.logLevels.contains(options.logLevel) {
            throw ValidationError("--log-level '\(options.logLevel)' is not one of \(AgentOptions.logLevels.joined(separator: ", "))")
        }
        if let restoreFrom = options.restoreFrom, parseBackupReference(restoreFrom) == nil {
            throw ValidationError("--restore-from '\(restoreFrom)' is not CLUSTER/ID, e.g. demo/demo-20261129-010100")
        }
        let problems = try makeConfiguration(options, readSecrets: false).problems
        if let first = problems.first { throw ValidationError(first) }
    }

    public func run() async throws {
        let options = try options
        let logger = RoleLogging.logger(label: "qmysql.controller", level: options.logLevel, format: options.logFormat)
        let configuration = try makeConfiguration(options, readSecrets: true)
        // Short connects, no connection retries: a deleted pod's old IP fails within a second and
        // the next attempt resolves the pod's name again (a pod's new IP is found at once instead
        // of after AsyncHTTPClient's default 10 s connect timeout).
        var http = HTTPClient.Configuration()
        if let caFile = options.caFile {
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

    func makeConfiguration(_ options: ControllerOptions, readSecrets: Bool) throws -> ControllerConfiguration {
        let endpoints = try options.nodes.enumerated().map { ordinal, node in try NodeEndpoint(parsing: node.argument, ordinal: ordinal) }
        let token = readSecrets ? try secret(options.agentTokenFile, option: "--agent-token-file") : ""
        let password = try readSecrets ? options.monitorPasswordFile.map { try secret($0, option: "--monitor-password-file") } ?? "" : ""
        var configuration = ControllerConfiguration(
            clusterName: options.cluster, nodes: endpoints, agentToken: token, monitorUser: options.monitorUser,
            monitorPassword: password, replicas: options.replicas, autoRecovery: options.autoRecovery)
        configuration.probeInterval = .milliseconds(Int(options.probeInterval * 1000))
        configuration.probeTimeout = .milliseconds(Int(options.probeTimeout * 1000))
        configuration.staleAfter = .milliseconds(Int(options.staleAfter * 1000))
        configuration.recoveryStepDeadline = .milliseconds(Int(options.stepDeadline * 1000))
        configuration.agentStartDeadline = .milliseconds(Int(options.agentStartTimeout * 1000))
        configuration.paused = options.paused
        if readSecrets, let certificateFile = options.tlsCertificateFile, let keyFile = options.tlsKeyFile {
            do {
                // The nodes serve their clients the same certificate: the SQL probe pins it.
                let certificates = try CertificateFiles(certificate: certificateFile, key: keyFile, authority: options.caFile)
                configuration.certificates = certificates
                configuration.serverTLS = certificates.serverConfiguration
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let backupDirectory = options.backupDirectory { configuration.backupStore = FileBackupStore(root: backupDirectory) }
        // The S3 stores read their secrets: only when running (validation checked the files).
        if readSecrets, let store = options.backupS3 { configuration.backupStore = try S3StoreLoading.store(store, flag: "backup-s3") }
        if let backupTime = options.backupTime {
            guard let zone = TimeZone(identifier: options.backupTimeZone ?? "UTC") else {
                throw ValidationError("--backup-time-zone '\(options.backupTimeZone ?? "")' is not a time zone, like UTC or Asia/Shanghai")
            }
            do {
                configuration.backupSchedule = try BackupSchedule(parsing: backupTime, timeZone: zone)
            } catch {
                throw ValidationError("--backup-time: \(error.description)")
            }
        }
        configuration.backupReservedDays = options.reservedDays ?? BackupSpec.defaultReservedDays
        configuration.restoreFrom = options.restoreFrom.flatMap(parseBackupReference)
        if let directory = options.restoreFromDirectory { configuration.restoreSourceStore = FileBackupStore(root: directory) }
        if readSecrets, let store = options.restoreFromS3 {
            configuration.restoreSourceStore = try S3StoreLoading.store(store, flag: "restore-from-s3")
        }
        configuration.formedUUID = options.formedUUID?.lowercased()
        configuration.stateFile = options.stateFile
        if let (host, port) = parseListenAddress(options.listen) {
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
