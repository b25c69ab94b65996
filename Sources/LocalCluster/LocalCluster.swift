import AgentAPI
import Processes
import Foundation
import Galera
import Logging
import Synchronization

/// N real agents (`kubectl-qmysql agent` processes), each supervising a real mysqld on its own
/// loopback address: the controller tests' bed and the playground's node runtime.
///
/// Everything is done through the agents' API, as a controller would. Every process it starts is
/// recorded under `root/pids`, and `shutdown()`, `deinit` and `cleanupStale(under:)` end them by
/// PID, so a failed test never leaves a mysqld behind.
public final class LocalCluster: Sendable {
    public let configuration: LocalClusterConfiguration
    public let nodes: [LocalNode]
    private let logger: Logger
    private let agents = Mutex<[Int: ChildProcess]>([:])
    /// Changes to one node's agent options from `replaceAgent` on: a rolled pod's new template.
    private let adjustments = Mutex<[Int: @Sendable (inout AgentOptions) -> Void]>([:])

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public init(configuration: LocalClusterConfiguration, logger: Logger = Logger(label: "qmysql.local-cluster")) {
        self.configuration = configuration
        self.nodes = (0..<configuration.nodeCount).map { LocalNode(index: $0, configuration: configuration) }
        self.logger = logger
    }

    deinit {
        killAll()
    }

    public func node(_ index: Int) -> LocalNode { nodes[index] }

    var pidDirectory: String { configuration.root + "/pids" }

    // MARK: Agents

