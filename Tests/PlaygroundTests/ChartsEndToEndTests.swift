import Foundation
import KubeAPI
import KubeClient
import Operator
import QiniuAPI
import Testing
import Yams
@testable import Playground

/// The seed's delivery: `helm install ./mysql-operator`, then `helm install --set name=...
/// ./mysql-service`, with Helm's own library (scripts/helm.py) into the playground's API server,
/// as a user would into a cluster. The operator the playground already runs takes the new
/// QiniuMySQL to Green; `helm uninstall` keeps the volumes, the backups and the password.
extension PlaygroundEndToEndTests {
    @Test func chartsLintAndInstallWithHelm() async throws {
        try #require(PlaygroundRequirements.missing().isEmpty, "\(PlaygroundRequirements.explain(PlaygroundRequirements.missing()))")
        let root = NSTemporaryDirectory() + "qmysql-charts-\(UUID().uuidString.prefix(8))"
        var failure: (any Error)?
        do {
            try await chartsScenario(root: root)
        } catch {
            failure = error
        }
        let purge = try? await Self.run(["playground", "down", "--purge", "--dir", root], in: root, timeout: .seconds(300))
        #expect(purge?.status == .exited(code: 0), "\(purge?.output ?? "")")
        if let failure { throw failure }
    }

    func chartsScenario(root: String) async throws {
        let charts = Self.packageRoot.appendingPathComponent("charts").path
        let helm = try HelmSession(home: root + "-helm")
        defer { helm.close() }
        for chart in ["mysql-operator", "mysql-service"] {
            let lint = try await helm.call(["lint", "\(charts)/\(chart)"])
            #expect(lint["ok"] == true, "helm lint \(chart): \(lint)")
        }

        // The chart's CRDs are what `kubectl qmysql install --dry-run -o yaml` prints.
        let dryRun = try await Self.run(["install", "--dry-run", "-o", "yaml"], in: root, timeout: .seconds(60))
        let chartCRDs = try String(contentsOfFile: "\(charts)/mysql-operator/crds/qiniumysql-crds.yaml", encoding: .utf8)
        #expect(Self.normalizedYAML(dryRun.output) == Self.normalizedYAML(chartCRDs), "the chart's CRDs drifted from the code's")

        let layout = PlaygroundLayout(root: root)
        let up = try await Self.run(["playground", "up", "--dir", root], in: root, timeout: .seconds(400))
        try #require(up.status == .exited(code: 0), "\(up.output)")
        let client = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig))
        defer { Task { try? await client.shutdown() } }
        _ = try await client.createRaw(Namespace.resourceType, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "rds"]])

        // A cluster with the Prometheus operator serves monitoring.coreos.com/v1: the chart then
        // ships the alerts as a PrometheusRule too.
        try await Self.createPrometheusRuleCRD(client)

        // The operator chart. No replicas: the playground already runs an operator, and two
        // leaders (their Leases in different namespaces) would fight.
        let operatorRelease = try await helm.call(["install", layout.kubeconfig, "rds", "qmysql-operator", "\(charts)/mysql-operator", #"{"replicas": 0}"#])
        try #require(operatorRelease["status"] == "deployed", "\(operatorRelease)")
        let notes = operatorRelease["notes"]?.stringValue ?? ""
        #expect(notes.contains("kubectl -n rds rollout status deployment/qmysql-operator") && notes.contains("the PrometheusRule qmysql-operator-alerts"), "\(notes)")
        let rule = try await client.getRaw(Self.prometheusRules, name: "qmysql-operator-alerts", namespace: "rds")
        let alertsFile = try YAMLDecoder().decode(JSONValue.self, from: String(contentsOf: Self.packageRoot.appendingPathComponent("monitoring/qmysql-alerts.yaml"), encoding: .utf8))
        #expect(rule["spec"] == alertsFile, "the PrometheusRule carries monitoring/qmysql-alerts.yaml")

        // `kubectl qmysql install --operator` renders what the chart renders with the same values.
        try await expectPlainManifestsMatch(operatorRelease, ["install", "--operator", "-n", "rds", "--replicas", "0"], root: root)
        _ = try await client.createRaw(Namespace.resourceType, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "ops"]])
        let scoped = try await helm.call(["install", layout.kubeconfig, "ops", "qmysql-operator", "\(charts)/mysql-operator",
                                          #"{"replicas": 0, "watchNamespaces": ["rds"], "logLevel": "debug", "image": {"tag": "9.9.9"}}"#])
        try #require(scoped["status"] == "deployed", "\(scoped)")
        try await expectPlainManifestsMatch(scoped, ["install", "--operator", "-n", "ops", "--replicas", "0", "--watch-namespace", "rds",
                                                     "--log-level", "debug", "--image", "ghcr.io/qiniu/qmysql:9.9.9"], root: root)
        #expect(try await helm.call(["uninstall", layout.kubeconfig, "ops", "qmysql-operator"])["ok"] == true)
        let role = try await client.getRaw(ClusterRole.resourceType, name: "qmysql-operator", namespace: nil)
        let installedRules = Self.ruleSet(role["rules"]?.arrayValue ?? [])
        #expect(installedRules == Self.ruleSet(OperatorRBAC.policyRules()), "the chart grants OperatorRBAC's rules")
        #expect(!installedRules.contains { $0.hasPrefix("coordination.k8s.io") }, "no Lease rights in every namespace: \(installedRules)")
        let leaderRole = try await client.getRaw(Role.resourceType, name: "qmysql-operator-leader-election", namespace: "rds")
        let leaderRules = Self.ruleSet(leaderRole["rules"]?.arrayValue ?? [])
        #expect(leaderRules == Self.ruleSet(OperatorRBAC.policyRules(OperatorRBAC.leaderElectionRules)),
                "leader election is a Role in the operator's own namespace")
        let documented = try Self.documentedRules()
        #expect(installedRules.union(leaderRules) == documented, "docs/operator.md lists the rules the chart grants")
        let deployment = try await client.getRaw(Deployment.resourceType, name: "qmysql-operator", namespace: "rds")
        let arguments = deployment[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(arguments.first == "operator" && arguments.contains("--lease-namespace=rds") && arguments.contains { $0.hasPrefix("--image=ghcr.io/qiniu/qmysql:") },
                "\(arguments)")
        let alerts = try await client.getRaw(ConfigMap.resourceType, name: "qmysql-operator-alerts", namespace: "rds")
        let rulesFile = try String(contentsOf: Self.packageRoot.appendingPathComponent("monitoring/qmysql-alerts.yaml"), encoding: .utf8)
        #expect(alerts[path: ["data", "qmysql-alerts.yaml"]]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
                == rulesFile.trimmingCharacters(in: .whitespacesAndNewlines), "the chart ships monitoring/qmysql-alerts.yaml")

        let dashboard = try await client.getRaw(ConfigMap.resourceType, name: "qmysql-operator-dashboard", namespace: "rds")
        #expect(dashboard[path: ["metadata", "labels", "grafana_dashboard"]] == "1", "the label Grafana's sidecar looks for")
        let shipped = try JSONValue.parse(Data((dashboard[path: ["data", "qmysql-dashboard.json"]]?.stringValue ?? "").utf8))
        let source = try JSONValue.parse(Data(contentsOf: Self.packageRoot.appendingPathComponent("monitoring/qmysql-dashboard.json")))
        #expect(shipped == source, "the chart ships monitoring/qmysql-dashboard.json")

        // The service chart: one QiniuMySQL (the API server checked it against the CRD's schema),
        // its password in a Secret it references, the tenant as a label; the operator makes it Green.
        let serviceRelease = try await helm.call(["install", layout.kubeconfig, "rds", "example-mysql", "\(charts)/mysql-service",
                                                  #"{"name": "example-mysql", "uid": "tenant-7", "replicas": 1, "mysqlRootPassword": "Chart-Passw0rd"}"#])
        try #require(serviceRelease["status"] == "deployed", "\(serviceRelease)")
        let cluster = try await client.get(QiniuMySQL.self, name: "example-mysql", namespace: "rds")
        #expect(cluster.metadata.labels?["mysql.qiniu.com/uid"] == "tenant-7")
        #expect(cluster.spec.podLabels?["mysql.qiniu.com/uid"] == "tenant-7")
        #expect(cluster.spec.rootPasswordSecret == "example-mysql-root-password")
        #expect(cluster.spec.backup?.backupTime == "01:01,13:01" && cluster.spec.backup?.reservedDays == 7)
        #expect(cluster.spec.resources?.requests?["cpu"] == "500m")
        let encoded = String(decoding: try JSONEncoder().encode(cluster), as: UTF8.self)
        #expect(!encoded.contains("Chart-Passw0rd"), "the password is never in the QiniuMySQL")
        try await Self.eventually("example-mysql is Green", within: .seconds(240)) {
            try await client.get(QiniuMySQL.self, name: "example-mysql", namespace: "rds").status?.state == .green
        }
        let credential = try await Self.run(["credential", "example-mysql", "-n", "rds", "--kubeconfig", layout.kubeconfig], in: root, timeout: .seconds(60))
        #expect(credential.output.trimmingCharacters(in: .whitespacesAndNewlines) == "Chart-Passw0rd", "\(credential.output)")

        // helm uninstall: the cluster goes; its data volume, backup store and password stay.
        let removed = try await helm.call(["uninstall", layout.kubeconfig, "rds", "example-mysql"])
        #expect(removed["ok"] == true, "\(removed)")
        try await Self.eventually("the QiniuMySQL and its pods are gone", within: .seconds(120)) {
            let clusters = try await client.listAll(QiniuMySQL.self, namespace: "rds")
            let pods = try await client.listAllRaw(Pod.resourceType, namespace: "rds")
            return clusters.isEmpty && pods.isEmpty
        }
        let claims = try await client.listAllRaw(PersistentVolumeClaim.resourceType, namespace: "rds")
            .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        #expect(Set(claims) == ["data-example-mysql-0", "example-mysql-backups"], "\(claims)")
        let secret = try await client.getRaw(Secret.resourceType, name: "example-mysql-root-password", namespace: "rds")
        #expect(secret[path: ["data", "password"]]?.stringValue == Data("Chart-Passw0rd".utf8).base64EncodedString())
        let operatorRemoved = try await helm.call(["uninstall", layout.kubeconfig, "rds", "qmysql-operator"])
        #expect(operatorRemoved["ok"] == true, "\(operatorRemoved)")
        let crds = try await client.listAllRaw(CustomResourceDefinition.resourceType, namespace: nil)
            .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        #expect(Set(crds).isSuperset(of: ["qiniumysqls.mysql.qiniu.com", "qiniumysqldatas.mysql.qiniu.com"]), "Helm never deletes CRDs")
    }

    static let prometheusRules = ResourceType(group: "monitoring.coreos.com", version: "v1", plural: "prometheusrules", kind: "PrometheusRule", namespaced: true)

    /// The Prometheus operator's CRD, reduced to what the API server needs to serve the kind.
    static func createPrometheusRuleCRD(_ client: KubeClient) async throws {
        let crd: JSONValue = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "prometheusrules.monitoring.coreos.com"],
            "spec": [
                "group": "monitoring.coreos.com", "scope": "Namespaced",
                "names": ["plural": "prometheusrules", "singular": "prometheusrule", "kind": "PrometheusRule", "listKind": "PrometheusRuleList"],
                "versions": [["name": "v1", "served": true, "storage": true,
                              "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]],
            ],
        ]
        _ = try await client.createRaw(CustomResourceDefinition.resourceType, crd)
        try await eventually("the PrometheusRule CRD is established", within: .seconds(30)) {
            try await client.get(CustomResourceDefinition.self, name: "prometheusrules.monitoring.coreos.com").isEstablished
        }
    }

    /// The objects of `kubectl qmysql ARGUMENTS --dry-run -o json` are the objects Helm rendered
    /// for the release, field for field, but for Helm's own labels. Not compared: the CRDs (the
    /// chart's crds/, checked above) and the namespace (Helm's is the release's); the chart's
    /// monitoring objects (the plain manifests point to monitoring/).
    func expectPlainManifestsMatch(_ release: JSONValue, _ arguments: [String], root: String) async throws {
        let printed = try await Self.run(arguments + ["--dry-run", "-o", "json"], in: root, timeout: .seconds(60))
        try #require(printed.status == .exited(code: 0), "\(printed.output)")
        let plain = try JSONValue.parse(Data(printed.output.utf8))["items"]?.arrayValue ?? []
        let rendered = try Self.yamlDocuments(release["manifest"]?.stringValue ?? "")
        func keyed(_ objects: [JSONValue], skipping kinds: Set<String>) -> [String: JSONValue] {
            var keyed: [String: JSONValue] = [:]
            for var object in objects {
                let kind = object["kind"]?.stringValue ?? ""
                guard !kinds.contains(kind) else { continue }
                object[path: ["metadata", "labels", "app.kubernetes.io/managed-by"]] = nil
                object[path: ["metadata", "labels", "helm.sh/chart"]] = nil
                let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
                keyed["\(kind) \(object[path: ["metadata", "namespace"]]?.stringValue ?? "-")/\(name)"] = object
            }
            return keyed
        }
        Self.expectRBACWiring(rendered, arguments: arguments)
        let fromPlain = keyed(plain, skipping: ["CustomResourceDefinition", "Namespace"])
        let fromChart = keyed(rendered, skipping: ["ConfigMap", "PrometheusRule"])
        #expect(fromPlain.keys.sorted() == fromChart.keys.sorted(), "\(arguments.joined(separator: " ")): the objects differ from the chart's")
        for (key, object) in fromPlain {
            guard let charted = fromChart[key] else { continue }
            let differences = Self.differences(object, charted)
            #expect(differences.isEmpty, "\(key), kubectl qmysql \(arguments.joined(separator: " ")) against the chart:\n\(differences.joined(separator: "\n"))")
        }
    }

    /// Where two JSON values differ, as `path: ours ≠ chart's` lines.
    static func differences(_ ours: JSONValue?, _ theirs: JSONValue?, at path: String = "") -> [String] {
        switch (ours, theirs) {
        case (.object(let left)?, .object(let right)?):
            return Set(left.keys).union(right.keys).sorted().flatMap { differences(left[$0], right[$0], at: path + "." + $0) }
        case (.array(let left)?, .array(let right)?) where left.count == right.count:
            return zip(left, right).enumerated().flatMap { differences($0.element.0, $0.element.1, at: "\(path)[\($0.offset)]") }
        default:
            return ours == theirs ? [] : ["\(path): \(ours.map { "\($0)" } ?? "absent") ≠ \(theirs.map { "\($0)" } ?? "absent")"]
        }
    }

    /// The bindings grant what an RBAC authorizer would find: each binds a role the chart renders
    /// to the ServiceAccount the Deployment runs as, in the release's namespace; the operator's
    /// rules reach every watched namespace (or the whole cluster), and leader election only its
    /// own namespace.
    static func expectRBACWiring(_ rendered: [JSONValue], arguments: [String]) {
        func value(after flag: String) -> [String] { zip(arguments, arguments.dropFirst()).filter { $0.0 == flag }.map(\.1) }
        let namespace = value(after: "-n").first ?? "qmysql-system"
        let watched = value(after: "--watch-namespace")
        let deployment = rendered.first { $0["kind"] == "Deployment" }
        let account = deployment?[path: ["spec", "template", "spec", "serviceAccountName"]]?.stringValue
        #expect(rendered.contains { $0["kind"] == "ServiceAccount" && $0[path: ["metadata", "name"]]?.stringValue == account
                                    && $0[path: ["metadata", "namespace"]]?.stringValue == namespace }, "the Deployment's ServiceAccount is rendered")
        var reached: Set<String> = []
        var leaderElection: Set<String> = []
        for binding in rendered where ["RoleBinding", "ClusterRoleBinding"].contains(binding["kind"]?.stringValue ?? "") {
            let bindingNamespace = binding[path: ["metadata", "namespace"]]?.stringValue
            let roleKind = binding[path: ["roleRef", "kind"]]?.stringValue, roleName = binding[path: ["roleRef", "name"]]?.stringValue
            let role = rendered.first {
                $0["kind"]?.stringValue == roleKind && $0[path: ["metadata", "name"]]?.stringValue == roleName
                    && (roleKind == "ClusterRole" || $0[path: ["metadata", "namespace"]]?.stringValue == bindingNamespace)
            }
            #expect(role != nil, "\(binding[path: ["metadata", "name"]] ?? "?") binds \(roleKind ?? "?") \(roleName ?? "?"), which is not rendered")
            let subjects = binding["subjects"]?.arrayValue ?? []
            #expect(subjects.count == 1 && subjects.first?["kind"] == "ServiceAccount" && subjects.first?["name"]?.stringValue == account
                    && subjects.first?["namespace"]?.stringValue == namespace, "\(subjects)")
            let granted = ruleSet(role?["rules"]?.arrayValue ?? [])
            if granted == ruleSet(OperatorRBAC.policyRules()) { reached.insert(bindingNamespace ?? "*") }
            if granted == ruleSet(OperatorRBAC.policyRules(OperatorRBAC.leaderElectionRules)) {
                leaderElection.insert(bindingNamespace ?? "*")
            }
        }
        #expect(reached == (watched.isEmpty ? ["*"] : Set(watched)), "the operator's rules reach \(reached)")
        #expect(leaderElection == [namespace], "leader election is granted in \(leaderElection), not only in the operator's namespace")
    }

    /// The documents of a multi-document YAML stream (Helm's manifest), empty ones left out.
    static func yamlDocuments(_ text: String) throws -> [JSONValue] {
        let documents = text.components(separatedBy: "\n").split(separator: "---").map { $0.joined(separator: "\n") }
        return try documents.compactMap { document in
            let content = document.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            guard !content.isEmpty else { return nil }
            return try YAMLDecoder().decode(JSONValue.self, from: document)
        }
    }

    /// (group, resource, verb) triples: rules compare as sets, whatever their grouping.
    static func ruleSet(_ rules: [PolicyRule]) -> Set<String> {
        ruleSet(rules.compactMap { try? JSONValue(encoding: $0) })
    }

    static func ruleSet(_ rules: [JSONValue]) -> Set<String> {
        var set: Set<String> = []
        for rule in rules {
            for group in rule["apiGroups"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                for resource in rule["resources"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                    for verb in rule["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? [] { set.insert("\(group) \(resource) \(verb)") }
                }
            }
        }
        return set
    }

    /// The RBAC table of docs/operator.md as triples.
    static func documentedRules() throws -> Set<String> {
        let page = try String(contentsOf: packageRoot.appendingPathComponent("docs/operator.md"), encoding: .utf8)
        let section = page.components(separatedBy: "## RBAC").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
        var set: Set<String> = []
        for line in section.split(separator: "\n") where line.hasPrefix("| ") && !line.hasPrefix("| API group") && !line.hasPrefix("|---") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let group = cells[0] == "\"\"" ? "" : cells[0]
            for resource in cells[1].split(separator: ",") {
                for verb in cells[2].split(separator: ",") {
                    set.insert("\(group) \(resource.trimmingCharacters(in: .whitespaces)) \(verb.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        return set
    }

    /// Trailing spaces and blank lines are not differences.
    static func normalizedYAML(_ text: String) -> String {
        text.split(separator: "\n").map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .filter { !$0.isEmpty }.joined(separator: "\n")
    }
}

/// A long-lived `scripts/helm.py session`: Helm keeps its releases in memory (HELM_DRIVER=memory)
/// because client-go's typed clients send Secrets as protobuf, which the local API server does
/// not speak (docs/kube-server.md); install and uninstall therefore share one process.
final class HelmSession: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    /// Helm's HOME (its cache and configuration), removed on close.
    private let home: String

    init(home: String) throws {
        self.home = home
        let root = PlaygroundEndToEndTests.packageRoot
        process.executableURL = root.appendingPathComponent(".build/helm-venv/bin/python")
        process.arguments = [root.appendingPathComponent("scripts/helm.py").path, "session"]
        var environment = ProcessInfo.processInfo.environment
        environment["HELM_DRIVER"] = "memory"
        environment["HOME"] = home
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    /// One command; its JSON result. Blocking reads run on a thread of their own.
    func call(_ arguments: [String]) async throws -> JSONValue {
        let line = try JSONEncoder().encode(arguments) + Data("\n".utf8)
        let data: Data = await withCheckedContinuation { continuation in
            Thread { [self] in
                lock.lock()
                defer { lock.unlock() }
                input.fileHandleForWriting.write(line)
                var received = Data()
                while !received.contains(UInt8(ascii: "\n")) {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    received.append(chunk)
                }
                continuation.resume(returning: received)
            }.start()
        }
        return try JSONValue.parse(data)
    }

    /// Ends the session (Python exits at the end of its input) and removes Helm's HOME.
    func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: home)
    }
}
