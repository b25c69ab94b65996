import AgentAPI
import Foundation
import Galera
import Testing
@testable import Controller

/// What a row of the decision table must produce, compared loosely where the wording is free.
enum Expected: Sendable, CustomStringConvertible {
    /// No step: nothing to do, or any wait.
    case nothing
    /// This wait, exactly.
    case waiting(Waiting.Kind)
    case step(FaultKind, RecoveryAction)
    case manual(reason: String)

    var description: String {
        switch self {
        case .nothing: "nothing"
        case .waiting(let kind): "wait (\(kind.rawValue))"
        case .step(let fault, let action): "\(fault.rawValue): \(action)"
        case .manual(let reason): "manual (\(reason))"
        }
    }

    func matches(_ plan: FaultPlan) -> Bool {
        switch (self, plan) {
        case (.nothing, .none), (.nothing, .wait): true
        case (.waiting(let kind), .wait(let waiting)): waiting.kind == kind
        case (.step(let fault, let action), .step(let step)): step.fault == fault && step.action == action
        case (.manual(let reason), .manual(let intervention)): intervention.reason == reason
        default: false
        }
    }
}

struct DecisionRow: Sendable, CustomTestStringConvertible {
    var name: String
    var snapshot: ClusterSnapshot
    var expected: Expected
    var testDescription: String { name }
}

typealias F = Fixture

