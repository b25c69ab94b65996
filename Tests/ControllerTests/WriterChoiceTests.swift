@testable import Controller
import Galera
import Testing

/// The writer endpoint's choice (`WriterChoice`): every node state, stickiness, a donor, a
/// switchover, and a split with no Primary component.
@Suite struct WriterChoiceTests {
    typealias Row = (String, ClusterSnapshot, current: String?, requested: String?, expected: String?)

    static let rows: [Row] = [
        ("a first choice takes the lowest ordinal", Fixture.cluster(Fixture.green(0), Fixture.green(1), Fixture.green(2)), nil, nil, "n0"),
        ("the writer sticks while it is fit, whatever the ordinals", Fixture.cluster(Fixture.green(0), Fixture.green(1), Fixture.green(2)), "n2", nil, "n2"),
        ("a crashed writer moves to the lowest fit node", Fixture.cluster(Fixture.crashed(0), Fixture.green(1), Fixture.green(2)), "n0", nil, "n1"),
        ("a writer that became a donor moves", Fixture.cluster(Fixture.donor(0), Fixture.green(1), Fixture.green(2)), "n0", nil, "n1"),
        ("a donor is never chosen", Fixture.cluster(Fixture.donor(0), Fixture.green(1), Fixture.green(2)), nil, nil, "n1"),
        ("a joiner is never chosen", Fixture.cluster(Fixture.joining(0), Fixture.starting(1), Fixture.green(2)), nil, nil, "n2"),
        ("a node receiving a transfer is never chosen", Fixture.cluster(Fixture.receiving(0), Fixture.green(1), Fixture.green(2)), nil, nil, "n1"),
        ("an isolated writer moves to the Primary component", Fixture.cluster(Fixture.nonPrimary(0), Fixture.green(1, size: 2), Fixture.green(2, size: 2)), "n0", nil, "n1"),
        ("an unreachable node is never chosen", Fixture.cluster(Fixture.stale(0), Fixture.green(1), Fixture.green(2)), nil, nil, "n1"),
        ("a stopped writer moves", Fixture.cluster(Fixture.clean(0, seqno: 100), Fixture.green(1, size: 2), Fixture.green(2, size: 2)), "n0", nil, "n1"),
        ("a writer its agent stops moves first", Fixture.cluster(Fixture.busy(Fixture.green(0), .stopping), Fixture.green(1), Fixture.green(2)), "n0", nil, "n1"),
        ("a backup on the writer keeps it", Fixture.cluster(Fixture.busy(Fixture.green(0), .backingUp), Fixture.green(1), Fixture.green(2)), "n0", nil, "n0"),
        ("a split with no Primary component: no writer", Fixture.cluster(Fixture.nonPrimary(0), Fixture.nonPrimary(1), Fixture.nonPrimary(2)), "n0", nil, nil),
        ("every node down: no writer", Fixture.cluster(Fixture.crashed(0), Fixture.crashed(1), Fixture.crashed(2)), "n1", nil, nil),
        ("a switchover to a fit node moves the writer", Fixture.cluster(Fixture.green(0), Fixture.green(1), Fixture.green(2)), "n0", "n2", "n2"),
        ("a switchover to a donor is not followed", Fixture.cluster(Fixture.green(0), Fixture.green(1), Fixture.donor(2)), "n0", "n2", "n0"),
        ("a switchover to a node that is not a member is not followed", Fixture.cluster(Fixture.green(0), Fixture.green(1), Fixture.green(2)), "n0", "n7", "n0"),
        ("a writer that is no node any more (scaled down) moves", Fixture.cluster(Fixture.green(0), Fixture.green(1), Fixture.green(2)), "n4", nil, "n0"),
    ]

    @Test(arguments: rows.indices)
    func choice(_ index: Int) {
        let row = Self.rows[index]
        #expect(WriterChoice.choose(row.1, current: row.current, requested: row.requested) == row.expected, "\(row.0)")
    }

    @Test func aNodeBehindTheNewestViewIsNotChosenButAWriterThereStays() {
        // n0 still reports an older view while n1 and n2 report the newer one (a join: the
        // reports arrive apart), or n0 was cut off and Galera has not evicted it yet.
        var old = Fixture.green(0)
        old.observation.wsrep?.clusterConfID = 3
        var n1 = Fixture.green(1, size: 2)
        n1.observation.wsrep?.clusterConfID = 4
        var n2 = Fixture.green(2, size: 2)
        n2.observation.wsrep?.clusterConfID = 4
        let snapshot = Fixture.cluster(old, n1, n2)
        #expect(snapshot.nodes[0].state == .yellow)
        #expect(WriterChoice.choose(snapshot, current: nil) == "n1", "never chosen while behind")
        #expect(WriterChoice.choose(snapshot, current: "n0") == "n0", "a writer behind a moment stays: moving would fence a healthy writer")
        #expect(WriterChoice.choose(snapshot, current: "n0", requested: "n2") == "n2", "a switchover still moves it")
        // Out of the Primary component (evicted), it moves.
        let evicted = Fixture.cluster(Fixture.nonPrimary(0), n1, n2)
        #expect(WriterChoice.choose(evicted, current: "n0") == "n1")
    }
}
