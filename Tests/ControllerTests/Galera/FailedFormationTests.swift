import AgentAPI
import Controller
import Foundation
import Galera
import LocalCluster
import Synchronization
import Testing
@testable import Controller

/// Formations and re-seeds that fail part-way, on real Galera (issue 22): each must reach Green by
/// itself, with no ManualInterventionRequired on the way and every acknowledged row kept.
extension ControllerScenarioTests {
    @Test("a failed first SST (the joiner's SST port held by another process): the joiner never was a member, so it is seeded again")
    func failedFirstSST() async throws {
        try await withFormation("failsst") { run in
            // demo-1's SST listener cannot bind while this holds its port.
            let holder = try PortHolder(address: run.cluster.node(1).address, port: 4444)
            defer { holder.release() }
            run.host.run()
            try await run.waitForAction("a failed first join of demo-1", timeout: .seconds(180)) { $0.summary == "join demo-1" && $0.failed }
            let failed = try await run.cluster.node(1).client.status()
            print("timing: failsst: demo-1 after its failed SST: \(failed.state.rawValue), grastate \(failed.grastate.map { "\($0.position)" } ?? "absent"), member \(failed.member ?? "none")")
            #expect(failed.member == nil, "a joiner whose first SST failed is no member")
            holder.release()
            let writer = try await run.startWriter()
            try await run.waitSettledGreen(timeout: .seconds(240))
            let summaries = await run.controller.actions().map(\.summary)
            #expect(summaries.first == "bootstrap-new demo-0")
            #expect(summaries.filter { $0 == "join demo-1" }.count >= 2, "\(summaries)")
            #expect(!summaries.contains { $0.hasPrefix("bootstrap demo") || $0.hasPrefix("recover-position demo-0") }, "nothing but joins after the formation: \(summaries)")
            #expect(run.manualReasons.isEmpty, "no refusal on the way: \(run.manualReasons)")
            try await run.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("the bootstrap node killed right after the first joiner started: the joiner is stopped, the bootstrap node comes back from its position, the others join")
    func bootstrapNodeKilledDuringFormation() async throws {
        // The packaged method: the first join must still be under way when the donor dies.
        try await withFormation("bootkill", stalledTransferAfter: .seconds(10), stateTransfer: .packaged) { run in
            run.host.run()
            try await run.waitForTransfer(to: 1, timeout: .seconds(120))
            let writer = try await run.startWriter(on: [0])
            try await Task.sleep(for: .milliseconds(300))
            _ = try await run.cluster.kill(0)
            try await run.waitNoticed(timeout: .seconds(15))
            // The halt takes the joiner's whole process tree: its SST script runs in a session
            // of its own, whose receiver once kept the SST port, so every later join aborted
            // at once. The port is free again before demo-0 is even recovered.
            try await run.waitForAction("the halt of demo-1", timeout: .seconds(60)) { $0.summary == "halt demo-1" && $0.succeeded }
            var portFree = false
            for _ in 0..<30 where !portFree {
                portFree = PortHolder.isFree(address: run.cluster.node(1).address, port: 4444)
                if !portFree { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(portFree, "nothing of demo-1's interrupted transfer holds its SST port after the halt")
            try await run.waitSettledGreen(timeout: .seconds(300))
            let summaries = await run.controller.actions().map(\.summary)
            #expect(summaries.contains("halt demo-1"), "the joiner waiting for a dead donor is stopped: \(summaries)")
            #expect(summaries.contains("bootstrap demo-0"), "the only member comes back from its own data: \(summaries)")
            #expect(!summaries.contains("bootstrap demo-1") && !summaries.contains("bootstrap demo-2"), "\(summaries)")
            #expect(run.manualReasons.isEmpty, "no refusal on the way: \(run.manualReasons)")
            try await run.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("a donor killed during the first formation: the joiner's transfer is given up, the donor rejoins, the joiner is seeded again")
    func donorKilledDuringFormation() async throws {
        // The packaged method: its donor sleeps 10 s before it streams, the window this test aims at.
        try await withFormation("donorkill", stalledTransferAfter: .seconds(10), stateTransfer: .packaged) { run in
            run.host.run()
            // demo-0 and demo-1 formed; demo-2 receives its SST from one of them.
            try await run.waitForTransfer(to: 2, timeout: .seconds(180))
            let writer = try await run.startWriter(on: [0, 1])
            let transfer = try await run.cluster.node(2).client.status().stateTransferInProgress
            let donor = try #require(transfer?.donor, "the joiner's agent names its donor")
            let donorIndex = try #require(run.cluster.nodes.firstIndex { $0.name == donor })
            print("timing: donorkill: demo-2 receives from \(donor)")
            // The mariabackup donor sleeps 10 s before it streams (a new cluster's data then
            // takes about a second): it dies in that sleep, and the joiner would wait for
            // MariaDB's own 300 s timeout.
            try await Task.sleep(for: .seconds(3))
            _ = try await run.cluster.kill(donorIndex)
            try await run.waitNoticed(timeout: .seconds(15))
            try await run.waitSettledGreen(timeout: .seconds(300))
            let summaries = await run.controller.actions().map(\.summary)
            #expect(summaries.filter { $0 == "join demo-2" }.count >= 2, "\(summaries)")
            #expect(run.manualReasons.isEmpty, "no refusal on the way: \(run.manualReasons)")
            try await run.expectNoAcknowledgedRowLost(writer)
        }
    }
}

extension ControllerScenarioTests {
    @Test("a failed SST while re-seeding a replaced volume: the node is re-seeded again, Green by itself")
    func failedReseed() async throws {
        try await withScenario("reseed") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            let node = scenario.cluster.node(2)
            let holder = try PortHolder(address: node.address, port: 4444)
            defer { holder.release() }
            try await scenario.replaceVolume(of: 2)
            let watch = StatusWatch(scenario.controller)
            defer { watch.stop() }
            try await Self.waitForAction(of: scenario.controller, "a failed re-seed of demo-2", timeout: .seconds(180)) { $0.summary == "join demo-2" && $0.failed }
            holder.release()
            try await scenario.waitUntilSettledGreen(timeout: .seconds(240))
            let summaries = await scenario.actionSummaries()
            #expect(summaries.filter { $0 == "join demo-2" }.count >= 2, "\(summaries)")
            #expect(watch.reasons.isEmpty, "no refusal on the way: \(watch.reasons)")
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    /// MariaDB's joiner aborts by itself here (SIGABRT, a few seconds after the stream broke);
    /// before issue 22 the re-seeded member was then recovered to the all-zero position and refused
    /// as ZeroState. A joiner that keeps waiting instead is stopped by the stalled-transfer rule
    /// (`bootstrapNodeKilledDuringFormation` meets that one).
    @Test("a joiner whose donor and the third node die mid-SST, leaving no Primary component: the others are recovered and bootstrapped, the joiner is re-seeded")
    func joinerStalledWithoutPrimary() async throws {
        try await withScenario("stalled", options: .init(stalledTransferAfter: .seconds(10), stateTransfer: .packaged)) { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            let node = scenario.cluster.node(2)
            try await scenario.replaceVolume(of: 2)
            let watch = StatusWatch(scenario.controller)
            defer { watch.stop() }
            // The re-seed begins; once the stream flows (the donor sleeps 10 s first), both others die.
            let marker = node.dataDirectory + "/sst_in_progress"
            let deadline = ContinuousClock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: marker) {
                guard ContinuousClock.now < deadline else { throw ScenarioFailure("demo-2 never began its SST") }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .seconds(11))
            try await scenario.cluster.kill(0)
            try await scenario.cluster.kill(1)
            try await scenario.waitUntilSettledGreen(timeout: .seconds(300))
            let summaries = await scenario.actionSummaries()
            print("timing: stalled: actions \(summaries)")
            #expect(!summaries.contains("bootstrap demo-2") && !summaries.contains("recover-position demo-2"),
                    "the joiner's partial copy is neither recovered nor bootstrapped: \(summaries)")
            #expect(summaries.last == "join demo-2", "\(summaries)")
            #expect(watch.reasons.isEmpty, "no refusal on the way: \(watch.reasons)")
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }
}

// MARK: - Helpers

extension ControllerScenarioTests {
    /// Three agents on empty datadirs and a controller that forms the cluster (it runs once the
    /// body calls `run.host.run()`); always stopped and cleaned up.
    func withFormation(_ name: String, stalledTransferAfter: Duration? = nil, stateTransfer: StateTransferChoice = .qmysql,
                       _ body: (FormationRun) async throws -> Void) async throws {
        let root = bed.root + "/" + name
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var configuration = bed.clusterConfiguration(root: root)
        configuration.stateTransfer = stateTransfer
        let host = try await InProcessController.start(
            for: configuration, monitorUser: GaleraBed.monitorUser, monitorPassword: bed.monitorPassword,
            httpClient: bed.httpClient) { controller in
            controller.stateFile = root + "/controller-state.json"
            controller.recoveryStepDeadline = .seconds(90)
            if let stalledTransferAfter { controller.stalledTransferAfter = stalledTransferAfter }
        }
        configuration.controllerURLPrefix = host.reportURLPrefix
        let run = FormationRun(name: name, cluster: LocalCluster(configuration: configuration), host: host, bed: bed)
        do {
            try await run.cluster.startAgents()
            try await body(run)
        } catch {
            print("formation \(name) failed; actions: \(await host.controller.actions().map { "\($0.summary): \($0.outcome)" })")
            await run.stop()
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        await run.stop()
        if ProcessInfo.processInfo.environment["QMYSQL_KEEP_TEST_DATA"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Waits until one of the controller's actions satisfies `condition`.
    static func waitForAction(of controller: ClusterController, _ what: String, timeout: Duration,
                              _ condition: (ActionRecord) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await controller.actions().contains(where: condition) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ScenarioFailure("no \(what) within \(timeout); actions: \(await controller.actions().map { "\($0.summary): \($0.outcome)" })")
    }
}

/// One formation under test: the cluster, its controller, and every refusal it showed.
final class FormationRun: Sendable {
    let name: String
    let cluster: LocalCluster
    let host: InProcessController
    let bed: GaleraBed
    let watch: StatusWatch
    var controller: ClusterController { host.controller }
    var manualReasons: [String] { watch.reasons }

    init(name: String, cluster: LocalCluster, host: InProcessController, bed: GaleraBed) {
        self.name = name
        self.cluster = cluster
        self.host = host
        self.bed = bed
        watch = StatusWatch(host.controller)
    }

    func waitForAction(_ what: String, timeout: Duration, _ condition: (ActionRecord) -> Bool) async throws {
        try await ControllerScenarioTests.waitForAction(of: controller, "\(name): \(what)", timeout: timeout, condition)
    }

    /// Until node `index`'s agent reports a state transfer it receives.
    func waitForTransfer(to index: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = try? await cluster.node(index).client.status(), status.stateTransferInProgress != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ScenarioFailure("\(name): \(cluster.node(index).name) received no state transfer within \(timeout); actions: \(await controller.actions().map(\.summary))")
    }

    /// Until the controller's status shows the fault just caused (its node no longer ready).
    func waitNoticed(timeout: Duration) async throws {
        try await Scenario.waitForStatus(of: controller, "\(name): the fault noticed", timeout: timeout) { status in
            !status.nodes.allSatisfy(\.ready)
        }
    }

    /// Green, every node ready, nothing recovering, nothing running.
    func waitSettledGreen(timeout: Duration) async throws {
        try await Scenario.waitForStatus(of: controller, "\(name): settled Green", timeout: timeout) { status in
            status.state == .green && status.nodes.allSatisfy(\.ready) && status.condition(ConditionType.recovering)?.status == "False"
        }
        let running = await controller.actions().filter { $0.outcome == .running }
        if !running.isEmpty { try await waitSettledGreen(timeout: timeout) }
    }

    /// A bounded writer on the given nodes (the ones serving now), its table created first.
    func startWriter(on indices: [Int] = [0, 1, 2]) async throws -> BoundedWriter {
        try await BoundedWriter.prepareSchema(cluster.node(indices[0]).sqlOptions, threadPool: bed.threadPool)
        let writer = BoundedWriter(targets: indices.map { cluster.node($0).writerTarget }, maxRows: 50_000, maxDuration: .seconds(240),
                                   pause: .milliseconds(20), threadPool: bed.threadPool)
        writer.start()
        return writer
    }

    func expectNoAcknowledgedRowLost(_ writer: BoundedWriter, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await Scenario.expectNoAcknowledgedRowLost(writer, on: cluster, name: name, sourceLocation: sourceLocation)
    }

    func stop() async {
        watch.stop()
        await host.stop()
        await cluster.stopAgents()
        cluster.killAll()
    }
}

/// Every status a controller published while watched, with when it came; the refusals among them.
final class StatusWatch: Sendable {
    private let seen = Mutex<[(at: Date, status: ClusterStatus)]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ controller: ClusterController) {
        let updates = controller.feed.subscribe()
        let watching = Task { [weak self] in
            for await status in updates { self?.seen.withLock { $0.append((Date(), status)) } }
        }
        task.withLock { $0 = watching }
    }

    var statuses: [(at: Date, status: ClusterStatus)] { seen.withLock { $0 } }

    /// The reasons of every ManualInterventionRequired seen, in order, each once in a row.
    var reasons: [String] {
        var reasons: [String] = []
        for (_, status) in statuses {
            guard let asked = status.condition(ConditionType.manualInterventionRequired), asked.status == "True" else { continue }
            let reason = asked.reason ?? "?"
            if reasons.last != reason { reasons.append(reason) }
        }
        return reasons
    }

    func stop() { task.withLock { $0?.cancel() } }
}

/// A TCP socket bound to ADDRESS:PORT, so that whatever else wants the port cannot bind it (it
/// sets no SO_REUSEADDR, so even socat's `reuseaddr` fails). It does not listen: a donor that
/// tries to stream to it is refused at once, as by a joiner that is not there.
final class PortHolder: Sendable {
    private let descriptor: Mutex<Int32>

    /// Whether no process holds `address:port` (a listener, or a socket bound without
    /// SO_REUSEADDR). The transfer's own connection may linger in TIME_WAIT for a minute after
    /// the halt, as any closed connection does; it holds nothing (mysqld's SST receiver binds
    /// with SO_REUSEADDR too), so the probe reuses the address as the receiver would.
    static func isFree(address: String, port: UInt16) -> Bool {
        guard let probe = try? PortHolder(address: address, port: port, reuseAddress: true) else { return false }
        probe.release()
        return true
    }

    init(address: String, port: UInt16, reuseAddress: Bool = false) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ScenarioFailure("socket(): errno \(errno)") }
        if reuseAddress {
            var on: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &socketAddress.sin_addr) == 1 else {
            close(fd)
            throw ScenarioFailure("not an IPv4 address: \(address)")
        }
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw ScenarioFailure("cannot hold \(address):\(port): errno \(code)")
        }
        descriptor = Mutex(fd)
    }

    /// Frees the port (idempotent).
    func release() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }
}

extension ActionRecord {
    var failed: Bool { if case .failed = outcome { true } else { false } }
    var succeeded: Bool { if case .succeeded = outcome { true } else { false } }
}
