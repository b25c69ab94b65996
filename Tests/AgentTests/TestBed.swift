import Agent
import Foundation
import Galera
import LocalCluster
import Logging
import MySQLClient
import NIOPosix
import Synchronization
import Testing

/// The real-Galera test bed: one three-node LocalCluster for the whole suite. The first test
/// builds it (initialisation, bootstrap, two SST joins), stops it and saves a snapshot of the
/// three datadirs; every test then starts from that snapshot (copy, bootstrap, two IST joins).
/// A report receiver plays the controller. The suite trait tears everything down by PID.
final class TestBed: Sendable {
    static let base = "/tmp/qmysql-agent-tests"
    @TaskLocal static var current: TestBed?

    let root: String
    let cluster: LocalCluster
    let receiver: ReportReceiver
    let threadPool: NIOThreadPool
    private let snapshotReady = SnapshotState()

    actor SnapshotState {
        var ready = false
        func markReady() { ready = true }
    }

    init() async throws {
        // What earlier runs left (a crashed run, or QMYSQL_KEEP_TEST_DATA): end their processes by
        // PID, then remove them.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: Self.base)) ?? [] {
            LocalCluster.cleanupStale(under: "\(Self.base)/\(name)")
            try? FileManager.default.removeItem(atPath: "\(Self.base)/\(name)")
        }
        root = "\(Self.base)/run-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        threadPool = NIOThreadPool(numberOfThreads: 6)
        threadPool.start()
        receiver = try await ReportReceiver.start()
        var configuration = LocalClusterConfiguration(name: "t", root: root + "/cluster", executable: LocalClusterConfiguration.siblingExecutable())
        configuration.controllerURLPrefix = receiver.urlPrefix
        configuration.heartbeatInterval = .seconds(1)
        cluster = LocalCluster(configuration: configuration)
    }

    var snapshotDirectory: String { root + "/snapshot" }

    /// A Green three-node cluster. `fresh`: reset from the snapshot (built on first use); else the
    /// running cluster when every node is Green, for tests that only read or leave it broken anyway.
    func cluster(fresh: Bool = true) async throws -> LocalCluster {
        let clock = ContinuousClock()
        if !fresh, await snapshotReady.ready,
           let statuses = try? await cluster.allStatuses(), statuses.allSatisfy({ $0.state == .green }) {
            return cluster
        }
        if await !snapshotReady.ready {
            let started = clock.now
            try await cluster.start()
            try await BoundedWriter.prepareSchema(cluster.node(0).sqlOptions, threadPool: threadPool)
            Timings.record("new cluster: initialise + bootstrap + 2 SST joins", clock.now - started)
            try await cluster.stop()
            let snapshotStarted = clock.now
            try await cluster.saveSnapshot(to: snapshotDirectory)
            Timings.record("save snapshot of 3 datadirs", clock.now - snapshotStarted)
            await snapshotReady.markReady()
            let restart = clock.now
            try await cluster.start()
            Timings.record("restart from clean stop: bootstrap + 2 joins", clock.now - restart)
            return cluster
        }
        let started = clock.now
        try await cluster.reset(fromSnapshot: snapshotDirectory)
        Timings.record("reset from snapshot to 3 Synced nodes", clock.now - started)
        return cluster
    }

    func writer(to nodes: [Int], maxDuration: Duration = .seconds(90)) -> BoundedWriter {
        BoundedWriter(targets: nodes.map { cluster.node($0).writerTarget }, maxRows: 20_000, maxDuration: maxDuration, pause: .milliseconds(10), threadPool: threadPool)
    }

    func connect(_ index: Int) async throws -> MySQLConnection {
        try await MySQLConnection.connect(cluster.node(index).sqlOptions, threadPool: threadPool)
    }

    func tearDown() async {
        cluster.killAll()
        await receiver.stop()
        try? await threadPool.shutdownGracefully()
        Timings.printAll()
        if ProcessInfo.processInfo.environment["QMYSQL_KEEP_TEST_DATA"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        } else {
            print("test data kept in \(root)")
        }
    }
}

/// Provides the test bed to a suite and tears it down afterwards, even when a test failed.
struct GaleraTestBedTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let bed = try await TestBed()
        do {
            try await TestBed.$current.withValue(bed) { try await function() }
        } catch {
            await bed.tearDown()
            throw error
        }
        await bed.tearDown()
    }
}

extension Trait where Self == GaleraTestBedTrait {
    static var galeraTestBed: Self { GaleraTestBedTrait() }
}

/// Measured durations, printed at the end of the suite (docs/agent.md quotes them).
enum Timings {
    private static let entries = Mutex<[(String, Duration)]>([])

    static func record(_ name: String, _ duration: Duration) {
        entries.withLock { $0.append((name, duration)) }
        print("timing: \(name): \(duration.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))")
    }

    static func printAll() {
        for (name, duration) in entries.withLock({ $0 }) {
            print("timing summary: \(name): \(duration.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))")
        }
    }
}

