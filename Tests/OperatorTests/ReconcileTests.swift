import ClusterCertificates
import ControllerAPI
import Foundation
import KubeAPI
import KubeClient
import KubeServer
import LocalCluster
import QiniuAPI
import Testing
@testable import Operator

/// The operator against the local API server over real HTTPS: what a create, a change, a lost
/// object, a silent controller, a lost Lease and a deletion do, and that the steady state writes
/// nothing. Serialized: each test runs its own server and operator, and timing matters.
@Suite(.serialized) struct ReconcileTests {
    static let objects: [(ResourceType, String)] = [
        (Secret.resourceType, "demo-secret"), (ConfigMap.resourceType, "demo-config"), (Service.resourceType, "demo-peers"),
        (Service.resourceType, "demo"), (ServiceAccount.resourceType, "demo-controller"), (Service.resourceType, "demo-controller"),
        (PodDisruptionBudget.resourceType, "demo"), (StatefulSet.resourceType, "demo"), (Deployment.resourceType, "demo-controller"),
    ]

    /// A cluster that does not serve because it forms or was paused is doing what it was asked
    /// (a new cluster's only node donates the first SST): its state change is a Normal Event named
    /// after the phase, it is not Degraded, and the status carries the phase. Red while it should
    /// serve is a ClusterRed Warning, as before.
    @Test func aFormingOrPausedClusterIsNoOutage() async throws {
        try await OperatorTestBed.run { bed in
            try await bed.withOperator(bed.makeOperator()) {
                try await bed.createCluster("demo")
                var forming = greenStatus("demo")
                forming.state = .red
                forming.phase = .forming
                forming.nodes = forming.nodes.map { var node = $0; node.state = .yellow; node.ready = false; return node }
                forming.message = "cluster demo is Red; recovering (forming)"
                let controller = try await bed.startController(for: "demo", status: forming)
                try await eventually("the phase is in the status") { try await bed.cluster("demo").status?.phase == .forming }
                func reasons() async throws -> [String] {
                    try await bed.client.listAllRaw(Event.resourceType, namespace: "default").compactMap { $0["reason"]?.stringValue }
                }
                try await eventually("a ClusterForming event") { try await reasons().contains("ClusterForming") }
                #expect(!(try await reasons()).contains("ClusterRed"), "no ClusterRed while forming")
                let formingEvent = try await bed.client.listAllRaw(Event.resourceType, namespace: "default").first { $0["reason"] == "ClusterForming" }
                #expect(formingEvent?["type"] == "Normal")
                #expect(try await bed.condition("Degraded", of: "demo")?.status == "False")

                var green = greenStatus("demo")
                green.phase = .serving
                controller.set(green)
                try await eventually("Green") { try await bed.cluster("demo").status?.state == .green }
                // Paused: every node stopped on purpose.
                var paused = green
                paused.state = .red
                paused.phase = .paused
                controller.set(paused)
                try await eventually("a ClusterPaused event") { try await reasons().contains("ClusterPaused") }
                #expect(!(try await reasons()).contains("ClusterRed"), "no ClusterRed for a pause")
                #expect(try await bed.condition("Degraded", of: "demo")?.status == "False")
                // Unpaused but still Red: an outage from now on, though the state did not change.
                var down = paused
                down.phase = .serving
                controller.set(down)
                try await eventually("a ClusterRed warning once it should serve") { try await reasons().contains("ClusterRed") }
                #expect(try await bed.condition("Degraded", of: "demo")?.status == "True")
            }
        }
    }

    /// The data reconciler: a restore with `approval: Step` is handed to the controller, its
    /// controller-side progress is mirrored into the object, and an approval written into the
    /// object reaches the controller (and only then).
    @Test func aStepApprovedRestoreIsHandedOverMirroredAndApprovedThroughTheObject() async throws {
        try await OperatorTestBed.run { bed in
            let qmysqlOperator = bed.makeOperator()
            try await bed.withOperator(qmysqlOperator) {
                try await bed.createCluster("demo")
                let controller = try await bed.startController(for: "demo", status: greenStatus("demo"))
                let task = QiniuMySQLData(
                    metadata: ObjectMeta(name: "r1", namespace: "default"),
                    spec: QiniuMySQLDataSpec(cluster: "demo", action: .restore, backupName: "demo-20261129-010100", approval: .step))
                _ = try await bed.client.create(task)
                try await eventually("the restore is handed to the controller") { controller.taskRequests.count == 1 }
                let sent = try #require(controller.taskRequests.first)
                #expect(sent.name == "r1" && sent.action == .restore && sent.backupID == "demo-20261129-010100")
                #expect(sent.approval == .step && sent.approvedStep == nil)

                // The controller waits before step 1: the object says so.
                var status = greenStatus("demo")
                status.tasks = [DataTaskStatus(
                    name: "r1", action: .restore, phase: .waitingForApproval,
                    steps: [.init(number: 0, name: "VerifyBackup", state: .succeeded, message: "verified"),
                            .init(number: 1, name: "BackupCurrentState", state: .waitingForApproval)],
                    node: "demo-0", bytes: 4096)]
                controller.set(status)
                try await eventually("the object mirrors the controller's task") {
                    let object = try await bed.client.get(QiniuMySQLData.self, name: "r1", namespace: "default")
                    return object.status?.phase == .waitingForApproval && object.status?.steps?.count == 2
                        && object.status?.bytes == 4096 && object.status?.node == "demo-0"
                }
                try await Task.sleep(for: .seconds(1))
                #expect(controller.taskRequests.count == 1, "nothing is approved until the object says so")

                // The approval is written into the object; the operator passes it on.
                var approved = try await bed.client.get(QiniuMySQLData.self, name: "r1", namespace: "default")
                approved.spec.approvedStep = 1
                _ = try await bed.client.update(approved, namespace: "default")
                try await eventually("the approval reaches the controller") {
                    controller.taskRequests.last?.approvedStep == 1
                }
            }
        }
    }

