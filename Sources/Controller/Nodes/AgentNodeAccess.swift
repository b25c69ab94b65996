import AgentAPI
import AsyncHTTPClient
import Foundation
import Galera
import NIOCore
import NIOPosix
import Synchronization

/// The real `NodeAccess`: every action through the node's agent (`AgentClient`), and the monitor
/// user's SQL probe straight to mysqld, on a thread pool of its own (libmariadb blocks).
public final class AgentNodeAccess: NodeAccess {
    /// Per node: one client whose timeout is the probe timeout, one for actions, and the SQL
    /// probe. The node set follows the desired state (`setNodes`).
    private struct Clients {
        var probe: AgentClient
        var actor: AgentClient
        var sql: SQLProbe
    }

    private let clients = Mutex<[String: Clients]>([:])
    /// The nodes whose agent said, in its newest answer while mysqld ran, that mysqld offers
    /// clients TLS: the SQL probe requires TLS with them (pinned to the cluster's certificate),
    /// and only with them, so a node that never offered it (an older agent's) is still probed in
    /// plain TCP. The agent's word comes over its authenticated API: nobody in between can talk
    /// a node down to plain TCP.
    private let offersTLS = Mutex<Set<String>>([])
    private let configuration: ControllerConfiguration
    private let httpClient: HTTPClient
    private let threadPool: NIOThreadPool
    /// How long an action may take beyond the request itself (a start runs recovery first).
    private let actionTimeout: Duration

    /// - Parameter httpClient: owned by the caller, who shuts it down after the controller stopped.
    public init(configuration: ControllerConfiguration, httpClient: HTTPClient) {
        self.configuration = configuration
        self.httpClient = httpClient
        // Probes block a thread each for up to their timeout; never on the shared cooperative
        // pool. Sized for a large cluster: threads idle cost nothing.
        let threadPool = NIOThreadPool(numberOfThreads: max(16, configuration.nodes.count * 2))
        threadPool.start()
        self.threadPool = threadPool
        actionTimeout = configuration.recoveryStepDeadline
        setNodes(configuration.nodes)
    }

    /// Clients for the nodes now in the cluster; a node whose address changed gets new ones.
    public func setNodes(_ nodes: [NodeEndpoint]) {
        let closed = clients.withLock { all -> [SQLProbe] in
            var closed: [SQLProbe] = []
            var next: [String: Clients] = [:]
            for node in nodes {
                if let current = all[node.name], current.sql.endpoint == node {
                    next[node.name] = current
                    continue
                }
                if let current = all[node.name] { closed.append(current.sql) }
                next[node.name] = Clients(
                    probe: AgentClient(baseURL: node.agentURL, token: configuration.agentToken, httpClient: httpClient,
                                       requestTimeout: configuration.probeTimeout),
                    actor: AgentClient(baseURL: node.agentURL, token: configuration.agentToken, httpClient: httpClient,
                                       requestTimeout: .seconds(5)),
                    sql: SQLProbe(endpoint: node, user: configuration.monitorUser, password: configuration.monitorPassword,
                                  timeout: configuration.probeTimeout, threadPool: threadPool))
            }
            closed += all.filter { next[$0.key] == nil }.map(\.value.sql)
            all = next
            return closed
        }
        if !closed.isEmpty {
            Task { for probe in closed { await probe.close() } }
        }
    }

    public func status(of node: String) async throws -> AgentStatus {
        let status = try await client(node).probe.status()
        // Only a running mysqld says what it offers; a stopped one most likely comes back with
        // the same my.cnf, so its last answer stands until then.
        if status.process.running {
            offersTLS.withLock { nodes in
                if status.clientTLS == true { nodes.insert(node) } else { nodes.remove(node) }
            }
        }
        return status
    }

    public func start(_ node: String, _ request: StartRequest) async throws -> AgentStatus {
        try await client(node).actor.start(request, timeout: actionTimeout)
    }

    public func stop(_ node: String, _ request: StopRequest) async throws -> AgentStatus {
        try await client(node).actor.stop(request.mode, timeoutSeconds: request.timeoutSeconds)
    }

    public func recover(_ node: String) async throws -> AgentStatus {
        try await client(node).actor.recover(timeout: actionTimeout)
    }

    public func probeSQL(of node: String) async throws -> WsrepStatus {
        let pins = offersTLS.withLock { $0.contains(node) } ? configuration.certificates?.acceptedFingerprints() ?? [] : []
        return try await client(node).sql.probe(pins: pins)
    }

    public func backup(_ node: String, timeout: Duration, _ consume: (Data) async throws -> Void) async throws -> BackupOutcome {
        let client = try client(node).actor
        let job = try await client.startBackup()
        try await client.collectBackup(job, timeout: timeout) { buffer in try await consume(Data(buffer.readableBytesView)) }
        // The stream ended whole; the job's outcome follows within moments.
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let current = try await client.job(job.id)
            switch current.phase {
            case .succeeded:
                guard let outcome = current.backup else { throw ControllerError.refused(task: "backup of \(node)", why: "job \(job.id) succeeded without an outcome") }
                return outcome
            case .failed:
                throw AgentClient.Failure.api(current.error ?? APIErrorBody(status: 500, code: "jobFailed", reason: "backup job \(job.id) failed without saying why"))
            case .running:
                guard ContinuousClock.now < deadline else {
                    throw ControllerError.effectNotSeen(action: "backup of \(node)", why: "its stream ended but job \(job.id) still runs after 30 s")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    public func stageRestore(_ node: String, from stream: ChunkPipe, timeout: Duration) async throws -> RestoreStage {
        try await client(node).actor.stageRestore(stream, timeout: timeout)
    }

    public func applyRestore(_ node: String, timeout: Duration) async throws -> AgentStatus {
        try await client(node).actor.applyRestore(timeout: timeout)
    }

    public func emptyForRejoin(_ node: String) async throws -> AgentStatus {
        try await client(node).actor.emptyForRejoin()
    }

    public func followBinlog(_ node: String, after: UInt64?, seconds: Int, begin: (UInt64) async throws -> Void,
                             _ consume: (ByteBuffer) async throws -> Void) async throws {
        try await client(node).actor.followBinlog(after: after, seconds: seconds, begin: begin, consume)
    }

    public func replayBinlog(_ node: String, from stream: ChunkPipe, timeout: Duration) async throws -> BinlogReplayOutcome {
        try await client(node).actor.replayBinlog(stream, timeout: timeout)
    }

    public func fence(_ node: String) async throws -> FenceOutcome {
        try await client(node).actor.fence()
    }

    public func evict(via: String, uuid: String) async throws -> EvictOutcome {
        try await client(via).actor.evict(uuid: uuid)
    }

    public func discardStage(_ node: String) async {
        try? await client(node).actor.discardStage()
    }

    public func shutdown() async {
        for probe in clients.withLock({ $0.values.map(\.sql) }) { await probe.close() }
        try? await threadPool.shutdownGracefully()
    }

    private func client(_ node: String) throws -> Clients {
        guard let clients = clients.withLock({ $0[node] }) else { throw ControllerError.unknownNode(node) }
        return clients
    }
}
