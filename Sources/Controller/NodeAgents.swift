import Agent
import AsyncHTTPClient
import Foundation
import Galera
import NIOCore
import NIOHTTP1

/// The controller's hands: every action on a node goes through that node's agent.
struct NodeAgents: Sendable {
    private let endpoints: [String: NodeEndpoint]
    private let token: String
    private let httpClient: HTTPClient
    /// How long an action request may take (a start runs recovery first, and may wait for a launch).
    private let actionTimeout: Duration

    init(configuration: ControllerConfiguration, httpClient: HTTPClient) {
        endpoints = Dictionary(uniqueKeysWithValues: configuration.nodes.map { ($0.name, $0) })
        token = configuration.agentToken
        self.httpClient = httpClient
        actionTimeout = configuration.recoveryStepDeadline
    }

    func status(of node: String, timeout: Duration) async throws -> AgentStatus {
        try await call(node, .GET, "/v1/status", body: Optional<StartRequest>.none, timeout: timeout)
    }

    /// Performs one recovery action and returns the agent's status after it.
    func perform(_ action: RecoveryAction) async throws -> AgentStatus {
        switch action {
        case .recoverPosition(let node):
            return try await call(node, .POST, "/v1/recover", body: Optional<StartRequest>.none, timeout: actionTimeout)
        case .join(let node, let position):
            return try await call(node, .POST, "/v1/start", body: StartRequest(mode: .join, position: position), timeout: actionTimeout)
        case .bootstrap(let node, let position):
            // force: the controller compared every node's position and this one is the most advanced,
            // even if its grastate.dat says safe_to_bootstrap: 0 (after a crash it always does).
            return try await call(node, .POST, "/v1/start", body: StartRequest(mode: .bootstrap, position: position, force: true), timeout: actionTimeout)
        case .bootstrapSurvivor(let node):
            return try await call(node, .POST, "/v1/start", body: StartRequest(mode: .bootstrapSurvivor), timeout: actionTimeout)
        }
    }

    private func call<Body: Encodable>(_ node: String, _ method: HTTPMethod, _ path: String, body: Body?, timeout: Duration) async throws -> AgentStatus {
        guard let endpoint = endpoints[node] else { throw ControllerError.unknownNode(node) }
        var request = HTTPClientRequest(url: endpoint.agentURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try AgentJSON.encoder().encode(body)))
        }
        let response = try await httpClient.execute(request, timeout: timeout.timeAmount)
        let bytes = try await response.body.collect(upTo: 4 << 20)
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            if let problem = try? AgentJSON.decoder().decode(APIErrorBody.self, from: data) { throw problem }
            throw AgentCallError(node: node, path: path, status: Int(response.status.code), body: String(decoding: data, as: UTF8.self))
        }
        return try AgentJSON.decoder().decode(AgentStatus.self, from: data)
    }
}

struct AgentCallError: Error, CustomStringConvertible {
    var node: String
    var path: String
    var status: Int
    var body: String
    var description: String { "agent of \(node): \(path) answered HTTP \(status): \(body.prefix(300))" }
}