    @Test func createRendersEverythingThenWritesNothing() async throws {
        try await OperatorTestBed.run { bed in
            let qmysqlOperator = bed.makeOperator()
            try await bed.withOperator(qmysqlOperator) {
                // The operator ensured its CRDs before anything else.
                try await bed.createCluster("demo")
                let controller = try await bed.startController(for: "demo", status: greenStatus("demo"))
                try await eventually("every object exists") {
                    for (type, name) in Self.objects where try await !bed.exists(type, name) { return false }
                    return true
                }
                let cluster = try await bed.cluster("demo")
                for (type, name) in Self.objects {
                    let object = try await bed.client.getRaw(type, name: name, namespace: "default")
                    let owner = object[path: ["metadata", "ownerReferences"]]?.arrayValue?.first
                    #expect(owner?["uid"]?.stringValue == cluster.metadata.uid, "\(type.kind)/\(name) is owned by the QiniuMySQL")
                    // Everything is server-side applied, except the Secret: created once, never applied.
                    let managers = object[path: ["metadata", "managedFields"]]?.arrayValue?.compactMap { $0["manager"]?.stringValue } ?? []
                    let operation = object[path: ["metadata", "managedFields"]]?.arrayValue?.first?["operation"]?.stringValue
                    if type == Secret.resourceType {
                        #expect(operation != "Apply", "the Secret is created, never applied")
                    } else {
                        #expect(managers.contains("qmysql-operator"), "\(type.kind)/\(name) was applied by the operator's field manager")
                    }
                }
                #expect(cluster.metadata.finalizers == [ClusterReconciler.finalizer])
                // Green comes with the controller's first status; the generation is observed once the
                // controller shows the desired state it was sent, which can be a reconcile later.
                try await eventually("status from the controller") {
                    let status = try await bed.cluster("demo").status
                    return status?.state == .green && status?.observedGeneration == cluster.metadata.generation
                }
                let status = try await bed.cluster("demo").status
                #expect(status?.ready == "3/3")
                #expect(status?.clusterUUID == "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002")
                let events = try await bed.client.listAllRaw(Event.resourceType, namespace: "default")
                #expect(events.contains { $0["reason"] == "ClusterGreen" }, "the state change is an Event")

                // Every step the controller reports finished becomes an Event.
                var repairing = greenStatus("demo")
                repairing.actions = [ActionSummary(id: 1, verb: "join", node: "demo-1", detail: "start demo-1 in join mode", state: .running)]
                controller.set(repairing)
                try await Task.sleep(for: .milliseconds(700))
                repairing.actions = [ActionSummary(id: 1, verb: "join", node: "demo-1", detail: "start demo-1 in join mode", state: .succeeded,
                                                   message: "demo-1 Synced in the Primary component after 4.2 seconds")]
                controller.set(repairing)
                try await eventually("a RecoveryStep event") {
                    try await bed.client.listAllRaw(Event.resourceType, namespace: "default").contains {
                        $0["reason"] == "RecoveryStep"
                            && $0["message"] == "start demo-1 in join mode: demo-1 Synced in the Primary component after 4.2 seconds"
                    }
                }

                // The desired state reached the running controller: the generation and the nodes.
                let spec = try #require(controller.specs.last)
                #expect(spec.generation == cluster.metadata.generation && spec.nodes.map(\.name) == ["demo-0", "demo-1", "demo-2"])
                #expect(spec.nodes.first?.agentURL == "https://demo-0.demo-peers:9809")
                // A controller that lost its state (a new pod, its volume gone) is told the
                // formed-before fact, so it never forms a new cluster on empty datadirs.
                var forgetful = greenStatus("demo")
                forgetful.clusterUUID = nil
                controller.set(forgetful)
                try await eventually("the controller is told the cluster was formed") {
                    controller.specs.last?.formedUUID == "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002"
                }
                let specsBefore = controller.specs.count

                // Steady state over a minute: 30 resyncs (every 2 s) and heartbeats every 0.3 s, no write at all.
                try await Task.sleep(for: .seconds(1))
                bed.server.resetRequestCounts()
                let sentBefore = qmysqlOperator.client.requestCounts.snapshot
                let before = qmysqlOperator.metrics.sample("qmysql_operator_reconciles_total") ?? 0
                try await Task.sleep(for: .seconds(60))
                let sent = qmysqlOperator.client.requestCounts.snapshot
                #expect((qmysqlOperator.metrics.sample("qmysql_operator_reconciles_total") ?? 0) > before + 20, "resyncs reconciled the cluster")
                // Only the leader election writes: one Lease renewal per retry period (0.3 s here, 2 s by default).
                var writes = bed.writes()
                let renewals = writes.removeValue(forKey: "update leases") ?? 0
                #expect(writes.isEmpty, "writes in steady state: \(writes)")
                #expect(controller.specs.count == specsBefore, "the desired state is not sent again once observed")
                #expect(renewals > 0 && renewals <= 60 * 4, "lease renewals in 60 s: \(renewals)")
                let reads = bed.server.requestCounts().filter { $0.key.verb == "get" && $0.key.resource != "leases" }.values.reduce(0, +)
                #expect(reads == 0, "reconciles read from the caches, not the server")

                // What the operator exports as qmysql_operator_api_requests_total is what the server
                // received (by verb; server-side apply is a patch to the server). A request in
                // flight at either end of the minute may count on one side only.
                var sentByVerb: [String: Int] = [:]
                for (key, count) in sent {
                    sentByVerb[key.verb == "apply" ? "patch" : key.verb, default: 0] += count - (sentBefore[key] ?? 0)
                }
                var receivedByVerb: [String: Int] = [:]
                for (key, count) in bed.server.requestCounts() { receivedByVerb[key.verb, default: 0] += count }
                for verb in Set(sentByVerb.keys).union(receivedByVerb.keys) {
                    let (client, server) = (sentByVerb[verb] ?? 0, receivedByVerb[verb] ?? 0)
                    #expect(abs(client - server) <= 1, "\(verb): the operator counted \(client) requests, the server \(server)")
                }
                #expect((sentByVerb["update"] ?? 0) > 20, "the Lease renewals are counted: \(sentByVerb)")
                let exposition = qmysqlOperator.metricsText()
                #expect(exposition.contains("qmysql_operator_api_requests_total{verb=\"update\",code=\"200\"} "), "\(exposition)")
                let timed = OperatorMetrics.sample("qmysql_operator_reconcile_duration_seconds_count", in: exposition) ?? 0
                let reconciles = OperatorMetrics.sample("qmysql_operator_reconciles_total", in: exposition) ?? 0
                #expect(timed > 20 && timed <= reconciles, "finished reconciles are timed: \(timed) of \(reconciles)")
                let lint = try await Promtool.checkMetrics(exposition)
                #expect(lint.passed, "promtool check metrics on the operator's /metrics: \(lint.output)")
            }
        }
    }