    /// Starts every agent that is not running and waits until each answers /livez.
    public func startAgents() async throws {
        try FileManager.default.createDirectory(atPath: pidDirectory, withIntermediateDirectories: true)
        for node in nodes where agents.withLock({ $0[node.index]?.exit == nil && $0[node.index] != nil }) == false {
            try FileManager.default.createDirectory(atPath: node.directory, withIntermediateDirectories: true)
            let tokenFile = node.directory + "/agent-token"
            try Data(configuration.token.utf8).write(to: URL(fileURLWithPath: tokenFile))
            var command = [configuration.executable, "agent"] + agentOptions(node, tokenFile: tokenFile).arguments
            var environment: [String: String]?
            if let user = configuration.agentUser {
                command = user.wrap(command)
                environment = ProcessInfo.processInfo.environment.merging(user.environment) { _, new in new }
            }
            let child = try ChildProcess.spawn(command[0], arguments: Array(command.dropFirst()), outputPath: node.agentLog, environment: environment)
            try "\(child.pid)".write(toFile: "\(pidDirectory)/agent-\(node.index).pid", atomically: true, encoding: .utf8)
            agents.withLock { $0[node.index] = child }
            logger.debug("agent started", metadata: ["node": "\(node.name)", "pid": "\(child.pid)"])
        }
        for node in nodes {
            let deadline = ContinuousClock.now + .seconds(20)
            while !(await node.client.live()) {
                if let exit = agents.withLock({ $0[node.index]?.exit }) {
                    throw Failure("agent of \(node.name) \(exit) before it answered; see \(node.agentLog)")
                }
                guard ContinuousClock.now < deadline else {
                    throw Failure("agent of \(node.name) did not answer /livez within 20 s; see \(node.agentLog)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The agent command line of one node: the same typed options the operator renders.
    public func agentOptions(_ node: LocalNode, tokenFile: String) -> AgentOptions {
        var options = AgentOptions(
            nodeName: node.name, clusterName: configuration.name, dataDirectory: node.dataDirectory,
            address: node.address, peers: nodes.map(\.galeraAddress))
        options.flavor = configuration.flavor
        options.runDirectory = node.runDirectory
        options.listenPort = configuration.agentPort
        options.tokenFile = tokenFile
        options.heartbeatInterval = configuration.heartbeatInterval
        options.pollInterval = configuration.pollInterval
        options.binlogRetention = configuration.binlogRetention
        options.pcRecovery = configuration.pcRecovery
        options.stateTransfer = configuration.stateTransfer
        if let tls = configuration.tls?.files {
            options.tlsCertificateFile = tls.certificate
            options.tlsKeyFile = tls.key
            options.caFile = tls.certificateAuthority
            options.replicationEncryption = configuration.replicationEncryption
            options.requireSecureTransport = configuration.requireSecureTransport
        }
        options.controllerURL = configuration.controllerURLPrefix.map { "\($0)/\(node.name)" }
        adjustments.withLock { $0[node.index] }?(&options)
        return options
    }

    /// Replaces one node's agent by one whose options `adjust` changed, as a rolled pod comes back
    /// with a changed template: SIGTERM first (the agent stops its mysqld gracefully), then the
    /// new agent, which waits for `startNode`.
    public func replaceAgent(_ index: Int, timeout: Duration = .seconds(60), adjusting adjust: @escaping @Sendable (inout AgentOptions) -> Void) async throws {
        if let child = agents.withLock({ $0.removeValue(forKey: index) }) {
            child.signal(SIGTERM)
            if await child.wait(timeout: timeout) == nil {
                child.signal(SIGKILL)
                _ = await child.wait()
                throw Failure("the agent of \(nodes[index].name) did not stop within \(timeout) of SIGTERM; see \(nodes[index].agentLog)")
            }
        }
        adjustments.withLock { $0[index] = adjust }
        try await startAgents()
    }

    /// SIGKILL to one node's agent only, as when an agent crashes: its mysqld (in a process group
    /// of its own) keeps running. `startAgents()` starts a new agent for the node.
    public func killAgent(_ index: Int) async {
        guard let child = agents.withLock({ $0.removeValue(forKey: index) }) else { return }
        child.signal(SIGKILL)
        _ = await child.wait()
    }

    /// SIGTERM to every agent (each stops its mysqld gracefully first), then SIGKILL after the
    /// deadline, and a sweep of any mysqld left behind.
    public func stopAgents(timeout: Duration = .seconds(60)) async {
        let running = agents.withLock { $0 }
        for child in running.values { child.signal(SIGTERM) }
        for (index, child) in running {
            if await child.wait(timeout: timeout) == nil {
                logger.warning("agent did not stop in time; killing it", metadata: ["node": "\(nodes[index].name)"])
                child.signal(SIGKILL)
                _ = await child.wait()
            }
        }
        agents.withLock { $0 = [:] }
        Self.killRecordedProcesses(root: configuration.root, nodeCount: configuration.nodeCount)
    }

    /// SIGKILL to every agent and mysqld of this cluster, at once and synchronously: the last
    /// resort of deinit and of tests that failed half-way.
    public func killAll() {
        let running = agents.withLock { agents in
            defer { agents = [:] }
            return agents
        }
        for child in running.values { child.signal(SIGKILL) }
        Self.killRecordedProcesses(root: configuration.root, nodeCount: configuration.nodeCount)
    }

    // MARK: Forming and stopping the cluster

    /// Starts the agents and forms the cluster: bootstraps one node (node 0 on empty datadirs,
    /// else the one whose grastate.dat is safe to bootstrap) and joins the others one at a time,
    /// each Synced before the next starts.
    public func start() async throws {
        try await startAgents()
        let statuses = try await allStatuses()
        if statuses.allSatisfy({ $0.process.running && $0.state == .green }) { return }
        let bootstrap: Int
        if statuses.allSatisfy({ !$0.datadirInitialized && $0.grastate == nil }) {
            bootstrap = 0
        } else if let safe = statuses.firstIndex(where: { $0.grastate?.safeToBootstrap == true && $0.grastate?.seqno ?? -1 >= 0 }) {
            bootstrap = safe
        } else {
            throw Failure("no node is safe to bootstrap (grastate.dat safe_to_bootstrap: 1 with a real seqno); recover the positions and bootstrap the most advanced node through its agent")
        }
        try await startNode(bootstrap, mode: .bootstrap)
        for node in nodes where node.index != bootstrap {
            try await startNode(node.index, mode: .join)
        }
    }

    /// Starts one node through its agent and waits until it is Synced and Primary.
    @discardableResult
    public func startNode(_ index: Int, mode: StartMode, position: GaleraPosition? = nil, force: Bool? = nil) async throws -> AgentStatus {
        let node = nodes[index]
        let status = try await node.client.status()
        if !status.process.running {
            _ = try await node.client.start(StartRequest(mode: mode, position: position, force: force))
        }
        return try await waitSynced(index)
    }

    public func waitSynced(_ index: Int, timeout: Duration? = nil) async throws -> AgentStatus {
        try await nodes[index].client.wait(for: "Synced and Primary", timeout: timeout ?? configuration.syncTimeout) {
            $0.process.running && $0.state == .green
        }
    }

    /// Gracefully stops every mysqld, the last node first and node 0 last, so node 0 ends with
    /// safe_to_bootstrap: 1. The agents keep running.
    public func stop() async throws {
        for node in nodes.reversed() {
            let status = try await node.client.status()
            guard status.process.running else { continue }
            _ = try await node.client.stop(.graceful)
        }
    }

    /// SIGKILL to one node's mysqld, through its agent.
    @discardableResult
    public func kill(_ index: Int) async throws -> AgentStatus {
        try await nodes[index].client.stop(.kill)
    }

    /// Stops the cluster gracefully, then the agents; kills whatever is left.
    public func shutdown() async {
        do {
            try await stop()
        } catch {
            logger.warning("graceful stop failed; killing", metadata: ["error": "\(error)"])
        }
        await stopAgents()
    }

    public func allStatuses() async throws -> [AgentStatus] {
        var result: [AgentStatus] = []
        for node in nodes { result.append(try await node.client.status()) }
        return result
    }

    // MARK: Snapshots

    /// Copies every node's datadir to `directory`. The cluster must be stopped cleanly (all
    /// nodes Red-clean): a snapshot of a running datadir would be a crashed one.
    public func saveSnapshot(to directory: String) async throws {
        for status in try await allStatuses() where status.process.running || status.state != .redClean {
            throw Failure("cannot snapshot \(status.node): it is \(status.state.rawValue) (\(status.stateReason)); stop the cluster gracefully first")
        }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for node in nodes {
            try await Self.copyTree(node.dataDirectory, to: "\(directory)/node\(node.index)")
        }
    }

    /// Replaces every datadir with the snapshot's and forms the cluster again (bootstrap of the
    /// snapshot's safe node, the others join by IST): seconds instead of the SSTs of a new cluster.
    public func reset(fromSnapshot directory: String) async throws {
        if agents.withLock({ !$0.isEmpty }) {
            for node in nodes {
                if let status = try? await node.client.status(), status.process.running {
                    _ = try? await node.client.stop(.kill)
                }
            }
        }
        await stopAgents()
        for node in nodes {
            try? FileManager.default.removeItem(atPath: node.dataDirectory)
            try? FileManager.default.removeItem(atPath: node.runDirectory)
            try? FileManager.default.removeItem(atPath: node.agentLog)
            try await Self.copyTree("\(directory)/node\(node.index)", to: node.dataDirectory)
        }
        try await start()
    }

    static func copyTree(_ source: String, to destination: String) async throws {
        // cp keeps sparse files sparse and is much faster than a file-by-file copy in Swift.
        let child = try ChildProcess.spawn("cp", arguments: ["-a", "--sparse=always", source, destination], outputPath: nil)
        let exit = await child.wait()
        guard exit.isClean else { throw Failure("cp -a \(source) \(destination) \(exit)") }
    }

    // MARK: Stale processes

    /// Kills the agents and mysqlds recorded under `root` (whose command line still names `root`,
    /// so a reused PID is never hit).
    static func killRecordedProcesses(root: String, nodeCount: Int? = nil) {
        var pidFiles: [String] = []
        let pidDirectory = root + "/pids"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: pidDirectory)) ?? [] {
            pidFiles.append("\(pidDirectory)/\(name)")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasPrefix("node") {
            pidFiles.append("\(root)/\(name)/run/mysqld.pid")
        }
        for file in pidFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                  let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  String(decoding: cmdline, as: UTF8.self).contains(root)
            else { continue }
            Glibc.kill(-pid, SIGKILL)  // its process group: mysqld's SST helpers too
            Glibc.kill(pid, SIGKILL)
        }
    }

    /// Ends every process recorded in any cluster root under `base` and removes those roots:
    /// what a crashed earlier test run left behind.
    public static func cleanupStale(under base: String, except keep: String? = nil) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            let root = "\(base)/\(name)"
            guard root != keep, FileManager.default.fileExists(atPath: root + "/pids") else { continue }
            killRecordedProcesses(root: root)
            try? FileManager.default.removeItem(atPath: root)
        }
    }
}
