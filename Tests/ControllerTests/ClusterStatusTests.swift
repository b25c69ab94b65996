import Backup
import Galera
import KubeAPI
import QiniuAPI
import Testing
@testable import Controller

@Suite("The cluster status sent upward")
struct ClusterStatusTests {
    typealias F = Fixture

    func build(_ snapshot: ClusterSnapshot, recovering: FaultKind? = nil, autoRecovery: Bool = true,
               previous: ClusterStatus? = nil, now: String = "2026-01-01T00:00:00Z") -> ClusterStatus {
        ClusterStatusBuilder.build(snapshot, activity: .init(plan: FaultDecision.decide(snapshot), autoRecovery: autoRecovery, recovering: recovering),
                                   previous: previous, now: now)
    }

    @Test func aSteadyClusterProducesEqualStatusesSoNothingIsWritten() {
        let first = build(F.cluster(F.green(0, seqno: 100), F.green(1, seqno: 100), F.green(2, seqno: 100)))
        // Writes moved the seqno and time passed: still the same status.
        let second = build(F.cluster(F.green(0, seqno: 180), F.green(1, seqno: 181), F.green(2, seqno: 179)),
                           previous: first, now: "2026-01-01T00:05:00Z")
        #expect(first == second)
        #expect(first.state == .green)
        #expect(first.condition(ConditionType.ready)?.status == "True")
        #expect(first.nodes.allSatisfy { $0.ready && $0.seqno == nil && $0.wsrepState == "Synced" })
    }

    @Test("one mapping to the QiniuMySQL status: every field the resource shows, in its vocabulary")
    func resourceStatus() throws {
        var status = build(F.cluster(F.green(0, size: 2), F.green(1, size: 2), F.crashed(2)), recovering: .nodeDown)
        status.clusterUUID = Fixture.uuid
        let resource = status.resourceStatus(observedGeneration: 4, lastBackup: LastBackup(name: "demo-backup-1", succeeded: true))
        #expect(resource.state == .yellow)
        #expect(resource.ready == "2/3")
        #expect(resource.nodes?.map(\.name) == ["n0", "n1", "n2"])
        #expect(resource.nodes?.map(\.state) == ["Green", "Green", "Red-unclean"])
        #expect(resource.nodes?[2].seqno == -1 && resource.nodes?[2].ready == false)
        #expect(resource.nodes?[0].wsrepState == "Synced")
        #expect(resource.conditions == status.conditions)
        #expect(resource.message == status.message)
        #expect(resource.clusterUUID == Fixture.uuid)
        #expect(resource.observedGeneration == 4 && resource.lastBackup?.name == "demo-backup-1")
        // Every node state and cluster state has a place in the resource's vocabulary.
        for state in ClusterState.allCases { #expect(ClusterState(rawValue: state.rawValue) != nil, "\(state)") }
        // Every field it fills is declared by the CRD's schema (the API server would prune others).
        let crd = QiniuCRDs.qiniuMySQL
        let statusSchema = crd[path: ["spec", "versions"]]?.arrayValue?.first?[path: ["schema", "openAPIV3Schema", "properties", "status", "properties"]]
        for key in try JSONValue(encoding: resource).objectValue!.keys {
            #expect(statusSchema?[key] != nil, "status.\(key) is in the CRD's schema")
        }
    }

    @Test func aRefusalSetsManualInterventionRequiredWithWhatWasSeen() {
        let status = build(F.cluster(F.nonPrimary(0), F.crashed(1, recovered: F.position(99)), F.stale(2)))
        #expect(status.state == .red)
        let condition = status.condition(ConditionType.manualInterventionRequired)
        #expect(condition?.status == "True")
        #expect(condition?.reason == "NodeUnknownWithoutPrimary")
        #expect(condition?.message?.contains("n2") == true)
        #expect(status.message.contains("automatic recovery will not act"))
        #expect(status.nodes.map(\.state) == [.yellow, .redUnclean, .unknown])
        #expect(status.nodes[1].seqno == 99)
        #expect(status.nodes[0].wsrepState == "non-Primary (Initialized)")
    }

    @Test func transitionTimesMoveOnlyWithTheirCondition() {
        let green = build(F.cluster(F.green(0), F.green(1), F.green(2)), now: "2026-01-01T00:00:00Z")
        let down = build(F.cluster(F.green(0), F.crashed(1), F.green(2)), recovering: .nodeDown, previous: green, now: "2026-01-01T00:01:00Z")
        #expect(down.condition(ConditionType.ready)?.lastTransitionTime == "2026-01-01T00:01:00Z")
        #expect(down.condition(ConditionType.recovering)?.status == "True")
        #expect(down.condition(ConditionType.manualInterventionRequired)?.lastTransitionTime == "2026-01-01T00:00:00Z")
    }

    @Test func withAutomaticRecoveryOffTheMessageSaysWhatWouldBeDone() {
        let status = build(F.cluster(F.green(0), F.crashed(1), F.green(2)), autoRecovery: false)
        #expect(status.message.contains("automatic recovery is off"))
        #expect(status.message.contains("recover the position of n1"))
        #expect(status.condition(ConditionType.recovering)?.status == "False")
    }
}

@Suite("Node addresses on the command line")
struct NodeEndpointParsingTests {
    @Test func aFullNodeParses() throws {
        let endpoint = try NodeEndpoint(parsing: "demo-1=http://127.0.0.3:9809/,127.0.0.3:3307", ordinal: 1)
        #expect(endpoint == NodeEndpoint(name: "demo-1", ordinal: 1, agentURL: "http://127.0.0.3:9809", sqlHost: "127.0.0.3", sqlPort: 3307))
    }