    @Test func specChangesUpdateInPlaceAndLostObjectsComeBack() async throws {
        try await OperatorTestBed.run { bed in
            try await bed.withOperator(bed.makeOperator()) {
                try await bed.createCluster("demo") { $0.config = ["max_connections": "100"] }
                try await eventually("the StatefulSet exists") { try await bed.exists(StatefulSet.resourceType, "demo") }
                let controller = try await bed.startController(for: "demo", status: greenStatus("demo"))
                try await eventually("the first generation observed") { try await bed.cluster("demo").status?.observedGeneration == 1 }
                let before = try await bed.client.getRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
                let deploymentBefore = try await bed.client.getRaw(Deployment.resourceType, name: "demo-controller", namespace: "default")

                _ = try await bed.client.modify(QiniuMySQL.self, name: "demo", namespace: "default", retryOnConflict: 3) {
                    $0.spec.replicas = 5
                    $0.spec.config = ["max_connections": "200"]
                }
                try await eventually("replicas and config updated") {
                    let statefulSet = try await bed.client.getRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
                    let config = try await bed.client.getRaw(ConfigMap.resourceType, name: "demo-config", namespace: "default")
                    return statefulSet[path: ["spec", "replicas"]] == 5
                        && config[path: ["data", "my.cnf"]]?.stringValue?.contains("max_connections=200") == true
                }
                let after = try await bed.client.getRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
                #expect(after[path: ["metadata", "uid"]] == before[path: ["metadata", "uid"]], "updated in place, not recreated")
                let deployment = try await bed.client.getRaw(Deployment.resourceType, name: "demo-controller", namespace: "default")
                #expect(deployment[path: ["metadata", "resourceVersion"]] == deploymentBefore[path: ["metadata", "resourceVersion"]],
                        "the controller's Deployment is not touched: its pod keeps running")
                // The running controller is told of the new nodes and the new generation.
                try await eventually("the controller runs the new generation") {
                    let spec = controller.specs.last
                    let observed = try await bed.cluster("demo").status?.observedGeneration
                    return spec?.nodes.count == 5 && spec?.nodes.last?.name == "demo-4" && observed == spec?.generation
                }
                #expect(controller.specs.last?.nodes.last?.agentURL == "https://demo-4.demo-peers:9809")

                let secret = try await bed.client.getRaw(Secret.resourceType, name: "demo-secret", namespace: "default")
                try await bed.client.deleteRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
                try await bed.client.deleteRaw(Service.resourceType, name: "demo", namespace: "default")
                try await eventually("the StatefulSet and the client Service are recreated") {
                    let statefulSet = try await bed.exists(StatefulSet.resourceType, "demo")
                    let service = try await bed.exists(Service.resourceType, "demo")
                    return statefulSet && service
                }
                let kept = try await bed.client.getRaw(Secret.resourceType, name: "demo-secret", namespace: "default")
                #expect(kept["data"] == secret["data"], "credentials are never regenerated while the Secret exists")
            }
        }
    }

    @Test func invalidSpecsChangeNothingAndSayWhy() async throws {
        try await OperatorTestBed.run { bed in
            try await bed.withOperator(bed.makeOperator()) {
                try await bed.createCluster("demo") { $0.rootPasswordSecret = "missing-root" }
                try await eventually("SpecRejected") { try await bed.condition("SpecRejected", of: "demo")?.status == "True" }
                let condition = try await bed.condition("SpecRejected", of: "demo")
                #expect(condition?.message?.contains("\"missing-root\" does not exist") == true)
                #expect(try await !bed.exists(StatefulSet.resourceType, "demo"), "nothing is applied for a refused spec")

                // Fixing it (creating the Secret) is picked up by the periodic resync.
                let secret = Secret(metadata: ObjectMeta(name: "missing-root", namespace: "default"), stringData: ["password": "s3cret-s3cret"])
                _ = try await bed.client.create(secret, namespace: "default")
                try await eventually("applied once the Secret exists") { try await bed.exists(StatefulSet.resourceType, "demo") }
                try await eventually("accepted") { try await bed.condition("SpecRejected", of: "demo")?.status == "False" }
                let generated = try await bed.client.getRaw(Secret.resourceType, name: "demo-secret", namespace: "default")
                #expect(generated[path: ["data", "root-password"]] == nil, "the user's root password is used as given")

                // An immutable field.
                _ = try await bed.client.modify(QiniuMySQL.self, name: "demo", namespace: "default", retryOnConflict: 3) {
                    $0.spec.flavor = .percona
                }
                try await eventually("flavor change refused") {
                    try await bed.condition("SpecRejected", of: "demo")?.message?.contains("spec.flavor cannot change") == true
                }
                let statefulSet = try await bed.client.getRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
                #expect(statefulSet[path: ["metadata", "annotations", ClusterRenderer.flavorAnnotation]] == "mariadb")
            }
        }
    }

    @Test func aSilentControllerIsReplaced() async throws {
        try await OperatorTestBed.run { bed in
            try await bed.withOperator(bed.makeOperator()) {
                try await bed.createCluster("demo")
                let controller = try await bed.startController(for: "demo", status: greenStatus("demo"))
                try await eventually("Green") { try await bed.cluster("demo").status?.state == .green }
                // The controller's pod, as the Deployment would have made it (no kubelet here).
                let pod: JSONValue = [
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": ["name": "demo-controller-7d9f-abcde", "namespace": "default",
                                 "labels": .object(QiniuLabels.common(cluster: "demo", component: "controller").mapValues { .string($0) })],
                    "spec": ["containers": [["name": "controller", "image": "qmysql"]]],
                ]
                _ = try await bed.client.createRaw(Pod.resourceType, pod, namespace: "default")
                _ = try await bed.client.mergePatchRaw(Pod.resourceType, name: "demo-controller-7d9f-abcde", namespace: "default",
                                                       patch: ["status": ["phase": "Running"]], subresource: "status")
                await controller.stop()
                try await eventually("ControllerUnavailable", timeout: .seconds(30)) {
                    try await bed.condition("ControllerUnavailable", of: "demo")?.status == "True"
                }
                try await eventually("the controller's pod is replaced") {
                    try await !bed.exists(Pod.resourceType, "demo-controller-7d9f-abcde")
                }
                let events = try await bed.client.listAllRaw(Event.resourceType, namespace: "default")
                #expect(events.contains { $0["reason"] == "ControllerUnavailable" && $0["type"] == "Warning" })
                #expect(try await bed.cluster("demo").status?.clusterUUID != nil, "the formed-cluster fact survives")

                // A new controller answers: the condition clears.
                try await bed.startController(for: "demo", status: greenStatus("demo"))
                try await eventually("ControllerUnavailable cleared", timeout: .seconds(20)) {
                    try await bed.condition("ControllerUnavailable", of: "demo")?.status == "False"
                }
            }
        }
    }

    @Test func aLosingLeaderStopsReconciling() async throws {
        try await OperatorTestBed.run { bed in
            let leader = bed.makeOperator(identity: "operator-a")
            try await bed.withOperator(leader) {
                try await bed.createCluster("demo")
                try await eventually("applied") { try await bed.exists(StatefulSet.resourceType, "demo") }
                // Another replica takes the Lease (as after a partition): the leader must stop at once.
                _ = try await bed.client.modify(Lease.self, name: "qmysql-operator", namespace: "default", retryOnConflict: 5) {
                    $0.spec?.holderIdentity = "operator-b"
                    $0.spec?.renewTime = KubeTime.formatMicro(Date())
                    $0.spec?.leaseDurationSeconds = 600
                }
                try await eventually("the old leader stops leading", timeout: .seconds(5)) { !leader.isLeading }
                try await Task.sleep(for: .milliseconds(500))
                bed.server.resetRequestCounts()
                try await bed.client.deleteRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
                try await Task.sleep(for: .seconds(3))
                #expect(try await !bed.exists(StatefulSet.resourceType, "demo"), "a non-leader does not reconcile")
                let byOperator = bed.server.requestCounts().filter { $0.key.resource == "statefulsets" && $0.key.verb == "patch" }
                #expect(byOperator.isEmpty)
            }
        }
    }

    @Test(arguments: [false, true])
    func deletionHonoursTheFinalizerAndClaimRetention(deleteClaims: Bool) async throws {
        try await OperatorTestBed.run { bed in
            try await bed.withOperator(bed.makeOperator()) {
                try await bed.createCluster("demo") { $0.storage = StorageSpec(size: "1Gi", deleteClaimsOnDelete: deleteClaims) }
                try await eventually("finalizer and objects") {
                    let finalizers = try await bed.cluster("demo").metadata.finalizers
                    let applied = try await bed.exists(StatefulSet.resourceType, "demo")
                    return finalizers == [ClusterReconciler.finalizer] && applied
                }
                // The claims the StatefulSet controller would have made from the template.
                for ordinal in 0..<3 {
                    let claim: JSONValue = [
                        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                        "metadata": ["name": .string("data-demo-\(ordinal)"), "namespace": "default",
                                     "labels": .object(QiniuLabels.common(cluster: "demo", component: "database").mapValues { .string($0) })],
                        "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]],
                    ]
                    _ = try await bed.client.createRaw(PersistentVolumeClaim.resourceType, claim, namespace: "default")
                }
                try await bed.client.delete(QiniuMySQL.self, name: "demo", namespace: "default")
                try await eventually("the QiniuMySQL is gone") {
                    try await !bed.exists(QiniuMySQL.resourceType, "demo")
                }
                let claims = try await bed.client.listAllRaw(PersistentVolumeClaim.resourceType, namespace: "default")
                let names = claims.compactMap { $0[path: ["metadata", "name"]]?.stringValue }
                #expect(names.filter { $0.hasPrefix("data-") }.count == (deleteClaims ? 0 : 3), "data claims after deletion: \(names)")
                // The backup store is kept either way (spec.backup.storage.deleteClaimsOnDelete is not set).
                #expect(names.contains("demo-backups"), "\(names)")
            }
        }
    }
}

