import AgentAPI
import Clocks
import Foundation
import Galera
import Hummingbird
import HummingbirdTLS
import Logging
import NIOPosix
import RoleNetwork
import ServiceLifecycle

/// The node agent as one long-running Service: the HTTP API, the wsrep poll, the error-log
/// follower, the reporter and the heartbeat. On graceful shutdown (SIGTERM through the
/// ServiceGroup) it stops mysqld cleanly before it returns, so grastate.dat gets its seqno.
public struct AgentService: Service {
    public let configuration: AgentConfiguration
    let logger: Logger
    let supervisor: Supervisor
    let reporter: ControllerReporter?
    let metrics: AgentMetrics
    let threadPool: NIOThreadPool
    let logFollower: LogFollower

    /// - Parameter threadPool: where blocking calls (libmariadb, file reads) run.
    public init(configuration: AgentConfiguration, logger: Logger, threadPool: NIOThreadPool = .singleton) {
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.nodeName)"
        self.configuration = configuration
        self.logger = logger
        self.threadPool = threadPool
        let reporter = configuration.controllerURL.map {
            ControllerReporter(url: $0, token: configuration.token, tlsConfiguration: { configuration.controllerTLS }, logger: logger)
        }
        self.reporter = reporter
        let supervisor = Supervisor(
            configuration: configuration, logger: logger, threadPool: threadPool,
            reportSink: reporter ?? DiscardingReportSink() as any ReportSink)
        self.supervisor = supervisor
        self.metrics = AgentMetrics(node: configuration.nodeName)
        self.logFollower = LogFollower(
            path: configuration.errorLog, prefix: "[mysqld \(configuration.nodeName)] ",
            maxBytes: configuration.errorLogMaxBytes, archives: configuration.errorLogArchives,
            json: configuration.logJSON, node: configuration.nodeName, output: StandardOutput()
        ) { line in
            if DiskFullLog.saysDiskFull(line) { Task { await supervisor.noteDiskFull(line: line) } }
            guard let event = supervisor.stateTransfers.observe(line) else { return }
            Task { await supervisor.noteStateTransfer(event) }
        }
    }

    public func run() async throws {
        // A restore writes into `mbstream`'s stdin: if it dies, the write must fail (EPIPE),
        // not kill the agent.
        signal(SIGPIPE, SIG_IGN)
        let router = AgentRoutes.router(
            supervisor: supervisor, metrics: metrics, reporter: reporter, token: BearerToken(configuration.token),
            errorLog: configuration.errorLog, threadPool: threadPool)
        let app = Application(
            router: router,
            server: try configuration.serverTLS.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(configuration.listenAddress, port: configuration.listenPort), serverName: "qmysql-agent"),
            onServerRunning: { [logger, configuration] _ in
                logger.notice("agent API listening", metadata: [
                    "address": "\(configuration.listenAddress):\(configuration.listenPort)",
                    "scheme": "\(configuration.serverTLS == nil ? "http" : "https")",
                ])
            },
            logger: logger)
        logFollower.skipExisting()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await app.run() }
            group.addTask { await self.pollWsrep() }
            group.addTask { await self.logFollower.run(threadPool: self.threadPool) }
            if let certificates = configuration.certificates {
                group.addTask { await self.watchCertificates(certificates) }
            }
            if let reporter {
                group.addTask { await reporter.run() }
                group.addTask { await self.heartbeat() }
                group.addTask {
                    for await reply in reporter.replies {
                        await self.supervisor.keepBinlog(reply.binlog)
                        if let writer = reply.writer { await self.supervisor.setWriter(writer) }
                    }
                }
            }
            if configuration.cluster.flavor == .mariadb {
                group.addTask { await self.purgeBinaryLogs() }
            }
            group.addTask {
                // Before anything may start mysqld: end one left by an agent that died (see
                // stopStrayServer). The API already answers meanwhile, busy "stopping".
                await self.supervisor.stopStrayServer()
                await self.supervisor.learnServerVersion()
                guard let mode = self.configuration.initialStart else { return }
                do {
                    _ = try await self.supervisor.start(StartRequest(mode: mode))
                } catch {
                    self.logger.error("initial start failed", metadata: ["mode": "\(mode.rawValue)", "error": "\(error)"])
                }
            }
            // Wait for SIGTERM (graceful shutdown), or for cancellation.
            do {
                try await gracefulShutdown()
                logger.notice("graceful shutdown requested")
            } catch {
                logger.notice("agent cancelled")
            }
            await supervisor.shutdown()
            logFollower.poll()
            group.cancelAll()
        }
    }

    private func pollWsrep() async {
        await configuration.clock.repeating(every: configuration.pollInterval, first: .atOnce) {
            await supervisor.refreshWsrep()
        }
    }

    /// Reads the certificate files again every `certificateCheckInterval`: the API presents a
    /// renewed certificate at its next handshake, reports trust a renewed CA at their next
    /// request, and mysqld and Galera are told to load them (`Supervisor.certificatesChanged`).
    private func watchCertificates(_ certificates: CertificateFiles) async {
        await configuration.clock.repeating(every: configuration.certificateCheckInterval, first: .afterOneInterval) {
            switch certificates.check() {
            case .unchanged:
                break
            case .changed(let change):
                logger.notice("the cluster's \(change) changed in its files; loading them", metadata: [
                    "sha1": "\(certificates.current.sha1Fingerprint ?? "-")"])
                await supervisor.certificatesChanged()
            case .unusable(let problem, let repeated):
                if repeated { logger.warning("the certificate files cannot be used; keeping the loaded ones", metadata: ["error": "\(problem)"]) }
            }
        }
    }

    private func purgeBinaryLogs() async {
        await configuration.clock.repeating(every: supervisor.binlogPurgeInterval, first: .afterOneInterval) {
            await supervisor.purgeBinaryLogs()
        }
    }

    private func heartbeat() async {
        await configuration.clock.repeating(every: configuration.heartbeatInterval, first: .afterOneInterval) {
            await supervisor.heartbeat()
        }
    }
}
