import AgentAPI
import Controller
import Foundation
import Galera
import LocalCluster
import Testing

/// Formation on real Galera, driven by the controller alone: agents on empty datadirs and a
/// controller that was never told the cluster exists. No LocalCluster bootstrap logic is used.
extension ControllerScenarioTests {
    @Test("formation: empty datadirs become a Green cluster through the controller; wiped later with the fact kept, it is refused as DataLost")
    func formsAndNeverReforms() async throws {
        let root = bed.root + "/form"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let stateFile = root + "/controller-state.json"
        var configuration = bed.clusterConfiguration(root: root)
        let clock = ContinuousClock()
        // A controller that knows only the nodes and its state file.
        func startController() async throws -> InProcessController {
            let host = try await InProcessController.start(
                for: configuration, monitorUser: GaleraBed.monitorUser, monitorPassword: bed.monitorPassword,
                httpClient: bed.httpClient) { $0.stateFile = stateFile }
            configuration.controllerURLPrefix = host.reportURLPrefix
            return host
        }

        // 1. Forming: three agents, nothing else; the controller does the rest.
        let first = try await startController()
        let cluster = LocalCluster(configuration: configuration)
        defer { cluster.killAll() }
        let started = clock.now
        do {
            try await cluster.startAgents()
            first.run()
            let status = try await Scenario.waitForStatus(of: first.controller, "Green with a cluster UUID", timeout: .seconds(240)) {
                $0.state == .green && $0.nodes.allSatisfy(\.ready) && $0.clusterUUID != nil
                    && $0.condition(ConditionType.recovering)?.status == "False"
            }
            print("timing: formation of 3 nodes (initialise, bootstrap, 2 SST joins) by the controller in \(clock.now - started)")
            #expect(await first.controller.actions().map(\.summary) == ["bootstrap-new demo-0", "join demo-1", "join demo-2"])
            for action in await first.controller.actions() {
                guard case .succeeded = action.outcome else { Issue.record("\(action.summary): \(action.outcome)"); continue }
            }
            #expect(ControllerState.read(from: stateFile)?.clusterUUID == status.clusterUUID, "the formed fact is recorded")
            let uuid = try #require(status.clusterUUID)
            for node in try await cluster.allStatuses() {
                #expect(node.wsrep?.clusterStateUUID.lowercased() == uuid, "\(node.node) is in the recorded cluster")
            }
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()

        // 2. Every volume lost: the nodes stop, their datadirs vanish; the fact is kept.
        try await cluster.stop()
        await cluster.stopAgents()
        for node in cluster.nodes { try FileManager.default.removeItem(atPath: node.dataDirectory) }

        // 3. A new controller with the same state file refuses, and starts nothing.
        let second = try await startController()
        let wiped = LocalCluster(configuration: configuration)
        defer { wiped.killAll() }
        do {
            try await wiped.startAgents()
            second.run()
            let refused = try await Scenario.waitForStatus(of: second.controller, "DataLost", timeout: .seconds(30)) {
                $0.condition(ConditionType.manualInterventionRequired)?.reason == "DataLost"
            }
            #expect(refused.state == .red)
            #expect(refused.message.contains("restore"))
            try await Task.sleep(for: .seconds(2))
            #expect(await second.controller.actions().isEmpty)
            for status in try await wiped.allStatuses() {
                #expect(!status.process.running && status.process.launches == 0, "\(status.node) must not have started mysqld")
            }
        } catch {
            await second.stop()
            throw error
        }
        await second.stop()
        await wiped.stopAgents()
        try? FileManager.default.removeItem(atPath: root)
    }
}
