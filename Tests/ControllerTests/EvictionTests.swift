@testable import Controller
import ControllerAPI
import Galera
import Testing

/// Which members the controller has the survivors evict (`Eviction`): only those whose own agent
/// saw their mysqld die, while a survivor's view still counts them, through every survivor at
/// once or not at all, never a majority, never during a state transfer, never twice.
@Suite struct EvictionTests {
    static let uuids = ["n0": "00000000-0000-0000-0000-000000000000", "n1": "11111111-1111-1111-1111-111111111111",
                        "n2": "22222222-2222-2222-2222-222222222222", "n3": "33333333-3333-3333-3333-333333333333",
                        "n4": "44444444-4444-4444-4444-444444444444"]

    static func orders(_ nodes: NodeSnapshot..., uuids: [String: String] = uuids) -> [Eviction.Order] {
        Eviction.orders(cluster(nodes), uuids: uuids)
    }

    static func cluster(_ nodes: [NodeSnapshot]) -> ClusterSnapshot {
        ClusterSnapshot(clusterName: "demo", nodes: nodes, replicas: nodes.count, intent: .serving)
    }

    static func withUUID(_ node: NodeSnapshot, _ uuid: String) -> NodeSnapshot {
        var node = node
        node.observation.wsrep?.gcommUUID = uuid
        return node
    }

