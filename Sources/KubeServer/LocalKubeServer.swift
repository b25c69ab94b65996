import Foundation
import KubeAPI
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A local Kubernetes API server over HTTPS, standing in for kube-apiserver in tests and in
/// the playground. It serves the built-in resources this project uses and any resource a
/// CustomResourceDefinition adds, with kube's semantics and error objects; see
/// docs/kube-server.md for what it serves and where it differs.
///
/// ```swift
/// let server = try await LocalKubeServer.start()
/// defer { Task { await server.shutdown() } }
/// let kubeconfig = server.adminKubeconfigYAML()
/// ```
///
/// It is also a ServiceLifecycle `Service`: start it first (to learn its port), then run it
/// in a `ServiceGroup`; `run()` returns after graceful shutdown has closed it.
public final class LocalKubeServer: ServiceLifecycle.Service, Sendable {
    public let configuration: KubeServerConfiguration
    /// The bound port (the ephemeral one when the configuration said 0).
    public let port: Int
    public let certificateAuthority: CertificateAuthority
    /// The built-in administrator's bearer token.
    public let adminToken: String
    /// The administrator's user name; member of `system:masters`.
    public static let adminUser = "admin"

    let registry: Registry
    let access: AccessPolicy
    let counter: RequestCounter
    let pods: PodConnectionSlot
    private let http: HTTPServer
    private let logger: Logger

    /// `https://127.0.0.1:<port>`.
    public var url: URL { URL(string: "https://\(configuration.host):\(port)")! }
    /// The CA to trust for the server's certificate (and the issuer of client certificates).
    public var caCertificatePEM: String { certificateAuthority.certificatePEM }

    private init(configuration: KubeServerConfiguration, port: Int, authority: CertificateAuthority, adminToken: String,
                 registry: Registry, access: AccessPolicy, counter: RequestCounter, pods: PodConnectionSlot, http: HTTPServer, logger: Logger) {
        self.configuration = configuration
        self.port = port
        self.certificateAuthority = authority
        self.adminToken = adminToken
        self.registry = registry
        self.access = access
        self.counter = counter
        self.pods = pods
        self.http = http
        self.logger = logger
    }

