import AgentAPI
import Backup
@testable import Controller
import Foundation
import Galera
import Hummingbird
import LocalCluster
import Logging
import MySQLClient
import Synchronization
import Testing

/// One fault scenario: its own cluster (from the bed's snapshot, on its own root), a controller
/// with its HTTP endpoints (the agents push their reports to it), and a bounded writer.
final class Scenario: Sendable {
    let name: String
    let bed: GaleraBed
    let cluster: LocalCluster
    /// The controller and its endpoints; `restartController()` replaces them.
    var host: InProcessController { hosts.withLock { $0 } }
    private let hosts: Mutex<InProcessController>
    private let options: Options
    var controller: ClusterController { host.controller }
    let root: String
    let clock = ContinuousClock()

    struct Options {
        /// nil: the bed's loopback addresses.
        var firstAddress: String?
        /// Runs each agent through this executable instead (e.g. a network-namespace wrapper).
        var executable: String?
        /// Agents push reports to the controller (they cannot from a network namespace).
        var push = true
        var autoRecovery = true
        /// A backup store under this directory (shared by scenarios that restore from each other).
        var backupRoot: String?
        /// Another backup store (a bucket), instead of `backupRoot`.
        var backupStore: (any BackupStore)?
        /// The controller's bound on a transfer that cannot finish (default: its own, 60 s).
        var stalledTransferAfter: Duration?
        /// The controller keeps a state file (in the scenario's root), as under the operator.
        var stateFile = false
        /// How joiners receive a full copy. A test that kills a transfer in its middle uses the
        /// packaged script, whose donor waits 10 s first: ours is over before a test can aim.
        var stateTransfer = StateTransferChoice.qmysql
        /// The binary log archived in segments of this many seconds (nil: not archived).
        var archiveSegmentSeconds: Int?
        /// The agents' `--binlog-retention` (nil: their default, a day).
        var binlogRetention: Duration?
    }

    private init(name: String, bed: GaleraBed, cluster: LocalCluster, host: InProcessController, root: String, options: Options) {
        self.name = name
        self.bed = bed
        self.cluster = cluster
        self.hosts = Mutex(host)
        self.root = root
        self.options = options
    }

    /// The controller's settings for `options` (a restarted controller gets the same).
    static func configure(_ configuration: inout ControllerConfiguration, _ options: Options, root: String) {
        configuration.autoRecovery = options.autoRecovery
        configuration.recoveryStepDeadline = .seconds(60)
        if let backupRoot = options.backupRoot { configuration.backupStore = FileBackupStore(root: backupRoot) }
        if let store = options.backupStore { configuration.backupStore = store }
        if let stalled = options.stalledTransferAfter { configuration.stalledTransferAfter = stalled }
        if options.stateFile { configuration.stateFile = root + "/controller-state.json" }
        configuration.archiveSegmentSeconds = options.archiveSegmentSeconds
    }

    /// Stops the controller as its pod would be stopped (its loop and tasks cancelled, nothing
    /// more), and starts a new one with the same configuration and state file, on the same port
    /// (the agents keep pushing their reports to it).
    func restartController() async throws {
        let old = host
        await old.stop()
        let clusterConfiguration = cluster.configuration
        let options = self.options
        let root = self.root
        // stop() returns once the port is free again: the new endpoints take it as a restarted pod would.
        let new = try await InProcessController.start(
            for: clusterConfiguration, monitorUser: GaleraBed.monitorUser, monitorPassword: bed.monitorPassword,
            httpClient: bed.httpClient
        ) { configuration in
            Self.configure(&configuration, options, root: root)
            configuration.listenPort = old.port
        }
        hosts.withLock { $0 = new }
        new.run()
    }

