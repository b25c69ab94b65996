import AgentAPI
import Foundation
import Galera
import KubeAPI
import KubeClient
import LocalCluster
import MySQLClient
import NIOPosix
import QiniuAPI
import Testing
@testable import Playground

/// The whole product on one machine, through the real binary as a user runs it: `playground
/// up` to a Green demo reached through its endpoint, a writer through that endpoint while one
/// node's mysqld is SIGKILLed and the controller alone brings it back, `down` and `up` with
/// every row still there, and `down --purge` leaving no process, port or directory.
@Suite("the playground, end to end", .serialized, .timeLimit(.minutes(15)))
struct PlaygroundEndToEndTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable: next to the test bundle, else in .build/debug.
    static let executable: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kubectl-qmysql").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/kubectl-qmysql").path
    }()

    struct Run {
        var status: ProcessExit?
        var output: String
    }

    /// Runs the binary with stdout and stderr in one file; killed after `timeout`.
    static func run(_ arguments: [String], in directory: String, timeout: Duration) async throws -> Run {
        let log = directory + "-command-\(UUID().uuidString.prefix(6)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = nil
        environment["NO_COLOR"] = "1"
        let process = try ManagedProcess.spawn(executable, arguments: arguments, environment: environment,
                                               logPath: log, pidFile: log + ".pid")
        defer { try? FileManager.default.removeItem(atPath: log + ".pid") }
        if !(await process.wait(timeout: timeout)) { await process.stop(grace: .seconds(5)) }
        let exit = await process.wait()
        return Run(status: exit, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Every pid file under the playground, as (pid, start time), and the mysqld pids.
    static func recordedProcesses(_ layout: PlaygroundLayout) -> [(pid: pid_t, start: UInt64)] {
        var found: [(pid_t, UInt64)] = []
        let files = [layout.hostPIDFile, layout.operatorPIDFile]
            + ((FileManager.default.subpaths(atPath: layout.root + "/pods") ?? []).filter { $0.hasSuffix(".pid") }.map { layout.root + "/pods/" + $0 })
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let fields = text.split(whereSeparator: \.isWhitespace)
            guard let pid = fields.first.flatMap({ pid_t($0) }) else { continue }
            if let start = fields.count > 1 ? UInt64(fields[1]) : ManagedProcess.startTime(of: pid) { found.append((pid, start)) }
        }
        return found
    }

    /// demo's endpoint (the playground's TCP forwarder for its Service) as root.
    static func endpoint(_ client: KubeClient) async throws -> MySQLConnectionOptions {
        let service = try await client.getRaw(Service.resourceType, name: "demo", namespace: "default")
        let address = try #require(service[path: ["metadata", "annotations", ServiceRouting.addressAnnotation]]?.stringValue)
        let parts = address.split(separator: ":")
        let secret = try await client.getRaw(Secret.resourceType, name: "demo-secret", namespace: "default")
        let password = try #require(secret[path: ["data", "root-password"]]?.stringValue.flatMap { Data(base64Encoded: $0) })
        return MySQLConnectionOptions(
            endpoint: .tcp(host: String(parts[0]), port: Int(parts[1]) ?? 0), user: "root",
            password: String(decoding: password, as: UTF8.self), connectTimeout: .seconds(3), readTimeout: .seconds(10),
            writeTimeout: .seconds(10))
    }

    /// Prometheus scraping demo's controller and agents (HTTPS, verified against the cluster's CA)
    /// and the operator (HTTP), at the addresses the playground gave their pods.
    static func startPrometheus(_ client: KubeClient, root: String) async throws -> RealPrometheus {
        let layout = PlaygroundLayout(root: root)
        let settings = try #require(try PlaygroundSettings.load(layout))
        let secret = try await client.getRaw(Secret.resourceType, name: "demo-secret", namespace: "default")
        let ca = try #require(secret[path: ["data", "ca.crt"]]?.stringValue.flatMap { Data(base64Encoded: $0) })
        let pods = try await client.listAllRaw(Pod.resourceType, namespace: "default", options: ListOptions(labelSelector: "app.kubernetes.io/instance=demo"))
        var targets = [RealPrometheus.Target(job: "qmysql-operator", address: "127.0.0.1:\(settings.operatorPort)")]
        for pod in pods {
            guard let name = pod[path: ["metadata", "name"]]?.stringValue, let ip = pod[path: ["status", "podIP"]]?.stringValue,
                  let component = pod[path: ["metadata", "labels", "app.kubernetes.io/component"]]?.stringValue else { continue }
            if component == "controller" {
                targets.append(.init(job: "qmysql-controller", address: "\(ip):\(DefaultPorts.controller)", serverName: "demo-controller",
                                     labels: ["cluster": "demo"]))
            } else if component == "database" {
                targets.append(.init(job: "qmysql-agent", address: "\(ip):\(DefaultPorts.agent)", serverName: "\(name).demo-peers",
                                     labels: ["cluster": "demo"]))
            }
        }
        let rules = packageRoot.appendingPathComponent("monitoring/qmysql-alerts.yaml").path
        return try await RealPrometheus.start(in: root + "-prometheus", targets: targets, caPEM: String(decoding: ca, as: UTF8.self), rules: rules)
    }

    /// The dashboard's panel queries, Grafana's variables replaced as Grafana would (every
    /// cluster, a one-minute rate window).
    static func dashboardQueries() throws -> [(title: String, expression: String)] {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("monitoring/qmysql-dashboard.json"))
        let panels = try JSONValue.parse(data)["panels"]?.arrayValue ?? []
        return panels.flatMap { panel in
            (panel["targets"]?.arrayValue ?? []).compactMap { target -> (String, String)? in
                guard let expression = target["expr"]?.stringValue else { return nil }
                return (panel["title"]?.stringValue ?? "",
                        expression.replacingOccurrences(of: "$cluster", with: ".*").replacingOccurrences(of: "$__rate_interval", with: "1m"))
            }
        }
    }

    static func eventually(_ what: String, within limit: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw RealPrometheus.PrometheusFailure(description: "\(what): not within \(limit)")
    }

    static func cluster(_ client: KubeClient) async throws -> QiniuMySQL {
        try await client.get(QiniuMySQL.self, name: "demo", namespace: "default")
    }

    /// Green, with every database pod Ready (the status alone may be the last word of a
    /// controller that has not spoken since).
    static func waitGreen(_ client: KubeClient, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let pods = try await client.listAllRaw(Pod.resourceType, namespace: "default",
                                                   options: ListOptions(labelSelector: "app.kubernetes.io/component=database"))
            let ready = pods.filter { pod in
                pod[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false
            }
            if try await cluster(client).status?.state == .green, ready.count == 3 { return true }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    @Test func upWriteKillRecoverDownUpPurge() async throws {
        try #require(PlaygroundRequirements.missing().isEmpty, "\(PlaygroundRequirements.explain(PlaygroundRequirements.missing()))")
        let root = NSTemporaryDirectory() + "qmysql-playground-\(UUID().uuidString.prefix(8))"
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        do {
            try await scenario(root: root, threadPool: threadPool)
        } catch {
            // A failed test still leaves nothing running.
            _ = try? await Self.run(["playground", "down", "--purge", "--dir", root], in: root, timeout: .seconds(300))
            try? await threadPool.shutdownGracefully()
            throw error
        }
        try? await threadPool.shutdownGracefully()
    }

    func scenario(root: String, threadPool: NIOThreadPool) async throws {
        let layout = PlaygroundLayout(root: root)

        // 1. up: a Green demo cluster and how to reach it.
        let up = try await Self.run(["playground", "up", "--dir", root], in: root, timeout: .seconds(400))
        try #require(up.status == .exited(code: 0), "\(up.output)")
        #expect(up.output.contains("demo is Green"), "\(up.output)")
        #expect(up.output.contains("mariadb -h 127.0.0.1 -P"), "\(up.output)")

        let client = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig))
        defer { Task { try? await client.shutdown() } }
        #expect(try await Self.cluster(client).status?.state == .green)
        let endpoint = try await Self.endpoint(client)

        // 2. A bounded writer through the endpoint; one node's mysqld is SIGKILLed.
        try await BoundedWriter.prepareSchema(endpoint, threadPool: threadPool)
        let writer = BoundedWriter(targets: [.init(name: "endpoint", options: endpoint)], maxRows: 50_000,
                                   maxDuration: .seconds(240), pause: .milliseconds(20), threadPool: threadPool)
        writer.start()
        for _ in 0..<100 where writer.acknowledgedCount < 20 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(writer.acknowledgedCount >= 20, "the writer writes through the endpoint")

        // A real Prometheus scrapes every role with the rules users load; the operator's /metrics is lint-clean.
        let operatorMetrics = try await RealPrometheus.fetch("http://127.0.0.1:\(try #require(try PlaygroundSettings.load(layout)).operatorPort)/metrics")
        let lint = try await Promtool.checkMetrics(operatorMetrics)
        #expect(lint.passed, "promtool check metrics on the operator's /metrics: \(lint.output)")
        let prometheus = try await Self.startPrometheus(client, root: root)

        let pidFile = layout.volumeDirectory(namespace: "default", pod: "demo-1", volume: "run") + "/mysqld.pid"
        let victim = try #require(pid_t((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        var sawDegraded = false
        var green = false
        var sawPending = false
        do {
            try await Self.eventually("every target is scraped and nothing alerts", within: .seconds(60)) {
                let targets = try await prometheus.targets()
                let alerts = try await prometheus.alerts()
                return targets.count == 5 && targets.allSatisfy { $0.health == "up" } && alerts.isEmpty
            }
            #expect(kill(victim, SIGKILL) == 0)
            let killedAt = ContinuousClock.now

            // The controller notices and repairs; nobody else acts. The node's alert is pending meanwhile.
            while ContinuousClock.now - killedAt < .seconds(180) {
                let state = try await Self.cluster(client).status?.state
                if state != .green { sawDegraded = true }
                if !sawPending {
                    sawPending = try await prometheus.alerts().contains { $0.name == "QmysqlNodeNotGreen" && $0.state == "pending" && $0.labels["node"] == "demo-1" }
                }
                let restarted = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if sawDegraded, state == .green, let restarted, restarted != victim, ManagedProcess.startTime(of: restarted) != nil {
                    green = true
                    break
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(sawPending, "QmysqlNodeNotGreen was pending for demo-1 while it was down")
            if green {
                try await Self.eventually("the node's alert clears", within: .seconds(60)) {
                    try await prometheus.alerts().filter { $0.labels["node"] == "demo-1" }.isEmpty
                }
                #expect(try await prometheus.query(#"qmysql_controller_cluster_state{state="Green"}"#) == 1)
            }
            // Every query of the Grafana dashboard is one Prometheus accepts, over the metrics scraped.
            for (title, expression) in try Self.dashboardQueries() {
                let status = try await prometheus.queryStatus(expression)
                #expect(status == "success", "the dashboard's \(title): \(expression): \(status)")
            }
        } catch {
            await prometheus.stop()
            throw error
        }
        await prometheus.stop()
        #expect(sawDegraded, "the status showed the lost node")
        try #require(green, "demo is Green again by the controller alone")
        let atGreen = writer.acknowledgedCount
        for _ in 0..<100 where writer.acknowledgedCount < atGreen + 20 { try await Task.sleep(for: .milliseconds(100)) }
        let report = await writer.finish()
        #expect(report.acknowledged.count >= atGreen + 20, "writes go on through the endpoint after the repair: \(report)")
        #expect(try await writer.missing(on: endpoint).isEmpty, "no acknowledged row is lost")

        // 3. Crashed parts. An agent: the runtime restarts it, and `status` shows the restart.
        let agentPIDFile = layout.containerPIDFile(namespace: "default", pod: "demo-2", container: "mysql")
        let agent = try #require(ManagedProcess.adopt(pidFile: agentPIDFile))
        #expect(agent.signal(SIGKILL))
        var restarted: ManagedProcess?
        for _ in 0..<120 {
            try await Task.sleep(for: .milliseconds(250))
            if let next = ManagedProcess.adopt(pidFile: agentPIDFile), next.pid != agent.pid { restarted = next; break }
        }
        #expect(restarted != nil, "the runtime restarts a crashed agent")
        let afterAgent = try await Self.run(["playground", "status", "--dir", root, "-o", "json"], in: root, timeout: .seconds(60))
        let statusReport = try JSONValue.parse(Data(afterAgent.output.utf8))
        let demo2 = statusReport[path: ["status", "pods"]]?.arrayValue?.first { $0["name"] == "demo-2" }
        #expect(demo2?[path: ["containers"]]?.arrayValue?.first?["restarts"]?.intValue ?? 0 >= 1, "\(afterAgent.output)")

        // The new agent stops the mysqld its predecessor left, and the controller rejoins the node.
        try #require(try await Self.waitGreen(client, within: .seconds(180)), "Green again after the agent's crash")

        // The host (API server, runtime): its pods keep running; `status` says so; `up` starts
        // only the host again, which takes the running processes over.
        let host = try #require(ManagedProcess.adopt(pidFile: layout.hostPIDFile))
        let runningBefore = Self.recordedProcesses(layout).filter { $0.pid != host.pid && ManagedProcess.startTime(of: $0.pid) == $0.start }
        #expect(host.signal(SIGKILL))
        _ = await host.wait(timeout: .seconds(10))
        let crashed = try await Self.run(["playground", "status", "--dir", root], in: root, timeout: .seconds(60))
        #expect(crashed.output.contains("not running") && crashed.output.contains("still run"), "\(crashed.output)")
        let recovered = try await Self.run(["playground", "up", "--dir", root], in: root, timeout: .seconds(400))
        try #require(recovered.status == .exited(code: 0), "\(recovered.output)")
        let lost = runningBefore.filter { ManagedProcess.startTime(of: $0.pid) != $0.start }
        #expect(lost.isEmpty, "nothing that ran was restarted: \(lost)")
        #expect(try await writer.missing(on: endpoint).isEmpty)

        // 4. down and up: the same cluster, Green, with every row.
        let down = try await Self.run(["playground", "down", "--dir", root], in: root, timeout: .seconds(300))
        #expect(down.status == .exited(code: 0), "\(down.output)")
        let stillRunning = Self.recordedProcesses(layout).filter { ManagedProcess.startTime(of: $0.pid) == $0.start }
        #expect(stillRunning.isEmpty, "down leaves no process: \(stillRunning)")
        let again = try await Self.run(["playground", "up", "--dir", root], in: root, timeout: .seconds(400))
        try #require(again.status == .exited(code: 0), "\(again.output)")
        #expect(!again.output.contains("created cluster"), "the demo came back, it was not created again")
        #expect(try await Self.cluster(client).status?.state == .green)
        #expect(try await writer.missing(on: endpoint).isEmpty, "every acknowledged row survived down and up")

        // 5. Backup and restore through the CLI, the operator and the cluster's controller: rows
        //    written after the backup are gone after the restore, every row before it is there.
        let backup = try await Self.run(["backup", "demo", "--wait", "--kubeconfig", layout.kubeconfig], in: root, timeout: .seconds(300))
        try #require(backup.status == .exited(code: 0), "\(backup.output)")
        #expect(backup.output.contains("Phase:      Succeeded"), "\(backup.output)")
        let listed = try await Self.run(["backups", "demo", "--kubeconfig", layout.kubeconfig, "-o", "json"], in: root, timeout: .seconds(60))
        let backups = try JSONValue.parse(Data(listed.output.utf8)).arrayValue ?? []
        let backupID = try #require(backups.last?["id"]?.stringValue, "\(listed.output)")
        #expect(backup.output.contains(backupID), "the task names the backup: \(backup.output)")
        #expect(backups.last?["verified"]?.stringValue != nil, "read back after it was written: \(listed.output)")
        let connection = try await MySQLConnection.connect(endpoint, threadPool: threadPool)
        _ = try await connection.execute("CREATE TABLE qmysql_test.after_backup (id INT PRIMARY KEY) ENGINE=InnoDB")
        await connection.close()
        let restore = try await Self.run(["restore", "demo", "--from", backupID, "--yes", "--wait", "--kubeconfig", layout.kubeconfig],
                                         in: root, timeout: .seconds(400))
        try #require(restore.status == .exited(code: 0), "\(restore.output)")
        #expect(restore.output.contains("Succeeded"), "\(restore.output)")
        try #require(try await Self.waitGreen(client, within: .seconds(120)), "Green after the restore")
        #expect(try await writer.missing(on: endpoint).isEmpty, "every row written before the backup is back")
        let afterRestore = try await MySQLConnection.connect(endpoint, threadPool: threadPool)
        let tables = try await afterRestore.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'qmysql_test' AND table_name = 'after_backup'")
        await afterRestore.close()
        #expect(tables.rows.first?.first == "0", "the table created after the backup is gone")

        // A new cluster from that backup (one node: quick), through the operator's rendering
        // (the source cluster's store mounted read-only).
        let clone = try await Self.run(["create", "clone", "--replicas", "1", "--from-backup", backupID, "--from-cluster", "demo", "--wait",
                                        "--kubeconfig", layout.kubeconfig], in: root, timeout: .seconds(400))
        try #require(clone.status == .exited(code: 0), "\(clone.output)")
        let cloned = try await client.get(QiniuMySQL.self, name: "clone", namespace: "default")
        let demoUUID = try await Self.cluster(client).status?.clusterUUID
        #expect(cloned.status?.state == .green && cloned.status?.clusterUUID == demoUUID, "the clone continues the backup's history")

        // 6. down --purge: no process, no listening port, no directory.
        let settings = try #require(try PlaygroundSettings.load(layout))
        let runtimeState = try #require(LocalRuntime.savedState(layout))
        let processes = Self.recordedProcesses(layout)
        #expect(processes.count >= 9, "host, operator, 3 agents, 3 mysqld, controller: \(processes)")
        let purge = try await Self.run(["playground", "down", "--purge", "--dir", root], in: root, timeout: .seconds(300))
        #expect(purge.status == .exited(code: 0), "\(purge.output)")
        #expect(!FileManager.default.fileExists(atPath: root))
        let survivors = processes.filter { ManagedProcess.startTime(of: $0.pid) == $0.start }
        #expect(survivors.isEmpty, "no process is left: \(survivors)")
        var ports = [("127.0.0.1", settings.apiPort), ("127.0.0.1", settings.operatorPort)]
        ports += runtimeState.endpointPorts.values.map { ("127.0.0.1", $0) }
        for address in runtimeState.addresses.values { ports += [3306, 4567, 4568, 4444, 9809, 9810].map { (address, $0) } }
        for (host, port) in ports {
            #expect(PortCheck.problem(host: host, port: port) == nil, "\(host):\(port) is free again")
        }
    }
}
