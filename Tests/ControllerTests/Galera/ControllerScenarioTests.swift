import AgentAPI
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
            // Steady state under writes: the status does not change, so nothing is published.
            try await scenario.waitUntilSettledGreen(timeout: .seconds(10))
            try await Task.sleep(for: .milliseconds(500))
            let publishedBefore = scenario.controller.feed.counts.published
            let before = scenario.controller.feed.latest
            try await Task.sleep(for: .seconds(2))
            #expect(
                scenario.controller.feed.counts.published == publishedBefore,
                "a steady cluster publishes nothing; before: \(before.map(Scenario.json) ?? "none"); now: \(scenario.controller.feed.latest.map(Scenario.json) ?? "none")"
            )

            try await scenario.cluster.kill(1)
            try await scenario.waitForRecovery()
            #expect(await scenario.actionSummaries() == ["recover-position demo-1", "join demo-1"])
            await scenario.expectEveryActionSucceeded()
            let metrics = scenario.controller.metrics.render()
            #expect(metrics.contains(#"qmysql_controller_recoveries_total{cluster="demo",kind="node-down",result="succeeded"} 2"#))
            #expect(metrics.contains(#"qmysql_controller_recovery_seconds_count{cluster="demo",kind="node-down"} 1"#))
            #expect(metrics.contains(#"qmysql_controller_detection_seconds_count{cluster="demo"} 1"#))
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
            let watch = StatusWatch(scenario.controller)
            defer { watch.stop() }
            async let first = scenario.cluster.kill(1)
            async let second = scenario.cluster.kill(2)
            _ = try await (first, second)
            try await scenario.waitForRecovery()
            let actions = await scenario.controller.actions()
            #expect(actions.map(\.summary) == [
                "recover-position demo-1", "recover-position demo-2", "bootstrap-survivor demo-0", "join demo-1", "join demo-2",
            ])
            // The survivor reports Primary and Synced until its suspect timeout: it is no Green node
            // of a serving component meanwhile (issue 22), only once it is promoted.
            let promoted = try #require(actions.first { $0.verb == "bootstrap-survivor" }?.startedAt)
            let falseGreen = watch.statuses.filter { entry in
                entry.at < promoted && entry.status.nodes.map(\.state) == [.green, .redUnclean, .redUnclean]
            }
            #expect(falseGreen.isEmpty, "demo-0 shown Green without a quorum: \(falseGreen.map { Scenario.describe($0.status) })")
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

/// Faults the controller must not repair: a cut cable (Galera heals it) and a situation it cannot
/// see (an agent unreachable while no Primary component exists).
extension ControllerScenarioTests {
    @Test("a node cut off by the network: the majority stays Green, nothing is restarted, the node rejoins when the cable is back")
    func networkPartitionOfOneNode() async throws {
        let lab = NetworkLab(nodeNames: (0..<3).map { "demo-\($0)" })
        let launcher = bed.root + "/netns-agent.sh"
        try lab.writeLauncher(at: launcher, executable: LocalClusterConfiguration.siblingExecutable())
        do {
            try await lab.create()
            // Agents in namespaces cannot reach the controller on 127.0.0.1: it relies on its probes.
            let options = Scenario.Options(firstAddress: NetworkLab.firstAddress, executable: launcher, push: false)
            try await withScenario("cut", options: options) { scenario in
                let writer = scenario.startWriter()
                try await Task.sleep(for: .milliseconds(500))
                let cutAt = scenario.clock.now
                try await lab.cut(2)
                let partitioned = try await scenario.waitForCluster(.yellow, nodeStates: [.green, .green, .unknown], timeout: .seconds(20))
                print("timing: cut: demo-2 Unknown to the controller after \(scenario.clock.now - cutAt)")
                #expect(partitioned.condition(ConditionType.manualInterventionRequired)?.status == "False")
                let acknowledgedBefore = writer.acknowledgedCount
                try await Task.sleep(for: .seconds(3))
                let held = await scenario.controller.status()
                #expect(held.nodes.map(\.state) == [.green, .green, .unknown], "the majority stays Green while the node is cut")
                #expect(writer.acknowledgedCount > acknowledgedBefore, "writes go on in the majority")
                #expect(await scenario.actionSummaries() == [], "no restart for a cut node")

                let pluggedAt = scenario.clock.now
                try await lab.plug(2)
                try await scenario.waitUntilSettledGreen(timeout: .seconds(60))
                print("timing: cut: Green again \(scenario.clock.now - pluggedAt) after the cable was back")
                #expect(await scenario.actionSummaries() == [], "the node rejoined by itself")
                try await scenario.expectNoAcknowledgedRowLost(writer)
            }
        } catch {
            await NetworkLab.removeAll()
            throw error
        }
        await NetworkLab.removeAll()
    }

