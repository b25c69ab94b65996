import AgentAPI
import AsyncHTTPClient
import ClusterCertificates
import Controller
import ControllerAPI
import Foundation
import Galera
import Logging
import RoleNetwork
import ServiceLifecycle
import Synchronization

/// A cluster's controller and its HTTP endpoints running in this process, wired to a local
/// cluster's agents: the wiring the controller's real-Galera tests and ControllerBench share.
/// Build it, point the cluster's agents at `reportURLPrefix`, then `run()` the loop.
public final class InProcessController: Sendable {
    public let controller: ClusterController
    /// The port the endpoints listen on (127.0.0.1).
    public let port: Int
    private let server: Task<Void, any Error>
    /// Stops the endpoints gracefully: a cancelled server logs its own shutdown as an error.
    private let services: ServiceGroup
    private let loop = Mutex<Task<Void, Never>?>(nil)

    private init(controller: ClusterController, port: Int, server: Task<Void, any Error>, services: ServiceGroup) {
        self.controller = controller
        self.port = port
        self.server = server
        self.services = services
    }

    /// Where agents push their reports (`<prefix>/<node>`): `LocalClusterConfiguration.controllerURLPrefix`.
    public var reportURLPrefix: String { "http://127.0.0.1:\(port)" + ControllerPaths.reports }

    /// Starts the endpoints (on a free port) of a controller for `cluster`; the loop waits for `run()`.
    /// - Parameter configure: adjusts the controller's configuration (deadlines, auto recovery ...).
    public static func start(
        for cluster: LocalClusterConfiguration, monitorUser: String, monitorPassword: String,
        httpClient: HTTPClient, logLevel: Logger.Level = .info,
        configure: (inout ControllerConfiguration) -> Void = { _ in }
    ) async throws -> InProcessController {
        var configuration = ControllerConfiguration(
            clusterName: cluster.name, nodes: cluster.nodeEndpoints, agentToken: cluster.token,
            monitorUser: monitorUser, monitorPassword: monitorPassword)
        configuration.listenPort = 0
        // The cluster's mysqld serve clients its certificate: the probe pins it, as a
        // controller given --tls-cert-file does.
        configuration.certificates = cluster.tls.flatMap {
            try? CertificateFiles(certificate: $0.files.certificate, key: $0.files.key, authority: $0.files.certificateAuthority)
        }
        configure(&configuration)
        var logger = Logger(label: "qmysql.controller")
        logger.logLevel = logLevel
        let controller = ClusterController(configuration: configuration, httpClient: httpClient, logger: logger)
        var serverLogger = Logger(label: "qmysql.controller.http")
        serverLogger.logLevel = max(logLevel, .warning)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = try ControllerServer.application(for: controller, logger: serverLogger) { portContinuation.yield($0) }
        let services = ServiceGroup(configuration: .init(services: [application], logger: serverLogger))
        // The stream ends with the server, so a server that never listens (its port taken) ends
        // the wait below with its own error instead of leaving it waiting forever.
        let server = Task {
            defer { portContinuation.finish() }
            try await services.run()
        }
        var port: Int?
        for await value in ports { port = value; break }
        guard let port else {
            let reason: String
            switch await server.result {
            case .failure(let error): reason = String(describing: error)
            case .success: reason = "the server ended"
            }
            throw LocalCluster.Failure("the controller's endpoints did not start listening on port \(configuration.listenPort): \(reason)")
        }
        return InProcessController(controller: controller, port: port, server: server, services: services)
    }

    /// Starts the controller's loop (probe, decide, act).
    public func run() {
        loop.withLock { loop in
            guard loop == nil else { return }
            loop = Task { await self.controller.run() }
        }
    }

    /// Stops the loop and the endpoints; the nodes keep running. A request still open after
    /// `drain` (a status watch, a report handler waiting on the controller) is cut: the server's
    /// task is cancelled, as a pod's would be killed after its grace period.
    public func stop(drain: Duration = .seconds(5)) async {
        let task = loop.withLock { $0 }
        task?.cancel()
        await task?.value
        await services.triggerGracefulShutdown()
        let server = self.server
        let cut = Task {
            try await Task.sleep(for: drain)
            server.cancel()
        }
        _ = await server.result
        cut.cancel()
        // The server's task ends before NIO has closed its listening socket (measured: a new
        // listener on the same port got EADDRINUSE for up to about a second, in most restarts of
        // a full run). Stopped means the port is free again, so a restart on it just works.
        let deadline = ContinuousClock.now + .seconds(10)
        while !Self.portIsFree(port), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Whether a listener could bind 127.0.0.1:`port` now, as the server binds it (SO_REUSEADDR:
    /// connections still closing do not count). Non-blocking calls only.
    static func portIsFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

extension LocalClusterConfiguration {
    /// Where a controller reaches each node: its agent on the node's address, mysqld on 3306.
    public var nodeEndpoints: [NodeEndpoint] {
        (0..<nodeCount).map { index in
            NodeEndpoint(name: nodeName(index), ordinal: index, agentURL: "\(tls == nil ? "http" : "https")://\(address(of: index)):\(agentPort)",
                         sqlHost: address(of: index), sqlPort: DefaultPorts.mysql)
        }
    }
}
