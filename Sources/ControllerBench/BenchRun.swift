import Controller
import Foundation
import Galera
import LocalCluster
import Synchronization

/// One cluster and its controller for one measured fault.
final class BenchRun: Sendable {
    let cluster: LocalCluster
    let host: InProcessController
    var controller: ClusterController { host.controller }
    let root: String

    init(cluster: LocalCluster, host: InProcessController, root: String) {
        self.cluster = cluster
        self.host = host
        self.root = root
    }

    func startController() { host.run() }

    /// The first instant after `start` at which the controller saw one of `nodes` leave Green.
    func detection(of nodes: Set<String>, after start: ContinuousClock.Instant) async -> ContinuousClock.Instant? {
        await controller.table.transitions(since: start).first { nodes.contains($0.node) && $0.from == .green }?.at
    }

    /// Polls until the controller has seen one of `nodes` leave Green after `start`.
    func waitNoticed(_ nodes: Set<String>, after start: ContinuousClock.Instant, timeout: Duration) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let noticed = await detection(of: nodes, after: start) { return noticed }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchFailure("the controller did not notice the fault within \(timeout)")
    }

    /// Polls until the published status is no longer Green (the fault reached the status).
    func waitStatusLeftGreen(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while await controller.status().state == .green {
            guard ContinuousClock.now < deadline else { throw BenchFailure("the status stayed Green for \(timeout) after the fault") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Polls until the controller reports Green with every node ready and nothing pending.
    @discardableResult
    func waitSettledGreen(timeout: Duration) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status = await controller.status()
            if status.state == .green && status.nodes.allSatisfy(\.ready)
                && status.condition(ConditionType.recovering)?.status == "False" {
                return .now
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchFailure("not Green within \(timeout): \(await controller.status().message)")
    }

    func stop() async {
        await host.stop()
        cluster.killAll()
        try? FileManager.default.removeItem(atPath: root)
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
