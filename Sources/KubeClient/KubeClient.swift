import AsyncHTTPClient
import Foundation
import KubeAPI
import Logging
import NIOCore

/// A Kubernetes API client: typed and untyped CRUD, merge patch, server-side apply, the status
/// subresource, read-modify-write that keeps unknown fields, and list-then-watch.
///
/// Call `shutdown()` when done; the client owns an HTTP connection pool.
public final class KubeClient: Sendable {
    public let configuration: ClientConfiguration
    let transport: Transport
    let authenticator: Authenticator
    let logger: Logger
    /// Every request sent, by verb and answer (a 401 retried with fresh credentials counts twice).
    public let requestCounts = RequestCounts()

    /// A client configured the way kubectl would be for `options` (kubeconfig files, context,
    /// namespace, in-cluster service account). Configuration problems throw `KubeError.config`.
    /// `wallClock` is what an exec credential's expiry is compared with (tests move their own).
    public static func make(options: ClientOptions = ClientOptions(),
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            inClusterPaths: InClusterPaths = .standard,
                            logger: Logger = Logger(label: "qmysql.kube-client"),
                            wallClock: @escaping @Sendable () -> Date = { Date() }) throws -> KubeClient {
        do {
            let configuration = try KubeConfigLoader(environment: environment, inClusterPaths: inClusterPaths).load(options: options)
            return try KubeClient(configuration: configuration, logger: logger, wallClock: wallClock)
        } catch let error as KubeConfigError {
            throw KubeError.config(error)
        }
    }

    public init(configuration: ClientConfiguration, logger: Logger = Logger(label: "qmysql.kube-client"),
                tokenFileRefresh: Duration = .seconds(5), wallClock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.configuration = configuration
        self.logger = logger
        do {
            self.transport = try Transport(configuration: configuration, logger: logger)
        } catch {
            throw KubeError.config(error)
        }
        self.authenticator = Authenticator(
            source: configuration.credentials, environment: configuration.environment, userName: configuration.userName,
            configFile: configuration.credentialOrigin, tokenFileRefresh: tokenFileRefresh, wallClock: wallClock)
    }

    /// The effective default namespace (from `-n`, the context, the pod, or `default`).
    public var namespace: String { configuration.namespace }
    public var serverURL: String { configuration.server }
    public var userName: String? { configuration.userName }
    public var contextName: String? { configuration.contextName }
    public var configFiles: [String] { configuration.configFiles }

    /// Pass as `namespace` to list or watch across all namespaces.
    public static let allNamespaces = ""

    /// How often an exec credential plugin has run (to observe caching).
    public var credentialPluginRuns: Int {
        get async { await authenticator.pluginRuns }
    }

    public func shutdown() async throws {
        try await transport.shutdown()
    }

    public func serverVersion() async throws -> ServerVersion {
        let request = KubeRequest(get: "/version")
        return try decode(ServerVersion.self, from: try await send(request), request)
    }

    // MARK: - The request path shared by every call

    /// Sends `request` and returns the body of a 2xx answer; error answers throw `KubeError`.
    func send(_ request: KubeRequest) async throws -> Data {
        try await withRequestTimeout(request) {
            let response = try await self.open(request, deadline: self.deadline())
            return try await self.transport.collect(response, request: request)
        }
    }

    /// Sends `request` and returns a 2xx response whose body is still to be read. A 401 with
    /// refreshable credentials (token file, exec plugin) refreshes them and retries once.
    func open(_ request: KubeRequest, deadline: NIODeadline) async throws -> HTTPClientResponse {
        var retried = false
        while true {
            let credential = try await authenticator.credential()
            let response: HTTPClientResponse
            do {
                response = try await transport.execute(request, credential: credential, deadline: deadline)
            } catch {
                requestCounts.record(verb: request.description.verb, code: "<error>")
                throw error
            }
            let code = Int(response.status.code)
            requestCounts.record(verb: request.description.verb, code: String(code))
            if (200..<300).contains(code) { return response }
            let body = (try? await transport.collect(response, request: request)) ?? Data()
            if code == 401, !retried, authenticator.canRefresh {
                logger.debug("401: refreshing credentials and retrying", metadata: ["path": "\(request.path)"])
                await authenticator.invalidate(credential)
                retried = true
                continue
            }
            throw KubeError.from(code: code, body: body, request: request.description, identity: transport.identity)
        }
    }

    private func deadline() -> NIODeadline {
        guard let timeout = configuration.requestTimeout else { return .distantFuture }
        let (seconds, attoseconds) = timeout.components
        return .now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Bounds the whole request, body included, by `--request-timeout`.
    private func withRequestTimeout<T: Sendable>(_ request: KubeRequest, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let timeout = configuration.requestTimeout else { return try await body() }
        let identity = transport.identity
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw KubeError.unreachable(TransportFailure(cause: .requestTimeout(timeout), request: request.description, identity: identity))
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from data: Data, _ request: KubeRequest) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw KubeError.invalidResponse(request: request.description, server: serverURL,
                                            problem: "cannot decode \(T.self): \(Self.describe(error))")
        }
    }

    func parse(_ data: Data, _ request: KubeRequest) throws -> JSONValue {
        do {
            return try JSONValue.parse(data)
        } catch {
            let snippet = String(decoding: data.prefix(200), as: UTF8.self)
            throw KubeError.invalidResponse(request: request.description, server: serverURL, problem: "not JSON: \(snippet)")
        }
    }

    /// The namespace a request on `type` goes to: none for cluster-scoped types, else the
    /// given one, else the client's default.
    func effectiveNamespace(_ type: ResourceType, _ namespace: String?) -> String? {
        guard type.namespaced else { return nil }
        return namespace ?? self.namespace
    }

    /// Decoding errors name the field path, which is what a person needs to find the bad value.
    static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch decoding {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "\(path(context)): missing \(type)"
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue) is missing"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
