import Clocks
import Foundation
import ControllerAPI
import Galera
import KubeAPI
import KubeRuntime
import QiniuAPI
import Testing
@testable import Operator

@Suite struct SpecCheckTests {
    static func cluster(_ change: (inout QiniuMySQLSpec) -> Void = { _ in }) -> QiniuMySQL {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "rds"))
        change(&cluster.spec)
        return cluster
    }

    @Test func aPlainClusterPasses() {
        #expect(SpecCheck.problems(Self.cluster(), live: .init()).isEmpty)
        #expect(SpecCheck.problems(Self.cluster { $0.config = ["max_connections": "500"] }, live: .init()).isEmpty)
    }

    @Test(arguments: [
        ("wsrep_cluster_address", "set by the agent"),
        ("datadir", "set by the agent"),
        ("bind-address", "set by the agent"),
        ("wsrep-provider-options", "set by the agent"),
        ("binlog_expire_logs_seconds", "set by the agent"),
    ])
    func agentOwnedSettingsAreRefused(key: String, message: String) {
        let problems = SpecCheck.problems(Self.cluster { $0.config = [key: "x"] }, live: .init())
        #expect(problems.count == 1)
        #expect(problems.first?.contains("spec.config.\(key)") == true)
        #expect(problems.first?.contains(message) == true)
    }

    @Test func pointInTimeRecoveryIsRefusedForPercona() {
        let pitr = BackupSpec(pitr: PITRSpec(enable: true))
        let problems = SpecCheck.problems(Self.cluster { $0.flavor = .percona; $0.backup = pitr }, live: .init())
        #expect(problems.count == 1 && problems[0].contains("spec.backup.pitr is not available for flavor percona"), "\(problems)")
        #expect(SpecCheck.problems(Self.cluster { $0.flavor = .mariadb; $0.backup = pitr }, live: .init()).isEmpty)
    }

    @Test func immutableAndDangerousChanges() {
        let live = SpecCheck.Live(flavor: "mariadb", storageSize: "20Gi", storageClassName: "fast", replicas: 3, state: .red)
        let flavor = SpecCheck.problems(Self.cluster {
            $0.flavor = .percona
            $0.storage = StorageSpec(size: "20Gi", storageClassName: "fast")
        }, live: live)
        #expect(flavor.count == 1 && flavor[0].contains("spec.flavor cannot change"))
        let shrink = SpecCheck.problems(Self.cluster { $0.storage = StorageSpec(size: "10Gi", storageClassName: "fast") }, live: live)
        #expect(shrink.count == 1 && shrink[0].contains("cannot shrink from 20Gi to 10Gi"))
        let same = SpecCheck.problems(Self.cluster { $0.storage = StorageSpec(size: "20480Mi", storageClassName: "fast") }, live: live)
        #expect(same.isEmpty, "the same size in other units is no change")
        let scaleWhileRed = SpecCheck.problems(Self.cluster {
            $0.replicas = 5
            $0.storage = StorageSpec(size: "20Gi", storageClassName: "fast")
        }, live: live)
        #expect(scaleWhileRed.count == 1 && scaleWhileRed[0].contains("while the cluster is Red"))
        var green = live
        green.state = .green
        #expect(SpecCheck.problems(Self.cluster {
            $0.replicas = 5
            $0.storage = StorageSpec(size: "20Gi", storageClassName: "fast")
        }, live: green).isEmpty)
    }

    /// What the schema cannot say about an S3 store, and its Secrets as read, each problem with
    /// the field that names it.
    @Test func s3StoresAndTheirSecrets() {
        let store = S3StoreSpec(endpoint: "https://s3.example.com", bucket: "backups", credentialsSecret: "s3-keys",
                                serverSideEncryption: S3EncryptionSpec(mode: .customerKey, customerKeySecret: "s3-sse"))
        let cluster = Self.cluster { $0.backup = BackupSpec(s3: store) }
        #expect(SpecCheck.referencedSecrets(cluster).map(\.field) == ["spec.backup.s3.credentialsSecret", "spec.backup.s3.serverSideEncryption.customerKeySecret"])
        #expect(SpecCheck.problems(cluster, live: .init()).isEmpty, "Secrets not read: nothing said of them")
        var live = SpecCheck.Live()
        live.checkedSecrets = true
        live.secretKeys = ["s3-keys": ["access-key-id"]]
        let problems = SpecCheck.problems(cluster, live: live)
        #expect(problems == [
            "spec.backup.s3.credentialsSecret \"s3-keys\" has no key 'secret-access-key'; add it (it has access-key-id)",
            "spec.backup.s3.serverSideEncryption.customerKeySecret \"s3-sse\" does not exist in namespace rds; create it with key 'customer-key'",
        ])
        live.secretKeys = ["s3-keys": ["access-key-id", "secret-access-key"], "s3-sse": ["customer-key"]]
        #expect(SpecCheck.problems(cluster, live: live).isEmpty)

        var noKey = store
        noKey.serverSideEncryption = S3EncryptionSpec(mode: .customerKey)
        noKey.prefix = "/prod"
        let refused = SpecCheck.problems(Self.cluster { $0.restoreFrom = RestoreFromSpec(backup: "b", s3: noKey) }, live: .init())
        #expect(refused.count == 2 && refused[0].hasPrefix("spec.restoreFrom.s3.prefix '/prod'") && refused[1].hasPrefix("spec.restoreFrom.s3.serverSideEncryption.customerKeySecret is required"),
                "\(refused)")

        // A formed clone no longer needs its source's Secrets.
        var formed = Self.cluster { $0.restoreFrom = RestoreFromSpec(backup: "b", s3: store) }
        #expect(SpecCheck.referencedSecrets(formed).count == 2)
        formed.status = QiniuMySQLStatus(clusterUUID: "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002", phase: .serving)
        #expect(SpecCheck.referencedSecrets(formed).isEmpty)
    }

    @Test func aMissingRootPasswordSecretIsNamed() {
        let problems = SpecCheck.problems(Self.cluster { $0.rootPasswordSecret = "my-root" },
                                          live: .init(rootPasswordSecretExists: false))
        #expect(problems.count == 1)
        #expect(problems[0].contains("\"my-root\" does not exist in namespace rds"))
    }
}