/// The operator's ClusterRole is enough: the operator runs as a user holding exactly
/// `OperatorRBAC.rules`, creates, follows, refuses and deletes a cluster.
@Suite(.serialized) struct LeastPrivilegeTests {
    @Test func theOperatorNeedsNothingBeyondItsClusterRole() async throws {
        try await OperatorTestBed.run { bed in
            let token = bed.server.addToken(user: "system:serviceaccount:qmysql-system:qmysql-operator")
            // The ClusterRole's rules everywhere; Leases only in the operator's own namespace (the bed's "default").
            bed.server.setRules(user: "system:serviceaccount:qmysql-system:qmysql-operator", rules: OperatorRBAC.rules.map {
                AccessRule(verbs: $0.verbs, apiGroups: [$0.apiGroup], resources: $0.resources)
            } + OperatorRBAC.leaderElectionRules.map {
                AccessRule(verbs: $0.verbs, apiGroups: [$0.apiGroup], resources: $0.resources, namespaces: ["default"])
            })
            let restricted = try bed.makeClient(token: token)
            let qmysqlOperator = bed.makeOperator(client: restricted)
            try await bed.withOperator(qmysqlOperator) {
                try await bed.createCluster("demo") { $0.storage = StorageSpec(size: "1Gi", deleteClaimsOnDelete: true) }
                try await bed.startController(for: "demo", status: greenStatus("demo"))
                try await eventually("applied and Green") {
                    let green = try await bed.cluster("demo").status?.state == .green
                    let applied = try await bed.exists(Deployment.resourceType, "demo-controller")
                    return green && applied
                }
                let byOperator = bed.server.requestCounts().filter { $0.key.user.hasPrefix("system:serviceaccount") }
                #expect(!byOperator.isEmpty, "the operator worked as the restricted user")
                try await bed.client.delete(QiniuMySQL.self, name: "demo", namespace: "default")
                try await eventually("deleted through the finalizer") { try await !bed.exists(QiniuMySQL.resourceType, "demo") }
                #expect(qmysqlOperator.metrics.sample("qmysql_operator_reconcile_errors_total") == 0)
                #expect(bed.server.deniedRequests().isEmpty, "forbidden: \(bed.server.deniedRequests())")
            }
        }
    }
}

