import AgentAPI
import AsyncHTTPClient
import ClusterCertificates
import Foundation
import Galera
import LocalCluster
import Logging
import MySQLClient
import NIOPosix
import RoleNetwork
import Synchronization
import Testing

/// The real-Galera bed of the controller scenarios: one snapshot of a three-node cluster (built
/// once: initialise, bootstrap, two SST joins, the monitor user and the writer's table), from which
/// every scenario starts its own cluster (copy, bootstrap, two IST joins) on its own root.
/// Encrypted as a new cluster is: the agents serve HTTPS and Galera requires TLS, all with one
/// CA of the bed's, so every fault scenario runs on an encrypted cluster.
final class GaleraBed: Sendable {
    /// Short: the writer records its socket path in a VARCHAR(64) column.
    static let base = "/tmp/qmc"
    /// Loopback addresses of their own, so the agent tests (127.0.0.2...) can run at the same time.
    static let firstAddress = "127.0.30.2"
    static let agentPort = 7181
    static let monitorUser = "qmysql_monitor"
    @TaskLocal static var current: GaleraBed?

    let root: String
    let threadPool: NIOThreadPool
    let httpClient: HTTPClient
    let token = LocalClusterConfiguration.randomToken()
    let monitorPassword = LocalClusterConfiguration.randomToken()
    let tlsFiles: TLSFiles
    private let snapshotBuilt = Mutex(false)

    init() async throws {
        LocalCluster.cleanupStale(under: Self.base)
        await NetworkLab.removeAll()
        root = "\(Self.base)/r\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "tests")
        tlsFiles = try tls.writeFiles(to: root + "/tls")
        threadPool = NIOThreadPool(numberOfThreads: 6)
        threadPool.start()
        // Trusts the bed's CA for the agents' HTTPS (the controller's reports stay plain HTTP).
        var http = HTTPClient.Configuration()
        http.tlsConfiguration = try RoleTLS.client(caPEM: tls.caCertificatePEM)
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    var snapshotDirectory: String { root + "/snapshot" }

    func clusterConfiguration(root: String, firstAddress: String = GaleraBed.firstAddress, executable: String? = nil) -> LocalClusterConfiguration {
        var configuration = LocalClusterConfiguration(name: "demo", root: root, executable: executable ?? LocalClusterConfiguration.siblingExecutable(), token: token)
        configuration.firstAddress = firstAddress
        configuration.agentPort = Self.agentPort
        configuration.heartbeatInterval = .seconds(1)
        configuration.tls = .init(files: tlsFiles, httpClient: httpClient)
        configuration.replicationEncryption = .required
        // TCP clients must use TLS: the controller's SQL probe (the only TCP client here) uses
        // it, pinned to the bed's certificate, in every scenario.
        configuration.requireSecureTransport = true
        return configuration
    }

    /// Builds the snapshot on first use.
    func ensureSnapshot() async throws {
        if snapshotBuilt.withLock({ $0 }) { return }
        let clock = ContinuousClock()
        let started = clock.now
        try await LocalCluster.buildSnapshot(
            configuration: clusterConfiguration(root: root + "/build"), to: snapshotDirectory,
            monitorUser: Self.monitorUser, monitorPassword: monitorPassword, threadPool: threadPool)
        try? FileManager.default.removeItem(atPath: root + "/build")
        snapshotBuilt.withLock { $0 = true }
        print("timing: snapshot built (initialise, bootstrap, 2 SST joins, stop, copy) in \(clock.now - started)")
    }

    func tearDown() async {
        try? await httpClient.shutdown()
        try? await threadPool.shutdownGracefully()
        if ProcessInfo.processInfo.environment["QMYSQL_KEEP_TEST_DATA"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        } else {
            print("test data kept in \(root)")
        }
    }
}

/// Provides the bed to a suite and tears it down afterwards, even when a test failed.
struct GaleraBedTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let bed = try await GaleraBed()
        do {
            try await GaleraBed.$current.withValue(bed) { try await function() }
        } catch {
            await bed.tearDown()
            throw error
        }
        await bed.tearDown()
    }
}

extension Trait where Self == GaleraBedTrait {
    static var galeraBed: Self { GaleraBedTrait() }
}
