import AgentAPI
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
    func startRun(_ name: String, configure: (inout ControllerConfiguration) -> Void = { _ in }) async throws -> BenchRun {
        let root = self.root + "/" + name
        var clusterConfiguration = self.clusterConfiguration(root: root)
        let host = try await InProcessController.start(
            for: clusterConfiguration, monitorUser: Self.monitorUser, monitorPassword: monitorPassword,
            httpClient: httpClient, logLevel: .warning, configure: configure)
        clusterConfiguration.controllerURLPrefix = host.reportURLPrefix
        let cluster = LocalCluster(configuration: clusterConfiguration)
        for node in cluster.nodes { try FileManager.default.createDirectory(atPath: node.directory, withIntermediateDirectories: true) }
        let run = BenchRun(cluster: cluster, host: host, root: root)
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