@Suite struct LiveComparisonTests {
    @Test func serverAddedFieldsDoNotCount() {
        let rendered: JSONValue = ["spec": ["replicas": 3, "ports": [["name": "mysql", "port": 3306]]]]
        let live: JSONValue = [
            "metadata": ["resourceVersion": "12"], "status": ["replicas": 0],
            "spec": ["replicas": 3, "revisionHistoryLimit": 10, "ports": [["name": "mysql", "port": 3306, "protocol": "TCP"]]],
        ]
        #expect(LiveComparison.covers(live, rendered))
        #expect(LiveComparison.firstDifference(live, rendered) == nil)
    }

    @Test func changedListsAndValuesCount() {
        let rendered: JSONValue = ["spec": ["replicas": 5, "ports": [["name": "mysql"]]]]
        #expect(!LiveComparison.covers(["spec": ["replicas": 3, "ports": [["name": "mysql"]]]], rendered))
        #expect(LiveComparison.firstDifference(["spec": ["replicas": 3, "ports": [["name": "mysql"]]]], rendered) == "spec.replicas")
        #expect(!LiveComparison.covers(["spec": ["replicas": 5, "ports": [["name": "mysql"], ["name": "x"]]]], rendered))
        #expect(!LiveComparison.covers(nil, rendered))
        #expect(LiveComparison.covers(["n": .double(3)], ["n": 3]))
        // The API server canonicalises quantities: the same amount is no change.
        #expect(LiveComparison.covers(["memory": "1Gi", "cpu": "1"], ["memory": "1024Mi", "cpu": "1000m"]))
        #expect(!LiveComparison.covers(["memory": "1Gi"], ["memory": "2Gi"]))
        #expect(!LiveComparison.covers(["image": "mariadb:10.11"], ["image": "mariadb:11.4"]))
    }
}

@Suite struct StatusComposerTests {
    static let green = ClusterStatus(
        cluster: "demo", state: .green,
        nodes: (0..<3).map { NodeStatus(name: "demo-\($0)", state: .green, wsrepState: "Synced", seqno: nil, ready: true) },
        conditions: [Condition(type: "Ready", status: "True", reason: "AllSynced", message: "3/3", lastTransitionTime: "t0")],
        message: "3/3 nodes Synced", clusterUUID: "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002")

