import AsyncHTTPClient
import Foundation
import Galera
import NIOCore
import NIOHTTP1

/// Calls one agent's HTTP API. The controller, LocalCluster and the tests use it.
public struct AgentClient: Sendable {
    public let baseURL: String
    private let token: String
    private let httpClient: HTTPClient
    /// For calls that wait on mysqld (start with recovery, graceful stop), add this to their own deadline.
    public var requestTimeout: Duration

    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// The agent answered with an error body.
        case api(APIErrorBody)
        /// The agent answered something that is not the API's JSON.
        case unexpected(status: Int, body: String, url: String)
        /// The agent could not be reached or did not answer in time.
        case transport(url: String, error: String)

        public var description: String {
            switch self {
            case .api(let body): body.description
            case .unexpected(let status, let body, let url): "\(url): unexpected HTTP \(status): \(body.prefix(200))"
            case .transport(let url, let error): "\(url): agent unreachable: \(error)"
            }
        }

        /// The API's error body, if the agent answered with one.
        public var apiError: APIErrorBody? {
            if case .api(let body) = self { body } else { nil }
        }
    }

    /// - Parameters:
    ///   - baseURL: e.g. `http://127.0.0.2:8080`
    ///   - token: the agent's bearer token
    public init(baseURL: String, token: String, httpClient: HTTPClient = .shared, requestTimeout: Duration = .seconds(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.httpClient = httpClient
        self.requestTimeout = requestTimeout
    }

    public func status() async throws(Failure) -> AgentStatus {
        try await call(.GET, "/v1/status", body: Optional<StartRequest>.none)
    }

    /// Starts the node. Recovery and initialisation happen inside this call, so it can take minutes
    /// on a big datadir; the timeout is `requestTimeout + timeout`.
    public func start(_ request: StartRequest, timeout: Duration = .seconds(600)) async throws(Failure) -> AgentStatus {
        try await call(.POST, "/v1/start", body: request, timeout: requestTimeout + timeout)
    }

    public func start(_ mode: StartMode, position: GaleraPosition? = nil, force: Bool? = nil) async throws(Failure) -> AgentStatus {
        try await start(StartRequest(mode: mode, position: position, force: force))
    }

    public func stop(_ mode: StopMode = .graceful, timeoutSeconds: Double? = nil) async throws(Failure) -> AgentStatus {
        let wait = Duration.seconds(timeoutSeconds ?? 120)
        return try await call(.POST, "/v1/stop", body: StopRequest(mode: mode, timeoutSeconds: timeoutSeconds), timeout: requestTimeout + wait)
    }

    public func recover(timeout: Duration = .seconds(600)) async throws(Failure) -> AgentStatus {
        try await call(.POST, "/v1/recover", body: Optional<StartRequest>.none, timeout: requestTimeout + timeout)
    }

    /// `GET /readyz`: true when the node is Synced and Primary.
    public func ready() async throws(Failure) -> Bool {
        let (status, _) = try await raw(.GET, "/readyz", body: nil, authorized: false, timeout: requestTimeout)
        return status == 200
    }

    /// `GET /livez`: true when the agent answers.
    public func live() async -> Bool {
        (try? await raw(.GET, "/livez", body: nil, authorized: false, timeout: .seconds(2)).status) == 200
    }

    /// `GET /metrics`: the Prometheus exposition text.
    public func metrics() async throws(Failure) -> String {
        let (_, body) = try await raw(.GET, "/metrics", body: nil, authorized: false, timeout: requestTimeout)
        return String(decoding: body, as: UTF8.self)
    }

    /// Polls the status until `condition` holds; returns that status. Throws the last failure or a
    /// timeout that shows the last status seen.
    public func wait(
        for description: String, timeout: Duration, interval: Duration = .milliseconds(200),
        until condition: (AgentStatus) -> Bool
    ) async throws -> AgentStatus {
        let deadline = ContinuousClock.now + timeout
        var last: AgentStatus?
        var lastError: Failure?
        while ContinuousClock.now < deadline {
            do {
                let status = try await status()
                last = status
                if condition(status) { return status }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: interval)
        }
        throw WaitTimeout(url: baseURL, waitingFor: description, timeout: timeout, lastStatus: last, lastError: lastError?.description)
    }

    public struct WaitTimeout: Error, CustomStringConvertible {
        public var url: String
        public var waitingFor: String
        public var timeout: Duration
        public var lastStatus: AgentStatus?
        public var lastError: String?

        public var description: String {
            var text = "\(url): not \(waitingFor) within \(timeout)"
            if let lastStatus {
                text += "; last seen \(lastStatus.state.rawValue) (\(lastStatus.stateReason))"
                if let wsrep = lastStatus.wsrep { text += ", wsrep \(wsrep.clusterStatus) \(wsrep.localStateComment) size \(wsrep.clusterSize)" }
                if let operation = lastStatus.operation { text += ", busy \(operation.rawValue)" }
            }
            if let lastError { text += "; last error: \(lastError)" }
            return text
        }
    }

    // MARK: Plumbing

    /// Sends a request with an arbitrary body and headers; the tests use it for malformed input.
    public func raw(
        _ method: HTTPMethod, _ path: String, body: Data?, authorized: Bool = true,
        authorization: String? = nil, timeout: Duration? = nil
    ) async throws(Failure) -> (status: Int, body: Data) {
        let url = baseURL + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let authorization {
            request.headers.add(name: "Authorization", value: authorization)
        } else if authorized {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let time = timeout ?? requestTimeout
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(time.components.seconds) * 1_000_000_000 + time.components.attoseconds / 1_000_000_000))
            let buffer = try await response.body.collect(upTo: 8 << 20)
            return (Int(response.status.code), Data(buffer.readableBytesView))
        } catch {
            throw .transport(url: url, error: "\(error)")
        }
    }

    private func call<Body: Encodable, Result: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, timeout: Duration? = nil
    ) async throws(Failure) -> Result {
        let data: Data?
        do {
            data = try body.map { try AgentJSON.encoder().encode($0) }
        } catch {
            throw .transport(url: baseURL + path, error: "cannot encode the request: \(error)")
        }
        let (status, responseBody) = try await raw(method, path, body: data, timeout: timeout)
        let decoder = AgentJSON.decoder()
        if (200..<300).contains(status) {
            do {
                return try decoder.decode(Result.self, from: responseBody)
            } catch {
                throw .unexpected(status: status, body: String(decoding: responseBody, as: UTF8.self), url: baseURL + path)
            }
        }
        if let apiError = try? decoder.decode(APIErrorBody.self, from: responseBody) {
            throw .api(apiError)
        }
        throw .unexpected(status: status, body: String(decoding: responseBody, as: UTF8.self), url: baseURL + path)
    }
}