let decisionTable: [DecisionRow] = [
    // Row 1
    .init(name: "all Green: nothing", snapshot: F.cluster(F.green(0), F.green(1), F.green(2)), expected: .nothing),

    // Rows 5 and 6: one node down while a Primary component serves.
    .init(name: "one killed: recover its position first",
          snapshot: F.cluster(F.green(0), F.crashed(1), F.green(2)),
          expected: .step(.nodeDown, .recoverPosition(node: "n1"))),
    .init(name: "one killed while the Primary still counts it: recovering its position is harmless, so do it now",
          snapshot: F.cluster(F.green(0, size: 3), F.crashed(1), F.green(2, size: 3)),
          expected: .step(.nodeDown, .recoverPosition(node: "n1"))),
    .init(name: "near-miss: one killed and recovered, but the Primary still counts it: wait for the eviction",
          snapshot: F.cluster(F.green(0, size: 3), F.crashed(1, recovered: F.position(120)), F.green(2, size: 3)),
          expected: .nothing),
    .init(name: "one killed, position recovered, view settled: join it from that position",
          snapshot: F.cluster(F.green(0, size: 2), F.crashed(1, recovered: F.position(120)), F.green(2, size: 2)),
          expected: .step(.nodeDown, .join(node: "n1", position: F.position(120)))),
    .init(name: "one stopped gracefully: join it from grastate's position",
          snapshot: F.cluster(F.clean(0, seqno: 90), F.green(1, size: 2), F.green(2, size: 2)),
          expected: .step(.nodeDown, .join(node: "n0", position: F.position(90)))),

    // Several nodes down: one at a time, positions first, lowest ordinal first.
    .init(name: "two killed: recover the lowest ordinal first",
          snapshot: F.cluster(F.green(0, seqno: 150), F.crashed(1), F.crashed(2)),
          expected: .step(.nodeDown, .recoverPosition(node: "n1"))),
    .init(name: "two killed, one recovered: recover the other before joining anyone",
          snapshot: F.cluster(F.green(0), F.crashed(1, recovered: F.position(99)), F.crashed(2)),
          expected: .step(.nodeDown, .recoverPosition(node: "n2"))),
    .init(name: "near-miss: two killed and recovered while the survivor still thinks it is Primary (size 3): wait, quorum is about to go",
          snapshot: F.cluster(F.green(0, size: 3), F.crashed(1, recovered: F.position(99)), F.crashed(2, recovered: F.position(98))),
          expected: .nothing),
    .init(name: "two killed, both recovered, survivor re-bootstrapped (size 1): join only the first",
          snapshot: F.cluster(F.green(0, size: 1), F.crashed(1, recovered: F.position(99)), F.crashed(2, recovered: F.position(98))),
          expected: .step(.nodeDown, .join(node: "n1", position: F.position(99)))),

    // Row 4, near-miss: never a second joiner while one is joining.
    .init(name: "a node joining while another is down: wait",
          snapshot: F.cluster(F.green(0, size: 2), F.joining(1), F.crashed(2, recovered: F.position(99))),
          expected: .nothing),
    .init(name: "a node starting while another is down: wait",
          snapshot: F.cluster(F.green(0), F.starting(1), F.clean(2, seqno: 99)),
          expected: .nothing),
    // Row 8, near-miss: a donor whose joiner died is no transfer in progress; the other member donates.
    .init(name: "a donor left Donor/Desynced by a killed joiner: re-join at once",
          snapshot: F.cluster(F.donor(0, size: 2), F.green(1, size: 2), F.interrupted(2)),
          expected: .step(.nodeDown, .join(node: "n2", position: nil))),

    // Row 2: an agent busy with something the controller did not ask for.
    .init(name: "near-miss: a node stopped but its agent is still stopping (others may follow): wait",
          snapshot: F.cluster(F.busy(F.green(0, size: 2), .stopping), F.green(1, size: 2), F.clean(2, seqno: 99)),
          expected: .nothing),
    .init(name: "an agent recovering a position on its own: wait",
          snapshot: F.cluster(F.busy(F.crashed(0), .recovering), F.crashed(1), F.crashed(2)),
          expected: .nothing),

    // Row 7: a node cut off by the network while the majority stays Primary.
    .init(name: "one node isolated non-Primary, majority Primary: no restart",
          snapshot: F.cluster(F.green(0), F.green(1), F.nonPrimary(2, seqno: 90)),
          expected: .nothing),
    .init(name: "one node Unknown, majority Primary: no restart",
          snapshot: F.cluster(F.green(0), F.green(1), F.stale(2)),
          expected: .nothing),

    // Row 9: quorum lost, the others confirmed stopped.
    .init(name: "survivor non-Primary, others killed: recover their positions first",
          snapshot: F.cluster(F.nonPrimary(0, seqno: 130), F.crashed(1), F.crashed(2)),
          expected: .step(.quorumLost, .recoverPosition(node: "n1"))),
    .init(name: "survivor non-Primary and most advanced: re-bootstrap it in place",
          snapshot: F.cluster(F.nonPrimary(0, seqno: 130), F.crashed(1, recovered: F.position(130)), F.crashed(2, recovered: F.position(128))),
          expected: .step(.quorumLost, .bootstrapSurvivor(node: "n0"))),
    .init(name: "two survivors non-Primary: the most advanced is re-bootstrapped",
          snapshot: F.cluster(F.nonPrimary(0, seqno: 120), F.nonPrimary(1, seqno: 125), F.clean(2, seqno: 110)),
          expected: .step(.quorumLost, .bootstrapSurvivor(node: "n1"))),
    .init(name: "near-miss: survivor behind a stopped node: refuse",
          snapshot: F.cluster(F.nonPrimary(0, seqno: 100), F.crashed(1, recovered: F.position(140)), F.clean(2, seqno: 100)),
          expected: .manual(reason: "StoppedNodeAhead")),
    .init(name: "survivor non-Primary, another node Unknown: refuse (it may be Primary elsewhere)",
          snapshot: F.cluster(F.nonPrimary(0), F.crashed(1, recovered: F.position(99)), F.stale(2)),
          expected: .manual(reason: "NodeUnknownWithoutPrimary")),
    .init(name: "no Primary, a node starting (a bootstrap in progress): wait, start nothing else",
          snapshot: F.cluster(F.starting(0), F.clean(1, seqno: 300), F.clean(2, seqno: 300)),
          expected: .nothing),
    .init(name: "every node non-Primary (split three ways): wait for Galera to merge them, start nothing",
          snapshot: F.cluster(F.nonPrimary(0), F.nonPrimary(1), F.nonPrimary(2)),
          expected: .waiting(.merging)),

    // Rows 10 and 11: every node stopped.
    .init(name: "all killed: recover the lowest ordinal first",
          snapshot: F.cluster(F.crashed(0), F.crashed(1), F.crashed(2)),
          expected: .step(.clusterDown, .recoverPosition(node: "n0"))),
    .init(name: "all killed, all recovered: bootstrap the highest seqno",
          snapshot: F.cluster(F.crashed(0, recovered: F.position(200)), F.crashed(1, recovered: F.position(201)), F.crashed(2, recovered: F.position(199))),
          expected: .step(.clusterDown, .bootstrap(node: "n1", position: F.position(201)))),
    .init(name: "all killed, tie on seqno: the lowest ordinal",
          snapshot: F.cluster(F.crashed(0, recovered: F.position(199)), F.crashed(1, recovered: F.position(201)), F.crashed(2, recovered: F.position(201))),
          expected: .step(.clusterDown, .bootstrap(node: "n1", position: F.position(201)))),
    .init(name: "all stopped cleanly: bootstrap the one safe_to_bootstrap when it is the highest",
          snapshot: F.cluster(F.clean(0, seqno: 300), F.clean(1, seqno: 300), F.clean(2, seqno: 301, safe: true)),
          expected: .step(.clusterDown, .bootstrap(node: "n2", position: F.position(301)))),
    .init(name: "all stopped cleanly, tie: safe_to_bootstrap breaks it over the lower ordinal",
          snapshot: F.cluster(F.clean(0, seqno: 301), F.clean(1, seqno: 301, safe: true), F.clean(2, seqno: 300)),
          expected: .step(.clusterDown, .bootstrap(node: "n1", position: F.position(301)))),
    .init(name: "near-miss: safe_to_bootstrap on a node that is behind: the highest wins",
          snapshot: F.cluster(F.clean(0, seqno: 290, safe: true), F.clean(1, seqno: 300), F.clean(2, seqno: 295)),
          expected: .step(.clusterDown, .bootstrap(node: "n1", position: F.position(300)))),
    .init(name: "mixed: one crashed (recovered, highest), two clean: the crashed one bootstraps",
          snapshot: F.cluster(F.clean(0, seqno: 300, safe: true), F.crashed(1, recovered: F.position(305)), F.clean(2, seqno: 299)),
          expected: .step(.clusterDown, .bootstrap(node: "n1", position: F.position(305)))),

    // Rows 2, 3, 8 and 12: refusals.
    .init(name: "near-miss: a zero UUID in grastate.dat: refuse",
          snapshot: F.cluster(F.clean(0, seqno: 0, uuid: GaleraPosition.zeroUUID), F.clean(1, seqno: 300), F.clean(2, seqno: 299)),
          expected: .manual(reason: "ZeroState")),
    .init(name: "near-miss: recovery found the all-zero position: refuse",
          snapshot: F.cluster(F.crashed(0, recovered: F.position(-1, uuid: GaleraPosition.zeroUUID)), F.clean(1, seqno: 300), F.clean(2, seqno: 299)),
          expected: .manual(reason: "ZeroState")),
    .init(name: "zero UUID with seqno -1 is recovered first (the position may still be in InnoDB)",
          snapshot: F.cluster(F.node(0, NodeObservation(processRunning: false, lastExit: .exited(code: 1),
                                                         grastate: .present(GaleraState(position: F.position(-1, uuid: GaleraPosition.zeroUUID), safeToBootstrap: false)))),
                              F.clean(1, seqno: 300), F.clean(2, seqno: 299)),
          expected: .step(.clusterDown, .recoverPosition(node: "n0"))),
    .init(name: "an empty datadir (a replaced volume) while a Primary serves: re-seeded by SST",
          snapshot: F.cluster(F.green(0, size: 2), F.green(1, size: 2), F.empty(2)),
          expected: .step(.nodeDown, .join(node: "n2", position: nil))),
    .init(name: "an empty datadir with no Primary component: refuse (nothing to seed it from)",
          snapshot: F.cluster(F.clean(0, seqno: 300), F.clean(1, seqno: 300), F.empty(2)),
          expected: .manual(reason: "EmptyState")),
    // Rows 5 and 6: formation and its protection
    .init(name: "forming: every datadir empty: bootstrap ordinal 0 as a new cluster",
          snapshot: F.cluster(intent: .forming, F.empty(0), F.empty(1), F.empty(2)),
          expected: .step(.forming, .bootstrapNew(node: "n0"))),
    .init(name: "forming: node 0 formed the cluster: the next empty node joins by SST",
          snapshot: F.cluster(intent: .forming, F.green(0, size: 1), F.empty(1), F.empty(2)),
          expected: .step(.forming, .join(node: "n1", position: nil))),
    .init(name: "forming: agents still coming up: wait, no alarm",
          snapshot: F.cluster(intent: .forming, F.empty(0), F.stale(1), F.stale(2)),
          expected: .nothing),
    .init(name: "forming: no agent has answered yet (a new cluster's pods are starting): wait, no NodeUnknownWithoutPrimary",
          snapshot: F.cluster(intent: .forming, F.stale(0), F.stale(1), F.stale(2)),
          expected: .nothing),
    .init(name: "formed before and every datadir empty: refuse (DataLost), never form again",
          snapshot: F.cluster(intent: .serving, F.empty(0), F.empty(1), F.empty(2)),
          expected: .manual(reason: "DataLost")),
    // Row 2
    .init(name: "paused: a node down is not repaired; the running ones stop, highest ordinal first",
          snapshot: F.cluster(intent: .paused, F.green(0, size: 2), F.green(1, size: 2), F.clean(2, seqno: 99)),
          expected: .step(.pausing, .stop(node: "n1"))),
    .init(name: "paused and all Green: the highest ordinal stops first",
          snapshot: F.cluster(intent: .paused, F.green(0), F.green(1), F.green(2)),
          expected: .step(.pausing, .stop(node: "n2"))),
    .init(name: "paused and every node stopped: observe only",
          snapshot: F.cluster(intent: .paused, F.clean(0, seqno: 100, safe: true), F.clean(1, seqno: 99), F.clean(2, seqno: 98)),
          expected: .nothing),
    .init(name: "paused with a node Unknown: stop nothing blind",
          snapshot: F.cluster(intent: .paused, F.green(0), F.green(1), F.stale(2)),
          expected: .nothing),
    .init(name: "paused while an agent is busy: wait",
          snapshot: F.cluster(intent: .paused, F.busy(F.green(0), .stopping), F.green(1), F.green(2)),
          expected: .nothing),
    .init(name: "restoring: fault recovery stands aside",
          snapshot: F.cluster(intent: .restoring(step: "restore"), F.clean(0, seqno: 5), F.clean(1, seqno: 5), F.clean(2, seqno: 5)),
          expected: .nothing),
    // Rows 3 and 19: a backup never blocks the repair of another node, but its own node waits
    .init(name: "a backup on n0 does not freeze the repair of n2",
          snapshot: F.cluster(F.busy(F.green(0, size: 2), .backingUp), F.green(1, size: 2), F.clean(2, seqno: 99)),
          expected: .step(.nodeDown, .join(node: "n2", position: F.position(99)))),
    .init(name: "a step on the node that is backing up waits for the backup",
          snapshot: F.cluster(F.green(0, size: 2), F.green(1, size: 2), F.busy(F.clean(2, seqno: 99), .backingUp)),
          expected: .nothing),
    // Stalled transfers: a joiner whose donor is gone with no Primary component left.
    .init(name: "a joiner receiving a transfer, no Primary component for 60 s: stop it at once",
          snapshot: F.withoutPrimary(for: 60, F.cluster(F.crashed(0), F.crashed(1), F.receiving(2))),
          expected: .step(.stalledTransfer, .halt(node: "n2"))),
    .init(name: "near-miss: the same joiner 30 s without a Primary component: wait (a transfer may still end)",
          snapshot: F.withoutPrimary(for: 30, F.cluster(F.crashed(0), F.crashed(1), F.receiving(2))),
          expected: .nothing),
    .init(name: "near-miss: a joiner receiving from a Primary component is never stopped",
          snapshot: F.cluster(F.green(0, size: 2), F.crashed(1), F.receiving(2)),
          expected: .nothing),
    .init(name: "a joiner whose donor has been stopped for 60 s while a Primary serves: stop it (its stream never resumes)",
          snapshot: F.cluster(F.green(0, size: 2), F.crashed(1), F.receiving(2, from: "n1", goneFor: 60)),
          expected: .step(.stalledTransfer, .halt(node: "n2"))),
    .init(name: "near-miss: the donor stopped 10 s ago: wait (the bound has not passed)",
          snapshot: F.cluster(F.green(0, size: 2), F.crashed(1), F.receiving(2, from: "n1", goneFor: 10)),
          expected: .nothing),
    .init(name: "near-miss: a node starting without a transfer (InnoDB recovery) is not stopped, however long",
          snapshot: F.withoutPrimary(for: 600, F.cluster(F.crashed(0), F.crashed(1), F.starting(2))),
          expected: .nothing),

    // Membership: a node that never was Synced in the cluster holds nothing of its own.
    .init(name: "a never-member with the all-zero state (a failed first SST), Primary serves: seeded by SST, no ZeroState",
          snapshot: F.cluster(F.member(F.green(0, size: 1)), F.never(F.zeroed(1)), F.never(F.empty(2))),
          expected: .step(.nodeDown, .join(node: "n1", position: nil))),
    .init(name: "a member with the all-zero state while a Primary serves: re-seeded by SST",
          snapshot: F.cluster(F.green(0, size: 2), F.green(1, size: 2), F.member(F.clean(2, seqno: 0, uuid: GaleraPosition.zeroUUID))),
          expected: .step(.nodeDown, .join(node: "n2", position: nil))),
    .init(name: "never-members left out without a Primary: the bootstrap node that crashed is recovered first",
          snapshot: F.cluster(F.member(F.crashed(0)), F.never(F.zeroed(1)), F.never(F.empty(2))),
          expected: .step(.clusterDown, .recoverPosition(node: "n0"))),
    .init(name: "never-members left out without a Primary: the only member bootstraps from its recovered position",
          snapshot: F.cluster(F.member(F.crashed(0, recovered: F.position(7))), F.never(F.zeroed(1)), F.never(F.empty(2))),
          expected: .step(.clusterDown, .bootstrap(node: "n0", position: F.position(7)))),
    .init(name: "near-miss: a member whose datadir is empty, no Primary: refuse (its last writes may be gone)",
          snapshot: F.cluster(F.member(F.clean(0, seqno: 300)), F.member(F.clean(1, seqno: 300)), F.member(F.empty(2))),
          expected: .manual(reason: "EmptyState")),
    .init(name: "near-miss: a member with the all-zero state, no Primary: refuse",
          snapshot: F.cluster(F.member(F.clean(0, seqno: 300)), F.member(F.clean(1, seqno: 300)), F.member(F.clean(2, seqno: 0, uuid: GaleraPosition.zeroUUID))),
          expected: .manual(reason: "ZeroState")),
    .init(name: "a member whose re-seed a person approved: left out, the others bootstrap",
          snapshot: F.cluster(F.member(F.clean(0, seqno: 300)), F.member(F.clean(1, seqno: 301)), F.approved(F.empty(2))),
          expected: .step(.clusterDown, .bootstrap(node: "n1", position: F.position(301)))),
    .init(name: "no node holds data of its own, no Primary: the data is lost, restore from a backup",
          snapshot: F.cluster(F.never(F.empty(0)), F.never(F.zeroed(1)), F.interrupted(2)),
          expected: .manual(reason: "DataLost")),
    .init(name: "no Primary, the one member left out too (approved): no candidate, restore from a backup",
          snapshot: F.cluster(F.approved(F.clean(0, seqno: 5)), F.never(F.zeroed(1)), F.interrupted(2)),
          expected: .manual(reason: "DataLost")),
    .init(name: "a never-member claiming another cluster's history is still refused",
          snapshot: F.cluster(F.green(0, size: 2), F.green(1, size: 2), F.never(F.clean(2, seqno: 50, uuid: F.otherUUID))),
          expected: .manual(reason: "ClusterUUIDMismatch")),
    .init(name: "forming: node 0 starting while the others were not started yet: wait, no EmptyState",
          snapshot: F.cluster(intent: .forming, F.starting(0), F.empty(1), F.empty(2)),
          expected: .nothing),
    .init(name: "forming: node 0 crashed before it was ever Primary: recover it, the empty ones wait",
          snapshot: F.cluster(intent: .forming, F.crashed(0), F.empty(1), F.empty(2)),
          expected: .step(.clusterDown, .recoverPosition(node: "n0"))),

    .init(name: "UUIDs disagree between stopped nodes: refuse",
          snapshot: F.cluster(F.clean(0, seqno: 300), F.clean(1, seqno: 300, uuid: F.otherUUID), F.clean(2, seqno: 299)),
          expected: .manual(reason: "ClusterUUIDMismatch")),
    .init(name: "UUIDs disagree between the Primary and a stopped node: refuse to join it",
          snapshot: F.cluster(F.green(0, size: 2), F.green(1, size: 2), F.clean(2, seqno: 50, uuid: F.otherUUID)),
          expected: .manual(reason: "ClusterUUIDMismatch")),
    .init(name: "near-miss: a stale report saying 'stopped, safe to bootstrap' is Unknown: refuse",
          snapshot: F.cluster(F.stale(0), F.crashed(1, recovered: F.position(90)), F.crashed(2, recovered: F.position(90))),
          expected: .manual(reason: "NodeUnknownWithoutPrimary")),
    .init(name: "every agent unreachable: refuse",
          snapshot: F.cluster(F.stale(0), F.stale(1), F.stale(2)),
          expected: .manual(reason: "NodeUnknownWithoutPrimary")),
]