    @Test func aKilledMemberStillInTheViewIsEvictedThroughEverySurvivor() {
        // n0 killed; n1 and n2 still report a view of 3.
        #expect(Self.orders(Fixture.crashed(0), Fixture.green(1), Fixture.green(2)) == [.init(node: "n0", uuid: Self.uuids["n0"]!, via: ["n1", "n2"])])
        // The order forgets the identity it names: never twice.
        var identities = Eviction.Identities()
        identities.learn(Self.cluster([Self.withUUID(Fixture.green(0), Self.uuids["n0"]!)]))
        identities.forget("n0")
        #expect(Self.orders(Fixture.crashed(0), Fixture.green(1), Fixture.green(2), uuids: identities.uuids).isEmpty, "never twice")
        #expect(Eviction.orders(Fixture.cluster(Fixture.crashed(0), Fixture.green(1), Fixture.green(2)), uuids: [:]).isEmpty,
                "no UUID known: nothing to name")
        // A state transfer in the view (a donor, a joiner): Galera's timeout decides, as it did
        // before (a joiner killed in its SST and evicted left the others non-Primary for good).
        #expect(Self.orders(Fixture.green(0, size: 4), Fixture.crashed(1), Fixture.donor(2, size: 4), Fixture.green(3, size: 4)).isEmpty)
        #expect(Self.orders(Fixture.green(0, size: 4), Fixture.crashed(1), Fixture.green(2, size: 4), Fixture.joining(3, size: 4)).isEmpty)
    }

    @Test func twoDeadAtOnceAreBothEvicted() {
        let orders = Self.orders(Fixture.crashed(0), Fixture.crashed(1), Fixture.green(2, size: 5), Fixture.green(3, size: 5), Fixture.green(4, size: 5))
        #expect(orders.map(\.node) == ["n0", "n1"])
        #expect(orders.allSatisfy { $0.via == ["n2", "n3", "n4"] })
    }

    @Test func neverAMajorityOfTheView() {
        // Two of three dead: evicting both would keep the survivor Primary alone (Galera counts
        // an evicted member as one that left). Quorum is lost instead, and the decision table
        // re-bootstraps from recovered positions.
        #expect(Self.orders(Fixture.crashed(0), Fixture.crashed(1), Fixture.green(2)).isEmpty)
        // Two of four: half is no majority either.
        #expect(Self.orders(Fixture.crashed(0), Fixture.crashed(1), Fixture.green(2, size: 4), Fixture.green(3, size: 4)).isEmpty)
    }

    @Test func onceTheViewDropsItNothingIsDone() {
        #expect(Self.orders(Fixture.crashed(0), Fixture.green(1, size: 2), Fixture.green(2, size: 2)).isEmpty)
    }

    @Test func aCleanExitLeftTheViewByItself() {
        // A graceful stop leaves the group on its way out; a survivor's view may lag in the snapshot.
        #expect(Self.orders(Fixture.clean(0, seqno: 100), Fixture.green(1), Fixture.green(2)).isEmpty)
    }

    @Test func aSilentMemberIsNeverEvictedAndStopsEveryOrder() {
        // n0's agent does not answer: its mysqld may run, cut off. Galera's own timeout decides.
        var silent = Fixture.green(0)
        silent.agentReachable = false
        #expect(Self.orders(silent, Fixture.green(1), Fixture.green(2)).isEmpty)
        #expect(Self.orders(Fixture.stale(0), Fixture.green(1), Fixture.green(2)).isEmpty)
        // n1 died, but n0 cannot be asked: n2 evicting alone would propose a view n0 refuses.
        var unreachable = Fixture.green(0)
        unreachable.agentReachable = false
        #expect(Self.orders(unreachable, Fixture.crashed(1), Fixture.green(2)).isEmpty)
    }

    @Test func aSurvivorBusyWithSomethingElseStopsIt() {
        #expect(Self.orders(Fixture.crashed(0), Fixture.busy(Fixture.green(1), .backingUp), Fixture.green(2)).isEmpty)
        #expect(Self.orders(Fixture.crashed(0), Fixture.green(1), Fixture.busy(Fixture.green(2), .stopping)).isEmpty)
    }

    @Test func withoutEverySurvivorInThePrimaryComponentNothingIsDone() {
        #expect(Self.orders(Fixture.crashed(0), Fixture.nonPrimary(1), Fixture.green(2)).isEmpty)
        #expect(Self.orders(Fixture.crashed(0), Fixture.starting(1), Fixture.green(2)).isEmpty)
        #expect(Self.orders(Fixture.crashed(0), Fixture.nonPrimary(1), Fixture.nonPrimary(2)).isEmpty)
    }

    @Test func anIdentityIsKeptFromWhileSyncedUntilANewProcessRuns() {
        var identities = Eviction.Identities()
        identities.learn(Self.cluster([Self.withUUID(Fixture.green(0), "a")]))
        #expect(identities.uuids == ["n0": "a"])
        // Slow to answer SQL for a moment: the same process, the same identity.
        identities.learn(Self.cluster([Fixture.starting(0)]))
        #expect(identities.uuids == ["n0": "a"])
        // Killed: kept, for the order.
        identities.learn(Self.cluster([Fixture.crashed(0)]))
        #expect(identities.uuids == ["n0": "a"])
        // Running again: a new process, whose identity is not known until it is Synced.
        identities.learn(Self.cluster([Fixture.starting(0)]))
        #expect(identities.uuids.isEmpty)
        identities.learn(Self.cluster([Self.withUUID(Fixture.green(0), "b")]))
        #expect(identities.uuids == ["n0": "b"])
        // A donor (or a joiner): a state transfer runs; it is never evicted.
        identities.learn(Self.cluster([Self.withUUID(Fixture.donor(0), "b")]))
        #expect(identities.uuids.isEmpty)
    }

    @Test func theResultOfAnOrder() {
        #expect(Eviction.Result.of([true, true]) == .dropped)
        #expect(Eviction.Result.of([true, false]) == .late)
        #expect(Eviction.Result.of([true, nil]) == .failed)
    }
}

/// Which node the binary log archive may go on reading (`ClusterController.logsEveryWrite`): its
/// heartbeats claim the archive covers everything until now, so only a node that logs every write.
@Suite struct ArchivedNodeTests {
    static func node(_ state: NodeState, _ wsrep: String?) -> NodeStatus {
        NodeStatus(name: "n0", state: state, wsrepState: wsrep, seqno: nil, ready: state == .green)
    }

    @Test func onlyANodeThatLogsEveryWrite() {
        #expect(ClusterController.logsEveryWrite(Self.node(.green, "Synced")))
        #expect(ClusterController.logsEveryWrite(Self.node(.yellow, "Donor/Desynced")), "a backup's or a joiner's donor")
        #expect(ClusterController.logsEveryWrite(Self.node(.yellow, "Synced")), "a report a view behind, for a moment")
        #expect(!ClusterController.logsEveryWrite(Self.node(.yellow, nil)), "restarting: mysqld does not answer yet")
        #expect(!ClusterController.logsEveryWrite(Self.node(.yellow, "Joining: receiving State Transfer")))
        #expect(!ClusterController.logsEveryWrite(Self.node(.redUnclean, nil)))
        #expect(!ClusterController.logsEveryWrite(Self.node(.unknown, nil)))
    }
}