    @Test("an agent unreachable while no Primary exists: Red, ManualInterventionRequired, no node touched; acts once the agent is back")
    func refusesWhileAnAgentIsUnreachableWithoutPrimary() async throws {
        try await withScenario("refuse") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            // demo-2's agent dies, then its mysqld: the controller can no longer tell what demo-2 is.
            try scenario.killRecorded(scenario.root + "/pids/agent-2.pid")
            try scenario.killRecorded(scenario.cluster.node(2).mysqldPidFile)
            try await scenario.waitForCluster(.yellow, nodeStates: [.green, .green, .unknown], timeout: .seconds(20))
            #expect(await scenario.actionSummaries() == [])

            // Then both other nodes crash in the same instant: no Primary component is left.
            try scenario.killRecorded(scenario.cluster.node(0).mysqldPidFile, scenario.cluster.node(1).mysqldPidFile)
            let refused = try await scenario.waitForCluster(.red, nodeStates: [.redUnclean, .redUnclean, .unknown], timeout: .seconds(20))
            let condition = refused.condition(ConditionType.manualInterventionRequired)
            #expect(condition?.status == "True")
            #expect(condition?.reason == "NodeUnknownWithoutPrimary")
            #expect(refused.message.contains("demo-2"))
            try await Task.sleep(for: .seconds(6))
            let held = await scenario.controller.status()
            #expect(held.state == .red && held.condition(ConditionType.manualInterventionRequired)?.status == "True")
            #expect(await scenario.actionSummaries() == [], "no node is touched while demo-2 cannot be seen")
            for index in 0..<2 {
                #expect(try await scenario.cluster.node(index).client.status().process.running == false)
            }

            // The agent is back: every node is seen stopped, and the full-outage recovery runs.
            try await scenario.cluster.startAgents()
            try await scenario.waitUntilSettledGreen(timeout: .seconds(90))
            await scenario.expectEveryActionSucceeded()
            let verbs = await scenario.controller.actions().map(\.verb)
            #expect(verbs == ["recover-position", "recover-position", "recover-position", "bootstrap", "join", "join"])
            #expect(await scenario.controller.status().condition(ConditionType.manualInterventionRequired)?.status == "False")
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }
}

/// With automatic recovery off the controller only observes; a requested restart still runs.
extension ControllerScenarioTests {
    @Test("autoRecovery off: a killed node stays down and the status says what would be done; a requested restart brings it back")
    func observeOnlyThenRequestedRestart() async throws {
        try await withScenario("observe", options: .init(autoRecovery: false)) { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            try await scenario.cluster.kill(1)
            let observed = try await scenario.waitForStatus("what it would do", timeout: .seconds(10)) {
                $0.nodes.map(\.state) == [.green, .redUnclean, .green] && $0.message.contains("automatic recovery is off")
            }
            #expect(observed.state == .yellow)
            #expect(observed.message.contains("it would recover the position of demo-1"))
            // Not Green and nothing done: a person is asked, never "nothing needs a person".
            #expect(observed.condition(ConditionType.manualInterventionRequired)?.reason == "AutomaticRecoveryOff")
            try await Task.sleep(for: .seconds(5))
            let held = await scenario.controller.status()
            #expect(held.nodes.map(\.state) == [.green, .redUnclean, .green], "nothing was done")
            #expect(held.condition(ConditionType.recovering)?.status == "False")
            #expect(await scenario.actionSummaries() == [])

            #expect(try await scenario.controller.requestRestart(node: "demo-1"))
            try await scenario.waitUntilSettledGreen(timeout: .seconds(60))
            #expect(await scenario.actionSummaries() == ["restart demo-1"])
            await scenario.expectEveryActionSucceeded()
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }
}