    /// A Green cluster with its controller running.
    static func start(_ name: String, bed: GaleraBed, options: Options = Options()) async throws -> Scenario {
        try await bed.ensureSnapshot()
        let root = bed.root + "/" + name
        var clusterConfiguration = bed.clusterConfiguration(root: root, firstAddress: options.firstAddress ?? GaleraBed.firstAddress, executable: options.executable)
        clusterConfiguration.stateTransfer = options.stateTransfer
        if let retention = options.binlogRetention { clusterConfiguration.binlogRetention = retention }
        let host = try await InProcessController.start(
            for: clusterConfiguration, monitorUser: GaleraBed.monitorUser, monitorPassword: bed.monitorPassword,
            httpClient: bed.httpClient
        ) { configuration in
            configure(&configuration, options, root: root)
        }
        if options.push {
            clusterConfiguration.controllerURLPrefix = host.reportURLPrefix
        }
        let cluster = LocalCluster(configuration: clusterConfiguration)
        let scenario = Scenario(name: name, bed: bed, cluster: cluster, host: host, root: root, options: options)
        do {
            let started = ContinuousClock.now
            // reset(fromSnapshot:) copies into each node's directory, which a fresh root lacks.
            for node in cluster.nodes {
                try FileManager.default.createDirectory(atPath: node.directory, withIntermediateDirectories: true)
            }
            try await cluster.reset(fromSnapshot: bed.snapshotDirectory)
            print("timing: \(name): cluster from snapshot in \(ContinuousClock.now - started)")
            host.run()
            try await scenario.waitForCluster(.green, timeout: .seconds(20))
        } catch {
            await scenario.stop()
            throw error
        }
        return scenario
    }

