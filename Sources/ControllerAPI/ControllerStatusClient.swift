import AgentAPI
import AsyncHTTPClient
import Foundation
import Galera
import NIOCore
import NIOHTTP1
import NIOSSL
import RoleNetwork
import Synchronization

/// Follows one controller's status stream (`GET /v1/status?watch=true`): newline-delimited
/// `ClusterStatus` JSON, the latest first, then every change, and the latest again every 10 s as
/// a heartbeat. The operator keeps one per cluster; a test or a person can use it as well.
public struct ControllerStatusClient: Sendable {
    public let baseURL: String
    private let httpClient: HTTPClient
    /// For an https controller: the cluster's CA (`RoleTLS.client`).
    private let tlsConfiguration: TLSConfiguration?

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case unexpected(status: Int, url: String)
        case undecodable(line: String, url: String, error: String)
        case tooLong(url: String)

        public var description: String {
            switch self {
            case .unexpected(let status, let url): "\(url): unexpected HTTP \(status)"
            case .undecodable(let line, let url, let error): "\(url): not a cluster status (\(error)): \(line.prefix(200))"
            case .tooLong(let url): "\(url): a status line exceeded 1 MiB"
            }
        }
    }

    /// - Parameter baseURL: the controller's address, e.g. `http://demo-controller.ns.svc:9810`.
    public init(baseURL: String, tlsConfiguration: TLSConfiguration? = nil, httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.tlsConfiguration = tlsConfiguration
        self.httpClient = httpClient
    }

    /// Calls `receive` with every status the stream delivers until the stream ends, `idle` passes
    /// without a line (the controller's heartbeat is 10 s, so 30 s of silence is a dead
    /// connection), or the task is cancelled. Connection errors throw.
    public func follow(connectTimeout: Duration = .seconds(5), idle: Duration = .seconds(30),
                       _ receive: @escaping @Sendable (ClusterStatus) async throws -> Void) async throws {
        let url = baseURL + ControllerPaths.status + "?watch=true"
        var prepared = HTTPClientRequest(url: HostTable.resolve(url: url))
        prepared.headers.add(name: "Accept", value: "application/x-ndjson")
        prepared.tlsConfiguration = tlsConfiguration
        let request = prepared
        // AsyncHTTPClient's timeout bounds the wait for the response head, not the stream after it.
        let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(connectTimeout / .milliseconds(1))))
        guard response.status == .ok else { throw Failure.unexpected(status: Int(response.status.code), url: url) }
        let lastLine = LastLine()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var splitter = LineSplitter(maxLineLength: 1 << 20)
                for try await chunk in response.body {
                    let lines: [Data]
                    do {
                        lines = try splitter.append(chunk.readableBytesView)
                    } catch {
                        throw Failure.tooLong(url: url)
                    }
                    for line in lines {
                        lastLine.touch()
                        let status: ClusterStatus
                        do {
                            status = try JSONDecoder().decode(ClusterStatus.self, from: line)
                        } catch {
                            throw Failure.undecodable(line: String(decoding: line, as: UTF8.self), url: url, error: "\(error)")
                        }
                        try await receive(status)
                    }
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: idle / 4)
                    if lastLine.silence > idle { throw TimedOut(after: idle) }
                }
            }
            // The first to finish decides: the stream ended (return) or the watchdog fired (throws).
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// One status, without following (`GET /v1/status`).
    public func status(timeout: Duration = .seconds(5)) async throws -> ClusterStatus {
        let url = baseURL + ControllerPaths.status
        var request = HTTPClientRequest(url: HostTable.resolve(url: url))
        request.tlsConfiguration = tlsConfiguration
        let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
        guard response.status == .ok else { throw Failure.unexpected(status: Int(response.status.code), url: url) }
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONDecoder().decode(ClusterStatus.self, from: Data(body.readableBytesView))
    }
}

extension ControllerStatusClient {
    /// Why the controller refused a data task (a 4xx with its error body): final, not retried.
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var code: String
        public var reason: String
        public var description: String { "\(code): \(reason)" }
    }

    /// `POST /v1/tasks/data`: starts a data task, or returns the one of that name.
    public func submit(_ task: DataTaskRequest, token: String, timeout: Duration = .seconds(10)) async throws -> DataTaskStatus {
        try await send(.POST, ControllerPaths.dataTasks, body: try JSONEncoder().encode(task), token: token, timeout: timeout)
    }

    /// `DELETE /v1/tasks/data/<name>`: stops the task at its next step boundary.
    public func cancel(_ name: String, token: String, timeout: Duration = .seconds(10)) async throws -> DataTaskStatus {
        try await send(.DELETE, ControllerPaths.dataTask(name), body: nil, token: token, timeout: timeout)
    }

    /// `PUT /v1/spec`: the desired state; the answer says which generation the controller runs.
    public func put(_ spec: ControllerSpec, token: String, timeout: Duration = .seconds(10)) async throws -> ControllerSpecAcknowledgement {
        try await send(.PUT, ControllerPaths.spec, body: try JSONEncoder().encode(spec), token: token, timeout: timeout)
    }

    private func send<Result: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?, token: String, timeout: Duration) async throws -> Result {
        let url = baseURL + path
        var request = HTTPClientRequest(url: HostTable.resolve(url: url))
        request.method = method
        request.tlsConfiguration = tlsConfiguration
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
        let data = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        let status = Int(response.status.code)
        if (200..<300).contains(status) { return try JSONDecoder().decode(Result.self, from: data) }
        if (400..<500).contains(status), let error = try? JSONDecoder().decode(APIErrorBody.self, from: data) {
            throw Refused(status: status, code: error.code, reason: error.reason)
        }
        throw Failure.unexpected(status: status, url: url)
    }
}

/// Thrown when a status stream stayed silent longer than its idle bound.
public struct TimedOut: Error, CustomStringConvertible, Sendable {
    public var after: Duration
    public var description: String { "no answer within \(after)" }
}

/// When the stream last delivered a line, shared by the reader and its watchdog.
private final class LastLine: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    func touch() { instant.withLock { $0 = .now } }
    var silence: Duration { instant.withLock { $0.duration(to: .now) } }
}
