import AgentAPI
import Foundation
import Clocks
import Galera
import Logging
import Synchronization
import Testing
@testable import Controller

/// The controller's whole loop (probe, decide, enqueue, act once, observe again) against the
/// in-memory Galera cluster: every row of the decision table as the controller meets it, each in
/// well under a second. The real-Galera suites remain the proof that the model is right.
// Serialized: each test runs a controller probing every 10 ms; two dozen at once on two cores,
// beside the other suites, would measure the machine instead of the controller.
@Suite("The controller loop on a fake Galera cluster", .serialized)
struct ControllerLoopTests {
    // MARK: Known faults are repaired

    @Test("row 9 and 11: a killed node is recovered, then joins by IST from its position")
    func killOne() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.write(5)
            fake.kill("n2")
            try await loop.waitGreen(after: "kill n2")
            #expect(fake.calls == ["recover n2", "start n2 join 105"])
        }
    }

    @Test("row 11: a node shut down cleanly joins from grastate.dat's position, no recovery needed")
    func stopOne() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.shutDown("n1")
            try await loop.waitGreen(after: "stop n1")
            #expect(fake.calls == ["start n1 join 100"])
        }
    }

    @Test("rows 15, 16 and 11: two killed nodes: positions first, the survivor bootstraps, the others join")
    func killTwo() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.kill("n1", "n2")
            try await loop.waitGreen(after: "kill n1 and n2")
            #expect(fake.calls == ["recover n1", "recover n2", "start n0 bootstrap-survivor", "start n1 join 100", "start n2 join 100"])
        }
    }

    @Test("rows 15 and 17: every node killed: recover all, bootstrap the most advanced, join the rest")
    func killAll() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.kill("n0")
            fake.write(3)  // n1 and n2 committed more after n0 died
            fake.kill("n1", "n2")
            try await loop.waitGreen(after: "kill all")
            #expect(fake.calls == ["recover n0", "recover n1", "recover n2", "start n1 bootstrap 103", "start n0 join 100", "start n2 join 103"])
        }
    }

    @Test("row 17: every node shut down cleanly: the last to leave bootstraps, no recovery")
    func stopAll() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.shutDown("n2", "n0", "n1")
            try await loop.waitGreen(after: "stop all")
            // n1 left last: safe_to_bootstrap breaks the tie of equal seqnos.
            #expect(fake.calls == ["start n1 bootstrap 100", "start n0 join 100", "start n2 join 100"])
        }
    }

    @Test("row 10: a joiner waits until Galera evicted the dead node from the view")
    func waitsForEviction() async throws {
        let fake = FakeGalera()
        fake.holdEvictions()
        try await Loop.run(fake) { loop in
            fake.kill("n2")
            try await loop.waitStatus("the position of n2 recovered") { _ in fake.calls == ["recover n2"] }
            try await loop.settle()
            #expect(fake.calls == ["recover n2"], "no join while the view still counts n2")
            fake.evict()
            try await loop.waitGreen(after: "eviction")
            #expect(fake.calls == ["recover n2", "start n2 join 100"])
        }
    }

    @Test("row 8: one joiner at a time, and a report arriving mid-step ends the step without a second action")
    func oneJoinerAtATime() async throws {
        let fake = FakeGalera()
        fake.holdTransfers()
        try await Loop.run(fake) { loop in
            fake.shutDown("n1", "n2")
            try await loop.waitStatus("n1 joining") { _ in fake.calls == ["start n1 join 100"] }
            try await loop.settle()
            #expect(fake.calls == ["start n1 join 100"], "n2 waits while n1 receives its state transfer")
            // The transfer ends and the agent pushes its report at once, mid-step.
            fake.finishTransfers()
            #expect(await loop.controller.receive(try await fake.status(of: "n1")))
            try await loop.waitGreen(after: "both joins")
            #expect(fake.calls == ["start n1 join 100", "start n2 join 100"])
            let joins = await loop.controller.actions().filter { $0.verb == "join" }
            #expect(joins.count == 2)
            #expect(joins.allSatisfy { if case .succeeded = $0.outcome { true } else { false } })
        }
    }

    @Test("row 11: a replaced (empty) volume is re-seeded by SST while a Primary component serves")
    func reseedsEmptyVolume() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.replaceVolume("n2")
            try await loop.waitGreen(after: "a new volume for n2")
            #expect(fake.calls == ["start n2 join"])
        }
    }

    @Test("row 12: a node cut off by the network is left to rejoin by itself")
    func cutOffNodeIsLeftAlone() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.isolate("n2")
            let status = try await loop.waitStatus("n2 non-Primary") { $0.state == .yellow }
            try await loop.settle()
            #expect(fake.calls.isEmpty)
            #expect(status.message.contains("rejoin"))
        }
    }

    @Test("a cut-off node that does not come back: a person is asked after the bound (NodeCutOff); it clears once the node rejoins")
    func cutOffTooLongAsksAPerson() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.isolate("n2")
            let waiting = try await loop.waitStatus("waiting for the rejoin") {
                $0.condition(ConditionType.recovering).map { $0.status == "True" && $0.reason == "WaitingForRejoin" } ?? false
            }
            #expect(waiting.condition(ConditionType.manualInterventionRequired)?.status == "False", "not before the bound")
            // The loop's bound is 1 s.
            let asked = try await loop.waitManual("NodeCutOff")
            #expect(asked.message.contains("n2") && asked.message.contains("network"))
            fake.reconnect("n2")
            try await loop.waitGreen(after: "the cable is back")
            #expect(await loop.controller.status().condition(ConditionType.manualInterventionRequired)?.status == "False")
            #expect(fake.calls.isEmpty, "a cut-off node is never restarted")
        }
    }

    // MARK: Formation

    @Test("rows 5 and 11: a new cluster on empty datadirs forms: ordinal 0 bootstraps, the others join by SST")
    func forms() async throws {
        let fake = FakeGalera(formed: false)
        try await Loop.run(fake) { loop in
            let status = try await loop.waitGreen(after: "formation", faultFirst: false)
            #expect(fake.calls == ["start n0 bootstrap", "start n1 join", "start n2 join"])
            #expect(status.clusterUUID == fake.node("n0").uuid)
            #expect(status.clusterUUID != nil)
        }
    }

    @Test("row 6: a cluster formed before whose datadirs are all empty is refused (DataLost), nothing started")
    func refusesToReform() async throws {
        let fake = FakeGalera(formed: false)
        try await Loop.run(fake, configure: { $0.formedUUID = Fixture.uuid }) { loop in
            let status = try await loop.waitManual("DataLost")
            #expect(status.message.contains("restore"))
            try await loop.settle()
            #expect(fake.calls.isEmpty)
        }
    }

    @Test("row 6: the formed fact survives a controller restart through its state file")
    func formedFactIsPersisted() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-state-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fake = FakeGalera(formed: false)
        try await Loop.run(fake, configure: { $0.stateFile = file }) { loop in
            try await loop.waitStatus("formed") { $0.state == .green && $0.clusterUUID != nil }
        }
        #expect(ControllerState.read(from: file)?.clusterUUID == fake.node("n0").uuid)
        // Every volume lost; a new controller with the same state file refuses.
        let wiped = FakeGalera(formed: false)
        try await Loop.run(wiped, configure: { $0.stateFile = file }) { loop in
            try await loop.waitManual("DataLost")
            #expect(wiped.calls.isEmpty)
        }
    }

    // MARK: Intent and busy agents

    @Test("row 2: a paused cluster stops its nodes one at a time, then observes; unpaused, it comes back by the full-stop rows")
    func paused() async throws {
        let fake = FakeGalera()
        fake.write(5)
        try await Loop.run(fake, configure: { $0.paused = true }) { loop in
            let status = try await loop.waitStatus("every node stopped") { status in
                status.nodes.allSatisfy { $0.state == .redClean } && status.message.contains("every node is stopped")
            }
            try await loop.settle()
            #expect(fake.calls == ["stop n2 graceful", "stop n1 graceful", "stop n0 graceful"])
            #expect(status.message.contains("paused"))
        }
        fake.clearCalls()
        try await Loop.run(fake) { loop in
            try await loop.waitGreen(after: "unpause", faultFirst: false)
            // n0 left last: it holds the newest position and bootstraps; the others join.
            #expect(fake.calls == ["start n0 bootstrap 105", "start n1 join 105", "start n2 join 105"])
        }
    }

    @Test("row 2: while a restore owns the nodes, fault recovery stands aside; afterwards it repairs")
    func restoring() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            await loop.controller.beginRestore(step: "pause the nodes")
            fake.shutDown("n2")
            try await loop.waitStatus("Yellow") { $0.state == .yellow }
            try await loop.settle()
            #expect(fake.calls.isEmpty)
            await loop.controller.endRestore()
            try await loop.waitGreen(after: "the restore ended")
            #expect(fake.calls == ["start n2 join 100"])
        }
    }

    @Test("row 3: an agent stopping its node freezes decisions until it is done")
    func busyAgentBlocks() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.setOperation("n0", .stopping)
            fake.kill("n2")
            try await loop.waitStatus("Yellow") { $0.state == .yellow }
            try await loop.settle()
            #expect(fake.calls.isEmpty)
            fake.setOperation("n0", nil)
            try await loop.waitGreen(after: "n0's agent is done")
        }
    }

    @Test("rows 3 and 19: a backup on one node never freezes the repair of another")
    func backupDoesNotBlock() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.setOperation("n0", .backingUp)
            fake.kill("n2")
            try await loop.waitGreen(after: "kill n2 while n0 backs up")
            #expect(fake.calls == ["recover n2", "start n2 join 100"])
        }
    }

    // MARK: Refusals

    @Test("row 4: a node claiming another history is refused")
    func uuidMismatch() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.shutDown("n2")
            fake.rewriteHistory("n2", uuid: Fixture.otherUUID, seqno: 50)
            try await loop.waitManual("ClusterUUIDMismatch")
            #expect(fake.calls.isEmpty)
        }
    }

    @Test("row 7: a member with the all-zero UUID and no Primary component is refused, with the commands")
    func zeroState() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.shutDown("n2", "n1", "n0")
            fake.rewriteHistory("n2", uuid: GaleraPosition.zeroUUID, seqno: 0)
            let status = try await loop.waitManual("ZeroState")
            #expect(status.message.contains("touch /var/lib/mysql/qmysql-reseed") && status.message.contains("kubectl qmysql restore demo --from"))
            #expect(fake.calls.isEmpty)
            // A person approves replacing n2's data: the others come back, n2 is re-seeded.
            fake.approveReseed("n2")
            try await loop.waitGreen(after: "the approval")
            #expect(fake.calls == ["start n0 bootstrap 100", "start n1 join 100", "start n2 join"])
            #expect(!fake.node("n2").reseedApproved, "the approval ends with the re-seed")
        }
    }

    @Test("rows 7 and 11: with a Primary component, a member with the all-zero UUID is re-seeded by SST")
    func zeroStateReseeded() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.shutDown("n2")
            fake.rewriteHistory("n2", uuid: GaleraPosition.zeroUUID, seqno: 0)
            try await loop.waitGreen(after: "n2 lost its position")
            #expect(fake.calls == ["start n2 join"])
        }
    }

    // MARK: Membership: formations that fail part-way finish by themselves

    @Test("a first SST that fails leaves the joiner all-zero: it never was a member, so it is seeded again, no ZeroState")
    func failedFirstTransfer() async throws {
        let fake = FakeGalera(formed: false)
        fake.failTransfers("n1")
        try await Loop.run(fake) { loop in
            try await loop.waitGreen(after: "formation", faultFirst: false)
            #expect(fake.calls == ["start n0 bootstrap", "start n1 join", "start n1 join", "start n2 join"])
            #expect(loop.checker.manualReasons.isEmpty, "no refusal on the way: \(loop.checker.manualReasons)")
        }
    }

    @Test("the bootstrap node crashes while the first joiner receives its transfer: the joiner is stopped, the bootstrap node comes back, both others join")
    func bootstrapNodeCrashesDuringFormation() async throws {
        let fake = FakeGalera(formed: false)
        fake.holdTransfers()
        try await Loop.run(fake) { loop in
            try await loop.waitStatus("n1 receiving") { _ in fake.calls == ["start n0 bootstrap", "start n1 join"] }
            fake.kill("n0")
            // No Primary component is left; n1 waits for a transfer no one sends, until it is stopped.
            try await loop.waitStatus("n1 stopped") { _ in fake.calls.contains("stop n1 kill") }
            fake.finishTransfers()
            try await loop.waitGreen(after: "the crash", faultFirst: false)
            let calls = fake.calls
            #expect(Array(calls.prefix(4)) == ["start n0 bootstrap", "start n1 join", "stop n1 kill", "recover n0"])
            #expect(Array(calls.suffix(3)) == ["start n0 bootstrap 0", "start n1 join", "start n2 join"])
            #expect(loop.checker.manualReasons.isEmpty, "no refusal on the way: \(loop.checker.manualReasons)")
        }
    }

    @Test("no false alarm while forming: nodes not started yet are no EmptyState")
    func noAlarmWhileForming() async throws {
        let fake = FakeGalera(formed: false)
        fake.holdTransfers()
        try await Loop.run(fake) { loop in
            try await loop.waitStatus("n1 receiving") { _ in fake.calls == ["start n0 bootstrap", "start n1 join"] }
            try await loop.settle()
            fake.finishTransfers()
            try await loop.waitGreen(after: "formation", faultFirst: false)
            #expect(loop.checker.manualReasons.isEmpty, "\(loop.checker.manualReasons)")
        }
    }

    @Test("row 7: an empty datadir with no Primary component to seed it from is refused")
    func emptyWithoutPrimary() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.shutDown("n2", "n1", "n0")
            fake.wipe("n2")
            try await loop.waitManual("EmptyState")
            #expect(fake.calls.isEmpty)
        }
    }

    @Test("row 13: no Primary and an agent that does not answer: refuse, touch nothing")
    func unknownWithoutPrimary() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.kill("n0", "n1", "n2")
            fake.setAgentReachable("n2", false)
            try await loop.waitManual("NodeUnknownWithoutPrimary")
            try await loop.settle()
            #expect(!fake.calls.contains { $0.hasPrefix("start") })
        }
    }

    @Test("row 14: every node running, none Primary: wait for them to merge (a network problem, not a crash), ask a person after the bound, act on nothing")
    func allNonPrimary() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.isolate("n0")
            fake.isolate("n1")
            let waiting = try await loop.waitStatus("waiting for the merge") {
                $0.condition(ConditionType.recovering).map { $0.status == "True" && $0.reason == "WaitingForMerge" } ?? false
            }
            #expect(waiting.state == .red)
            #expect(waiting.condition(ConditionType.manualInterventionRequired)?.status == "False", "not before the bound")
            // The loop's bound is 1 s.
            let asked = try await loop.waitManual("AllNonPrimary")
            #expect(asked.message.contains("network"))
            fake.merge()
            try await loop.waitGreen(after: "the network is back")
            #expect(await loop.controller.status().condition(ConditionType.manualInterventionRequired)?.status == "False")
            #expect(fake.calls.isEmpty, "nothing is started or bootstrapped")
        }
    }

    @Test("row 16: a stopped node ahead of the survivor: refuse to re-bootstrap the survivor")
    func stoppedNodeAhead() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.isolate("n0")  // n0 is cut off at seqno 100 ...
            fake.write(5)  // ... while n1 and n2 go on to 105 ...
            fake.kill("n1", "n2")  // ... and crash: n0 survives, behind them.
            let status = try await loop.waitManual("StoppedNodeAhead")
            #expect(status.message.contains("n0"))
            #expect(fake.calls == ["recover n1", "recover n2"], "positions are learned, nothing is started")
        }
    }

    // MARK: Hardening: never stuck, never falsely Green

    @Test("escalation: the same step failing again and again raises RecoveryStepFailing with the last error; fixed, it clears")
    func escalates() async throws {
        let fake = FakeGalera()
        fake.failNextStarts("n2", 100)
        try await Loop.run(fake, configure: {
            $0.escalateAfterFailures = 3
            $0.escalatedRetryInterval = .milliseconds(300)
        }) { loop in
            fake.shutDown("n2")
            // While it retries, Recovering says which step, how often, the last error, the next try.
            let retrying = try await loop.waitStatus("retrying") { $0.condition(ConditionType.recovering)?.reason == "RetryingFailedStep" }
            let message = try #require(retrying.condition(ConditionType.recovering)?.message)
            #expect(message.contains("start n2 in join mode") && message.contains("exited with code 1") && message.contains("next attempt"), "\(message)")
            let escalated = try await loop.waitManual("RecoveryStepFailing")
            #expect(escalated.message.contains("failed 3 times") && escalated.message.contains("exited with code 1"), "\(escalated.message)")
            // Escalated: no restart loop into the same wall, only the slow retry: one in the
            // next 300 ms of the controller's time, and no more.
            let startsAtEscalation = fake.calls.count
            try await loop.pass(.milliseconds(290))
            #expect(fake.calls.count <= startsAtEscalation + 1, "\(fake.calls)")
            // A person fixes the cause: the next slow retry succeeds and everything clears.
            fake.failNextStarts("n2", 0)
            let green = try await loop.waitGreen(after: "the fix")
            #expect(green.condition(ConditionType.manualInterventionRequired)?.status == "False")
            #expect(green.condition(ConditionType.recovering)?.reason == "Idle")
        }
    }

    @Test("an agent that lost track of its running mysqld is disputed: shown, never acted on")
    func agentVersusSQL() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.agentLosesTrack("n2")
            let status = try await loop.waitStatus("n2 disputed") { status in
                status.nodes.first { $0.name == "n2" }?.state == .unknown && status.message.contains("disputed")
            }
            #expect(status.message.contains("mysqld answers SQL"), "\(status.message)")
            try await loop.settle()
            #expect(fake.calls.isEmpty, "no recover or start against a mysqld that runs")
            #expect(await loop.controller.status().state == .yellow)
        }
    }

    @Test("a frozen node that comes back with a stale view is Yellow until it agrees: never a false Green")
    func frozenNode() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.freeze("n2")
            try await loop.waitStatus("n2 Unknown while frozen") { $0.nodes.first { $0.name == "n2" }?.state == .unknown }
            fake.thaw("n2")  // back, still claiming the three-node view
            let thawed = try await loop.waitStatus("n2 Yellow with its stale view") { $0.nodes.first { $0.name == "n2" }?.state == .yellow }
            #expect(thawed.state == .yellow)
            try await loop.settle()
            #expect(await loop.controller.status().state != .green, "the views disagree: not Green")
            #expect(fake.calls.isEmpty)
            fake.noticeEviction("n2")  // Galera tells it, it rejoins by IST by itself
            try await loop.waitGreen(after: "n2 rejoined")
        }
    }

    @Test("a joiner killed in its state transfer re-joins by SST while a Primary component exists")
    func interruptedTransferWithPrimary() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.interruptTransfer("n2")
            try await loop.waitGreen(after: "the interrupted transfer")
            #expect(fake.calls == ["start n2 join"], "no recovery of a partial copy, a full SST")
        }
    }

    @Test("without a Primary component a joiner killed in its transfer is left out of the bootstrap choice")
    func interruptedTransferWithoutPrimary() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            fake.interruptTransfer("n0")
            fake.kill("n1", "n2")
            try await loop.waitGreen(after: "the cluster came back")
            let calls = fake.calls
            #expect(!calls.contains("recover n0") && !calls.contains { $0.hasPrefix("start n0 bootstrap") }, "\(calls)")
            #expect(calls.contains("start n0 join"), "n0 re-joins by SST once a Primary exists: \(calls)")
        }
    }

    // MARK: Timing rules

    @Test("after a failed step the next waits, longer after each failure in a row")
    func backsOff() async throws {
        let fake = FakeGalera()
        fake.failNextStarts("n2", 2)
        try await Loop.run(fake) { loop in
            fake.shutDown("n2")
            try await loop.waitGreen(after: "two failed starts")
            let actions = await loop.controller.actions()
            let joins = actions.filter { $0.verb == "join" }
            #expect(joins.count == 3)
            let failed = joins.filter { if case .failed = $0.outcome { true } else { false } }
            #expect(failed.count == 2)
            // Whatever follows a failed step starts no sooner than the back-off (sleeps never end early).
            let base = Self.seconds(Loop.configuration().retryBackoff)
            for (earlier, later) in zip(actions, actions.dropFirst()) {
                guard case .failed = earlier.outcome, let failedAt = earlier.finishedAt else { continue }
                #expect(later.startedAt.timeIntervalSince(failedAt) >= base * 0.9, "\(earlier.summary) -> \(later.summary)")
            }
        }
    }

    @Test("a steady cluster publishes nothing: the first Green status already says Serving")
    func steadyPublishesNothing() async throws {
        let fake = FakeGalera()
        try await Loop.run(fake) { loop in
            #expect(loop.controller.feed.latest?.phase == .serving, "the evaluation that learns the UUID shows it")
            // Thirty probe rounds with nothing changing.
            try await loop.settle(rounds: 30)
            #expect(loop.controller.feed.counts.published == loop.publishedBefore)
        }
    }

    @Test("the staleness bound: a silent node turns Unknown only after stale-after, and SQL alone keeps it known")
    func stalenessBound() async throws {
        let fake = FakeGalera()
        let staleAfter = Duration.seconds(1)
        try await Loop.run(fake, configure: { $0.staleAfter = staleAfter }) { loop in
            // The agent is gone but mysqld answers: still Green, for longer than the bound.
            fake.setAgentReachable("n2", false)
            try await loop.pass(staleAfter + .milliseconds(300))
            let silent = await loop.controller.status()
            #expect(silent.nodes.first { $0.name == "n2" }?.state == .green)
            // ... and the status says since when its agent is silent (issue 22: a frozen agent showed nowhere).
            let since = try #require(silent.nodes.first { $0.name == "n2" }?.agentSilentSince, "the silent agent is shown")
            #expect(silent.message.contains("the agent of n2 has not answered since \(since)"), "\(silent.message)")
            #expect(silent.nodes.filter { $0.agentSilentSince != nil }.map(\.name) == ["n2"])
            // Now mysqld is silent too (a frozen node).
            fake.setSQLReachable("n2", false)
            try await loop.waitStatus("n2 Unknown") { $0.nodes.first { $0.name == "n2" }?.state == .unknown }
            let lastAnswer = try #require(fake.lastSQLAnswer("n2"))
            let unknownAt = try #require(await loop.controller.table.transitions(since: loop.began).last { $0.node == "n2" && $0.to == .unknown }?.at)
            // Measured from the last answer, on the one clock the fake and the controller share:
            // not a moment sooner than the bound, and within a round of it.
            #expect(unknownAt - lastAnswer >= staleAfter, "Unknown \(unknownAt - lastAnswer) after the last answer")
            #expect(unknownAt - lastAnswer <= staleAfter + Loop.configuration().probeInterval, "Unknown \(unknownAt - lastAnswer) after the last answer")
            #expect(fake.calls.isEmpty)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Runs a controller against a fake cluster with short intervals on the fake's manual clock,
/// which a `ClockDriver` moves one probe round at a time, and waits on its status. Every bound a
/// test states (a wait, the invariant's) is on that clock: a loaded machine runs fewer rounds a
/// second, and the test takes longer, but what happens by a given instant does not change.
struct Loop {
    let controller: ClusterController
    let fake: FakeGalera
    /// Watches every status for the invariant, and notes every refusal.
    let checker: InvariantChecker
    /// When the test's own part began, on the controller's clock: faults come after it.
    var began: ContinuousClock.Instant
    /// How many statuses had been published then: any later one follows a fault.
    var publishedBefore = 0
    /// How long a test that fails may take in real time (a controller that stopped its rounds
    /// never reaches a bound on its own clock).
    static let realLimit = Duration.seconds(120)

    var clock: RoleClock { controller.clock }

    static func configuration(nodes: Int = 3) -> ControllerConfiguration {
        var configuration = ControllerConfiguration(
            clusterName: "demo",
            nodes: (0..<nodes).map { NodeEndpoint(name: "n\($0)", ordinal: $0, agentURL: "http://fake", sqlHost: "fake") },
            agentToken: "token", monitorUser: "monitor", monitorPassword: "")
        configuration.probeInterval = .milliseconds(10)
        configuration.probeTimeout = .milliseconds(20)
        configuration.staleAfter = .milliseconds(100)
        configuration.effectPollInterval = .milliseconds(5)
        configuration.retryBackoff = .milliseconds(40)
        configuration.recoveryStepDeadline = .seconds(5)
        // The loop works in milliseconds: waits that need not end by themselves ask a person
        // after a second, a transfer without a Primary component is given up after half of one.
        configuration.waitEscalateAfter = .seconds(1)
        configuration.stalledTransferAfter = .milliseconds(500)
        return configuration
    }

    /// A controller of the fake cluster on the fake's clock, its time of day moving with it.
    static func controller(_ fake: FakeGalera, _ configuration: ControllerConfiguration) -> ClusterController {
        var logger = Logger(label: "qmysql.controller.loop-test")
        logger.logLevel = ProcessInfo.processInfo.environment["LOOPDEBUG"] != nil ? .debug : .critical
        return ClusterController(configuration: configuration, access: fake, logger: logger,
                                 wallClock: fake.clock.wallClock(), clock: fake.clock)
    }

    static func run(_ fake: FakeGalera, configure: (inout ControllerConfiguration) -> Void = { _ in },
                    _ body: (Loop) async throws -> Void) async throws {
        var configuration = configuration()
        configure(&configuration)
        let controller = controller(fake, configuration)
        // Whether the cluster runs before the controller does: read now, since a forming
        // cluster's controller may have started its first node before the check below.
        let formedAtStart = fake.runningCount > 0
        let driving = Task { await ClockDriver(controller: controller).run() }
        defer { driving.cancel() }
        let task = Task { await controller.run() }
        defer { task.cancel() }
        // The invariant, checked in every loop test: never not Green with no step, no wait named
        // and nothing asked of a person for longer than the bound (docs/controller.md).
        let checker = InvariantChecker(controller: controller, bound: .seconds(2))
        let checking = Task { await checker.run() }
        defer { checking.cancel() }
        var loop = Loop(controller: controller, fake: fake, checker: checker, began: fake.clock.now)
        // A paused controller stops the nodes at once: its test waits for that itself.
        if formedAtStart, !configuration.paused { try await loop.waitGreen(after: "start", faultFirst: false) }
        loop.began = fake.clock.now
        loop.publishedBefore = controller.feed.counts.published
        try await body(loop)
        #expect(fake.violations.isEmpty, "\(fake.violations)")
        checking.cancel()
        await checking.value
        #expect(checker.breaches.isEmpty, "the cluster sat unattended: \(checker.breaches)")
        task.cancel()
        await task.value
        driving.cancel()
        await driving.value
    }

    /// "Nothing happens" is checked after the controller has had `rounds` more probe rounds to
    /// act (each asks every node, then evaluates and enqueues what is due), not after a span of
    /// time, which a starved machine fills with fewer rounds and a busy one with none: the
    /// check never weakens with the load, it only takes longer.
    func settle(rounds: Int = 10) async throws {
        let counter = controller.probeRounds
        let target = counter.count + rounds
        // The rounds end the wait; the real-time limit only bounds a test that fails.
        let reached = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await counter.wait(until: target)
                return counter.count >= target
            }
            group.addTask {
                try? await Task.sleep(for: Self.realLimit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard reached else { throw FakeFailure("the controller did not complete \(rounds) probe rounds within \(Self.realLimit)") }
    }

    /// Returns once `span` of the controller's time has passed (its rounds ran meanwhile).
    func pass(_ span: Duration) async throws {
        let until = clock.now + span
        try await waitUntil("\(span) passed", within: span + .seconds(1)) { clock.now >= until }
    }

    /// Polls `condition` until it holds, for at most `limit` of the controller's time.
    func waitUntil(_ what: String, within limit: Duration, _ condition: () async -> Bool) async throws {
        let deadline = clock.now + limit
        let realDeadline = ContinuousClock.now + Self.realLimit
        while clock.now < deadline, ContinuousClock.now < realDeadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        if await condition() { return }
        throw FakeFailure("not \(what) within \(limit) of the controller's time (\((ContinuousClock.now - realDeadline + Self.realLimit).readable) real)")
    }

    /// Waits until the status satisfies `condition`, for at most `timeout` of the controller's
    /// time (its rounds, not the machine's speed, set when that is).
    @discardableResult
    func waitStatus(_ what: String, timeout: Duration = .seconds(15), _ condition: (ClusterStatus) -> Bool) async throws -> ClusterStatus {
        var last = await controller.status()
        do {
            try await waitUntil(what, within: timeout) {
                last = await controller.status()
                return condition(last)
            }
            return last
        } catch {
            throw FakeFailure("not \(what) within \(timeout): \(last.state.rawValue) \(last.message); calls \(fake.calls)")
        }
    }

    /// Green, every node ready, nothing left to do; with `faultFirst`, only in a status published
    /// after the test began (the fault changed the status, so the Green one is its repair's).
    @discardableResult
    func waitGreen(after what: String, faultFirst: Bool = true, within limit: Duration = .seconds(15)) async throws -> ClusterStatus {
        let publishedBefore = publishedBefore
        let feed = controller.feed
        var last = await controller.status()
        do {
            try await waitUntil("Green after \(what)", within: limit) {
                // The count first: once a status was published after the fault, the latest status
                // read afterwards is that one or newer, never the Green from before.
                let changed = feed.counts.published > publishedBefore
                last = await controller.status()
                return last.state == .green && last.nodes.allSatisfy(\.ready)
                    && last.condition(ConditionType.recovering)?.status == "False" && (changed || !faultFirst)
            }
            return last
        } catch {
            throw FakeFailure("not Green after \(what) within \(limit): \(last.state.rawValue) \(last.message); calls \(fake.calls)")
        }
    }

    @discardableResult
    func waitManual(_ reason: String) async throws -> ClusterStatus {
        try await waitStatus("ManualInterventionRequired \(reason)") {
            $0.condition(ConditionType.manualInterventionRequired).map { $0.status == "True" && $0.reason == reason } ?? false
        }
    }
}

/// Watches a controller's status for the invariant's breach: not Green while it should serve,
/// nothing recovering, nothing asked of a person, for longer than `bound` of its own time.
final class InvariantChecker: Sendable {
    let controller: ClusterController
    let bound: Duration
    private let found = Mutex<[String]>([])

    init(controller: ClusterController, bound: Duration) {
        self.controller = controller
        self.bound = bound
    }

    var breaches: [String] { found.withLock { $0 } }
    /// The reasons of every ManualInterventionRequired seen, in order, each once in a row.
    var manualReasons: [String] { manual.withLock { $0 } }
    private let manual = Mutex<[String]>([])

    func run() async {
        var since: ContinuousClock.Instant?
        var reported = false
        while !Task.isCancelled {
            let status = await controller.status()
            if let asked = status.condition(ConditionType.manualInterventionRequired), asked.status == "True" {
                let reason = asked.reason ?? "?"
                manual.withLock { if $0.last != reason { $0.append(reason) } }
            }
            if ClusterStatusBuilder.unattended(status) {
                let start = since ?? controller.clock.now
                since = start
                if !reported, controller.clock.now - start > bound {
                    found.withLock { $0.append("\(status.state.rawValue) for over \(bound): \(status.message)") }
                    reported = true
                }
            } else {
                since = nil
                reported = false
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
