import AgentAPI
import Foundation
import Galera
import Testing
@testable import Controller

@Suite("Merging what the agent and the SQL probe say about a node")
struct NodeRecordTests {
    let endpoint = NodeEndpoint(name: "n1", ordinal: 1, agentURL: "http://127.0.0.3:9809", sqlHost: "127.0.0.3")
    let t0 = ContinuousClock.now
    let wall = Date()
    let staleAfter = Duration.seconds(5)
    var synced: WsrepStatus { Fixture.wsrep(.primary) }

    @Test func aSyncedAnswerFromBeforeACrashDoesNotOutliveTheAgentsExitReport() {
        var record = NodeRecord(endpoint: endpoint)
        record.recordSQL(synced, at: t0)
        _ = record.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: wall, exit: .signaled(signal: 9),
                                                 grastate: GaleraState(position: Fixture.position(-1), safeToBootstrap: false)),
                         at: t0 + .milliseconds(300))
        let observation = record.observation(at: t0 + .milliseconds(400), staleAfter: staleAfter)
        #expect(observation.processRunning == false)
        #expect(observation.wsrep == nil)
        #expect(NodeState.assess(observation).state == .redUnclean)
    }

    @Test func aNewerSQLAnswerProvesMysqldRunsAgain() {
        var record = NodeRecord(endpoint: endpoint)
        _ = record.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: wall, exit: .exited(code: 0),
                                                 grastate: GaleraState(position: Fixture.position(10), safeToBootstrap: false)),
                         at: t0)
        record.recordSQL(synced, at: t0 + .seconds(1))
        let observation = record.observation(at: t0 + .seconds(1), staleAfter: staleAfter)
        #expect(observation.processRunning == true)
        #expect(NodeState.assess(observation).state == .green)
    }

    @Test func anAgentSayingStoppedWhileMysqldAnswersIsDisputedFromTheInstantOfItsReport() {
        var record = NodeRecord(endpoint: endpoint)
        record.recordSQL(synced, at: t0)
        let stopped = AgentReportFixture.make(node: "n1", running: false, observedAt: wall,
                                              grastate: GaleraState(position: Fixture.position(-1), safeToBootstrap: false))
        _ = record.offer(stopped, at: t0 + .milliseconds(300))
        // The answer was asked before the report came: it may predate a kill, so the agent is believed.
        #expect(record.disagreement(at: t0 + .milliseconds(300), staleAfter: staleAfter) == nil)
        // Asked at the report's instant (one round of a clock that stands still within it): disputed.
        record.recordSQL(synced, at: t0 + .milliseconds(300))
        #expect(record.disagreement(at: t0 + .milliseconds(300), staleAfter: staleAfter)?.contains("lost track") == true)
        // And once a probe fails, the agent's word stands again.
        record.lastSQLError = "2002"
        #expect(record.disagreement(at: t0 + .milliseconds(400), staleAfter: staleAfter) == nil)
    }

    @Test func anOlderReportNeverReplacesANewerOne() {
        var record = NodeRecord(endpoint: endpoint)
        let newer = AgentReportFixture.make(node: "n1", running: false, observedAt: wall, exit: .signaled(signal: 9))
        let older = AgentReportFixture.make(node: "n1", running: true, observedAt: wall.addingTimeInterval(-1), wsrep: synced)
        let keptNewer = record.offer(newer, at: t0)
        let keptOlder = record.offer(older, at: t0 + .milliseconds(50))
        #expect(keptNewer)
        #expect(!keptOlder)
        #expect(record.agentReport?.process.running == false)
    }

    @Test func withTheAgentSilentMysqldAloneSaysTheNodeRuns() {
        var record = NodeRecord(endpoint: endpoint)
        _ = record.offer(AgentReportFixture.make(node: "n1", running: true, observedAt: wall, wsrep: synced), at: t0)
        record.recordSQL(synced, at: t0 + .seconds(9))
        let now = t0 + .seconds(10)
        let observation = record.observation(at: now, staleAfter: staleAfter)
        #expect(!record.agentFresh(at: now, staleAfter: staleAfter))
        #expect(NodeState.assess(observation).state == .green)
    }

    @Test func withNothingHeardWithinTheBoundTheNodeIsUnknown() {
        var record = NodeRecord(endpoint: endpoint)
        _ = record.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: wall, exit: .exited(code: 0),
                                                 grastate: GaleraState(position: Fixture.position(10), safeToBootstrap: true)), at: t0)
        record.recordSQL(synced, at: t0)
        #expect(NodeState.assess(record.observation(at: t0 + .seconds(5), staleAfter: staleAfter)).state == .redClean)
        #expect(NodeState.assess(record.observation(at: t0 + .milliseconds(5001), staleAfter: staleAfter)).state == .unknown)
    }

    @Test func aNodeNeverHeardFromIsUnknown() {
        let record = NodeRecord(endpoint: endpoint)
        #expect(NodeState.assess(record.observation(at: t0, staleAfter: staleAfter)).state == .unknown)
    }

    @Test func aRecoveredPositionIsKeptForDeciding() {
        var record = NodeRecord(endpoint: endpoint)
        _ = record.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: wall, exit: .signaled(signal: 9),
                                                 grastate: GaleraState(position: Fixture.position(-1), safeToBootstrap: false),
                                                 recovered: Fixture.position(77)), at: t0)
        #expect(record.recoveredPosition == Fixture.position(77))
    }
}