    /// Binds, starts serving, and returns once requests are accepted.
    public static func start(_ configuration: KubeServerConfiguration = KubeServerConfiguration(),
                             logger: Logger = Logger(label: "qmysql.kube-server")) async throws -> LocalKubeServer {
        guard configuration.host == "localhost" || configuration.host.hasPrefix("127.") else {
            throw KubeServerError.notLoopback(configuration.host)
        }
        let authority = try configuration.certificateAuthority ?? CertificateAuthority.generate()
        let serving = try authority.issueServerCertificate()
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(serving.certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serving.keyPEM.utf8), format: .pem)))
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(authority.certificatePEM.utf8), format: .pem)])
        tls.sendCANameList = true
        tls.applicationProtocols = ["http/1.1"]

        let access = AccessPolicy()
        let adminToken = configuration.adminToken ?? Self.randomToken()
        access.addToken(adminToken, for: KubeUser(name: adminUser, groups: [KubeUser.mastersGroup]))
        for (token, user) in configuration.tokens { access.addToken(token, for: user) }

        // The address is only known after binding; discovery reads it through this box.
        let address = AddressBox()
        let registry = Registry(
            settings: Registry.Settings(
                historyLimit: configuration.historySize, bookmarkInterval: configuration.bookmarkInterval,
                defaultWatchTimeout: configuration.watchTimeoutRange, watchBufferSize: configuration.watchBufferSize,
                controllerDelay: configuration.controllerDelay, serverAddress: address,
                storagePath: configuration.storagePath),
            logger: logger)
        if let path = configuration.storagePath {
            // Before the first request: a client must never see the empty store of a restarted server.
            if let saved = try StoreFile.load(path) {
                await registry.restore(saved)
            } else {
                do throws(StoreFile.Problem) {
                    try StoreFile.createDirectory(for: path)
                    try await registry.save()
                } catch {
                    throw KubeServerError.storeFileUnusable(path: path, reason: error.description)
                }
            }
        }
        let counter = RequestCounter()
        let pods = PodConnectionSlot()
        let handler = APIHandler(
            registry: registry,
            authenticator: Authenticator(authority: authority, access: access, allowAnonymous: configuration.allowAnonymous),
            access: access, counter: counter, pods: pods)
        let http = try await HTTPServer.start(host: configuration.host, port: configuration.port, tls: tls,
                                              maxBodySize: configuration.maxRequestBodySize, handler: handler, logger: logger)
        address.set("\(configuration.host):\(http.port)")
        logger.info("local Kubernetes API server listening", metadata: ["url": "https://\(configuration.host):\(http.port)"])
        return LocalKubeServer(configuration: configuration, port: http.port, authority: authority, adminToken: adminToken,
                               registry: registry, access: access, counter: counter, pods: pods, http: http, logger: logger)
    }

    /// Serves `pods/log` and `pods/exec` through whoever runs the pods (the playground's
    /// runtime), as kube-apiserver reaches a pod's kubelet; until then both answer 404.
    public func connectPods(_ connection: PodConnection?) { pods.set(connection) }

    /// Resource requests received so far, by user, verb and resource (see `RequestKey`).
    public func requestCounts() -> [RequestKey: Int] { counter.snapshot() }

    /// Resource requests answered 403 Forbidden, by user, verb and resource.
    public func deniedRequests() -> [RequestKey: Int] { counter.denied() }

    /// Starts counting requests from zero.
    public func resetRequestCounts() { counter.reset() }

    /// Stops listening, closes every connection and ends every watch; with a `storagePath`,
    /// writes the objects a last time.
    public func shutdown() async {
        await registry.shutdown()
        await http.shutdown()
        // After the HTTP server: a request it was still finishing may have changed something.
        await registry.saveBeforeExit()
    }

    /// Runs until graceful shutdown (or cancellation), then shuts the server down.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    // MARK: Credentials

    /// A client certificate signed by this server's CA: the user is the CN, the groups the O values.
    public func issueClientCertificate(user: String, groups: [String] = [], keyType: ClientKeyType = .ecPKCS8,
                                       validity: Duration = .seconds(365 * 86400)) throws -> ClientCertificate {
        try certificateAuthority.issueClientCertificate(user: user, groups: groups, keyType: keyType,
                                                        validity: TimeInterval(validity.components.seconds))
    }

    /// Adds a bearer token for a user and returns it (a random one when `token` is nil).
    @discardableResult
    public func addToken(_ token: String? = nil, user: String, groups: [String] = []) -> String {
        let value = token ?? Self.randomToken()
        access.addToken(value, for: KubeUser(name: user, groups: groups))
        return value
    }

    public func removeToken(_ token: String) {
        access.removeToken(token)
    }

    /// Restricts a user to `rules` (RBAC-like, with kube's 403 messages); nil makes them an administrator again.
    public func setRules(user: String, rules: [AccessRule]?) {
        access.setRules(rules, for: user)
    }

    /// A kubeconfig for `user` with the given credentials, the CA inline, and `namespace` as the default.
    public func kubeconfigYAML(user: String, credentials: KubeconfigCredentials, namespace: String? = "default",
                               clusterName: String = "qmysql-local") -> String {
        KubeconfigWriter.yaml(server: url, caPEM: caCertificatePEM, clusterName: clusterName, user: user,
                              credentials: credentials, namespace: namespace)
    }

    /// A kubeconfig for the administrator (bearer token).
    public func adminKubeconfigYAML(namespace: String? = "default") -> String {
        kubeconfigYAML(user: Self.adminUser, credentials: .token(adminToken), namespace: namespace)
    }

    // MARK: Test hooks

    /// Cuts every open watch connection mid-stream (no clean end), as a network failure would.
    /// Returns how many watches were open.
    @discardableResult
    public func dropWatches() async -> Int {
        await registry.dropWatches()
    }

    /// Forgets all change history: watches and exact lists from any older resourceVersion get 410 Expired.
    /// Returns the current resourceVersion, the oldest one still usable.
    @discardableResult
    public func compactHistory() async -> String {
        String(await registry.compactHistory())
    }

    /// How many watches are open (for tests that check clients close theirs).
    public func openWatchCount() async -> Int {
        await registry.openWatchCount
    }

    /// The current resourceVersion.
    public func currentResourceVersion() async -> String {
        String(await registry.currentResourceVersion)
    }

    static func randomToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

/// The server's address for discovery, set once after binding.
final class AddressBox: Sendable {
    private let value = Mutex("")
    func set(_ address: String) { value.withLock { $0 = address } }
    var address: String { value.withLock { $0 } }
}
