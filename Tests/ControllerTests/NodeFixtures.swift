import AgentAPI
import Foundation
import Galera
@testable import Controller

/// Builders for node snapshots in the decision table, so each row reads like the situation it pins.
enum Fixture {
    static let uuid = "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1"
    static let otherUUID = "7f3a11c2-0b1d-11f0-8000-aabbccddeeff"

    static func position(_ seqno: Int64, uuid: String = Fixture.uuid) -> GaleraPosition {
        try! GaleraPosition(uuid: uuid, seqno: seqno)
    }

    static func wsrep(_ status: WsrepStatus.ClusterStatus, localState: Int = 4, comment: String = "Synced",
                      size: Int = 3, seqno: Int64 = 100, uuid: String = Fixture.uuid) -> WsrepStatus {
        WsrepStatus(clusterStatus: status, localState: localState, localStateComment: comment,
                    ready: status == .primary, connected: true, clusterSize: size,
                    clusterStateUUID: uuid, localStateUUID: uuid, lastCommitted: seqno)
    }

    /// Running, Synced, Primary.
    /// Running, Synced, Primary, in a component of `size` members as this node sees it.
    static func green(_ ordinal: Int, seqno: Int64 = 100, size: Int = 3, uuid: String = Fixture.uuid) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: true, grastate: .present(GaleraState(position: position(-1, uuid: uuid), safeToBootstrap: false)),
                                      wsrep: wsrep(.primary, size: size, seqno: seqno, uuid: uuid)))
    }

    /// Running in the Primary component but receiving a state transfer.
    static func joining(_ ordinal: Int, size: Int = 2) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: true, grastate: .present(GaleraState(position: position(-1), safeToBootstrap: false)),
                                      wsrep: wsrep(.primary, localState: 1, comment: "Joining: receiving State Transfer", size: size)))
    }

    /// Running in the Primary component, donating (Donor/Desynced).
    static func donor(_ ordinal: Int, size: Int = 3) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: true, grastate: .present(GaleraState(position: position(-1), safeToBootstrap: false)),
                                      wsrep: wsrep(.primary, localState: 2, comment: "Donor/Desynced", size: size)))
    }

    /// Stopped in the middle of receiving a full SST: the joiner's marker is in its datadir.
    static func interrupted(_ ordinal: Int) -> NodeSnapshot {
        var stopped = node(ordinal, NodeObservation(processRunning: false, lastExit: .signaled(signal: 9), grastate: .absent))
        stopped.interruptedTransfer = true
        return stopped
    }

    /// Running, but mysqld does not answer SQL yet.
    static func starting(_ ordinal: Int) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: true, grastate: .present(GaleraState(position: position(-1), safeToBootstrap: false))))
    }

    /// Running, mysqld answers no SQL, and its agent sees it receiving a state transfer.
    static func receiving(_ ordinal: Int, from donor: String? = nil, goneFor: Int? = nil) -> NodeSnapshot {
        var joiner = node(ordinal, NodeObservation(processRunning: true, grastate: .absent,
                                                   stateTransfer: .init(method: .sst, since: Date(timeIntervalSince1970: 1_800_000_000), donor: donor)))
        joiner.donorGoneFor = goneFor.map { .seconds($0) }
        return joiner
    }

    /// Stopped with the all-zero UUID and seqno -1 (a first SST that failed leaves this).
    static func zeroed(_ ordinal: Int) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: false, lastExit: .exited(code: 1),
                                      grastate: .present(GaleraState(position: position(-1, uuid: GaleraPosition.zeroUUID), safeToBootstrap: false))))
    }

    /// The same node with what the controller knows of its membership.
    static func member(_ node: NodeSnapshot, _ membership: NodeSnapshot.Membership = .member) -> NodeSnapshot {
        var node = node
        node.membership = membership
        return node
    }

    static func never(_ node: NodeSnapshot) -> NodeSnapshot { member(node, .never) }

    /// A person approved replacing the node's data.
    static func approved(_ node: NodeSnapshot) -> NodeSnapshot {
        var node = node
        node.reseedApproved = true
        node.membership = .never
        return node
    }

    /// No Primary component seen for `seconds`.
    static func withoutPrimary(for seconds: Int, _ snapshot: ClusterSnapshot) -> ClusterSnapshot {
        var snapshot = snapshot
        snapshot.primaryAbsentFor = .seconds(seconds)
        return snapshot
    }

    /// Running outside any Primary component (isolated, or quorum lost).
    static func nonPrimary(_ ordinal: Int, seqno: Int64 = 100, uuid: String = Fixture.uuid) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: true, grastate: .present(GaleraState(position: position(-1, uuid: uuid), safeToBootstrap: false)),
                                      wsrep: wsrep(.nonPrimary, localState: 0, comment: "Initialized", size: 1, seqno: seqno, uuid: uuid)))
    }

    /// Killed: seqno -1 in grastate.dat, optionally with the position the agent recovered since.
    static func crashed(_ ordinal: Int, recovered: GaleraPosition? = nil, uuid: String = Fixture.uuid) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: false, lastExit: .signaled(signal: 9),
                                      grastate: .present(GaleraState(position: position(-1, uuid: uuid), safeToBootstrap: false))),
             recovered: recovered)
    }

    /// Shut down gracefully: grastate.dat holds the seqno.
    static func clean(_ ordinal: Int, seqno: Int64, safe: Bool = false, uuid: String = Fixture.uuid) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: false, lastExit: .exited(code: 0),
                                      grastate: .present(GaleraState(position: position(seqno, uuid: uuid), safeToBootstrap: safe))))
    }

    /// Stopped with no grastate.dat at all.
    static func empty(_ ordinal: Int) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: false, grastate: .absent))
    }

    /// The agent's last word is older than the staleness bound, whatever it said.
    static func stale(_ ordinal: Int) -> NodeSnapshot {
        node(ordinal, NodeObservation(processRunning: false, lastExit: .exited(code: 0),
                                      grastate: .present(GaleraState(position: position(100), safeToBootstrap: true)),
                                      age: .seconds(30), staleAfter: .seconds(5)),
             reachable: false)
    }

    static func node(_ ordinal: Int, _ observation: NodeObservation, recovered: GaleraPosition? = nil, reachable: Bool = true) -> NodeSnapshot {
        NodeSnapshot(name: "n\(ordinal)", ordinal: ordinal, observation: observation,
                     recoveredPosition: recovered, agentReachable: reachable)
    }

    /// The same node while its agent is busy with `operation` (stopping, starting, recovering ...).
    static func busy(_ node: NodeSnapshot, _ operation: AgentOperation) -> NodeSnapshot {
        var node = node
        node.agentOperation = operation
        return node
    }

    static func cluster(intent: ClusterIntent = .serving, _ nodes: NodeSnapshot...) -> ClusterSnapshot {
        ClusterSnapshot(clusterName: "demo", nodes: nodes, replicas: nodes.count, intent: intent)
    }
}