    static func inputs(_ status: ClusterStatus?, unavailable: Bool = false, now: String) -> StatusComposer.Inputs {
        .init(controller: status, controllerUnavailable: unavailable, specProblems: [], applyError: nil, appliedGeneration: 2, now: now)
    }

    @Test func steadyInputsComposeTheStoredStatus() {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "rds"))
        let first = StatusComposer.compose(cluster, Self.inputs(Self.green, now: "2026-11-29T10:00:00Z"))
        cluster.status = first
        let second = StatusComposer.compose(cluster, Self.inputs(Self.green, now: "2026-11-29T10:05:00Z"))
        #expect(first == second, "nothing changed, so nothing is written (transition times are kept)")
        #expect(first.state == .green && first.ready == "3/3" && first.observedGeneration == 2)
        #expect(first.clusterUUID == Self.green.clusterUUID)
    }

    @Test func controllerUnavailableKeepsTheFormedUUIDAndSaysSo() {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "rds"))
        cluster.status = StatusComposer.compose(cluster, Self.inputs(Self.green, now: "t1"))
        var silent = Self.green
        silent.clusterUUID = nil
        let status = StatusComposer.compose(cluster, Self.inputs(silent, unavailable: true, now: "t2"))
        let condition = status.conditions?.first { $0.type == "ControllerUnavailable" }
        #expect(condition?.status == "True")
        #expect(condition?.lastTransitionTime == "t2")
        #expect(status.clusterUUID == Self.green.clusterUUID, "a formed cluster is never forgotten")
        #expect(status.message?.hasPrefix("controller unavailable") == true)
    }

    @Test func aNewOperatorTermKeepsTheControllersLastWord() {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "rds"))
        var recovering = Self.green
        recovering.state = .yellow
        recovering.conditions.append(Condition(type: "Recovering", status: "True", reason: "NodeDown", message: "join demo-2"))
        cluster.status = StatusComposer.compose(cluster, Self.inputs(recovering, now: "t1"))
        // Leadership moved: the new leader has not heard the controller yet.
        let interim = StatusComposer.compose(cluster, Self.inputs(nil, now: "t2"))
        #expect(interim == cluster.status, "nothing to write until the controller speaks")
        // Silent for long: only the operator's own condition and the message change, once.
        let silent = StatusComposer.compose(cluster, Self.inputs(nil, unavailable: true, now: "t3"))
        #expect(silent.conditions?.first { $0.type == "Recovering" }?.status == "True")
        cluster.status = silent
        let again = StatusComposer.compose(cluster, Self.inputs(nil, unavailable: true, now: "t4"))
        #expect(again == silent, "the message is prefixed once, not on every reconcile")
        #expect(again.message == "controller unavailable: 3/3 nodes Synced")
    }

    @Test func aPausedClusterIsNotDegraded() {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "rds"), spec: QiniuMySQLSpec(paused: true))
        var stopped = Self.green
        stopped.state = .red
        cluster.status = nil
        let status = StatusComposer.compose(cluster, Self.inputs(stopped, now: "t"))
        #expect(status.conditions?.first { $0.type == "Degraded" }?.reason == "Paused")
        #expect(status.conditions?.first { $0.type == "Degraded" }?.status == "False")
        #expect(status.conditions?.first { $0.type == "Paused" }?.status == "True")
    }

    @Test func beforeTheFirstStatus() {
        let cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "rds"))
        let status = StatusComposer.compose(cluster, Self.inputs(nil, now: "t"))
        #expect(status.ready == "0/3")
        #expect(status.conditions?.first { $0.type == "Ready" }?.reason == "WaitingForController")
    }
}

