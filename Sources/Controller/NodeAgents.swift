import Agent
import AsyncHTTPClient
import Galera

/// The controller's hands: every action on a node goes through that node's agent (`AgentClient`).
struct NodeAgents: Sendable {
    /// Per node: one client whose timeout is the probe timeout, one for actions.
    private let probes: [String: AgentClient]
    private let actors: [String: AgentClient]
    /// How long an action may take beyond the request itself (a start runs recovery first).
    private let actionTimeout: Duration

    init(configuration: ControllerConfiguration, httpClient: HTTPClient) {
        probes = Dictionary(uniqueKeysWithValues: configuration.nodes.map {
            ($0.name, AgentClient(baseURL: $0.agentURL, token: configuration.agentToken, httpClient: httpClient,
                                  requestTimeout: configuration.probeTimeout))
        })
        actors = Dictionary(uniqueKeysWithValues: configuration.nodes.map {
            ($0.name, AgentClient(baseURL: $0.agentURL, token: configuration.agentToken, httpClient: httpClient,
                                  requestTimeout: .seconds(5)))
        })
        actionTimeout = configuration.recoveryStepDeadline
    }

    func status(of node: String) async throws -> AgentStatus {
        guard let client = probes[node] else { throw ControllerError.unknownNode(node) }
        return try await client.status()
    }

    /// A graceful stop (mysqld writes its seqno to grastate.dat).
    func stop(_ node: String) async throws -> AgentStatus {
        guard let client = actors[node] else { throw ControllerError.unknownNode(node) }
        return try await client.stop(.graceful)
    }

    /// Performs one recovery action and returns the agent's status after it.
    func perform(_ action: RecoveryAction) async throws -> AgentStatus {
        guard let client = actors[action.node] else { throw ControllerError.unknownNode(action.node) }
        switch action {
        case .recoverPosition:
            return try await client.recover(timeout: actionTimeout)
        case .join(_, let position):
            return try await client.start(StartRequest(mode: .join, position: position), timeout: actionTimeout)
        case .bootstrap(_, let position):
            // force: the controller compared every node's position and this one is the most
            // advanced, even though its grastate.dat says safe_to_bootstrap: 0 (after a crash it
            // always does). The agent checks the position matches what it knows.
            return try await client.start(StartRequest(mode: .bootstrap, position: position, force: true), timeout: actionTimeout)
        case .bootstrapSurvivor:
            return try await client.start(StartRequest(mode: .bootstrapSurvivor), timeout: actionTimeout)
        }
    }
}