@Suite("The decision table")
struct FaultDecisionTests {
    @Test(arguments: decisionTable)
    func row(_ row: DecisionRow) {
        let plan = FaultDecision.decide(row.snapshot)
        #expect(row.expected.matches(plan), "expected \(row.expected), got \(plan)")
    }

    @Test func safeToBootstrapBehindIsNamedInTheReason() throws {
        let snapshot = F.cluster(F.clean(0, seqno: 290, safe: true), F.clean(1, seqno: 300), F.clean(2, seqno: 295))
        guard case .step(let step) = FaultDecision.decide(snapshot) else { Issue.record("expected a step"); return }
        #expect(step.reason.contains("n0 is marked safe_to_bootstrap"))
        #expect(step.reason.contains("behind"))
    }

    @Test func refusalNamesWhatWasSeenAndWhatToDo() throws {
        let snapshot = F.cluster(F.nonPrimary(0), F.crashed(1, recovered: F.position(99)), F.stale(2))
        guard case .manual(let intervention) = FaultDecision.decide(snapshot) else { Issue.record("expected a refusal"); return }
        #expect(intervention.seen.contains("n2"))
        #expect(intervention.advice.contains("Check the agent and mysqld of n2"))
    }
}

/// Row 20: a node with no room on its disk is not started into the same wall.
@Suite("The decision table: full disks")
struct DiskFullDecisionTests {
    static func full(_ node: NodeSnapshot, free: Int64 = 4 << 20, line: String? = "InnoDB: Error number 28 means 'No space left on device'") -> NodeSnapshot {
        var node = node
        node.diskShortage = .init(path: "/var/lib/mysql", freeBytes: free, totalBytes: 1 << 30, errorLine: line, resumeAtBytes: 128 << 20)
        return node
    }

