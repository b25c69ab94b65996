import Controller
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import KubeClient
import QiniuAPI
import Testing
@testable import CLI

/// The wizard's pieces that need no cluster: the bootstrap recommendation agreeing with the
/// controller, the lease rule, and what the command refuses. The wizard itself is driven from a
/// pseudo-terminal on a playground (RestoreWizardEndToEndTests).
// Serialized: six of these start an API server and run the CLI as processes; all at once, beside
// the other suites on two cores, they starved the fake-Galera loop tests (100 ms staleness).
@Suite(.serialized) struct RestoreWizardTests {
    static let endpoints = (0..<3).map { NodeEndpoint(name: "demo-\($0)", ordinal: $0, agentURL: "https://demo-\($0):9809", sqlHost: "demo-\($0)") }

    /// The snapshots the controller may publish, and the rule's answer for each.
    static let snapshots: [(states: [NodeState], expected: String)] = [
        ([.green, .green, .green], "demo-0"),
        ([.unknown, .green, .green], "demo-1"),
        ([.redUnclean, .yellow, .redClean], "demo-1"),
        ([.redUnclean, .redClean, .redClean], "demo-1"),
        ([.redUnclean, .unknown, .redUnclean], "demo-0"),
        ([.yellow, .green, .unknown], "demo-1"),
    ]