    /// Waits until the controller's status shows `state` with every node in `nodeStates` (when given).
    @discardableResult
    func waitForCluster(_ state: ClusterState, nodeStates: [NodeState]? = nil, timeout: Duration) async throws -> ClusterStatus {
        let deadline = clock.now + timeout
        var last: ClusterStatus?
        while clock.now < deadline {
            let status = await controller.status()
            last = status
            let nodesMatch = nodeStates.map { status.nodes.map(\.state) == $0 } ?? (state != .green || status.nodes.allSatisfy(\.ready))
            if status.state == state && nodesMatch { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ScenarioFailure("\(name): the controller did not report \(state.rawValue) within \(timeout); last status: \(last.map(Self.describe) ?? "none"); actions: \(await actionSummaries())")
    }

    /// Waits until the controller's status satisfies `condition`.
    @discardableResult
    func waitForStatus(_ description: String, timeout: Duration, _ condition: (ClusterStatus) -> Bool) async throws -> ClusterStatus {
        try await Self.waitForStatus(of: controller, "\(name): \(description)", timeout: timeout, condition)
    }

    /// Waits until `controller`'s status satisfies `condition`; the failure shows the last status and the actions.
    @discardableResult
    static func waitForStatus(
        of controller: ClusterController, _ description: String, timeout: Duration, _ condition: (ClusterStatus) -> Bool
    ) async throws -> ClusterStatus {
        let deadline = ContinuousClock.now + timeout
        var last = await controller.status()
        while ContinuousClock.now < deadline {
            last = await controller.status()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ScenarioFailure("the status did not show \(description) within \(timeout); last: \(describe(last)); actions: \(await controller.actions().map(\.summary))")
    }

    /// After a fault: waits until the controller has noticed it (the cluster is not Green), then
    /// until it is Green again with nothing left to do (no recovery queued or running).
    func waitForRecovery(noticeWithin: Duration = .seconds(15), timeout: Duration = .seconds(90)) async throws {
        let deadline = clock.now + noticeWithin
        while await controller.status().state == .green {
            guard clock.now < deadline else { throw ScenarioFailure("\(name): the controller did not notice the fault within \(noticeWithin)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await waitUntilSettledGreen(timeout: timeout)
    }

    /// Green, every node ready, no recovery pending, no action still running.
    func waitUntilSettledGreen(timeout: Duration) async throws {
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let status = await controller.status()
            let idle = status.condition(ConditionType.recovering)?.status == "False"
            let running = await controller.actions().contains { $0.outcome == .running }
            if status.state == .green && status.nodes.allSatisfy(\.ready) && idle && !running { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ScenarioFailure("\(name): not settled Green within \(timeout); last status: \(Self.describe(await controller.status())); actions: \(await actionSummaries())")
    }

    /// Every action the controller took succeeded.
    func expectEveryActionSucceeded(sourceLocation: SourceLocation = #_sourceLocation) async {
        for action in await controller.actions() {
            guard case .succeeded = action.outcome else {
                Issue.record("\(action.summary) did not succeed: \(action.outcome)", sourceLocation: sourceLocation)
                continue
            }
        }
    }

    /// What the controller did, as "verb node" strings, in order.
    func actionSummaries() async -> [String] {
        await controller.actions().map(\.summary)
    }

    /// Starts a bounded writer on every node's socket (it moves to the next node on a failure).
    func startWriter(maxDuration: Duration = .seconds(120)) -> BoundedWriter {
        let writer = BoundedWriter(targets: cluster.nodes.map(\.writerTarget), maxRows: 50_000, maxDuration: maxDuration,
                                   pause: .milliseconds(20), threadPool: bed.threadPool)
        writer.start()
        return writer
    }

    /// Every acknowledged row is on every node (retrying briefly: appliers may lag a moment).
    func expectNoAcknowledgedRowLost(_ writer: BoundedWriter, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await Self.expectNoAcknowledgedRowLost(writer, on: cluster, name: name, sourceLocation: sourceLocation)
    }

    /// A new, empty volume for node `index`: stopped gracefully and its datadir replaced while
    /// the controller stands aside (as during a restore); the controller then sees it.
    func replaceVolume(of index: Int) async throws {
        let node = cluster.node(index)
        await controller.beginRestore(step: "test: replace the volume of \(node.name)")
        _ = try await node.client.stop(.graceful)
        try FileManager.default.removeItem(atPath: node.dataDirectory)
        try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)
        await controller.endRestore()
    }

    static func expectNoAcknowledgedRowLost(_ writer: BoundedWriter, on cluster: LocalCluster, name: String,
                                            sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let report = await writer.finish()
        print("writer: \(name): \(report)")
        #expect(report.acknowledged.count > 0, "the writer got no acknowledged row at all", sourceLocation: sourceLocation)
        for node in cluster.nodes {
            var missing: [Int64] = []
            for _ in 0..<25 {
                missing = try await writer.missing(on: node.sqlOptions)
                if missing.isEmpty { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(missing.isEmpty, "\(node.name) lacks \(missing.count) acknowledged rows, e.g. \(missing.prefix(5))", sourceLocation: sourceLocation)
        }
    }

    /// SIGKILL to the processes whose PIDs these files hold (processes this scenario's cluster
    /// started), all in one go.
    func killRecorded(_ pidFiles: String...) throws {
        let pids = try pidFiles.map { file -> pid_t in
            let text = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let pid = pid_t(text), pid > 1 else { throw ScenarioFailure("\(file) holds no PID: '\(text)'") }
            return pid
        }
        for pid in pids { kill(pid, SIGKILL) }
    }

    func stop() async {
        await host.stop()
        cluster.killAll()
        if ProcessInfo.processInfo.environment["QMYSQL_KEEP_TEST_DATA"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    static func describe(_ status: ClusterStatus) -> String {
        "\(status.state.rawValue) [" + status.nodes.map { "\($0.name)=\($0.state.rawValue)\($0.wsrepState.map { "/\($0)" } ?? "")" }.joined(separator: ", ") + "] \(status.message)"
    }

    /// The whole status, for a failure message that must show what changed.
    static func json(_ status: ClusterStatus) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(status)).flatMap { String(data: $0, encoding: .utf8) } ?? describe(status)
    }
}

struct ScenarioFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

