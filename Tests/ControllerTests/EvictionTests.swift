@testable import Controller
import Galera
import Testing

/// Which members the controller has a survivor evict (`Eviction`): only those whose own agent saw
/// their mysqld exit, while a survivor's view still counts them, never twice.
@Suite struct EvictionTests {
    static let uuids = ["n0": "00000000-0000-0000-0000-000000000000", "n1": "11111111-1111-1111-1111-111111111111",
                        "n2": "22222222-2222-2222-2222-222222222222"]

    @Test func aKilledMemberStillInTheViewIsEvictedThroughTheLowestSurvivor() {
        // n0 killed; n1 and n2 still report a view of 3.
        let snapshot = Fixture.cluster(Fixture.crashed(0), Fixture.green(1), Fixture.green(2))
        #expect(Eviction.orders(snapshot, uuids: Self.uuids, evicted: []) == [.init(node: "n0", uuid: Self.uuids["n0"]!, via: "n1")])
        #expect(Eviction.orders(snapshot, uuids: Self.uuids, evicted: [Self.uuids["n0"]!]).isEmpty, "never twice")
        #expect(Eviction.orders(snapshot, uuids: [:], evicted: []).isEmpty, "no UUID known: nothing to name")
    }

    @Test func onceTheViewDropsItNothingIsDone() {
        let snapshot = Fixture.cluster(Fixture.crashed(0), Fixture.green(1, size: 2), Fixture.green(2, size: 2))
        #expect(Eviction.orders(snapshot, uuids: Self.uuids, evicted: []).isEmpty)
    }

    @Test func aSilentMemberIsNeverEvicted() {
        // n0's agent does not answer: its mysqld may run, cut off. Galera's own timeout decides.
        var silent = Fixture.green(0)
        silent.agentReachable = false
        let snapshot = Fixture.cluster(silent, Fixture.green(1), Fixture.green(2))
        #expect(Eviction.orders(snapshot, uuids: Self.uuids, evicted: []).isEmpty)
        let unknown = Fixture.cluster(Fixture.stale(0), Fixture.green(1), Fixture.green(2))
        #expect(Eviction.orders(unknown, uuids: Self.uuids, evicted: []).isEmpty)
    }

    @Test func withoutASyncedPrimarySurvivorNothingIsDone() {
        let snapshot = Fixture.cluster(Fixture.crashed(0), Fixture.nonPrimary(1), Fixture.joining(2, size: 3))
        #expect(Eviction.orders(snapshot, uuids: Self.uuids, evicted: []).isEmpty)
    }
}
