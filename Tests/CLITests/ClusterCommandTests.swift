import Foundation
import Galera
import KubeAPI
import KubeClient
import QiniuAPI
import Testing

/// install, create, get, status and delete against a real API server, run as real processes.
@Suite struct ClusterCommandTests {
    @Test func installIsIdempotentAndServesBothResources() async throws {
        let bed = try await CLITestBed.start(installed: false)
        defer { Task { await bed.stop() } }
        let first = try await bed.run("install")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("customresourcedefinition.apiextensions.k8s.io/qiniumysqls.mysql.qiniu.com applied"))
        #expect(first.stdout.contains("qiniumysqldatas.mysql.qiniu.com applied"))
        let again = try await bed.run("install")
        #expect(again.status == 0, "\(again.stderr)")
        let crd = try await bed.client.get(CustomResourceDefinition.self, name: "qiniumysqls.mysql.qiniu.com")
        #expect(crd.isEstablished)
    }

    @Test func installOperatorAppliesItsObjectsOrNothing() async throws {
        let bed = try await CLITestBed.start(installed: false)
        defer { Task { await bed.stop() } }
        // A watched namespace that does not exist: refused before anything is applied.
        let missing = try await bed.run("install", "--operator", "-n", "ops", "--watch-namespace", "shop")
        #expect(missing.status == 3, "\(missing.stdout)\(missing.stderr)")
        #expect(missing.stderr.contains("--watch-namespace shop: the namespace does not exist; nothing was installed")
                && missing.stderr.contains("kubectl create namespace shop"), "\(missing.stderr)")
        #expect(try await bed.client.listAllRaw(CustomResourceDefinition.resourceType, namespace: nil).isEmpty, "nothing applied")

        _ = try await bed.client.createRaw(Namespace.resourceType, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "shop"]])
        let installed = try await bed.run("install", "--operator", "-n", "ops", "--watch-namespace", "shop", "--replicas", "2", "--image", "registry.example/qmysql:1.2.3")
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.stdout.contains("deployment.apps/qmysql-operator applied"))
        #expect(installed.stdout.contains("kubectl -n ops rollout status deployment/qmysql-operator"))
        let deployment = try await bed.client.getRaw(Deployment.resourceType, name: "qmysql-operator", namespace: "ops")
        #expect(deployment[path: ["spec", "replicas"]] == 2)
        let arguments = deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(arguments == ["operator", "--image=registry.example/qmysql:1.2.3", "--listen=0.0.0.0:8080", "--log-level=info",
                              "--lease-namespace=ops", "--watch-namespace=shop"], "\(arguments)")
        // The operator's rules in the watched namespace; in its own only the leader Lease.
        for (namespace, name) in [("shop", "qmysql-operator"), ("ops", "qmysql-operator-leader-election")] {
            let binding = try await bed.client.getRaw(RoleBinding.resourceType, name: name, namespace: namespace)
            let subject = binding["subjects"]?.arrayValue?.first
            #expect(subject?["kind"] == "ServiceAccount" && subject?["name"] == "qmysql-operator" && subject?["namespace"] == "ops", "\(String(describing: subject))")
        }
        let leader = try await bed.client.getRaw(Role.resourceType, name: "qmysql-operator-leader-election", namespace: "ops")
        #expect(leader["rules"] == [["apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]]])
        #expect(await (try? bed.client.getRaw(Role.resourceType, name: "qmysql-operator", namespace: "ops")) == nil,
                "the operator's own namespace is not watched: it gets no rules there beyond its Lease")
        let crdRole = try await bed.client.getRaw(ClusterRole.resourceType, name: "qmysql-operator-crds", namespace: nil)
        #expect(crdRole["rules"]?.arrayValue?.count == 1)
        #expect(try await bed.client.get(CustomResourceDefinition.self, name: "qiniumysqls.mysql.qiniu.com").isEstablished)

        // Again, unchanged: every object is applied as it is, nothing fails.
        let again = try await bed.run("install", "--operator", "-n", "ops", "--watch-namespace", "shop", "--replicas", "2", "--image", "registry.example/qmysql:1.2.3", "-o", "name")
        #expect(again.status == 0 && again.stdout.contains("service/qmysql-operator-metrics\n") && !again.stdout.contains("applied"), "\(again.stdout)\(again.stderr)")

        // Operator flags without --operator are a usage error.
        let stray = try await bed.run("install", "--watch-namespace", "shop")
        #expect(stray.status == 64 && stray.stderr.contains("--watch-namespace configures the operator: add --operator"), "\(stray.stderr)")
    }

    @Test func installDryRunPrintsTheCRDsWithoutAServer() async throws {
        let result = try await CommandRunner.run(CLITestBed.executable, ["install", "--dry-run", "-o", "yaml"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("kind: CustomResourceDefinition"))
        #expect(result.stdout.contains("name: qiniumysqls.mysql.qiniu.com"))
        #expect(result.stdout.contains("name: qiniumysqldatas.mysql.qiniu.com"))
        #expect(result.stdout.components(separatedBy: "\n---\n").count == 2)
    }

    @Test func createThenGetShowsServerDefaults() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        let created = try await bed.run("create", "demo", "--storage", "20Gi", "--backup-time", "01:01,13:01")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout == "qiniumysql.mysql.qiniu.com/demo created\n")

        let json = try await bed.run("get", "demo", "-o", "json")
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONValue.parse(Data(json.stdout.utf8))
        #expect(object[path: ["spec", "replicas"]] == 3)  // schema default, applied by the server
        #expect(object[path: ["spec", "flavor"]] == "mariadb")
        #expect(object[path: ["spec", "backup", "reservedDays"]] == 7)
        #expect(object[path: ["spec", "backup", "enable"]] == true)
        #expect(object[path: ["spec", "storage", "size"]] == "20Gi")

        let table = try await bed.run("get")
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "STATE", "READY", "PHASE", "AGE"])
        #expect(lines.count == 2 && lines[1].hasPrefix("demo "))
        #expect(!table.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")

        let names = try await bed.run("get", "-o", "name")
        #expect(names.stdout == "qiniumysql.mysql.qiniu.com/demo\n")

        let yaml = try await bed.run("get", "-o", "yaml")
        #expect(yaml.stdout.contains("kind: List") && yaml.stdout.contains("name: demo"))
    }

    @Test func createFromManifestAndFlagsOverride() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        let manifest = try bed.write("demo.yaml", """
            apiVersion: mysql.qiniu.com/v1alpha1
            kind: QiniuMySQL
            metadata:
              name: fromfile
            spec:
              replicas: 3
              flavor: percona
              config:
                max_connections: "500"
            """)
        let result = try await bed.run("create", "-f", manifest, "--replicas", "5", "--state-transfer", "qmysql")
        #expect(result.status == 0, "\(result.stderr)")
        let cluster = try await bed.client.get(QiniuMySQL.self, name: "fromfile")
        #expect(cluster.spec.replicas == 5)
        #expect(cluster.spec.stateTransfer == .qmysql, "the flag wins over the flavor's default")
        #expect(cluster.spec.flavor == .percona)
        #expect(cluster.spec.config?["max_connections"] == "500")
    }

    /// The S3 flags make `spec.backup.s3` (and a clone's `spec.restoreFrom.s3` with the source
    /// namespace's prefix); bad values are refused before anything is sent, with the field named.
    @Test func s3StoreFlags() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        let s3 = ["--s3-endpoint", "https://s3.example.com:9000", "--s3-bucket", "qmysql-backups", "--s3-credentials-secret", "s3-keys"]
        _ = try await bed.client.create(Namespace(metadata: ObjectMeta(name: "staging")))
        let created = try await bed.run(["create", "clone", "-n", "staging", "--from-backup", "demo-20261205-010100", "--from-cluster", "demo",
                                         "--from-namespace", "prod", "--s3-region", "eu-west-1"] + s3)
        #expect(created.status == 0, "\(created.stderr)")
        let cluster = try await bed.client.get(QiniuMySQL.self, name: "clone", namespace: "staging")
        #expect(cluster.spec.backup?.s3 == S3StoreSpec(endpoint: "https://s3.example.com:9000", bucket: "qmysql-backups", region: "eu-west-1",
                                                       credentialsSecret: "s3-keys"))
        #expect(cluster.spec.restoreFrom?.s3?.prefix == "prod/" && cluster.spec.restoreFrom?.cluster == "demo")

        let incomplete = try await bed.run("create", "demo", "--s3-endpoint", "https://s3.example.com", "--dry-run")
        #expect(incomplete.status == 64 && incomplete.stderr.contains("give --s3-bucket, --s3-credentials-secret too"), "\(incomplete.stderr)")
        for (flags, field) in [(["--s3-endpoint", "s3.example.com"], "spec.backup.s3.endpoint"),
                               (["--s3-bucket", "Backups_1"], "spec.backup.s3.bucket"),
                               (["--s3-prefix", "/prod"], "spec.backup.s3.prefix")] {
            var arguments = s3
            for (index, flag) in flags.enumerated() where index % 2 == 0 {
                if let at = arguments.firstIndex(of: flag) { arguments[at + 1] = flags[index + 1] } else { arguments += [flag, flags[index + 1]] }
            }
            let refused = try await bed.run(["create", "demo", "--dry-run"] + arguments)
            #expect(refused.status != 0 && refused.stderr.contains(field), "\(flags): \(refused.stderr)")
        }
    }

    @Test func allNamespacesAddsTheNamespaceColumn() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        _ = try await bed.client.create(Namespace(metadata: ObjectMeta(name: "shop")))
        #expect(try await bed.run("create", "a").status == 0)
        #expect(try await bed.run("create", "b", "-n", "shop").status == 0)
        let result = try await bed.run("get", "-A", "-o", "wide")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("NAMESPACE"))
        #expect(result.stdout.contains("FLAVOR"))
        #expect(result.stdout.contains("default ") && result.stdout.contains("shop "))
        let shopOnly = try await bed.run("get", "-n", "shop", "-o", "name")
        #expect(shopOnly.stdout == "qiniumysql.mysql.qiniu.com/b\n")
    }

    @Test func statusShowsNodesConditionsAndBackup() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        var cluster = try await bed.client.get(QiniuMySQL.self, name: "demo")
        cluster.status = QiniuMySQLStatus(
            state: .yellow, ready: "2/3",
            nodes: [
                QiniuMySQLNodeStatus(name: "demo-0", state: "Green", wsrepState: "Synced", seqno: 42, ready: true),
                QiniuMySQLNodeStatus(name: "demo-1", state: "Green", wsrepState: "Synced", seqno: 42, ready: true,
                                     agentSilentSince: KubeTime.format(Date().addingTimeInterval(-9 * 3600 - 60))),
                QiniuMySQLNodeStatus(name: "demo-2", state: "Red-unclean", seqno: -1, ready: false),
            ],
            conditions: [Condition(type: "Ready", status: "False", reason: "NodeDown", message: "demo-2 exited",
                                   lastTransitionTime: KubeTime.format(Date()))],
            lastBackup: LastBackup(name: "demo-backup-abc", time: KubeTime.format(Date()), size: 3 * 1024 * 1024, succeeded: true),
            message: "recovering demo-2")
        // In the middle of turning Galera's TLS on: every pod accepts TLS, required is next.
        cluster.status?.replicationEncryption = .accepting
        _ = try await bed.client.updateStatus(cluster)
        _ = try await bed.client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default",
                                               patch: ["spec": ["tls": ["replication": "required"]]])
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event", "metadata": ["name": "demo.1", "namespace": "default"],
            "involvedObject": ["apiVersion": "mysql.qiniu.com/v1alpha1", "kind": "QiniuMySQL", "name": "demo", "namespace": "default"],
            "reason": "ClusterYellow", "message": "cluster is Yellow (2/3 ready)", "type": "Warning",
            "lastTimestamp": .string(KubeTime.format(Date())), "source": ["component": "qmysql-operator"],
        ]
        _ = try await bed.client.createRaw(Event.resourceType, event, namespace: "default")

        let report = try await bed.run("status", "demo")
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("State:        Yellow"))
        #expect(report.stdout.contains("Ready:        2/3"))
        #expect(report.stdout.contains("demo-2   Red-unclean"))
        // A Green node whose agent is silent serves but cannot be repaired: the table says so.
        let demo1 = report.stdout.split(separator: "\n").first { $0.hasPrefix("demo-1") }.map(String.init) ?? ""
        // Past 8 hours kubectl prints whole hours: the age reads the same however slowly this
        // test runs (it took 14 s once).
        #expect(demo1.contains("silent since 9h ago"), "kubectl's age: \(demo1)")
        #expect(report.stdout.split(separator: "\n").first { $0.hasPrefix("demo-0") }?.hasSuffix("answers") == true)
        #expect(report.stdout.contains("NodeDown"))
        #expect(report.stdout.contains("demo-backup-abc, succeeded"))
        #expect(report.stdout.contains("3.0 MiB"))
        #expect(report.stdout.contains("Endpoints:    every ready node demo.default.svc:3306 -> "), "\(report.stdout)")
        #expect(report.stdout.contains("              writes           demo-writer.default.svc:3306 -> "), "\(report.stdout)")
        #expect(report.stdout.contains("              reads            demo-readers.default.svc:3306 -> "), "\(report.stdout)")
        #expect(report.stdout.contains("Encryption:   TLS between the nodes, plain TCP accepted; changing to required, one node at a time while Green"),
                "\(report.stdout)")
        #expect(report.stdout.contains("ClusterYellow") && report.stdout.contains("cluster is Yellow (2/3 ready)"))

        let json = try await bed.run("status", "demo", "-o", "json")
        let object = try JSONValue.parse(Data(json.stdout.utf8))
        #expect(object[path: ["status", "state"]] == "Yellow")
        #expect(object[path: ["status", "nodes"]]?.arrayValue?.count == 3)
    }

    @Test func deleteRefusesWithoutATerminalUnlessYes() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        let refused = try await bed.run("delete", "demo", stdin: "y\n")
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("--yes"))
        _ = try await bed.client.get(QiniuMySQL.self, name: "demo")  // still there

        let deleted = try await bed.run("delete", "demo", "--yes")
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout == "qiniumysql.mysql.qiniu.com/demo deleted\n")
        await #expect(throws: KubeError.self) { try await bed.client.get(QiniuMySQL.self, name: "demo") }

        let missing = try await bed.run("delete", "demo", "--yes")
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("\"demo\" not found"))
    }
}

