import Foundation
import Testing
@testable import Galera

@Suite("node and cluster state")
struct NodeStateTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var observation: NodeObservation
        var state: NodeState
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "Synced and Primary", observation: .init(processRunning: true, grastate: Fixture.grastate(-1), wsrep: Fixture.wsrep()), state: .green),
        .init(name: "joining", observation: .init(processRunning: true, grastate: Fixture.grastate(-1), wsrep: Fixture.wsrep(state: 1, comment: "Joining")), state: .yellow),
        .init(name: "donor", observation: .init(processRunning: true, grastate: Fixture.grastate(-1), wsrep: Fixture.wsrep(state: 2, comment: "Donor/Desynced")), state: .yellow),
        .init(name: "non-Primary survivor", observation: .init(processRunning: true, grastate: Fixture.grastate(-1), wsrep: Fixture.wsrep(.nonPrimary, state: 0, comment: "Initialized", ready: false, size: 1)), state: .yellow),
        .init(name: "Synced but not ready", observation: .init(processRunning: true, grastate: Fixture.grastate(-1), wsrep: Fixture.wsrep(ready: false)), state: .yellow),
        .init(name: "running, no SQL yet (SST)", observation: .init(processRunning: true, grastate: .absent), state: .yellow),
        .init(name: "graceful exit", observation: .init(processRunning: false, lastExit: .exited(code: 0), grastate: Fixture.grastate(42)), state: .redClean),
        .init(name: "stopped before the agent started, clean grastate", observation: .init(processRunning: false, grastate: Fixture.grastate(42, safe: true)), state: .redClean),
        .init(name: "never ran Galera", observation: .init(processRunning: false, grastate: .absent), state: .redClean),
        .init(name: "SIGKILL", observation: .init(processRunning: false, lastExit: .signaled(signal: 9), grastate: Fixture.grastate(-1)), state: .redUnclean),
        .init(name: "signal although grastate looks clean", observation: .init(processRunning: false, lastExit: .signaled(signal: 11), grastate: Fixture.grastate(42)), state: .redUnclean),
        .init(name: "non-zero exit", observation: .init(processRunning: false, lastExit: .exited(code: 1), grastate: Fixture.grastate(42)), state: .redUnclean),
        .init(name: "exit 0 but seqno -1", observation: .init(processRunning: false, lastExit: .exited(code: 0), grastate: Fixture.grastate(-1)), state: .redUnclean),
        .init(name: "crashed before the agent started", observation: .init(processRunning: false, grastate: Fixture.grastate(-1)), state: .redUnclean),
        .init(name: "unreadable grastate", observation: .init(processRunning: false, grastate: .unreadable("is empty")), state: .redUnclean),
        .init(name: "process state not known", observation: .init(processRunning: nil, grastate: Fixture.grastate(42)), state: .unknown),
        .init(name: "stale report of a green node", observation: .init(processRunning: true, grastate: Fixture.grastate(-1), wsrep: Fixture.wsrep(), age: .seconds(16), staleAfter: .seconds(15)), state: .unknown),
        .init(name: "report just within the bound", observation: .init(processRunning: true, grastate: Fixture.grastate(-1), wsrep: Fixture.wsrep(), age: .seconds(15), staleAfter: .seconds(15)), state: .green),
    ]

    @Test("state from observations", arguments: cases)
    func state(_ example: Case) {
        let assessment = NodeState.assess(example.observation)
        #expect(assessment.state == example.state, "\(assessment.reason)")
        #expect(!assessment.reason.isEmpty)
    }

    @Test("reasons name what was seen")
    func reasons() {
        let killed = NodeState.assess(.init(processRunning: false, lastExit: .signaled(signal: 9), grastate: Fixture.grastate(-1)))
        #expect(killed.reason.contains("SIGKILL"))
        let clean = NodeState.assess(.init(processRunning: false, lastExit: .exited(code: 0), grastate: Fixture.grastate(42)))
        #expect(clean.reason.contains("\(Fixture.uuid):42"))
    }

    @Test("a state transfer in progress is named: Yellow, and why")
    func transfers() {
        let since = Date(timeIntervalSince1970: 0)
        let sst = NodeState.assess(.init(processRunning: true, grastate: .absent, stateTransfer: .init(method: .sst, since: since)))
        #expect(sst.state == .yellow && sst.reason == "mysqld is receiving a full state transfer (SST) and answers no SQL until it ends")
        let requested = NodeState.assess(.init(processRunning: true, grastate: .absent, stateTransfer: .init(method: nil, since: since)))
        #expect(requested.reason.contains("requesting a state transfer"))
        let joining = Fixture.wsrep(state: 1, comment: "Joining: receiving State Transfer", ready: false)
        let ist = NodeState.assess(.init(processRunning: true, grastate: .absent, wsrep: joining, stateTransfer: .init(method: .ist, since: since)))
        #expect(ist.state == .yellow && ist.reason.hasSuffix("; receiving an incremental state transfer (IST)"), "\(ist.reason)")
        // A stopped mysqld receives nothing, whatever the log said last.
        let stopped = NodeState.assess(.init(processRunning: false, lastExit: .exited(code: 0), grastate: Fixture.grastate(42),
                                             stateTransfer: .init(method: .sst, since: since)))
        #expect(stopped.state == .redClean && !stopped.reason.contains("transfer"))
    }

    @Test("cluster state", arguments: [
        ([.green, .green, .green], 3, ClusterState.green),
        ([.green, .green, .yellow], 3, .yellow),
        ([.green, .redUnclean, .unknown], 3, .yellow),
        ([.yellow, .yellow, .yellow], 3, .red),
        ([.redClean, .redClean, .redClean], 3, .red),
        ([.unknown, .unknown, .unknown], 3, .red),
        ([], 3, .red),
        ([.green], 1, .green),
    ] as [([NodeState], Int, ClusterState)])
    func cluster(nodes: [NodeState], expected: Int, state: ClusterState) {
        #expect(ClusterState.assess(nodes: nodes, expected: expected) == state)
    }

    @Test("node states encode as the documented names")
    func names() {
        #expect(NodeState.allCases.map(\.rawValue) == ["Green", "Yellow", "Red-clean", "Red-unclean", "Unknown"])
    }
}