@Suite("The node table")
struct NodeTableTests {
    func configuration() -> ControllerConfiguration {
        ControllerConfiguration(clusterName: "demo", nodes: (0..<3).map {
            NodeEndpoint(name: "n\($0)", ordinal: $0, agentURL: "http://127.0.0.\($0 + 2):9809", sqlHost: "127.0.0.\($0 + 2)")
        }, agentToken: "t", monitorUser: "monitor", monitorPassword: "")
    }

    @Test func reportsFromAnotherClusterOrAnUnknownNodeAreRefused() async {
        let table = NodeTable(configuration: configuration())
        #expect(await !table.offer(AgentReportFixture.make(node: "n1", cluster: "other", running: true, observedAt: Date())))
        #expect(await !table.offer(AgentReportFixture.make(node: "n9", running: true, observedAt: Date())))
        #expect(await table.offer(AgentReportFixture.make(node: "n1", running: true, observedAt: Date(), wsrep: Fixture.wsrep(.primary))))
    }

    @Test func aNodeLeavingGreenIsNotedWithHowLongItWentUnnoticed() async {
        let table = NodeTable(configuration: configuration())
        let t0 = ContinuousClock.now
        for node in ["n0", "n1", "n2"] {
            await table.offer(AgentReportFixture.make(node: node, running: true, observedAt: Date(), wsrep: Fixture.wsrep(.primary)), at: t0)
        }
        #expect(await table.snapshot(at: t0).clusterState == .green)
        await table.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: Date().addingTimeInterval(1), exit: .signaled(signal: 9),
                                                  grastate: GaleraState(position: Fixture.position(-1), safeToBootstrap: false)),
                          at: t0 + .milliseconds(700))
        let snapshot = await table.snapshot(at: t0 + .milliseconds(700))
        #expect(snapshot.clusterState == .yellow)
        #expect(snapshot.node(named: "n1")?.state == .redUnclean)
        let transitions = await table.transitions()
        #expect(transitions.last?.node == "n1")
        #expect(transitions.last?.to == .redUnclean)
        #expect(await table.takeDetections() == [.milliseconds(700)])
        #expect(await table.takeDetections().isEmpty)
    }

    /// A node is often seen in another state between Green and its loss (a killed node's agent
    /// still reports it Synced while its SQL probe fails; a donor is killed): the loss is still
    /// detected, once, timed from when the node was last heard alive. (Counted only from Green
    /// to lost directly, a real kill's detection went uncounted once.)
    @Test func aLossSeenAfterAnotherStateIsDetectedOnceFromWhenTheNodeWasLastAlive() async {
        let table = NodeTable(configuration: configuration())
        let t0 = ContinuousClock.now
        for node in ["n0", "n1", "n2"] {
            await table.offer(AgentReportFixture.make(node: node, running: true, observedAt: Date(), wsrep: Fixture.wsrep(.primary)), at: t0)
        }
        #expect(await table.snapshot(at: t0).clusterState == .green)
        let donor = Fixture.wsrep(.primary, localState: 2, comment: "Donor/Desynced")
        await table.offer(AgentReportFixture.make(node: "n1", running: true, observedAt: Date().addingTimeInterval(0.3), wsrep: donor),
                          at: t0 + .milliseconds(300))
        #expect(await table.snapshot(at: t0 + .milliseconds(300)).node(named: "n1")?.state == .yellow)
        #expect(await table.takeDetections().isEmpty, "a donor is no loss")
        await table.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: Date().addingTimeInterval(1), exit: .signaled(signal: 9),
                                                  grastate: GaleraState(position: Fixture.position(-1), safeToBootstrap: false)),
                          at: t0 + .milliseconds(900))
        #expect(await table.snapshot(at: t0 + .milliseconds(900)).node(named: "n1")?.state == .redUnclean)
        #expect(await table.takeDetections() == [.milliseconds(600)], "from the donor's last report to the first observation of the loss")
        _ = await table.snapshot(at: t0 + .milliseconds(1000))
        #expect(await table.takeDetections().isEmpty, "seen lost again: no second detection")

        // The repair: seen running without an SQL answer (starting, or a position recovery seen
        // as running), stopped again, then a member again. One loss, one detection; the next
        // loss after the node was a member again is a new one.
        await table.offer(AgentReportFixture.make(node: "n1", running: true, observedAt: Date().addingTimeInterval(1.1)), at: t0 + .milliseconds(1100))
        #expect(await table.snapshot(at: t0 + .milliseconds(1100)).node(named: "n1")?.role == .starting)
        await table.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: Date().addingTimeInterval(1.2), exit: .exited(code: 0),
                                                  grastate: GaleraState(position: Fixture.position(5), safeToBootstrap: false)),
                          at: t0 + .milliseconds(1200))
        _ = await table.snapshot(at: t0 + .milliseconds(1200))
        #expect(await table.takeDetections().isEmpty, "a repair in progress is not a second loss")
        await table.offer(AgentReportFixture.make(node: "n1", running: true, observedAt: Date().addingTimeInterval(1.5), wsrep: Fixture.wsrep(.primary)),
                          at: t0 + .milliseconds(1500))
        _ = await table.snapshot(at: t0 + .milliseconds(1500))
        await table.offer(AgentReportFixture.make(node: "n1", running: false, observedAt: Date().addingTimeInterval(1.8), exit: .signaled(signal: 9),
                                                  grastate: GaleraState(position: Fixture.position(-1), safeToBootstrap: false)),
                          at: t0 + .milliseconds(1800))
        _ = await table.snapshot(at: t0 + .milliseconds(1800))
        #expect(await table.takeDetections() == [.milliseconds(300)], "a member again, then lost: a new detection")
    }
}