/// `create --wait`: progress until Green, and its own exit code when time runs out.
@Suite struct CreateWaitTests {
    @Test func waitsUntilGreenWithProgress() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        // The stand-in operator: once the cluster exists, it reports it Yellow, then Green.
        let operatorTask = Task {
            while true {
                if (try? await bed.client.get(QiniuMySQL.self, name: "demo")) != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            for state in [ClusterState.yellow, .green] {
                try await Task.sleep(for: .milliseconds(700))
                _ = try await bed.client.modifyStatus(QiniuMySQL.self, name: "demo", retryOnConflict: 3) { cluster in
                    cluster.status = QiniuMySQLStatus(
                        state: state, ready: state == .green ? "3/3" : "2/3",
                        nodes: (0..<3).map { QiniuMySQLNodeStatus(name: "demo-\($0)", state: $0 == 2 && state == .yellow ? "Yellow" : "Green") },
                        observedGeneration: 1)
                }
            }
        }
        let result = try await bed.run("create", "demo", "--wait", "--timeout", "30s")
        try await operatorTask.value
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("qiniumysql.mysql.qiniu.com/demo created"))
        #expect(result.stderr.contains("demo: no status yet"))
        #expect(result.stderr.contains("demo: Yellow (demo-0 Green, demo-1 Green, demo-2 Yellow)"))
        #expect(result.stderr.contains("demo is Green after"))
    }

    @Test func waitTimesOutWithItsOwnExitCode() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        let result = try await bed.run("create", "demo", "--wait", "--timeout", "1s")
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("demo is not Green after 1.0 s (no status yet)"))
        let refused = try await bed.run("create", "other", "--wait", "--dry-run")
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--dry-run creates none"))
    }
}