    /// One function, the same snapshot: the status the controller publishes goes through the
    /// operator's mirroring into the QiniuMySQL the wizard reads, and both sides choose alike.
    @Test(arguments: snapshots.indices)
    func theRecommendationIsTheControllersChoice(_ index: Int) {
        let (states, expected) = Self.snapshots[index]
        let published = zip(Self.endpoints, states).map { endpoint, state in
            NodeStatus(name: endpoint.name, state: state, wsrepState: state == .green ? "Synced" : nil, seqno: state == .green ? nil : 40,
                       ready: state == .green)
        }
        let controller = ClusterController.bootstrapChoice(requested: nil, nodes: Self.endpoints, published: published)
        let status = ClusterStatus(cluster: "demo", state: .yellow, nodes: published, conditions: [], message: "")
        let object = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "default"), spec: QiniuMySQLSpec(),
                                status: status.resourceStatus())
        let wizard = RestoreScreens.recommendation(object)
        #expect(controller.node == expected)
        #expect(wizard == controller, "the wizard recommends \(String(describing: wizard)); the controller chooses \(controller)")
    }

    @Test func noAnsweringNodeIsNeverRecommended() {
        let candidates = ["demo-0", "demo-1"].enumerated().map { RestoreBootstrap.Candidate(name: $1, ordinal: $0, state: .unknown) }
        #expect(RestoreBootstrap.choose(among: candidates) == nil)
        #expect(RestoreBootstrap.choose(requested: "demo-1", among: candidates)?.reason == "as requested")
        #expect(ClusterNames.ordinal(of: "my-db-12") == 12 && ClusterNames.ordinal(of: "nodash") == nil)
    }

    @Test func theLeaseIsRefusedOnlyWhileAnotherWizardRenewsIt() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let other = WizardLease.Holder(name: "bob@host (pid 7)", since: now - 300, renewed: now - 5)
        #expect(WizardLease.decide(nil, me: "me", now: now) == .take)
        #expect(WizardLease.decide(other, me: "me", now: now) == .refuse(other))
        #expect(WizardLease.decide(other, me: "bob@host (pid 7)", now: now) == .take, "its own lease")
        var gone = other
        gone.renewed = now - WizardLease.expiresAfter - 1
        #expect(WizardLease.decide(gone, me: "me", now: now) == .take, "a wizard not heard for \(WizardLease.expiresAfter) s is gone")
        let parsed = WizardLease.holder(in: WizardLease.annotations(holder: other.name, since: other.since, now: other.renewed))
        #expect(parsed == other)
    }

    @Test func withoutATerminalTheWizardRefusesAndNamesYes() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        for mode in ["--interactive", "--resume", "--cancel"] {
            let result = try await bed.run("restore", "demo", mode, stdin: "y\n")
            #expect(result.status == 4, "\(mode): \(result.stderr)")
            #expect(result.stderr.contains("not a terminal") && result.stderr.contains("--yes"), "\(mode): \(result.stderr)")
        }
        #expect(try await bed.client.listAll(QiniuMySQLData.self).isEmpty)
    }

    @Test func modesRefuseWhatDoesNotApply() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        for arguments in [["--resume", "--from", "b"], ["--interactive", "--cancel"], ["--interactive", "--approval", "Step"],
                          ["--cancel", "--wait"], ["--resume", "-o", "json"]] {
            let result = try await CommandRunner.run(CLITestBed.executable, ["restore", "demo"] + arguments + ["--kubeconfig", bed.kubeconfig])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
        let none = try await bed.run("restore", "demo")
        #expect(none.status == 64 && none.stderr.contains("--interactive"), "\(none.stderr)")
    }

    @Test func resumeWithoutARestoreSaysHowToStartOne() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        let result = try await bed.run("restore", "demo", "--resume", "--yes")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("no restore of demo") && result.stderr.contains("--interactive"), "\(result.stderr)")
    }

    /// `--yes` without a terminal: the same screens, every question answered, each approval
    /// written into the object one step at a time. A stand-in controller (this test, writing
    /// status through the API server) runs a step only once `spec.approvedStep` reaches it.
    @Test func withYesEveryStepIsApprovedInTurn() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        _ = try await bed.client.modifyStatus(QiniuMySQL.self, name: "demo", retryOnConflict: 3) { cluster in
            var status = QiniuMySQLStatus(
                state: .green, ready: "3/3",
                nodes: (0..<3).map { QiniuMySQLNodeStatus(name: "demo-\($0)", state: "Green", wsrepState: "Synced", seqno: nil, ready: true) },
                observedGeneration: cluster.metadata.generation)
            status.backups = [BackupRecord(id: "demo-20261129-010100", cluster: "demo", time: "2026-11-29T01:01:00Z", size: 4096, position: "u:7",
                                           verified: "2026-11-29T01:01:05Z")]
            cluster.status = status
        }
        let controller = Self.standInController(bed)
        defer { controller.cancel() }
        let result = try await bed.run("restore", "demo", "--interactive", "--yes")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try await controller.value == [1, 2, 3, 4, 5], "one approval per step, in order")
        for step in 1...5 {
            #expect(result.stdout.contains("Run step \(step) (\(RestoreSteps.name(step)))? [y/N] yes (--yes)"), "\(result.stdout)")
        }
        #expect(result.stdout.contains("Backup to restore [1]: 1 (--yes)") && result.stdout.contains("Restore finished: demo is Green."), "\(result.stdout)")
        let task = try #require(try await bed.client.listAll(QiniuMySQLData.self).first)
        #expect(task.spec.approval == .step && task.spec.backupName == "demo-20261129-010100" && task.spec.bootstrapNode == nil,
                "the recommended node is left to the controller's own choice: \(task.spec)")
        #expect(WizardLease.holder(in: task.metadata.annotations) == nil, "the wizard gave its lease up")
        #expect(!result.stdout.contains("\u{1B}["), "no colour off a terminal")
    }

    /// A stand-in controller (this test, writing status through the API server): it runs a
    /// restore's step only once `spec.approvedStep` reaches it, and returns the approvals seen.
    static func standInController(_ bed: CLITestBed) -> Task<[Int], any Error> {
        Task {
            var approvalsSeen: [Int] = []
            while true {
                guard let task = try await bed.client.listAll(QiniuMySQLData.self).first, let name = task.metadata.name else {
                    try await Task.sleep(for: .milliseconds(50))
                    continue
                }
                var steps = RestoreSteps.names.enumerated().map { DataStep(number: $0.offset, name: $0.element, state: .pending) }
                func publish(_ phase: DataPhase) async throws {
                    _ = try await bed.client.modifyStatus(QiniuMySQLData.self, name: name, retryOnConflict: 5) {
                        $0.status = QiniuMySQLDataStatus(phase: phase, steps: steps)
                        $0.status?.node = "demo-0"
                    }
                }
                for step in 0...5 {
                    if step > 0 {
                        steps[step].state = .waitingForApproval
                        try await publish(.waitingForApproval)
                        while (try await bed.client.get(QiniuMySQLData.self, name: name).spec.approvedStep ?? 0) < step {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        approvalsSeen.append(step)
                    }
                    steps[step].state = .succeeded
                    try await publish(step == 5 ? .succeeded : .running)
                }
                return approvalsSeen
            }
        }
    }

    /// demo, Green, with two backups taken while its binary log was archived and the window
    /// from the first one to now.
    static func archivedCluster(_ bed: CLITestBed) async throws {
        _ = try await bed.client.modifyStatus(QiniuMySQL.self, name: "demo", retryOnConflict: 3) { cluster in
            var status = QiniuMySQLStatus(
                state: .green, ready: "3/3",
                nodes: (0..<3).map { QiniuMySQLNodeStatus(name: "demo-\($0)", state: "Green", wsrepState: "Synced", seqno: nil, ready: true) },
                observedGeneration: cluster.metadata.generation)
            status.backups = [("demo-20261129-010100", "2026-11-29T01:01:00Z", 7), ("demo-20261129-130100", "2026-11-29T13:01:00Z", 90)].map { id, time, sequence in
                var record = BackupRecord(id: id, cluster: "demo", time: time, size: 4096, position: "u:\(sequence)", verified: time)
                record.gtid = "1-1-\(sequence)"
                record.archiveHistory = "20261120T000000Z"
                return record
            }
            status.archive = ArchiveSummary(history: "20261120T000000Z", windows: [.init(from: "2026-11-29T01:01:00Z", to: nil)],
                                            node: "demo-2", lagWithin: "2s", gaps: nil, problem: nil)
            cluster.status = status
        }
    }

    /// A point in time through the wizard: the window under the backups, the newest backup
    /// before the point chosen, the replay in the plan, and `spec.restoreTo` in the task; a
    /// point before every backup is refused with the window. (A person typing a time at the
    /// prompt, on a pseudo-terminal, is the playground's end-to-end test.)
    @Test func aPointInTimeThroughTheWizard() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        try await Self.archivedCluster(bed)

        let tooEarly = try await bed.run("restore", "demo", "--interactive", "--yes", "--to-time", "2026-11-28T00:00:00Z")
        #expect(tooEarly.status != 0 && tooEarly.stderr.contains("no backup taken with the binary log archived before time 2026-11-28T00:00:00Z"),
                "\(tooEarly.stdout)\(tooEarly.stderr)")
        #expect(tooEarly.stderr.contains("any time from 2026-11-29T01:01:00Z to now"), "the window is named: \(tooEarly.stderr)")
        #expect(try await bed.client.listAll(QiniuMySQLData.self).isEmpty, "nothing was created")
        let withResume = try await bed.run("restore", "demo", "--resume", "--to-time", "2026-11-29T12:00:00Z")
        #expect(withResume.status != 0 && withResume.stderr.contains("--to-time and --to-gtid belong to a new one"), "\(withResume.stderr)")

        let controller = Self.standInController(bed)
        defer { controller.cancel() }
        let result = try await bed.run("restore", "demo", "--interactive", "--yes", "--to-time", "2026-11-29T12:00:00Z")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try await controller.value == [1, 2, 3, 4, 5])
        #expect(result.stdout.contains("Point-in-time recovery: any time from 2026-11-29T01:01:00Z to now (the archive is within 2s of now)"), "\(result.stdout)")
        #expect(result.stdout.contains("Restore to time 2026-11-29T12:00:00Z: backup demo-20261129-010100, then the archived binary log after it."), "\(result.stdout)")
        #expect(result.stdout.contains("replay the archived binary log to time 2026-11-29T12:00:00Z")
                && result.stdout.contains("Every write made to demo after time 2026-11-29T12:00:00Z is lost."), "\(result.stdout)")
        let task = try #require(try await bed.client.listAll(QiniuMySQLData.self).first)
        #expect(task.spec.backupName == "demo-20261129-010100" && task.spec.restoreTo == RestoreTarget(time: "2026-11-29T12:00:00Z"), "\(task.spec)")
    }

    /// The plain `restore --to-gtid` (no wizard): the newest backup at or before the GTID, the
    /// point in the task.
    @Test func aPointInTimeWithoutTheWizard() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        try await Self.archivedCluster(bed)
        let result = try await bed.run("restore", "demo", "--to-gtid", "1-1-120", "--yes", "-o", "name")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let task = try #require(try await bed.client.listAll(QiniuMySQLData.self).first)
        #expect(task.spec.backupName == "demo-20261129-130100" && task.spec.restoreTo == RestoreTarget(gtid: "1-1-120") && task.spec.approval == .auto,
                "\(task.spec)")
        let unarchived = try await bed.run("restore", "demo", "--to-gtid", "1-1-5", "--yes")
        #expect(unarchived.status != 0 && unarchived.stderr.contains("no backup taken with the binary log archived before GTID 1-1-5"), "\(unarchived.stderr)")
    }

    /// A second driver is told who holds the restore and since when; nothing of the task changes.
    @Test func aSecondWizardIsToldWhoHoldsTheRestore() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        let since = Date() - 120
        let task = QiniuMySQLData(
            metadata: ObjectMeta(name: "demo-restore-abcde", namespace: "default",
                                 annotations: WizardLease.annotations(holder: "alice@laptop (pid 4242)", since: since, now: Date())),
            spec: QiniuMySQLDataSpec(cluster: "demo", action: .restore, backupName: "demo-20261129-010100", approval: .step))
        let created = try await bed.client.create(task)
        for mode in ["--resume", "--cancel"] {
            let result = try await bed.run("restore", "demo", mode, "--yes")
            #expect(result.status == 7, "\(mode): \(result.stderr)")
            #expect(result.stderr.contains("alice@laptop (pid 4242)") && result.stderr.contains(KubeTime.format(since)), "\(result.stderr)")
        }
        let after = try await bed.client.get(QiniuMySQLData.self, name: "demo-restore-abcde")
        #expect(after.spec == created.spec)
        #expect(after.metadata.annotations == created.metadata.annotations)
    }
}