/// Rolling a changed pod template: one node at a time, only while Green, highest ordinal first.
/// No StatefulSet controller runs here, so the test plays its part: it publishes the revisions and
/// makes the pods.
@Suite(.serialized) struct RolloutTests {
    static func makePod(_ bed: OperatorTestBed, ordinal: Int, revision: String, ready: Bool) async throws {
        var labels = QiniuLabels.common(cluster: "demo", component: "database")
        labels["controller-revision-hash"] = revision
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string("demo-\(ordinal)"), "namespace": "default", "labels": .object(labels.mapValues { .string($0) })],
            "spec": ["containers": [["name": "mysql", "image": "mariadb"]]],
        ]
        _ = try await bed.client.createRaw(Pod.resourceType, pod, namespace: "default")
        try await setReady(bed, ordinal: ordinal, ready)
    }

    static func setReady(_ bed: OperatorTestBed, ordinal: Int, _ ready: Bool) async throws {
        _ = try await bed.client.mergePatchRaw(Pod.resourceType, name: "demo-\(ordinal)", namespace: "default", patch: [
            "status": ["phase": "Running", "conditions": [["type": "Ready", "status": ready ? "True" : "False"]]],
        ], subresource: "status")
    }

    /// As the StatefulSet controller does once it has seen the newest template: the revision and
    /// the generation it reflects.
    static func publishRevision(_ bed: OperatorTestBed, _ revision: String) async throws {
        let set = try await bed.client.getRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
        let generation = set[path: ["metadata", "generation"]] ?? 1
        _ = try await bed.client.mergePatchRaw(StatefulSet.resourceType, name: "demo", namespace: "default", patch: [
            "status": ["updateRevision": .string(revision), "replicas": 3, "observedGeneration": generation],
        ], subresource: "status")
    }

    static func pods(_ bed: OperatorTestBed) async throws -> [String] {
        try await bed.client.listAllRaw(Pod.resourceType, namespace: "default").compactMap { $0[path: ["metadata", "name"]]?.stringValue }.sorted()
    }

    @Test func oneNodeAtATimeOnlyWhileGreen() async throws {
        try await OperatorTestBed.run { bed in
            try await bed.withOperator(bed.makeOperator()) {
                try await bed.createCluster("demo")
                let controller = try await bed.startController(for: "demo", status: greenStatus("demo"))
                try await eventually("Green") { try await bed.cluster("demo").status?.state == .green }
                for ordinal in 0..<3 { try await Self.makePod(bed, ordinal: ordinal, revision: "demo-1", ready: true) }
                try await Self.publishRevision(bed, "demo-1")
                try await Task.sleep(for: .seconds(3))
                #expect(try await Self.pods(bed) == ["demo-0", "demo-1", "demo-2"], "nothing to roll while every pod is current")

                // A changed template: the highest ordinal goes first, and only it.
                try await Self.publishRevision(bed, "demo-2")
                try await eventually("demo-2 replaced") { try await Self.pods(bed) == ["demo-0", "demo-1"] }
                try await Task.sleep(for: .seconds(3))
                #expect(try await Self.pods(bed) == ["demo-0", "demo-1"], "one at a time: the next waits for the replacement")

                // The replacement exists but is not Ready yet (joining by IST/SST): still nothing.
                try await Self.makePod(bed, ordinal: 2, revision: "demo-2", ready: false)
                try await Task.sleep(for: .seconds(3))
                #expect(try await Self.pods(bed) == ["demo-0", "demo-1", "demo-2"])
                try await Self.setReady(bed, ordinal: 2, true)
                try await eventually("then demo-1") { try await Self.pods(bed) == ["demo-0", "demo-2"] }
                // Not Green: the rollout waits, whatever the pods say.
                var yellow = greenStatus("demo")
                yellow.state = .yellow
                controller.set(yellow)
                try await eventually("Yellow seen") { try await bed.cluster("demo").status?.state == .yellow }
                try await Self.makePod(bed, ordinal: 1, revision: "demo-2", ready: true)
                try await Task.sleep(for: .seconds(3))
                #expect(try await Self.pods(bed) == ["demo-0", "demo-1", "demo-2"], "no rollout step while Yellow")
                controller.set(greenStatus("demo"))
                try await eventually("demo-0 last, once Green again") { try await Self.pods(bed) == ["demo-1", "demo-2"] }
                let events = try await bed.client.listAllRaw(Event.resourceType, namespace: "default")
                #expect(events.filter { $0["reason"] == "RollingUpdate" }.count == 3)
            }
        }
    }
}