    @Test func aCrashedNodeOnAFullDiskIsNotRecoveredButNamed() throws {
        let snapshot = F.cluster(F.green(0, size: 2), F.green(1, size: 2), Self.full(F.crashed(2)))
        guard case .manual(let intervention) = FaultDecision.decide(snapshot) else { Issue.record("expected a refusal"); return }
        #expect(intervention.reason == "DiskFull")
        #expect(intervention.seen.contains("n2's datadir /var/lib/mysql has 4.0 MiB (4194304 bytes) free of 1.0 GiB"))
        #expect(intervention.seen.contains("No space left on device"))
        #expect(intervention.advice.contains("recover the position of n2") || intervention.advice.contains("n2"))
        #expect(intervention.advice.contains("128.0 MiB"))
        // With room again, the same snapshot gives the step it would have given.
        let roomy = F.cluster(F.green(0, size: 2), F.green(1, size: 2), F.crashed(2))
        guard case .step(let step) = FaultDecision.decide(roomy) else { Issue.record("expected a step"); return }
        #expect(step.action == .recoverPosition(node: "n2"))
    }

    /// With two full disks the refusal names both (it once named only the one the step needed).
    @Test func everyFullNodeIsNamed() throws {
        let snapshot = F.cluster(F.green(0, size: 1), Self.full(F.crashed(1)), Self.full(F.crashed(2), free: 2 << 20))
        guard case .manual(let intervention) = FaultDecision.decide(snapshot) else { Issue.record("expected a refusal"); return }
        #expect(intervention.reason == "DiskFull")
        #expect(intervention.seen.contains("node n1's datadir") && intervention.seen.contains("node n2's datadir /var/lib/mysql has 2.0 MiB"),
                "\(intervention.seen)")
        #expect(intervention.advice.contains("n1, n2"), "\(intervention.advice)")
    }

    @Test func aFullBootstrapCandidateIsNotBootstrappedEither() {
        let snapshot = F.cluster(Self.full(F.clean(0, seqno: 300, safe: true)), F.clean(1, seqno: 300), F.clean(2, seqno: 299))
        guard case .manual(let intervention) = FaultDecision.decide(snapshot) else { Issue.record("expected a refusal"); return }
        #expect(intervention.reason == "DiskFull")
    }

    @Test func stoppingAFullNodeIsNotHeldBack() {
        var running = F.green(2)
        running.diskShortage = Self.full(F.crashed(2)).diskShortage
        let snapshot = F.cluster(intent: .paused, F.green(0), F.green(1), running)
        guard case .step(let step) = FaultDecision.decide(snapshot) else { Issue.record("expected a step"); return }
        #expect(step.action == .stop(node: "n2"))
    }

    @Test func theThresholds() {
        let disk = AgentStatus.Disk(path: "/d", freeBytes: 64 << 20, totalBytes: 1 << 30)
        #expect(NodeSnapshot.DiskShortage.assess(disk, error: nil, floor: 16 << 20, resume: 128 << 20) == nil,
                "64 MiB free, no error: room enough to start")
        let error = AgentStatus.DiskFullError(line: "Disk full (./t.MAI)", at: Date())
        #expect(NodeSnapshot.DiskShortage.assess(disk, error: error, floor: 16 << 20, resume: 128 << 20)?.resumeAtBytes == 128 << 20,
                "after mysqld said the disk is full, 64 MiB is not enough")
        let tiny = AgentStatus.Disk(path: "/d", freeBytes: 1 << 20, totalBytes: 1 << 30)
        #expect(NodeSnapshot.DiskShortage.assess(tiny, error: nil, floor: 16 << 20, resume: 128 << 20)?.resumeAtBytes == 16 << 20)
        #expect(NodeSnapshot.DiskShortage.assess(nil, error: error, floor: 16 << 20, resume: 128 << 20) == nil, "no disk report: no opinion")
    }
}