@Suite struct WorkQueueTests {
    @Test func duplicatesMergeAndAKeyIsNeverWorkedTwiceAtOnce() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        await queue.add("a")
        await queue.add("b")
        #expect(await queue.count == 2)
        let first = await queue.next()
        #expect(first == "a")
        await queue.add("a")  // while "a" is in progress: queued again only when done
        #expect(await queue.next() == "b")
        #expect(await queue.count == 0)
        await queue.done("a")
        #expect(await queue.count == 1)
        #expect(await queue.next() == "a")
        await queue.done("a")
        await queue.done("b")
        await queue.shutdown()
        #expect(await queue.next() == nil)
    }

    @Test func retriesBackOffPerKey() async {
        let clock = RoleClock.manual()
        let queue = WorkQueue<String>(baseDelay: .milliseconds(10), maxDelay: .milliseconds(40), clock: clock)
        #expect(await queue.retry("a") == .milliseconds(10))
        #expect(await queue.retry("a") == .milliseconds(20))
        #expect(await queue.retry("a") == .milliseconds(40))
        #expect(await queue.retry("a") == .milliseconds(40))
        #expect(await queue.retry("b") == .milliseconds(10))
        await queue.forget("a")
        #expect(await queue.failureCount("a") == 0)
        // Five timers wait on the queue's clock; none fires before its delay.
        while clock.sleepers < 5 { await Task.yield() }
        clock.advance(by: .milliseconds(9))
        #expect(await queue.count == 0, "no retry comes back before its delay")
        clock.advance(by: .milliseconds(1))
        #expect(await Self.eventually { await queue.count == 2 }, "the two 10 ms retries (a's first, b's) come back")
        #expect(clock.sleepers == 3)
        // Worked on and done: the queue is empty until the later retries come back.
        for _ in 0..<2 {
            if let key = await queue.next() { await queue.done(key) }
        }
        #expect(await queue.count == 0)
        clock.advance(by: .milliseconds(9))
        #expect(await queue.count == 0, "a's 20 ms retry is not due yet")
        clock.advance(by: .milliseconds(20))
        #expect(await Self.eventually { await queue.count == 1 }, "a's later retries come back, merged into one key")
        #expect(await queue.next() == "a")
        clock.advance(by: .milliseconds(1))
        #expect(clock.sleepers == 0, "the two 40 ms retries fired too: no timer is left behind")
    }

    /// Yields until `condition` holds (a woken timer's add runs on its own task); false after
    /// many rounds. Nothing here waits on time: the clock is the test's.
    static func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<100_000 {
            if await condition() { return true }
            await Task.yield()
        }
        return false
    }
}

@Suite struct RolloutDecisionTests {
    static func pod(_ ordinal: Int, _ revision: String, ready: Bool = true, terminating: Bool = false) -> RolloutDecision.PodView {
        .init(name: "demo-\(ordinal)", ordinal: ordinal, revision: revision, ready: ready, terminating: terminating)
    }