extension RolloutTests {
    /// The agent's `--replication-tls` in the StatefulSet's template (absent: the agent's default, off).
    static func renderedEncryption(_ bed: OperatorTestBed) async throws -> String? {
        let set = try await bed.client.getRaw(StatefulSet.resourceType, name: "demo", namespace: "default")
        guard let arguments = set[path: ["spec", "template", "spec", "containers"]]?.arrayValue?
            .first(where: { $0["name"] == "mysql" })?["args"]?.arrayValue?.compactMap(\.stringValue) else { return nil }
        guard let flag = arguments.firstIndex(of: "--replication-tls") else { return "off" }
        return flag + 1 < arguments.count ? arguments[flag + 1] : nil
    }

    /// Plays the StatefulSet controller and the kubelet until every pod runs `revision`: publishes
    /// it, and brings back each pod the operator deletes with that revision, Ready.
    static func rollTo(_ bed: OperatorTestBed, _ revision: String) async throws {
        try await publishRevision(bed, revision)
        try await eventually("every pod runs \(revision)", timeout: .seconds(60)) {
            let present = try await pods(bed)
            for ordinal in 0..<3 where !present.contains("demo-\(ordinal)") {
                try await makePod(bed, ordinal: ordinal, revision: revision, ready: true)
            }
            let all = try await bed.client.listAllRaw(Pod.resourceType, namespace: "default")
            return all.count == 3 && all.allSatisfy { $0[path: ["metadata", "labels", "controller-revision-hash"]]?.stringValue == revision }
        }
    }

