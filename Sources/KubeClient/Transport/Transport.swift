import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// HTTPS to one API server over AsyncHTTPClient: TLS as configured (including
/// `tls-server-name`), per-request client certificates from exec plugins, and every
/// transport error turned into a `TransportFailure`.
final class Transport: Sendable {
    private let client: HTTPClient
    /// The URL prefix requests are sent to; with `tls-server-name` its host is that name and
    /// a DNS override sends the connection to the real address.
    private let baseURL: String
    private let tls: TLSSettings
    private let usesTLS: Bool
    let identity: ConnectionIdentity
    private let logger: Logger
    private let requestTimeout: Duration?
    /// The largest response body read into memory (lists of many objects can be big).
    let maxBodyBytes = 512 * 1024 * 1024
    private let isShutDown = Atomic(false)

    init(configuration: ClientConfiguration, logger: Logger) throws(KubeConfigError) {
        guard var components = URLComponents(string: configuration.server), let host = components.host else {
            throw .invalidServerURL(server: configuration.server, cluster: configuration.clusterName ?? "(none)",
                                    file: configuration.configFiles.first ?? "(no file)")
        }
        usesTLS = components.scheme?.lowercased() == "https"
        var http = HTTPClient.Configuration()
        http.redirectConfiguration = .disallow
        // The read timeout catches half-open connections: nothing, not even a watch (which the
        // server ends after at most 540 s and fills with bookmarks), is silent for 10 minutes.
        http.timeout = .init(connect: .seconds(15), read: .seconds(600))
        // Fail fast on a dead address; callers (the watch loop) own their retry policy.
        http.connectionPool.retryConnectionEstablishment = false
        // HTTP/1.1: every open watch holds a connection for its lifetime. The operator watches
        // eight kinds per namespace and still needs connections for its reads and writes; the
        // default of 8 would leave its requests waiting for a pooled connection forever.
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
        http.httpVersion = .http1Only
        if usesTLS {
            http.tlsConfiguration = configuration.tls.configuration()
            if let serverName = configuration.tls.serverName, serverName != host {
                http.dnsOverride = [serverName: host]
                components.host = serverName
            }
        }
        baseURL = components.string ?? configuration.server
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        tls = configuration.tls
        identity = ConnectionIdentity(
            server: configuration.server, userName: configuration.userName, contextName: configuration.contextName,
            credentialOrigin: configuration.credentialOrigin, trustOrigin: configuration.tls.trustRootsOrigin)
        self.logger = logger
        self.requestTimeout = configuration.requestTimeout
    }

    /// Sends `request` and returns once the response head arrived; the body is the caller's to read.
    func execute(_ request: KubeRequest, credential: Credential, deadline: NIODeadline) async throws -> HTTPClientResponse {
        var http = HTTPClientRequest(url: baseURL + request.pathAndQuery)
        http.method = request.method
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: "kubectl-qmysql (swift)")
        if let token = credential.bearerToken { http.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            http.body = .bytes(ByteBuffer(bytes: body))
        }
        if usesTLS, let identity = credential.clientIdentity {
            http.tlsConfiguration = tls.configuration(identity: identity)
        }
        let started = ContinuousClock.now
        logger.debug("kube request", metadata: [
            "method": "\(request.method.rawValue)", "url": "\(baseURL + request.pathAndQuery)",
            "bytes": "\(request.body?.count ?? 0)",
        ])
        do {
            let response = try await client.execute(http, deadline: deadline, logger: logger)
            logger.debug("kube response", metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.path)", "status": "\(response.status.code)",
                "elapsed": "\(ContinuousClock.now - started)",
            ])
            return response
        } catch {
            logger.debug("kube request failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
            throw failure(error, request: request)
        }
    }

    /// Reads a whole response body.
    func collect(_ response: HTTPClientResponse, request: KubeRequest) async throws -> Data {
        do {
            let buffer = try await response.body.collect(upTo: maxBodyBytes)
            return Data(buffer.readableBytesView)
        } catch let error as NIOTooManyBytesError {
            throw KubeError.invalidResponse(request: request.description, server: identity.server,
                                            problem: "the body is larger than \(maxBodyBytes) bytes (\(error)); use --limit or a selector")
        } catch {
            throw failure(error, request: request)
        }
    }

    func failure(_ error: Error, request: KubeRequest?) -> Error {
        if error is KubeError || error is CancellationError { return error }
        if let client = error as? HTTPClientError, client == .cancelled { return CancellationError() }
        let host = URLComponents(string: identity.server)?.host ?? identity.server
        let cause: TransportFailure.Cause
        if let client = error as? HTTPClientError, client == .deadlineExceeded {
            // The deadline is --request-timeout (or the minute a watch may take to answer).
            cause = .requestTimeout(requestTimeout ?? .seconds(60))
        } else {
            cause = TransportFailure.cause(of: error, host: host)
        }
        return KubeError.unreachable(TransportFailure(cause: cause, request: request?.description, identity: identity))
    }

    func shutdown() async throws {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try await client.shutdown()
    }

    /// A safety net for a forgotten `shutdown()`: the pool is closed in the background instead of
    /// leaking (and instead of AsyncHTTPClient's debug-build crash).
    deinit {
        guard !isShutDown.load(ordering: .acquiring) else { return }
        let client = self.client
        Task { try? await client.shutdown() }
    }
}