    @Test func table() {
        let current = [Self.pod(0, "r2"), Self.pod(1, "r2"), Self.pod(2, "r2")]
        let outdated = [Self.pod(0, "r1"), Self.pod(1, "r1"), Self.pod(2, "r1")]
        #expect(RolloutDecision.next(pods: current, replicas: 3, updateRevision: "r2", state: .green) == .complete)
        #expect(RolloutDecision.next(pods: current, replicas: 3, updateRevision: "r2", state: .yellow) == .none("every pod runs the current template"),
                "complete only while Green")
        #expect(RolloutDecision.next(pods: Array(current.prefix(2)), replicas: 3, updateRevision: "r2", state: .green) == .none("every pod runs the current template"),
                "complete only with every pod there")
        #expect(RolloutDecision.next(pods: outdated, replicas: 3, updateRevision: "r2", state: .green) == .replace(pod: "demo-2"))
        #expect(RolloutDecision.next(pods: outdated, replicas: 3, updateRevision: nil, state: .green) == .none("the StatefulSet has not published its revision yet"))
        #expect(RolloutDecision.next(pods: outdated, replicas: 3, updateRevision: "r2", state: .yellow) == .none("the cluster is Yellow; a rollout waits for Green"))
        let mixed = [Self.pod(0, "r1"), Self.pod(1, "r1"), Self.pod(2, "r2", ready: false)]
        #expect(RolloutDecision.next(pods: mixed, replicas: 3, updateRevision: "r2", state: .green) == .none("waiting for demo-2 to be Ready"))
        #expect(RolloutDecision.next(pods: Array(outdated.prefix(2)), replicas: 3, updateRevision: "r2", state: .green) == .none("waiting for 1 pod(s) to exist"))
        let terminating = [Self.pod(0, "r1"), Self.pod(1, "r1", terminating: true), Self.pod(2, "r2")]
        #expect(RolloutDecision.next(pods: terminating, replicas: 3, updateRevision: "r2", state: .green) == .none("demo-1 is terminating"))
    }

    @Test("a change of replication encryption goes through accepting on every node first")
    func encryptionRollout() {
        func cluster(asked: ReplicationEncryption?, running: ReplicationEncryption?, formed: Bool) -> QiniuMySQL {
            var cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "default"))
            if let asked { cluster.spec.tls = TLSSpec(replication: asked) }
            if running != nil || formed {
                cluster.status = QiniuMySQLStatus(clusterUUID: formed ? "f0e1d2c3-0000-0000-0000-000000000000" : nil)
                cluster.status?.replicationEncryption = running
            }
            return cluster
        }
        // A new cluster: TLS from its first pod, recorded before it forms.
        let new = cluster(asked: nil, running: nil, formed: false)
        #expect(EncryptionRollout.rendered(new) == .required)
        #expect(EncryptionRollout.recorded(new, rolledOut: false) == .required)
        // Formed before the setting existed: plain TCP, kept until asked.
        let legacy = cluster(asked: nil, running: nil, formed: true)
        #expect(EncryptionRollout.rendered(legacy) == .off)
        #expect(EncryptionRollout.recorded(legacy, rolledOut: false) == .off)
        #expect(EncryptionRollout.recorded(legacy, rolledOut: true) == .off)
        let legacyRecorded = cluster(asked: nil, running: .off, formed: true)
        #expect(EncryptionRollout.rendered(legacyRecorded) == .off, "once off is recorded, it is still kept until asked")
        #expect(EncryptionRollout.recorded(legacyRecorded, rolledOut: true) == .off)
        #expect(EncryptionRollout.rendered(cluster(asked: nil, running: .required, formed: true)) == .required)
        // Asked to turn it on: accepting first, recorded only once rolled out; then required.
        let asked = cluster(asked: .required, running: nil, formed: true)
        #expect(EncryptionRollout.rendered(asked) == .accepting)
        #expect(EncryptionRollout.recorded(asked, rolledOut: false) == .off)
        #expect(EncryptionRollout.recorded(asked, rolledOut: true) == .accepting)
        #expect(EncryptionRollout.rendered(cluster(asked: .required, running: .accepting, formed: true)) == .required)
        #expect(EncryptionRollout.recorded(cluster(asked: .required, running: .accepting, formed: true), rolledOut: true) == .required)
        // And back off the same way; a change of mind half-way goes straight back.
        #expect(EncryptionRollout.rendered(cluster(asked: .off, running: .required, formed: true)) == .accepting)
        #expect(EncryptionRollout.rendered(cluster(asked: .off, running: .accepting, formed: true)) == .off)
        #expect(EncryptionRollout.rendered(cluster(asked: .required, running: .required, formed: true)) == .required)
        #expect(EncryptionRollout.rendered(cluster(asked: .accepting, running: .off, formed: true)) == .accepting)
    }

    @Test func podsAreReadFromTheAPIShape() throws {
        let pod: JSONValue = [
            "metadata": ["name": "demo-12", "labels": ["controller-revision-hash": "demo-7c9"], "deletionTimestamp": "2026-01-01T00:00:00Z"],
            "status": ["conditions": [["type": "Ready", "status": "True"]]],
        ]
        #expect(RolloutDecision.PodView(try pod.decode(as: ObjectStatusView<PodStatus>.self), cluster: "demo")
            == .init(name: "demo-12", ordinal: 12, revision: "demo-7c9", ready: true, terminating: true))
        #expect(RolloutDecision.PodView(ObjectStatusView(metadata: ObjectMeta(name: "demo-controller-abc")), cluster: "demo") == nil)
        #expect(RolloutDecision.PodView(ObjectStatusView(metadata: ObjectMeta(name: "demoX-1")), cluster: "demo") == nil)
    }
}

