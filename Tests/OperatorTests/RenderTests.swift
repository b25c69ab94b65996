import AgentAPI
import ClusterCertificates
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import KubeRuntime
import QiniuAPI
import Testing
@testable import Operator

/// The pure renderer: golden files for both flavors, owner references and labels everywhere,
/// stability, and the user's scheduling fields.
@Suite struct RenderTests {
    static let secrets = ClusterSecrets(
        rootPassword: "root-password-000000000000000000", monitorPassword: "monitor-password-0000000000000000",
        backupPassword: "backup-password-00000000000000000", agentToken: "agent-token-000000000000000000000",
        tls: ClusterTLS(caCertificatePEM: "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n",
                        certificatePEM: "-----BEGIN CERTIFICATE-----\nserving\n-----END CERTIFICATE-----\n",
                        keyPEM: "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n"))

    static func cluster(_ flavor: Flavor, name: String = "demo", spec: (inout QiniuMySQLSpec) -> Void = { _ in }) -> QiniuMySQL {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: name, namespace: "rds"), spec: QiniuMySQLSpec(replicas: 3, flavor: flavor))
        cluster.metadata.uid = "0b1c2d3e-0000-4000-8000-000000000001"
        cluster.metadata.generation = 1
        spec(&cluster.spec)
        return cluster
    }

    static func rendered(_ cluster: QiniuMySQL) -> [RenderedObject] {
        ClusterRenderer(cluster: cluster, settings: OperatorSettings(), secrets: secrets).render()
    }

    /// `QMYSQL_UPDATE_GOLDEN=1 swift test --filter RenderTests` rewrites the files; review the diff.
    @Test(arguments: Flavor.allCases)
    func goldenFiles(flavor: Flavor) throws {
        let cluster = Self.cluster(flavor) { spec in
            spec.config = ["max_connections": "500", "innodb_buffer_pool_size": "1G"]
            spec.resources = ResourceRequirements(requests: ["cpu": "500m", "memory": "2Gi"], limits: ["memory": "2Gi"])
            spec.storage = StorageSpec(size: "20Gi", storageClassName: "fast")
        }
        let document = JSONValue.array(Self.rendered(cluster).map(\.body))
        let text = String(decoding: try document.jsonData(pretty: true), as: UTF8.self) + "\n"
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(flavor.rawValue).json")
        if ProcessInfo.processInfo.environment["QMYSQL_UPDATE_GOLDEN"] == "1" {
            try text.write(to: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(text == expected, "rendering changed; if intended, run with QMYSQL_UPDATE_GOLDEN=1 and review Golden/\(flavor.rawValue).json")
    }

    @Test func everyObjectIsOwnedAndLabelled() {
        let objects = Self.rendered(Self.cluster(.mariadb))
        #expect(objects.map(\.type.kind) == ["Secret", "ConfigMap", "Service", "Service", "Service", "Service", "ServiceAccount", "Service",
                                             "PodDisruptionBudget", "StatefulSet", "PersistentVolumeClaim", "Deployment"])
        for object in objects where object.type == PersistentVolumeClaim.resourceType {
            // The backup store has no owner: backups outlive the cluster.
            #expect(object.body[path: ["metadata", "ownerReferences"]] == nil)
            #expect(object.name == "demo-backups")
            #expect(object.body[path: ["metadata", "labels", QiniuLabels.managedBy]] == "qmysql-operator")
        }
        for object in objects where object.type != PersistentVolumeClaim.resourceType {
            let owner = object.body[path: ["metadata", "ownerReferences"]]?.arrayValue?.first
            #expect(owner?["kind"] == "QiniuMySQL", "\(object.reference)")
            #expect(owner?["uid"] == "0b1c2d3e-0000-4000-8000-000000000001", "\(object.reference)")
            #expect(owner?["controller"] == true, "\(object.reference)")
            #expect(object.body[path: ["metadata", "labels", QiniuLabels.cluster]] == "demo", "\(object.reference)")
            #expect(object.body[path: ["metadata", "labels", QiniuLabels.managedBy]] == "qmysql-operator", "\(object.reference)")
            #expect(object.namespace == "rds")
        }
        #expect(Set(objects.map { "\($0.type.kind)/\($0.name)" }).count == objects.count, "names are unique per kind")
    }

    @Test func renderingIsStable() {
        let cluster = Self.cluster(.percona) { $0.config = ["b": "2", "a": "1", "c": "3"] }
        #expect(Self.rendered(cluster) == Self.rendered(cluster))
        let bytes = { (objects: [RenderedObject]) in try? JSONValue.array(objects.map(\.body)).jsonData() }
        #expect(bytes(Self.rendered(cluster)) == bytes(Self.rendered(cluster)))
    }

    @Test func podTemplateSecurityAndProbes() throws {
        let statefulSet = try #require(Self.rendered(Self.cluster(.mariadb)).first { $0.type.kind == "StatefulSet" }).body
        let spec = try #require(statefulSet[path: ["spec", "template", "spec"]])
        #expect(statefulSet[path: ["spec", "podManagementPolicy"]] == "Parallel")
        #expect(spec["automountServiceAccountToken"] == false)
        #expect(spec[path: ["securityContext", "runAsNonRoot"]] == true)
        #expect(spec[path: ["securityContext", "runAsUser"]] == 999)
        #expect(spec[path: ["securityContext", "seccompProfile", "type"]] == "RuntimeDefault")
        #expect(spec["terminationGracePeriodSeconds"] == 120)
        let container = try #require(spec["containers"]?.arrayValue?.first)
        #expect(container[path: ["securityContext", "allowPrivilegeEscalation"]] == false)
        #expect(container[path: ["securityContext", "capabilities", "drop"]] == ["ALL"])
        #expect(container[path: ["readinessProbe", "httpGet", "path"]] == "/readyz")
        #expect(container[path: ["livenessProbe", "httpGet", "path"]] == "/livez")
        #expect(container[path: ["startupProbe", "httpGet", "path"]] == "/livez")
        #expect(container["command"] == ["/qmysql/bin/kubectl-qmysql", "agent"])
        let initContainer = try #require(spec["initContainers"]?.arrayValue?.first)
        #expect(initContainer["image"] == .string(OperatorSettings().image))
    }

    @Test func schedulingFieldsReachThePods() throws {
        let affinity: JSONValue = ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": []]]]
        let cluster = Self.cluster(.mariadb) { spec in
            spec.nodeSelector = ["disk": "ssd"]
            spec.tolerations = [["key": "dedicated", "operator": "Equal", "value": "mysql", "effect": "NoSchedule"]]
            spec.affinity = affinity
            spec.priorityClassName = "database"
            spec.podLabels = ["team": "orders", QiniuLabels.cluster: "not-this"]
            spec.podAnnotations = ["example.com/scrape": "true"]
            spec.imagePullSecrets = [LocalObjectReference(name: "registry")]
        }
        let statefulSet = try #require(Self.rendered(cluster).first { $0.type.kind == "StatefulSet" }).body
        let template = try #require(statefulSet[path: ["spec", "template"]])
        #expect(template[path: ["spec", "nodeSelector", "disk"]] == "ssd")
        #expect(template[path: ["spec", "tolerations"]]?.arrayValue?.first?["key"] == "dedicated")
        #expect(template[path: ["spec", "affinity"]] == affinity, "a given affinity replaces the default anti-affinity")
        #expect(template[path: ["spec", "priorityClassName"]] == "database")
        #expect(template[path: ["spec", "imagePullSecrets"]] == [["name": "registry"]])
        #expect(template[path: ["metadata", "labels", "team"]] == "orders")
        #expect(template[path: ["metadata", "labels", QiniuLabels.cluster]] == "demo", "qmysql's own labels win")
        #expect(template[path: ["metadata", "annotations", "example.com/scrape"]] == "true")

        let plain = try #require(Self.rendered(Self.cluster(.mariadb)).first { $0.type.kind == "StatefulSet" }).body
        #expect(plain[path: ["spec", "template", "spec", "affinity", "podAntiAffinity"]] != nil, "default: spread across machines")
    }

    @Test func configChangeChangesThePodTemplate() throws {
        func template(_ config: [String: String]) throws -> JSONValue {
            let objects = Self.rendered(Self.cluster(.mariadb) { $0.config = config })
            return try #require(objects.first { $0.type.kind == "StatefulSet" }?.body[path: ["spec", "template"]])
        }
        #expect(try template(["max_connections": "100"]) != template(["max_connections": "200"]))
        #expect(try template(["max_connections": "100"]) == template(["max_connections": "100"]))
    }

    @Test func theControllerGetsTheFormedUUIDAndNoAPIToken() throws {
        var cluster = Self.cluster(.mariadb)
        let before = try #require(Self.rendered(cluster).first { $0.type.kind == "Deployment" }).body
        cluster.status = QiniuMySQLStatus(clusterUUID: "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002")
        let deployment = try #require(Self.rendered(cluster).first { $0.type.kind == "Deployment" }).body
        // The UUID goes in the desired state: the Deployment, and so the running controller, stay.
        #expect(deployment == before, "learning the formed UUID changes no pod template")
        #expect(ClusterRenderer(cluster: cluster, settings: OperatorSettings(), secrets: Self.secrets).controllerSpec.formedUUID
                == "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002")
        #expect(deployment[path: ["spec", "template", "spec", "automountServiceAccountToken"]] == false)
        #expect(deployment[path: ["spec", "strategy", "type"]] == "Recreate")
    }

    /// Every setting a user changes while the cluster runs is desired state: the controller's
    /// Deployment stays the same, its spec changes (with the generation).
    @Test func settingsChangeTheControllerSpecNotItsDeployment() throws {
        func rendered(_ change: (inout QiniuMySQLSpec) -> Void) throws -> (deployment: JSONValue, spec: ControllerSpec) {
            var cluster = Self.cluster(.mariadb)
            change(&cluster.spec)
            let renderer = ClusterRenderer(cluster: cluster, settings: OperatorSettings(), secrets: Self.secrets)
            return (try #require(renderer.render().first { $0.type.kind == "Deployment" }).body, renderer.controllerSpec)
        }
        let base = try rendered { _ in }
        let changes: [(String, (inout QiniuMySQLSpec) -> Void)] = [
            ("paused", { $0.paused = true }),
            ("autoRecovery", { $0.autoRecovery = false }),
            ("replicas", { $0.replicas = 5 }),
            ("backup schedule", { $0.backup = BackupSpec(enable: true, backupTime: "03:30", timeZone: "Asia/Shanghai") }),
            ("retention", { $0.backup = BackupSpec(reservedDays: 2) }),
            ("point-in-time recovery", { $0.backup = BackupSpec(pitr: PITRSpec(enable: true)) }),
        ]
        for (name, change) in changes {
            let changed = try rendered(change)
            #expect(changed.deployment == base.deployment, "\(name) leaves the controller's Deployment alone")
            #expect(changed.spec != base.spec, "\(name) is in the controller's spec")
        }
        #expect(try rendered { $0.backup = BackupSpec(pitr: PITRSpec(enable: true)) }.spec.pitrSegmentSeconds == PITRSpec.defaultSegmentSeconds)
        #expect(try rendered { $0.backup = BackupSpec(pitr: PITRSpec(enable: true, segmentSeconds: 2)) }.spec.pitrSegmentSeconds == 2)
        #expect(try rendered { $0.backup = BackupSpec(pitr: PITRSpec(enable: false, segmentSeconds: 2)) }.spec.pitrSegmentSeconds == nil, "off is off")
    }
}

@Suite struct EnvironmentExpansionTests {
    @Test func expandsLikeTheKubelet() {
        let values = ["POD_NAME": "demo-0", "POD_IP": "10.1.2.3"]
        #expect(EnvironmentExpansion.expand("$(POD_NAME).demo-peers", values) == "demo-0.demo-peers")
        #expect(EnvironmentExpansion.expand("http://x/v1/reports/$(POD_NAME)", values) == "http://x/v1/reports/demo-0")
        #expect(EnvironmentExpansion.expand("$$(POD_NAME)", values) == "$(POD_NAME)")
        #expect(EnvironmentExpansion.expand("$(UNKNOWN) $(POD_IP)", values) == "$(UNKNOWN) 10.1.2.3")
        #expect(EnvironmentExpansion.expand("cost $5 $(", values) == "cost $5 $(")
    }
}