    @Test("turning Galera's TLS on rolls every pod to accepting first, and to required only once that rollout is complete")
    func encryptionRollsThroughAccepting() async throws {
        try await OperatorTestBed.run { bed in
            let qmysqlOperator = bed.makeOperator()
            try await bed.withOperator(qmysqlOperator) {
                try await bed.createCluster("demo") { $0.tls = TLSSpec(replication: .off) }
                _ = try await bed.startController(for: "demo", status: greenStatus("demo"))
                try await eventually("Green, recorded off") {
                    let status = try await bed.cluster("demo").status
                    return status?.state == .green && status?.replicationEncryption == .off
                }
                #expect(try await Self.renderedEncryption(bed) == "off")
                for ordinal in 0..<3 { try await Self.makePod(bed, ordinal: ordinal, revision: "r-off", ready: true) }
                try await Self.publishRevision(bed, "r-off")

                // Asked for TLS: the template says accepting, and the status still off.
                _ = try await bed.client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default",
                                                       patch: ["spec": ["tls": ["replication": "required"]]])
                try await eventually("accepting rendered") { try await Self.renderedEncryption(bed) == "accepting" }
                #expect(try await bed.cluster("demo").status?.replicationEncryption == .off, "nothing recorded before the rollout")
                // More reconciles of the same state (its resyncs) change nothing: counted, not timed.
                let reconciles = qmysqlOperator.metrics.sample("qmysql_operator_reconciles_total") ?? 0
                try await eventually("two more reconciles") {
                    (qmysqlOperator.metrics.sample("qmysql_operator_reconciles_total") ?? 0) >= reconciles + 2
                }
                #expect(try await Self.renderedEncryption(bed) == "accepting", "required waits for every pod to accept TLS")
                #expect(try await bed.cluster("demo").status?.replicationEncryption == .off, "and nothing is recorded")

                // Every pod on accepting, Green: recorded, and required rendered; then rolled too.
                try await Self.rollTo(bed, "r-accepting")
                try await eventually("accepting recorded, required rendered") {
                    let recorded = try await bed.cluster("demo").status?.replicationEncryption
                    let rendered = try await Self.renderedEncryption(bed)
                    return recorded == .accepting && rendered == "required"
                }
                try await Self.rollTo(bed, "r-required")
                try await eventually("required recorded") { try await bed.cluster("demo").status?.replicationEncryption == .required }
                #expect(try await Self.renderedEncryption(bed) == "required")
            }
        }
    }
}

extension LeastPrivilegeTests {
    /// A missing rule is a retried error and a failing /readyz, never a crash: granted, it works.
    @Test func aMissingRuleIsRetriedNotFatal() async throws {
        try await OperatorTestBed.run { bed in
            let user = "system:serviceaccount:qmysql-system:qmysql-operator"
            let token = bed.server.addToken(user: user)
            let rules = OperatorRBAC.rules.map { AccessRule(verbs: $0.verbs, apiGroups: [$0.apiGroup], resources: $0.resources) }
                + OperatorRBAC.leaderElectionRules.map {
                    AccessRule(verbs: $0.verbs, apiGroups: [$0.apiGroup], resources: $0.resources, namespaces: ["default"])
                }
            bed.server.setRules(user: user, rules: rules.filter { $0.resources != ["pods"] })
            let qmysqlOperator = bed.makeOperator(client: try bed.makeClient(token: token))
            let running = Task { try await qmysqlOperator.run() }
            defer { running.cancel() }
            try await eventually("the pods watch fails and is retried") { (qmysqlOperator.metrics.sample("qmysql_operator_api_errors_total") ?? 0) >= 1 }
            #expect(!qmysqlOperator.isReady, "not ready while a watch cannot start")
            try await Task.sleep(for: .seconds(1))
            bed.server.setRules(user: user, rules: rules)
            try await eventually("ready once the rule exists", timeout: .seconds(20)) { qmysqlOperator.isReady }
        }
    }
}

/// The operator reads a controller's status only over HTTPS verified with the cluster's own CA.
@Suite(.serialized) struct ControllerTLSTests {
    @Test func aControllerWithAForeignCertificateIsNotBelieved() async throws {
        try await OperatorTestBed.run { bed in
            try await bed.withOperator(bed.makeOperator()) {
                try await bed.createCluster("demo")
                let impostor = try ClusterTLS.generate(cluster: "demo", namespace: "default")
                try await bed.startController(for: "demo", status: greenStatus("demo"), certificateFrom: impostor)
                try await eventually("ControllerUnavailable", timeout: .seconds(20)) {
                    try await bed.condition("ControllerUnavailable", of: "demo")?.status == "True"
                }
                #expect(try await bed.cluster("demo").status?.state != .green, "a status over an unverified connection is never written")
            }
        }
    }

