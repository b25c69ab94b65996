import Agent
import Controller
import Foundation
import Galera
import LocalCluster
import Testing

/// The controller against real mariadbd through real agents. Each scenario starts Green, suffers
/// one fault while a bounded writer runs, and must end Green by itself; the test checks what the
/// controller did (its action history), and that no acknowledged row was lost.
@Suite("Controller on real Galera", .serialized, .galeraBed)
struct ControllerScenarioTests {
    var bed: GaleraBed { GaleraBed.current! }

    /// Runs `body` with a fresh scenario and always stops it.
    func withScenario(_ name: String, options: Scenario.Options = .init(), _ body: (Scenario) async throws -> Void) async throws {
        let scenario = try await Scenario.start(name, bed: bed, options: options)
        do {
            try await body(scenario)
        } catch {
            print("scenario \(name) failed; actions: \(await scenario.actionSummaries())")
            await scenario.stop()
            throw error
        }
        await scenario.stop()
    }

    @Test("a killed node: its position is recovered and it rejoins")
    func killOneNode() async throws {
        try await withScenario("kill1") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            try await scenario.cluster.kill(1)
            try await scenario.waitForRecovery()
            #expect(await scenario.actionSummaries() == ["recover-position demo-1", "join demo-1"])
            await scenario.expectEveryActionSucceeded()
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("a node stopped gracefully rejoins from its grastate position")
    func stopOneNodeGracefully() async throws {
        try await withScenario("stop1") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            _ = try await scenario.cluster.node(2).client.stop(.graceful)
            try await scenario.waitForRecovery()
            #expect(await scenario.actionSummaries() == ["join demo-2"])
            await scenario.expectEveryActionSucceeded()
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("two killed nodes: the survivor loses quorum, is re-bootstrapped, the others rejoin one at a time")
    func killTwoNodes() async throws {
        try await withScenario("kill2") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            async let first = scenario.cluster.kill(1)
            async let second = scenario.cluster.kill(2)
            _ = try await (first, second)
            try await scenario.waitForRecovery()
            #expect(await scenario.actionSummaries() == [
                "recover-position demo-1", "recover-position demo-2", "bootstrap-survivor demo-0", "join demo-1", "join demo-2",
            ])
            await scenario.expectEveryActionSucceeded()
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("all nodes killed: every position recovered, the most advanced bootstrapped, the others join one at a time")
    func killAllNodes() async throws {
        try await withScenario("killall") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            async let a = scenario.cluster.kill(0)
            async let b = scenario.cluster.kill(1)
            async let c = scenario.cluster.kill(2)
            _ = try await (a, b, c)
            try await scenario.waitForRecovery()
            await scenario.expectEveryActionSucceeded()
            let actions = await scenario.controller.actions()
            #expect(actions.prefix(3).map(\.summary) == ["recover-position demo-0", "recover-position demo-1", "recover-position demo-2"])
            #expect(actions.count == 6)
            // The bootstrapped node is the one whose recovered seqno was highest (ties: lowest ordinal).
            let recovered = actions.prefix(3).compactMap { action -> (String, Int64)? in
                guard case .succeeded(let text) = action.outcome, let seqno = text.split(separator: ":").last.flatMap({ Int64($0) }) else { return nil }
                return (action.node, seqno)
            }
            #expect(recovered.count == 3)
            let best = recovered.max { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 > $1.0) }?.0 ?? "?"
            if actions.count == 6 {
                #expect(actions[3].verb == "bootstrap" && actions[3].node == best)
                let joined = actions.suffix(2).map(\.summary)
                #expect(joined == ["demo-0", "demo-1", "demo-2"].filter { $0 != best }.map { "join \($0)" })
            }
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("all nodes stopped gracefully at once: the most advanced node is bootstrapped, the others join one at a time")
    func stopAllNodesGracefully() async throws {
        try await withScenario("stopall") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            // As when a host shuts down: every node gets SIGTERM at the same moment.
            async let a = scenario.cluster.node(0).client.stop(.graceful)
            async let b = scenario.cluster.node(1).client.stop(.graceful)
            async let c = scenario.cluster.node(2).client.stop(.graceful)
            _ = try await (a, b, c)
            try await scenario.waitForRecovery()
            await scenario.expectEveryActionSucceeded()
            let actions = await scenario.controller.actions()
            #expect(actions.map(\.verb) == ["bootstrap", "join", "join"])
            // The joins name each node's grastate position: none is ahead of the bootstrapped one.
            let seqno = { (action: ActionRecord) in Int64(action.detail.split(separator: ":").last ?? "") ?? -1 }
            if let bootstrap = actions.first, actions.count == 3 {
                #expect(actions.dropFirst().allSatisfy { seqno($0) <= seqno(bootstrap) && seqno($0) >= 0 })
                #expect(actions[1].node < actions[2].node, "joins go in ordinal order")
            }
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }
}