/// The writer and readers labels (`EndpointLabels`): the order that keeps one writer at most and
/// the readers never empty, and no request while they are where they belong.
@Suite struct EndpointLabelsTests {
    typealias Pod = EndpointLabels.Pod
    static func pods(writer: String?, readers: [String], ready: [String] = ["demo-0", "demo-1", "demo-2"]) -> [Pod] {
        ["demo-0", "demo-1", "demo-2"].map { Pod(name: $0, ready: ready.contains($0), writer: $0 == writer, reader: readers.contains($0)) }
    }

    @Test func aFirstWriterAndItsReaders() {
        let changes = EndpointLabels.changes(pods: Self.pods(writer: nil, readers: []), writer: "demo-0")
        #expect(changes == [
            .init(pod: "demo-0", label: QiniuLabels.writer, add: true),
            .init(pod: "demo-1", label: QiniuLabels.reader, add: true),
            .init(pod: "demo-2", label: QiniuLabels.reader, add: true),
        ])
    }

    @Test func inPlaceNothingIsPatched() {
        #expect(EndpointLabels.changes(pods: Self.pods(writer: "demo-0", readers: ["demo-1", "demo-2"]), writer: "demo-0").isEmpty)
    }

    @Test func aMoveTakesTheLabelOffBeforeItPutsItOn() {
        // demo-0 failed (not ready); the controller chose demo-1. Two ready pods: the readers are both.
        let changes = EndpointLabels.changes(pods: Self.pods(writer: "demo-0", readers: ["demo-1", "demo-2"], ready: ["demo-1", "demo-2"]), writer: "demo-1")
        #expect(changes == [
            .init(pod: "demo-0", label: QiniuLabels.writer, add: false),
            .init(pod: "demo-1", label: QiniuLabels.writer, add: true),
            .init(pod: "demo-0", label: QiniuLabels.reader, add: true),
        ], "demo-0 is a reader again once ready: the Service only sends to ready pods")
        // Every prefix of the changes leaves at most one writer.
        for count in 0...changes.count {
            var pods = Self.pods(writer: "demo-0", readers: ["demo-1", "demo-2"])
            for change in changes.prefix(count) where change.label == QiniuLabels.writer {
                pods = pods.map { var pod = $0; if pod.name == change.pod { pod.writer = change.add }; return pod }
            }
            #expect(pods.filter(\.writer).count <= 1)
        }
    }

    @Test func withThreeReadyTheWriterLeavesTheReaders() {
        // A switchover from demo-0 to demo-2 with every pod ready: demo-2 stops reading, demo-0 starts.
        let changes = EndpointLabels.changes(pods: Self.pods(writer: "demo-0", readers: ["demo-1", "demo-2"]), writer: "demo-2")
        #expect(changes == [
            .init(pod: "demo-0", label: QiniuLabels.writer, add: false),
            .init(pod: "demo-2", label: QiniuLabels.writer, add: true),
            .init(pod: "demo-0", label: QiniuLabels.reader, add: true),
            .init(pod: "demo-2", label: QiniuLabels.reader, add: false),
        ], "the new reader is added before the old one is removed")
    }

    @Test func noWriterRemovesTheLabelAndEveryPodReads() {
        let changes = EndpointLabels.changes(pods: Self.pods(writer: "demo-0", readers: ["demo-1", "demo-2"], ready: []), writer: nil)
        #expect(changes == [
            .init(pod: "demo-0", label: QiniuLabels.writer, add: false),
            .init(pod: "demo-0", label: QiniuLabels.reader, add: true),
        ])
    }

    /// The alert rules that read the operator's metrics read what it exports.
    @Test func theAlertRulesReadTheOperatorsMetrics() throws {
        let rules = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("monitoring/qmysql-alerts.yaml").path, encoding: .utf8)
        let read = Set(rules.matches(of: try Regex("qmysql_operator_[a-z_]+")).map { String(rules[$0.range]) })
        #expect(!read.isEmpty)
        let exposition = OperatorMetrics().render()
        for name in read { #expect(exposition.contains("# TYPE \(name) "), "the rules read \(name); the operator does not export it") }
    }
}