    @Test("an expired serving certificate is renewed in the Secret from the same CA; without the CA's key a new CA is made, the old one still trusted, and the controller restarts")
    func certificatesAreRenewedInTheSecret() async throws {
        try await OperatorTestBed.run { bed in
            // As the operator's ClusterRole allows, no more: a renewal is a patch of the Secret.
            let user = "system:serviceaccount:qmysql-system:qmysql-operator"
            let token = bed.server.addToken(user: user)
            bed.server.setRules(user: user, rules: OperatorRBAC.rules.map {
                AccessRule(verbs: $0.verbs, apiGroups: [$0.apiGroup], resources: $0.resources)
            } + OperatorRBAC.leaderElectionRules.map {
                AccessRule(verbs: $0.verbs, apiGroups: [$0.apiGroup], resources: $0.resources, namespaces: ["default"])
            })
            let qmysqlOperator = bed.makeOperator(client: try bed.makeClient(token: token))
            try await bed.withOperator(qmysqlOperator) {
                try await bed.createCluster("demo")
                try await bed.startController(for: "demo", status: greenStatus("demo"))
                let names = ClusterNames(cluster: "demo")
                func secret() async throws -> ClusterSecrets {
                    try #require(ClusterSecrets(secret: try await bed.client.get(Secret.self, name: names.secret, namespace: "default"), expectsRootPassword: true))
                }
                func controllerAuthority() async throws -> String? {
                    try await bed.client.getRaw(Deployment.resourceType, name: names.controller, namespace: "default")[
                        path: ["spec", "template", "metadata", "annotations", ClusterRenderer.authorityAnnotation]]?.stringValue
                }
                try await eventually("the Secret and the controller's Deployment exist") {
                    try await controllerAuthority() != nil
                }
                let created = try await secret()
                #expect(created.tls.caKeyPEM != nil, "a new cluster's Secret keeps its CA's key")
                let authorityBefore = try await controllerAuthority()
                func put(_ tls: ClusterTLS, dropKey: Bool = false) async throws {
                    var data: [String: JSONValue] = ClusterSecrets.certificateData(tls).mapValues { .string($0.base64EncodedString()) }
                    if dropKey { data[ClusterSecrets.Key.caKey] = .null }
                    _ = try await bed.client.mergePatchRaw(Secret.resourceType, name: names.secret, namespace: "default", patch: ["data": .object(data)])
                }
                func events(_ reason: String) async throws -> [JSONValue] {
                    try await bed.client.listAllRaw(Event.resourceType, namespace: "default").filter { $0["reason"]?.stringValue == reason }
                }

                // Expired (a year ago): renewed from the same CA, which stays as it was.
                let expired = try created.tls.renewingLeaf(cluster: "demo", namespace: "default", now: Date().addingTimeInterval(-2 * ClusterTLS.leafValidity))
                try await put(expired)
                try await eventually("the certificate is renewed") {
                    (try await secret().tls.leafNotAfter ?? .distantPast) > Date().addingTimeInterval(300 * 86400)
                }
                let renewed = try await secret()
                #expect(renewed.tls.caCertificatePEM == created.tls.caCertificatePEM && renewed.tls.caKeyPEM == created.tls.caKeyPEM)
                #expect(CertificateRenewal.decide(renewed.tls, names: ClusterTLS.serverNames(cluster: "demo", namespace: "default"), now: Date()) != .renewLeaf(.leafUnreadable))
                #expect(renewed.monitorPassword == created.monitorPassword && renewed.agentToken == created.agentToken, "only the certificates change")
                try await eventually("a CertificateRenewed Event") { try await !events("CertificateRenewed").isEmpty }
                #expect(try await controllerAuthority() == authorityBefore, "a renewal from the same CA restarts nothing")
                #expect(qmysqlOperator.metrics.sample("qmysql_operator_certificate_renewals_total") == 1)

                // A cluster made before the CA's key was kept, its certificate expired: a new CA
                // signs, the old one is still trusted, and the controller's template names the new CA.
                try await put(expired, dropKey: true)
                try await eventually("a new CA") {
                    try await ClusterTLS.certificates(inPEM: secret().tls.caCertificatePEM)?.count == 2
                }
                let reissued = try await secret()
                #expect(reissued.tls.caKeyPEM != nil && reissued.tls.caKeyPEM != created.tls.caKeyPEM)
                #expect(ClusterTLS.certificates(inPEM: reissued.tls.caCertificatePEM)?.last == ClusterTLS.certificates(inPEM: created.tls.caCertificatePEM)?.first,
                        "the old CA stays trusted, after the new one")
                try await eventually("a CertificateAuthorityReplaced Event") { try await !events("CertificateAuthorityReplaced").isEmpty }
                try await eventually("the controller's template names the new CA") {
                    try await controllerAuthority() == ClusterRenderer.fingerprint(reissued.tls.caCertificatePEM)
                }
                #expect(bed.server.deniedRequests().isEmpty, "forbidden: \(bed.server.deniedRequests())")
            }
        }
    }
}
