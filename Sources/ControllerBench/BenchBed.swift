import Agent
import AsyncHTTPClient
import Controller
import Foundation
import Galera
import Hummingbird
import LocalCluster
import Logging
import MySQLClient
import NIOPosix

/// One snapshot of a three-node cluster and a controller per run, like the controller tests'
/// bed, but measuring instead of asserting.
final class BenchBed: Sendable {
    static let base = "/tmp/qmcb"
    static let firstAddress = "127.0.31.2"
    static let agentPort = 7182
    static let monitorUser = "qmysql_monitor"

    let root: String
    let threadPool: NIOThreadPool
    let httpClient: HTTPClient
    let token = LocalClusterConfiguration.randomToken()
    let monitorPassword = LocalClusterConfiguration.randomToken()

    init() throws {
        LocalCluster.cleanupStale(under: Self.base)
        root = "\(Self.base)/r\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        threadPool = NIOThreadPool(numberOfThreads: 6)
        threadPool.start()
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    var snapshotDirectory: String { root + "/snapshot" }

    func clusterConfiguration(root: String) -> LocalClusterConfiguration {
        var configuration = LocalClusterConfiguration(name: "bench", root: root, executable: LocalClusterConfiguration.siblingExecutable(), token: token)
        configuration.firstAddress = Self.firstAddress
        configuration.agentPort = Self.agentPort
        configuration.heartbeatInterval = .seconds(1)
        return configuration
    }

    func buildSnapshot() async throws {
        try await LocalCluster.buildSnapshot(
            configuration: clusterConfiguration(root: root + "/build"), to: snapshotDirectory,
            monitorUser: Self.monitorUser, monitorPassword: monitorPassword, threadPool: threadPool)
        try? FileManager.default.removeItem(atPath: root + "/build")
    }

    /// A Green cluster from the snapshot with its controller running.
    func startRun(_ name: String) async throws -> BenchRun {
        let root = self.root + "/" + name
        var clusterConfiguration = self.clusterConfiguration(root: root)
        let nodes = (0..<clusterConfiguration.nodeCount).map { index in
            NodeEndpoint(name: clusterConfiguration.nodeName(index), ordinal: index,
                         agentURL: "http://\(clusterConfiguration.address(of: index)):\(clusterConfiguration.agentPort)",
                         sqlHost: clusterConfiguration.address(of: index), sqlPort: 3306)
        }
        var configuration = ControllerConfiguration(clusterName: clusterConfiguration.name, nodes: nodes, agentToken: token,
                                                    monitorUser: Self.monitorUser, monitorPassword: monitorPassword)
        configuration.listenPort = 0
        var logger = Logger(label: "qmysql.controller")
        logger.logLevel = .warning
        let controller = ClusterController(configuration: configuration, httpClient: httpClient, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var serverLogger = Logger(label: "qmysql.controller.http")
        serverLogger.logLevel = .warning
        let application = ControllerServer.application(for: controller, logger: serverLogger) { continuation.yield($0) }
        let server = Task { try await application.run() }
        var port = 0
        for await value in ports { port = value; break }
        clusterConfiguration.controllerURLPrefix = "http://127.0.0.1:\(port)/v1/reports"
        let cluster = LocalCluster(configuration: clusterConfiguration)
        for node in cluster.nodes { try FileManager.default.createDirectory(atPath: node.directory, withIntermediateDirectories: true) }
        let run = BenchRun(cluster: cluster, controller: controller, server: server, root: root)
        do {
            try await cluster.reset(fromSnapshot: snapshotDirectory)
            run.startController()
            try await run.waitSettledGreen(timeout: .seconds(30))
        } catch {
            await run.stop()
            throw error
        }
        return run
    }

    func tearDown() async {
        try? await httpClient.shutdown()
        try? await threadPool.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: root)
    }
}