    @Test func theSQLPortDefaultsTo3306() throws {
        #expect(try NodeEndpoint(parsing: "a=https://x:1,db.local", ordinal: 0).sqlPort == 3306)
    }

    @Test(arguments: [
        ("demo-0", "no '='"),
        ("=http://x:1,h:1", "name is empty"),
        ("a=http://x:1", "no ','"),
        ("a=ftp://x,h:1", "must start with http"),
        ("a=http://x:1,h:99999", "SQL port"),
        ("a=http://x:1,:3306", "SQL host is empty"),
    ])
    func badInputSaysWhatIsWrongAndShowsAnExample(_ input: String, _ problem: String) {
        #expect {
            _ = try NodeEndpoint(parsing: input, ordinal: 0)
        } throws: { error in
            let text = "\(error)"
            return text.contains(problem) && text.contains("NAME=AGENT_URL,SQL_HOST:SQL_PORT")
        }
    }
}

/// A member that reports an older Primary view than another is behind (frozen, or cut off);
/// the newest view is the cluster's, however many stale reports outnumber it (issue 21: while
/// demo-2 was cut off, the healthy demo-0 was the node named).
@Suite("Primary views that disagree")
struct ViewDisagreementTests {
    static func member(_ ordinal: Int, confID: Int64, size: Int) -> NodeSnapshot {
        var node = Fixture.green(ordinal, size: size)
        node.observation.wsrep?.clusterConfID = confID
        return node
    }

    @Test func theNodeBehindIsNamedNotTheOneThatMovedOn() {
        // demo-0 reports the new two-member view; demo-1's report is a moment old, demo-2 is cut off.
        let snapshot = ClusterSnapshot(clusterName: "demo", nodes: [
            Self.member(0, confID: 8, size: 2), Self.member(1, confID: 7, size: 3), Self.member(2, confID: 7, size: 3),
        ], replicas: 3)
        #expect(snapshot.nodes[0].state == .green, "\(snapshot.nodes[0].assessment.reason)")
        #expect(snapshot.nodes[2].state == .yellow)
        #expect(snapshot.nodes[2].assessment.reason.contains("n0 reports the newer view 8 of 2 members"), "\(snapshot.nodes[2].assessment.reason)")
        #expect(snapshot.clusterState != .green)
    }

    @Test func aFrozenNodeWithItsOldViewIsYellowAndTheOthersGreen() {
        let snapshot = ClusterSnapshot(clusterName: "demo", nodes: [
            Self.member(0, confID: 9, size: 2), Self.member(1, confID: 9, size: 2), Self.member(2, confID: 7, size: 3),
        ], replicas: 3)
        #expect(snapshot.nodes.map(\.state) == [.green, .green, .yellow])
        #expect(snapshot.nodes[2].assessment.reason.contains("n0, n1 report the newer view 9 of 2 members"))
    }

    /// Two of three nodes killed: the survivor still reports its Primary view of three for a few
    /// seconds. It is no Green member of a serving component (it was shown Green while the
    /// cluster had no Primary component, issue 22).
    @Test func aViewThatLostItsQuorumIsNotGreen() {
        var survivor = Self.member(0, confID: 9, size: 3)
        survivor.observation.wsrep?.clusterConfID = 9
        let snapshot = ClusterSnapshot(clusterName: "demo", nodes: [survivor, Fixture.crashed(1), Fixture.crashed(2)], replicas: 3)
        #expect(snapshot.nodes[0].state == .yellow, "\(snapshot.nodes[0].assessment.reason)")
        #expect(snapshot.nodes[0].assessment.reason.contains("lost its quorum"))
        #expect(snapshot.clusterState == .red)
        // One of three stopped: the other two still make a majority of the view.
        let one = ClusterSnapshot(clusterName: "demo", nodes: [Self.member(0, confID: 9, size: 3), Self.member(1, confID: 9, size: 3), Fixture.crashed(2)],
                                  replicas: 3)
        #expect(one.nodes[0].state == .green && one.nodes[1].state == .green)
    }

    @Test func agreeingMembersAreNotJudged() {
        let snapshot = ClusterSnapshot(clusterName: "demo", nodes: (0..<3).map { Self.member($0, confID: 9, size: 3) }, replicas: 3)
        #expect(snapshot.nodes.allSatisfy { $0.outOfView == nil })
        #expect(snapshot.clusterState == .green)
    }
}

/// A cluster made from a backup that never formed is seeded again after a failure, unless what
/// stopped it is about the backup itself or a cancellation (those would fail the same way for ever).
@Suite("seeding restores tried again")
struct SeedingRetryTests {
    @Test func onlyWhatCanPassIsTriedAgain() {
        #expect(ClusterController.worthRetrying(ClusterController.RestoreRefused("cannot pause demo-2: its agent does not answer")))
        #expect(!ClusterController.worthRetrying(ClusterController.RestoreRefused("backup x is of flavor percona", permanent: true)))
        #expect(!ClusterController.worthRetrying(ClusterController.Cancelled()))
        #expect(!ClusterController.worthRetrying(CancellationError()))
        #expect(!ClusterController.worthRetrying(BackupStoreError.notFound(id: "demo-1")))
        #expect(ClusterController.worthRetrying(ControllerError.refused(task: "restore", why: "an agent is busy")))
    }
}
