import AgentAPI
import ClusterCertificates
import Foundation
import Galera
import KubeAPI
import Operator
import QiniuAPI
import Testing
@testable import Playground
import RoleNetwork

/// The runtime runs the very pod templates the operator renders, and refuses, naming the
/// field, anything it does not support.
@Suite("the playground's pod plans")
struct PodPlanTests {
    static let images = ImageCatalog(hostRepositories: ["docker.io/library/mariadb"], qmysqlRepository: "ghcr.io/qiniu/qmysql",
                                     qmysqlBinaryPath: "/usr/local/bin/kubectl-qmysql", executable: "/opt/me/kubectl-qmysql")

    static func rendered(kind: String, flavor: Flavor = .mariadb, backup: BackupSpec? = nil) throws -> JSONValue {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "demo", namespace: "rds"), spec: QiniuMySQLSpec(replicas: 3, flavor: flavor, backup: backup))
        cluster.metadata.uid = "uid-1"
        let secrets = ClusterSecrets(rootPassword: "r", monitorPassword: "m", backupPassword: "b", agentToken: "t",
                                     tls: ClusterTLS(caCertificatePEM: "ca", certificatePEM: "cert", keyPEM: "key"))
        let renderer = ClusterRenderer(cluster: cluster, settings: OperatorSettings(), secrets: secrets)
        return try #require(renderer.render().first { $0.type.kind == kind }).body
    }

    /// The pod the StatefulSet controller makes of the rendered StatefulSet (ordinal 1).
    static func databasePod(flavor: Flavor = .mariadb) throws -> JSONValue {
        var set = try rendered(kind: "StatefulSet", flavor: flavor)
        set["metadata"]?["uid"] = "set-uid"
        let writes = WorkloadDecisions.statefulSet(set, pods: [], claims: [])
        let pods = writes.compactMap { write -> JSONValue? in if case .createPod(let pod) = write { pod } else { nil } }
        return try #require(pods.first { $0[path: ["metadata", "name"]] == "demo-1" })
    }

    static func context(volumes: [String]) -> PodContext {
        PodContext(podName: "demo-1", namespace: "rds", podIP: "127.42.0.3",
                   volumeDirectories: Dictionary(uniqueKeysWithValues: volumes.map { ($0, "/pg/pods/rds/demo-1/volumes/\($0)") }),
                   baseEnvironment: ["PATH": "/usr/bin", HostTable.environmentVariable: "/pg/hosts/rds"],
                   secretValue: { _, _ in nil }, configMapValue: { _, _ in nil })
    }

    @Test func theRenderedDatabasePodRunsWithEveryPathOnItsVolumes() throws {
        let pod = try Self.databasePod()
        let volumes = (pod[path: ["spec", "volumes"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(Set(volumes) == ["run", "qmysql-bin", "secret", "config", "data"])
        let plan = try PodPlan.make(pod: pod, context: Self.context(volumes: volumes), images: Self.images)

        // The init container is this executable, copying itself into the pod's bin volume.
        let install = try #require(plan.initContainers.first)
        #expect(install.executable == "/opt/me/kubectl-qmysql")
        #expect(install.arguments == ["install-binary", "--to", "/pg/pods/rds/demo-1/volumes/qmysql-bin/kubectl-qmysql"])

        // The agent runs the copy, with $(VAR) expanded and every mounted path moved.
        let agent = try #require(plan.containers.first)
        #expect(agent.executable == "/pg/pods/rds/demo-1/volumes/qmysql-bin/kubectl-qmysql")
        func value(after flag: String) -> String? {
            agent.arguments.firstIndex(of: flag).map { agent.arguments[$0 + 1] }
        }
        #expect(agent.arguments.first == "agent")
        #expect(value(after: "--node-name") == "demo-1")
        #expect(value(after: "--address") == "127.42.0.3")
        #expect(value(after: "--listen-address") == "127.42.0.3")
        #expect(value(after: "--data-dir") == "/pg/pods/rds/demo-1/volumes/data")
        #expect(value(after: "--token-file") == "/pg/pods/rds/demo-1/volumes/secret/agent-token")
        #expect(value(after: "--config-file") == "/pg/pods/rds/demo-1/volumes/config/my.cnf")
        #expect(value(after: "--controller-url") == "https://demo-controller:9810/v1/reports/demo-1")
        #expect(agent.environment["MYSQL_UNIX_PORT"] == "/pg/pods/rds/demo-1/volumes/run/mysqld.sock")
        #expect(agent.environment["POD_NAMESPACE"] == "rds")
        #expect(agent.environment[HostTable.environmentVariable] == "/pg/hosts/rds")
        #expect(!agent.arguments.contains { $0.contains("$(") }, "every variable is expanded")

        // Probes on the named agent port, over HTTPS.
        #expect(agent.readiness == ProbePlan(https: true, path: "/readyz", port: 9809, initialDelay: .zero, period: .seconds(2),
                                             timeout: .seconds(2), failureThreshold: 2, successThreshold: 1))
        #expect(agent.startup?.path == "/livez")
        #expect(plan.terminationGracePeriod == .seconds(120))
    }

    @Test func theRenderedControllerPodRuns() throws {
        var deployment = try Self.rendered(kind: "Deployment")
        deployment["metadata"]?["uid"] = "deployment-uid"
        let writes = WorkloadDecisions.deployment(deployment, pods: [], suffix: { "abcde" })
        guard case .createPod(let pod) = try #require(writes.first) else { Issue.record("no pod: \(writes)"); return }
        let plan = try PodPlan.make(pod: pod, context: Self.context(volumes: ["secret", "backups"]), images: Self.images)
        let controller = try #require(plan.containers.first)
        #expect(controller.executable == "/opt/me/kubectl-qmysql")
        #expect(controller.arguments.first == "controller")
        #expect(controller.arguments.contains("127.42.0.3:9810"))
        // Its state on the backup store's claim, which outlives the pod.
        #expect(controller.arguments.contains("/pg/pods/rds/demo-1/volumes/backups/.qmysql-controller-state.json"))
        // The backup store: the claim's directory (the runtime maps claims to directories).
        #expect(controller.arguments.contains("/pg/pods/rds/demo-1/volumes/backups"))
    }

    /// An S3 store's files are named inside one `key=/path,...` argument: the runtime moves them
    /// as a container's mounts would show them.
    @Test func theControllersS3StoreFindsItsMountedSecrets() throws {
        var deployment = try Self.rendered(kind: "Deployment", backup: BackupSpec(s3: S3StoreSpec(
            endpoint: "http://127.0.46.9:7480", bucket: "qmysql", credentialsSecret: "s3-keys", caSecret: "s3-ca")))
        deployment["metadata"]?["uid"] = "deployment-uid"
        let writes = WorkloadDecisions.deployment(deployment, pods: [], suffix: { "abcde" })
        guard case .createPod(let pod) = try #require(writes.first) else { Issue.record("no pod: \(writes)"); return }
        let volumes = (pod[path: ["spec", "volumes"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(Set(volumes) == ["secret", "backups", "s3-credentials", "s3-ca"])
        let plan = try PodPlan.make(pod: pod, context: Self.context(volumes: volumes), images: Self.images)
        let arguments = try #require(plan.containers.first).arguments
        let store = try #require(arguments.firstIndex(of: "--backup-s3").map { arguments[$0 + 1] })
        #expect(store == "endpoint=http://127.0.46.9:7480,bucket=qmysql,prefix=rds/,region=us-east-1,addressing=path,"
                + "credentials=/pg/pods/rds/demo-1/volumes/s3-credentials,ca=/pg/pods/rds/demo-1/volumes/s3-ca/ca.crt")
        #expect(!arguments.contains("--backup-dir"))
    }

    @Test(arguments: [
        (["spec", "containers", "0"], "lifecycle", ["preStop": ["exec": ["command": ["true"]]]] as JSONValue, "spec.containers[0].lifecycle"),
        (["spec"], "hostNetwork", JSONValue.bool(true), "spec.hostNetwork"),
        (["spec", "containers", "0"], "envFrom", [["secretRef": ["name": "x"]]] as JSONValue, "spec.containers[0].envFrom"),
        (["spec", "containers", "0"], "workingDir", JSONValue.string("/tmp"), "spec.containers[0].workingDir"),
    ])
    func anUnsupportedFieldIsRefusedByName(parent: [String], field: String, value: JSONValue, named: String) throws {
        var pod = try Self.databasePod()
        let containerIndex = parent.count == 3 ? Int(parent[2]) : nil
        if let index = containerIndex {
            var containers = pod[path: ["spec", "containers"]]?.arrayValue ?? []
            containers[index][field] = value
            pod["spec"]?["containers"] = .array(containers)
        } else {
            pod["spec"]?[field] = value
        }
        let volumes = ["run", "qmysql-bin", "secret", "config", "data"]
        #expect(throws: PodPlanError.self) { try PodPlan.make(pod: pod, context: Self.context(volumes: volumes), images: Self.images) }
        do {
            _ = try PodPlan.make(pod: pod, context: Self.context(volumes: volumes), images: Self.images)
        } catch {
            #expect(error.field == named)
            guard case .unsupported = error else { Issue.record("\(error) should be final"); return }
            #expect(error.description.contains("not supported"), "\(error)")
        }
    }

    @Test func anUnsupportedVolumeOrProbeOrImageIsRefusedByName() throws {
        let volumes = ["run", "qmysql-bin", "secret", "config", "data"]
        var pod = try Self.databasePod()
        var specVolumes = pod[path: ["spec", "volumes"]]?.arrayValue ?? []
        specVolumes.append(["name": "host", "hostPath": ["path": "/etc"]])
        pod["spec"]?["volumes"] = .array(specVolumes)
        #expect(throws: PodPlanError.unsupported(field: "spec.volumes[5].hostPath",
                                                 reason: "the playground's runtime supports emptyDir, secret, configMap and persistentVolumeClaim volumes")) {
            try PodPlan.make(pod: pod, context: Self.context(volumes: volumes + ["host"]), images: Self.images)
        }

        // The Percona flavor's image has no packages on this machine.
        let percona = try Self.databasePod(flavor: .percona)
        do {
            _ = try PodPlan.make(pod: percona, context: Self.context(volumes: volumes), images: Self.images)
            Issue.record("the Percona image ran")
        } catch {
            #expect(error.field == "spec.containers[0].image")
            #expect(error.description.contains("percona"), "\(error)")
        }

        var execProbe = try Self.databasePod()
        var containers = execProbe[path: ["spec", "containers"]]?.arrayValue ?? []
        containers[0]["livenessProbe"] = ["exec": ["command": ["true"]]]
        execProbe["spec"]?["containers"] = .array(containers)
        #expect(throws: PodPlanError.self) { try PodPlan.make(pod: execProbe, context: Self.context(volumes: volumes), images: Self.images) }
    }

    @Test func imageRepositories() {
        #expect(ImageCatalog.repository("docker.io/library/mariadb:10.11") == "docker.io/library/mariadb")
        #expect(ImageCatalog.repository("registry:5000/qmysql") == "registry:5000/qmysql")
        #expect(ImageCatalog.repository("ghcr.io/qiniu/qmysql@sha256:abc") == "ghcr.io/qiniu/qmysql")
    }

    /// Pods run as their securityContext says, as a kubelet runs them: the rendered database pod
    /// as the image's mysql (999, fsGroup 999), its init container too, the controller as 65532.
    @Test func containersRunAsTheirSecurityContextsUser() throws {
        let volumes = ["run", "qmysql-bin", "secret", "config", "data"]
        let plan = try PodPlan.make(pod: try Self.databasePod(), context: Self.context(volumes: volumes), images: Self.images)
        #expect(plan.fsGroup == 999)
        #expect(plan.containers.first?.identity == ContainerIdentity(uid: 999, gid: 999, groups: [999]))
        #expect(plan.initContainers.first?.identity == ContainerIdentity(uid: 999, gid: 999, groups: [999]))
        #expect(plan.containers.first?.image == .host && plan.initContainers.first?.image == .qmysql)

        var deployment = try Self.rendered(kind: "Deployment")
        deployment["metadata"]?["uid"] = "deployment-uid"
        guard case .createPod(let controllerPod) = try #require(WorkloadDecisions.deployment(deployment, pods: [], suffix: { "abcde" }).first) else {
            Issue.record("no controller pod"); return
        }
        let controller = try PodPlan.make(pod: controllerPod, context: Self.context(volumes: ["secret", "state", "backups"]), images: Self.images)
        #expect(controller.containers.first?.identity.uid == 65532)
        #expect(controller.fsGroup == 65532)
    }

    @Test func runAsNonRootWithoutAUserOfTheImageIsRefusedAsTheKubeletRefusesIt() throws {
        let images = Self.images
        let spec: [String: JSONValue] = ["securityContext": ["runAsNonRoot": true, "fsGroup": 5, "supplementalGroups": [7]]]
        // The MariaDB image runs as root by default: with runAsNonRoot and no runAsUser it may not run.
        #expect(throws: PodPlanError.self) {
            try PodPlan.identity(container: [:], pod: spec, image: images.hostUsers, at: "spec.containers[0]")
        }
        // The qmysql image's USER is 65532: it runs, with the fsGroup and supplementalGroups added.
        let identity = try PodPlan.identity(container: [:], pod: spec, image: images.qmysqlUsers, at: "spec.containers[0]")
        #expect(identity == ContainerIdentity(uid: 65532, gid: 65532, groups: [65532, 5, 7]))
        // The container's own fields win over the pod's; privileged is refused by name.
        let own = try PodPlan.identity(container: ["securityContext": ["runAsUser": 1234, "runAsGroup": 42]], pod: spec,
                                       image: images.hostUsers, at: "spec.containers[0]")
        #expect(own == ContainerIdentity(uid: 1234, gid: 42, groups: [42, 5, 7]))
        do {
            _ = try PodPlan.identity(container: ["securityContext": ["privileged": true]], pod: [:], image: images.hostUsers, at: "spec.containers[0]")
            Issue.record("a privileged container was accepted")
        } catch {
            #expect(error.field == "spec.containers[0].securityContext.privileged")
        }
    }

    /// An image's users as the image has them: uid 999 is mysql in the MariaDB image.
    @Test func theImagesUserDatabase() {
        #expect(ImageUsers.mariadb.passwd.contains("mysql:x:999:999:"))
        #expect(ImageUsers.mariadb.group.contains("mysql:x:999:"))
        #expect(ImageUsers.qmysql.passwd.contains("qmysql:x:65532:65532:"))
    }

    /// A modelled image pull: the whole pod, or named pods of a shared template.
    @Test func aStartDelayIsReadFromTheAnnotation() throws {
        #expect(PodPlan.startDelay("20s", pod: "demo-1") == .seconds(20))
        #expect(PodPlan.startDelay("500ms", pod: "demo-1") == .milliseconds(500))
        #expect(PodPlan.startDelay("demo-2=1m, demo-1=3s", pod: "demo-1") == .seconds(3))
        #expect(PodPlan.startDelay("demo-2=1m", pod: "demo-1") == .zero)
        #expect(PodPlan.startDelay("soon", pod: "demo-1") == nil)
        var pod = try Self.databasePod()
        pod["metadata"]?["annotations"] = [.init(PodPlan.startDelayAnnotation): "demo-1=2s"]
        let volumes = ["run", "qmysql-bin", "secret", "config", "data"]
        #expect(try PodPlan.make(pod: pod, context: Self.context(volumes: volumes), images: Self.images).startDelay == .seconds(2))
        pod["metadata"]?["annotations"] = [.init(PodPlan.startDelayAnnotation): "later"]
        #expect(throws: PodPlanError.self) { try PodPlan.make(pod: pod, context: Self.context(volumes: volumes), images: Self.images) }
    }
}
