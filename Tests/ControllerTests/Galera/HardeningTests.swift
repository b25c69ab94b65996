import Agent
import AgentAPI
import Foundation
import Processes
import Galera
import LocalCluster
import Testing
@testable import Controller

/// Faults that once left a cluster stuck, on real Galera (issue "controller hardening").
extension ControllerScenarioTests {
    @Test("a restarted agent beside its running mysqld stops that mysqld gracefully; the controller rejoins the node")
    func restartedAgent() async throws {
        try await withScenario("agent") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            let node = scenario.cluster.node(2)
            let pidText = try String(contentsOfFile: node.mysqldPidFile, encoding: .utf8)
            let pid = try #require(pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
            await scenario.cluster.killAgent(2)
            #expect(kill(pid, 0) == 0, "mysqld outlives its agent")
            try await scenario.cluster.startAgents()
            try await scenario.waitForRecovery(timeout: .seconds(120))
            #expect(kill(pid, 0) != 0, "the new agent stopped the mysqld it did not start")
            #expect(await scenario.actionSummaries() == ["join demo-2"])
            await scenario.expectEveryActionSucceeded()
            let status = try await node.client.status()
            #expect(status.process.running && status.state == .green)
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    /// Issue 22: the agent kept reporting Green with `disk: null` over a deleted datadir. Now it
    /// ends that mysqld at once and says why; the controller re-seeds the node by SST.
    @Test("a datadir deleted under a running mysqld: the agent stops it and says why, the controller re-seeds the node")
    func datadirDeletedUnderRunningMysqld() async throws {
        try await withScenario("deleted") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            let node = scenario.cluster.node(2)
            // As `rm -rf /var/lib/mysql/*` on a pod: the volume's root stays, its files go.
            for entry in try FileManager.default.contentsOfDirectory(atPath: node.dataDirectory) {
                try FileManager.default.removeItem(atPath: node.dataDirectory + "/" + entry)
            }
            let deadline = ContinuousClock.now + .seconds(20)
            var stopped: AgentStatus?
            while ContinuousClock.now < deadline {
                if let status = try? await node.client.status(), !status.process.running, status.lastExit != nil { stopped = status; break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let exit = try #require(stopped?.lastExit, "the agent ends a mysqld whose datadir is gone")
            #expect(exit.description.contains("datadir") && exit.description.contains("deleted"), "\(exit.description)")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(180))
            let summaries = await scenario.controller.actions().map(\.summary)
            #expect(summaries.contains("join demo-2"), "re-seeded by SST: \(summaries)")
            #expect(try await node.client.status().state == .green)
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("an agent frozen (SIGSTOP) while mysqld serves: its node says since when the agent is silent, and stops saying so once thawed")
    func frozenAgent() async throws {
        try await withScenario("silent") { scenario in
            let writer = scenario.startWriter()
            let pidFile = scenario.root + "/pids/agent-2.pid"
            let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            kill(pid, SIGSTOP)
            let silent: ClusterStatus
            do {
                silent = try await scenario.waitForStatus("demo-2's agent silent", timeout: .seconds(20)) {
                    $0.nodes[2].agentSilentSince != nil
                }
            } catch {
                kill(pid, SIGCONT)
                throw error
            }
            kill(pid, SIGCONT)
            #expect(silent.nodes[2].state == .green, "mysqld still serves, so the node keeps its SQL state")
            #expect(silent.message.contains("the agent of demo-2 has not answered since"), "\(silent.message)")
            try await scenario.waitForStatus("demo-2's agent answering again", timeout: .seconds(20)) {
                $0.nodes[2].agentSilentSince == nil && $0.state == .green
            }
            #expect(await scenario.actionSummaries() == [], "a silent agent is shown, never acted on")
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }

    @Test("a joiner killed in the middle of its full SST is re-joined by SST, and the cluster is Green again by itself")
    func joinerKilledDuringSST() async throws {
        // The packaged method, whose donor sleeps 10 s first: a window to kill the joiner in.
        try await withScenario("sst", options: .init(stateTransfer: .packaged)) { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            let node = scenario.cluster.node(2)
            try await scenario.replaceVolume(of: 2)
            // The controller re-seeds it by SST (the donor sleeps 10 s first): kill it in the middle.
            let marker = node.dataDirectory + "/sst_in_progress"
            let deadline = ContinuousClock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: marker) {
                guard ContinuousClock.now < deadline else { throw ScenarioFailure("demo-2 never began its SST") }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .seconds(2))
            _ = try await node.client.stop(.kill)
            let killed = try await node.client.status()
            #expect(!killed.process.running)
            try await scenario.waitUntilSettledGreen(timeout: .seconds(180))
            let actions = await scenario.controller.actions()
            let summaries = actions.map(\.summary)
            let joins = actions.filter { $0.summary == "join demo-2" }
            #expect(joins.count >= 2, "the interrupted join, then a new SST: \(summaries)")
            #expect(joins.last.map { if case .succeeded = $0.outcome { true } else { false } } == true)
            #expect(summaries.allSatisfy { $0 == "join demo-2" }, "no recovery of a partial copy, no bootstrap: \(summaries)")
            #expect(!FileManager.default.fileExists(atPath: marker))
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }
}

extension ControllerScenarioTests {
    @Test("a frozen node (SIGSTOP) thawed with a stale view: never Green while the views disagree, Green again once it rejoined")
    func frozenNode() async throws {
        try await withScenario("frozen") { scenario in
            let writer = scenario.startWriter()
            try await Task.sleep(for: .milliseconds(500))
            let frozen = scenario.cluster.node(2)
            let pid = try #require(pid_t(try String(contentsOfFile: frozen.mysqldPidFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            let survivor = scenario.cluster.node(0)

            // Frozen past evs.inactive_timeout (6 s): the others evict it and carry on as two.
            #expect(kill(pid, SIGSTOP) == 0)
            var evicted = false
            for _ in 0..<150 {
                if let wsrep = try? await survivor.client.status().wsrep, wsrep.clusterSize == 2, wsrep.clusterStatus == .primary {
                    evicted = true
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(evicted, "the survivors evicted the frozen node")
            let whileFrozen = await scenario.controller.status()
            #expect(whileFrozen.state != .green, "one node short is not Green: \(Scenario.describe(whileFrozen))")

            // Thawed, it first speaks from its old view (Synced, Primary, three members). Every
            // Green the controller reports from here on must come with one view on every node.
            #expect(kill(pid, SIGCONT) == 0)
            let thawed = ContinuousClock.now
            var greens = 0
            var settled = false
            while ContinuousClock.now - thawed < .seconds(120) {
                let status = await scenario.controller.status()
                if status.state == .green {
                    greens += 1
                    var views: [(String, Int64?, Int)] = []
                    for node in scenario.cluster.nodes {
                        let wsrep = try await node.client.status().wsrep
                        views.append((node.name, wsrep?.clusterConfID, wsrep?.clusterSize ?? 0))
                    }
                    let agreed = Set(views.map(\.1)).count == 1 && views.allSatisfy { $0.2 == 3 && $0.1 != nil }
                    #expect(agreed, "Green reported while the views differ: \(views)")
                    if agreed, status.nodes.allSatisfy(\.ready) { settled = true; break }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let final = await scenario.controller.status()
            #expect(settled, "Green again once the thawed node rejoined: \(Scenario.describe(final))")
            #expect(greens > 0)
            // Nothing was restarted: the node came back by itself.
            #expect(kill(pid, 0) == 0, "the thawed mysqld still runs")
            try await scenario.expectNoAcknowledgedRowLost(writer)
        }
    }
}

extension ControllerScenarioTests {
    /// Runs a command (mount, umount, fallocate) and fails with its output if it fails.
    static func command(_ executable: String, _ arguments: [String]) async throws {
        let log = NSTemporaryDirectory() + "qmc-command-\(UUID().uuidString.prefix(6)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let exit = await (try Processes.ChildProcess.spawn(executable, arguments: arguments, outputPath: log)).wait()
        guard exit.isClean else {
            throw ScenarioFailure("\(executable) \(arguments.joined(separator: " ")): \(exit): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
    }

    @Test("a node on a small filesystem that fills up: DiskFull, no restart loop, Green once space is freed",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func diskFull() async throws {
        try await withScenario("disk") { scenario in
            let node = scenario.cluster.node(2)
            // demo-2 moves onto a 400 MiB tmpfs while the controller stands aside.
            await scenario.controller.beginRestore(step: "test: move demo-2 onto a small filesystem")
            _ = try await node.client.stop(.graceful)
            let original = node.dataDirectory + ".orig"
            try FileManager.default.moveItem(atPath: node.dataDirectory, toPath: original)
            try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)
            try await Self.command("mount", ["-t", "tmpfs", "-o", "size=400m", "qmc-disk", node.dataDirectory])
            do {
                try await Self.command("cp", ["-a", original + "/.", node.dataDirectory])
                try FileManager.default.removeItem(atPath: original)
                await scenario.controller.endRestore()
                try await scenario.waitUntilSettledGreen(timeout: .seconds(90))
                let writer = scenario.startWriter()
                try await Task.sleep(for: .milliseconds(500))

                // Fill it to 4 MiB free, then the node crashes: recovering it would start mysqld
                // on a full disk. The controller asks for a person instead, and waits.
                let roomy = try #require(try await node.client.status().disk)
                #expect(roomy.path == node.dataDirectory && roomy.totalBytes == 400 << 20, "\(roomy)")
                let filler = node.dataDirectory + "/filler"
                try await Self.command("fallocate", ["-l", "\(roomy.freeBytes - (4 << 20))", filler])
                _ = try await node.client.stop(.kill)
                let refused = try await scenario.waitForStatus("DiskFull", timeout: .seconds(30)) {
                    $0.condition(ConditionType.manualInterventionRequired)?.reason == "DiskFull"
                }
                let message = refused.condition(ConditionType.manualInterventionRequired)?.message ?? ""
                #expect(message.contains("demo-2") && message.contains(node.dataDirectory) && message.contains("free of 400.0 MiB"), "\(message)")
                let actionsWhileFull = await scenario.actionSummaries()
                try await Task.sleep(for: .seconds(8))
                #expect(await scenario.actionSummaries() == actionsWhileFull, "nothing is tried on the full disk")
                #expect(try await node.client.status().process.running == false)

                // Space is freed: the controller does what it would have done.
                try FileManager.default.removeItem(atPath: filler)
                try await scenario.waitUntilSettledGreen(timeout: .seconds(120))
                let cleared = await scenario.controller.status()
                #expect(cleared.condition(ConditionType.manualInterventionRequired)?.status != "True")
                let afterwards = await scenario.actionSummaries()
                #expect(Array(afterwards.dropFirst(actionsWhileFull.count)) == ["recover-position demo-2", "join demo-2"],
                        "once there is room, the steps it held back: \(afterwards)")
                try await scenario.expectNoAcknowledgedRowLost(writer)
            } catch {
                _ = try? await node.client.stop(.kill)
                try? await Self.command("umount", ["-l", node.dataDirectory])
                throw error
            }
            _ = try? await node.client.stop(.kill)
            try await Self.command("umount", ["-l", node.dataDirectory])
        }
    }
}
