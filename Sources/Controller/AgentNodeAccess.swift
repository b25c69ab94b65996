import AgentAPI
import AsyncHTTPClient
import Foundation
import Galera
import NIOPosix

/// The real `NodeAccess`: every action through the node's agent (`AgentClient`), and the monitor
/// user's SQL probe straight to mysqld, on a thread pool of its own (libmariadb blocks).
public final class AgentNodeAccess: NodeAccess {
    /// Per node: one client whose timeout is the probe timeout, one for actions.
    private let probes: [String: AgentClient]
    private let actors: [String: AgentClient]
    private let sqlProbes: [String: SQLProbe]
    private let threadPool: NIOThreadPool
    /// How long an action may take beyond the request itself (a start runs recovery first).
    private let actionTimeout: Duration

    /// - Parameter httpClient: owned by the caller, who shuts it down after the controller stopped.
    public init(configuration: ControllerConfiguration, httpClient: HTTPClient) {
        probes = Dictionary(uniqueKeysWithValues: configuration.nodes.map {
            ($0.name, AgentClient(baseURL: $0.agentURL, token: configuration.agentToken, httpClient: httpClient,
                                  requestTimeout: configuration.probeTimeout))
        })
        actors = Dictionary(uniqueKeysWithValues: configuration.nodes.map {
            ($0.name, AgentClient(baseURL: $0.agentURL, token: configuration.agentToken, httpClient: httpClient,
                                  requestTimeout: .seconds(5)))
        })
        // Probes block a thread each for up to their timeout; never on the shared cooperative pool.
        let threadPool = NIOThreadPool(numberOfThreads: max(2, configuration.nodes.count * 2))
        threadPool.start()
        self.threadPool = threadPool
        sqlProbes = Dictionary(uniqueKeysWithValues: configuration.nodes.map {
            ($0.name, SQLProbe(endpoint: $0, user: configuration.monitorUser, password: configuration.monitorPassword,
                               timeout: configuration.probeTimeout, threadPool: threadPool))
        })
        actionTimeout = configuration.recoveryStepDeadline
    }

    public func status(of node: String) async throws -> AgentStatus {
        try await client(probes, node).status()
    }

    public func start(_ node: String, _ request: StartRequest) async throws -> AgentStatus {
        try await client(actors, node).start(request, timeout: actionTimeout)
    }

    public func stop(_ node: String, _ request: StopRequest) async throws -> AgentStatus {
        try await client(actors, node).stop(request.mode, timeoutSeconds: request.timeoutSeconds)
    }

    public func recover(_ node: String) async throws -> AgentStatus {
        try await client(actors, node).recover(timeout: actionTimeout)
    }

    public func probeSQL(of node: String) async throws -> WsrepStatus {
        guard let probe = sqlProbes[node] else { throw ControllerError.unknownNode(node) }
        return try await probe.probe()
    }

    public func backup(_ node: String, timeout: Duration, _ consume: (Data) async throws -> Void) async throws -> BackupOutcome {
        let client = try client(actors, node)
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
        try await client(actors, node).stageRestore(stream, timeout: timeout)
    }

    public func applyRestore(_ node: String, timeout: Duration) async throws -> AgentStatus {
        try await client(actors, node).applyRestore(timeout: timeout)
    }

    public func emptyForRejoin(_ node: String) async throws -> AgentStatus {
        try await client(actors, node).emptyForRejoin()
    }

    public func discardStage(_ node: String) async {
        try? await client(actors, node).discardStage()
    }

    public func shutdown() async {
        for probe in sqlProbes.values { await probe.close() }
        try? await threadPool.shutdownGracefully()
    }

    private func client(_ clients: [String: AgentClient], _ node: String) throws -> AgentClient {
        guard let client = clients[node] else { throw ControllerError.unknownNode(node) }
        return client
    }
}
