import AgentAPI
import ClusterCertificates
import Foundation
import Galera
import KubeAPI
import KubeClient
import LocalCluster
import Operator
import MySQLClient
import NIOPosix
import ObjectStorage
import QiniuAPI
import S3TestServers
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

    /// The built executable: `QMYSQL_TEST_EXECUTABLE` when set (scripts/test sets it to the
    /// release build it just made: what users run, and where a crash only the optimiser brought
    /// once hid from debug runs), else next to the test bundle, else in .build/debug.
    static let executable: String = {
        if let chosen = ProcessInfo.processInfo.environment["QMYSQL_TEST_EXECUTABLE"], !chosen.isEmpty {
            return URL(fileURLWithPath: chosen, relativeTo: packageRoot).path
        }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kubectl-qmysql").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/kubectl-qmysql").path
    }()

    struct Run {
        var status: ProcessExit?
        var output: String
    }

    /// Runs the binary with stdout and stderr in one file; killed after `timeout`. With `user`,
    /// as that user (and `binary`, a copy it may read).
    static func run(_ arguments: [String], in directory: String, timeout: Duration,
                    user: ContainerIdentity? = nil, binary: String = executable) async throws -> Run {
        let log = directory + "-command-\(UUID().uuidString.prefix(6)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = nil
        environment["NO_COLOR"] = "1"
        if user != nil { environment["HOME"] = directory }
        let process = try ManagedProcess.spawn(binary, arguments: arguments, environment: environment,
                                               logPath: log, pidFile: log + ".pid", identity: user)
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

    /// demo's endpoint (the playground's TCP forwarder for its Service) as root; `service`:
    /// demo-writer or demo-readers for those.
    static func endpoint(_ client: KubeClient, service name: String = "demo") async throws -> MySQLConnectionOptions {
        let service = try await client.getRaw(Service.resourceType, name: name, namespace: "default")
        let address = try #require(service[path: ["metadata", "annotations", QiniuAnnotations.publishedAddress]]?.stringValue)
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

    /// kubectl itself against the playground: `get` prints kubectl's columns (the API serves the
    /// Table form it asks for), `logs` and `exec` reach the pods (exec over WebSockets, as kubectl
    /// 1.30+ speaks it; stdin, an exit code, a terminal), and so does `kubectl qmysql mysql`.
    static func kubectlWorks(_ layout: PlaygroundLayout) async throws {
        let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(kubectl != nil, "kubectl is installed on these machines")
        func run(_ arguments: [String], stdin: String? = nil) async throws -> Run {
            let log = layout.root + "-kubectl-\(UUID().uuidString.prefix(6)).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            var environment = ProcessInfo.processInfo.environment
            environment["KUBECONFIG"] = layout.kubeconfig
            environment["KUBECTL"] = kubectl
            environment["PATH"] = URL(fileURLWithPath: executable).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
            var command = [kubectl!] + arguments
            if let stdin {
                let input = log + ".in"
                try stdin.write(toFile: input, atomically: true, encoding: .utf8)
                command = ["/bin/sh", "-c", "exec \"$@\" < \(input)", "sh"] + command
            }
            let process = try ManagedProcess.spawn(command[0], arguments: Array(command.dropFirst()), environment: environment,
                                                   logPath: log, pidFile: log + ".pid")
            defer { try? FileManager.default.removeItem(atPath: log + ".pid"); try? FileManager.default.removeItem(atPath: log + ".in") }
            if !(await process.wait(timeout: .seconds(60))) { await process.stop(grace: .seconds(2)) }
            return Run(status: await process.wait(), output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
        let pods = try await run(["get", "pods"])
        let header = pods.output.split(separator: "\n").first.map(String.init) ?? ""
        #expect(["NAME", "READY", "STATUS", "RESTARTS", "AGE"].allSatisfy(header.contains), "\(pods.output)")
        #expect(pods.output.contains("demo-0") && pods.output.contains("1/1") && pods.output.contains("Running"), "\(pods.output)")
        let clusters = try await run(["get", "qiniumysqls"])
        #expect(["STATE", "READY", "PHASE"].allSatisfy(clusters.output.contains) && clusters.output.contains("Green"), "\(clusters.output)")

        let logs = try await run(["logs", "demo-0", "-c", "mysql", "--tail", "2"])
        #expect(logs.status == .exited(code: 0) && logs.output.split(separator: "\n").count == 2 && logs.output.contains("\"level\""),
                "\(logs.output)")

        let exec = try await run(["exec", "demo-0", "-c", "mysql", "--", "id", "-un"])
        #expect(exec.status == .exited(code: 0) && exec.output.contains("mysql"), "exec runs as the container's user: \(exec.output)")
        let failing = try await run(["exec", "demo-0", "-c", "mysql", "--", "sh", "-c", "exit 3"])
        #expect(failing.status == .exited(code: 3), "the command's exit code: \(failing.output)")
        // Without -i the command's stdin is empty: cat ends at once instead of waiting for ever.
        let noInput = try await run(["exec", "demo-0", "-c", "mysql", "--", "cat"])
        #expect(noInput.status == .exited(code: 0), "\(noInput.output)")
        let query = try await run(["qmysql", "mysql", "demo", "--node", "1", "--", "-N"], stdin: "SELECT @@wsrep_node_name;\n")
        #expect(query.status == .exited(code: 0) && query.output.contains("demo-1"), "kubectl qmysql mysql, stdin to the client: \(query.output)")

        // On a terminal: the client's prompt, a query, exit.
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = layout.kubeconfig
        environment["TERM"] = "xterm"
        let terminal = try PseudoTerminal(kubectl!, ["exec", "-it", "demo-2", "-c", "mysql", "--", "mariadb"], environment: environment)
        _ = try await terminal.expect("MariaDB", within: .seconds(30))
        terminal.type("SELECT CONCAT('sum=', 40+2);\r")
        _ = try await terminal.expect("sum=42", within: .seconds(30))
        terminal.type("exit\r")
        #expect(await terminal.exitCode(within: .seconds(30)) == 0)
    }

    /// The real uid a process runs as (/proc/PID/status).
    static func uid(of pid: pid_t) -> Int? {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first.flatMap { Int($0) }
    }

    static func mysqldPID(_ layout: PlaygroundLayout, pod: String) -> pid_t? {
        let file = layout.volumeDirectory(namespace: "default", pod: pod, volume: "run") + "/mysqld.pid"
        return (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Every process still in a container's session (its stand-in for a cgroup), wherever its
    /// first process is.
    static func sessionMembers(_ layout: PlaygroundLayout) -> [ProcessSession.Member] {
        let pods = layout.root + "/pods"
        let files = (FileManager.default.subpaths(atPath: pods) ?? []).filter { $0.hasSuffix(".pid") && !$0.hasSuffix("mysqld.pid") }
        return files.compactMap { ManagedProcess.recorded(pidFile: pods + "/" + $0)?.session }.flatMap { $0.members() }
    }

    /// Runs `scenario` against a playground of its own (in a new directory named after
    /// `prefix`), which is taken down and purged afterwards, even when the scenario failed.
    static func withOwnPlayground(_ prefix: String, _ scenario: (_ root: String, _ threadPool: NIOThreadPool) async throws -> Void) async throws {
        try #require(PlaygroundRequirements.missing().isEmpty, "\(PlaygroundRequirements.explain(PlaygroundRequirements.missing()))")
        let root = NSTemporaryDirectory() + "qmysql-\(prefix)-\(UUID().uuidString.prefix(8))"
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        var failure: (any Error)?
        do {
            try await scenario(root, threadPool)
        } catch {
            failure = error
        }
        let purge = try? await run(["playground", "down", "--purge", "--dir", root], in: root, timeout: .seconds(300))
        #expect(purge?.status == .exited(code: 0), "\(purge?.output ?? "")")
        try? await threadPool.shutdownGracefully()
        if let failure { throw failure }
    }

    static func eventually(_ what: String, within limit: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw RealPrometheus.PrometheusFailure(description: "\(what): not within \(limit)")
    }

    /// The acknowledged rows the cluster lacks, read through the endpoint once it serves. A stall
    /// of the whole machine past Galera's inactive timeout (a CI run: 7 s in which no node heard
    /// from another) leaves every node non-Primary for a second or two until they merge, and a
    /// read in that window fails with 1047, which says nothing about the rows: reads are tried
    /// again, each failure printed, until `limit`; the last failure is thrown.
    static func missingRows(_ writer: BoundedWriter, on endpoint: MySQLConnectionOptions, within limit: Duration = .seconds(90)) async throws -> [Int64] {
        let deadline = ContinuousClock.now + limit
        while true {
            do {
                return try await writer.missing(on: endpoint)
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                print("reading the rows through the endpoint failed; trying again: \(error)")
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    static func cluster(_ client: KubeClient) async throws -> QiniuMySQL {
        try await client.get(QiniuMySQL.self, name: "demo", namespace: "default")
    }

    /// What changes when a pod is restarted or replaced: its uid, its agent and its mysqld.
    static func identity(_ client: KubeClient, _ layout: PlaygroundLayout, pod: String) async throws -> String {
        let object = try await client.getRaw(Pod.resourceType, name: pod, namespace: "default")
        let agent = ManagedProcess.adopt(pidFile: layout.containerPIDFile(namespace: "default", pod: pod, container: "mysql"))
        return "\(object[path: ["metadata", "uid"]]?.stringValue ?? "?") agent \(agent?.pid ?? 0) mysqld \(mysqldPID(layout, pod: pod) ?? 0)"
    }

    /// Green with `ready` nodes, every one of the cluster's database pods Ready (the status alone
    /// may be the last word of a controller that has not spoken since).
    static func waitReady(_ client: KubeClient, nodes ready: Int, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let pods = try await client.listAllRaw(Pod.resourceType, namespace: "default",
                                                   options: ListOptions(labelSelector: "app.kubernetes.io/instance=demo,app.kubernetes.io/component=database"))
            let readyPods = pods.filter { pod in
                pod[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false
            }
            let status = try await cluster(client).status
            if status?.state == .green, status?.ready == "\(ready)/\(ready)", pods.count == ready, readyPods.count == ready { return true }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    /// Green with its three nodes Ready.
    static func waitGreen(_ client: KubeClient, within limit: Duration) async throws -> Bool {
        try await waitReady(client, nodes: 3, within: limit)
    }

    @Test func upWriteKillRecoverDownUpPurge() async throws {
        try #require(PlaygroundRequirements.missing().isEmpty, "\(PlaygroundRequirements.explain(PlaygroundRequirements.missing()))")
        let root = NSTemporaryDirectory() + "qmysql-playground-\(UUID().uuidString.prefix(8))"
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        do {
            try await scenario(root: root, threadPool: threadPool)
        } catch {
            // What the next engineer needs before the purge takes it: the logs' last lines.
            Self.printLogTails(PlaygroundLayout(root: root))
            // A failed test still leaves nothing running.
            _ = try? await Self.run(["playground", "down", "--purge", "--dir", root], in: root, timeout: .seconds(300))
            try? await threadPool.shutdownGracefully()
            throw error
        }
        try? await threadPool.shutdownGracefully()
    }

    /// The last lines of the playground's own logs and of every container's (the controller's say
    /// what it decided), printed when the scenario fails: the purge that follows removes them.
    static func printLogTails(_ layout: PlaygroundLayout, lines: Int = 40) {
        let containers = (FileManager.default.subpaths(atPath: layout.root + "/pods") ?? [])
            .filter { $0.hasSuffix(".log") }.sorted().map { layout.root + "/pods/" + $0 }
        for path in [layout.hostLog, layout.operatorLog] + containers {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            print("--- the last \(lines) lines of \(path)")
            print(text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n"))
        }
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

        // Pods run as their securityContext says, as a kubelet runs them (the test runs as root,
        // as CI does): the agents and mysqld as the MariaDB image's mysql (999), the controller as
        // 65532; the claims are root:fsGroup with mode 2775, as most CSI drivers leave them.
        for pod in ["demo-0", "demo-1", "demo-2"] {
            let agent = try #require(ManagedProcess.adopt(pidFile: layout.containerPIDFile(namespace: "default", pod: pod, container: "mysql")))
            #expect(Self.uid(of: agent.pid) == 999, "\(pod)'s agent runs as uid 999")
            #expect(Self.mysqldPID(layout, pod: pod).flatMap(Self.uid(of:)) == 999, "\(pod)'s mysqld runs as uid 999")
            var claim = stat()
            #expect(stat(layout.claimDirectory(namespace: "default", claim: "data-\(pod)"), &claim) == 0)
            #expect(claim.st_uid == 0 && claim.st_gid == 999 && claim.st_mode & 0o7777 == 0o2775, "the claim of \(pod) is root:999 2775")
        }
        let controllerPod = try #require((try FileManager.default.contentsOfDirectory(atPath: layout.root + "/pods/default")).first { $0.hasPrefix("demo-controller-") })
        let controllerProcess = ManagedProcess.adopt(pidFile: layout.containerPIDFile(namespace: "default", pod: controllerPod, container: "controller"))
        #expect(controllerProcess.flatMap { Self.uid(of: $0.pid) } == 65532, "the controller runs as 65532")
        let shown = try await Self.run(["playground", "status", "--dir", root], in: root, timeout: .seconds(60))
        #expect(shown.output.contains("Pods run:    as their securityContext's users"), "\(shown.output)")

        // Encrypted as every new cluster is: Galera requires TLS between the pods, and a client
        // with `credential -o mycnf` connects over TLS, the server's certificate checked.
        #expect(try await Self.cluster(client).status?.replicationEncryption == .required, "a new cluster requires TLS between its nodes")
        let podConfig = try String(contentsOfFile: layout.volumeDirectory(namespace: "default", pod: "demo-0", volume: "run") + "/my.cnf", encoding: .utf8)
        #expect(podConfig.contains("socket.ssl_cert=") && podConfig.contains("\nssl_cert="), "\(podConfig)")
        let mycnf = try await Self.run(["credential", "demo", "-o", "mycnf", "--ca-file", root + "-ca.crt", "--kubeconfig", layout.kubeconfig],
                                       in: root, timeout: .seconds(60))
        #expect(mycnf.output.contains("ssl-verify-server-cert"), "\(mycnf.output)")
        try mycnf.output.write(toFile: root + "-client.cnf", atomically: true, encoding: .utf8)
        let session = try await Self.run(["--defaults-file=\(root)-client.cnf", "-N", "-e", "SHOW SESSION STATUS LIKE 'Ssl_cipher'"],
                                         in: root, timeout: .seconds(60), binary: "/usr/bin/mariadb")
        let cipher = session.output.split(separator: "\n").first { $0.hasPrefix("Ssl_cipher\t") }?.dropFirst("Ssl_cipher\t".count) ?? ""
        #expect(!cipher.isEmpty, "the client's session is encrypted: \(session.output)")
        for file in [root + "-ca.crt", root + "-client.cnf"] { try? FileManager.default.removeItem(atPath: file) }
        // The cluster formed under the controller it started with: learning the formed UUID is
        // desired state, not a new pod template (it killed every new cluster's controller in the
        // middle of its first step on a real cluster, with a RecoveryStepFailed Warning).
        func controllerPods() async throws -> [String] {
            try await client.listAllRaw(Pod.resourceType, namespace: "default",
                                        options: ListOptions(labelSelector: "app.kubernetes.io/instance=demo,app.kubernetes.io/component=controller"))
                .filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        }
        func controllerRestarts() async throws -> Int? {
            let shown = try await Self.run(["playground", "status", "--dir", root, "-o", "json"], in: root, timeout: .seconds(60))
            let pod = try JSONValue.parse(Data(shown.output.utf8))[path: ["status", "pods"]]?.arrayValue?.first { $0["name"]?.stringValue == controllerPod }
            return pod?[path: ["containers"]]?.arrayValue?.first?["restarts"]?.intValue.map { Int($0) }
        }
        #expect(try await controllerPods() == [controllerPod], "one controller pod since the cluster was created")
        #expect(try await controllerRestarts() == 0, "the controller's container never restarted")
        let demoWarnings = try await client.listAllRaw(Event.resourceType, namespace: "default").filter {
            $0[path: ["involvedObject", "name"]]?.stringValue == "demo" && $0["type"]?.stringValue == "Warning"
        }
        #expect(demoWarnings.isEmpty, "no Warning while a new cluster forms: \(demoWarnings.compactMap { $0["message"]?.stringValue })")
        let formed = try await Self.cluster(client)
        #expect(formed.status?.observedGeneration == formed.metadata.generation, "the controller runs the cluster's generation")
        try await Self.kubectlWorks(layout)

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
                // The node's alert can clear while a donor is still desynced a moment (IST): wait for Green.
                try await Self.eventually("Prometheus sees the cluster Green", within: .seconds(60)) {
                    try await prometheus.query(#"qmysql_controller_cluster_state{state="Green"}"#) == 1
                }
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
        #expect(try await Self.missingRows(writer, on: endpoint).isEmpty, "no acknowledged row is lost")

        // 3. Crashed parts. An agent: the runtime restarts it, and `status` shows the restart. Its
        //    mysqld ends with it, as every process of a container ends with its first (a cgroup).
        let agentPIDFile = layout.containerPIDFile(namespace: "default", pod: "demo-2", container: "mysql")
        let agent = try #require(ManagedProcess.adopt(pidFile: agentPIDFile))
        let orphan = try #require(Self.mysqldPID(layout, pod: "demo-2").flatMap(ManagedProcess.adopt(pid:)))
        #expect(agent.signal(SIGKILL))
        #expect(await orphan.wait(timeout: .seconds(10)), "demo-2's mysqld ended with its container")
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

        // The new agent finds its node stopped, and the controller rejoins it.
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
        #expect(try await Self.missingRows(writer, on: endpoint).isEmpty)

        // 4. down and up: the same cluster, Green, with every row.
        let down = try await Self.run(["playground", "down", "--dir", root], in: root, timeout: .seconds(300))
        #expect(down.status == .exited(code: 0), "\(down.output)")
        let stillRunning = Self.recordedProcesses(layout).filter { ManagedProcess.startTime(of: $0.pid) == $0.start }
        #expect(stillRunning.isEmpty, "down leaves no process: \(stillRunning)")
        #expect(Self.sessionMembers(layout).isEmpty, "down leaves nothing any container started: \(Self.sessionMembers(layout))")
        let again = try await Self.run(["playground", "up", "--dir", root], in: root, timeout: .seconds(400))
        try #require(again.status == .exited(code: 0), "\(again.output)")
        #expect(!again.output.contains("created cluster"), "the demo came back, it was not created again")
        #expect(try await Self.cluster(client).status?.state == .green)
        #expect(try await Self.missingRows(writer, on: endpoint).isEmpty, "every acknowledged row survived down and up")

        // Scaling 3 → 5 → 3. The peers are a file in the cluster's ConfigMap, not the pod
        //    template: the nodes that stay are never restarted (a real cluster rolled all three
        //    after each scale, when the peers were an argument).
        let stayers = ["demo-0", "demo-1", "demo-2"]
        var before: [String] = []
        for pod in stayers { before.append(try await Self.identity(client, layout, pod: pod)) }
        // The controller after `down` and `up` (the playground's own restart): from here on every
        // change reaches this one, running.
        let runningController = try #require(try await controllerPods().first)
        let controllerPIDFile = layout.containerPIDFile(namespace: "default", pod: runningController, container: "controller")
        let controllerPID = try #require(ManagedProcess.adopt(pidFile: controllerPIDFile)).pid
        /// The running controller shows the cluster's current generation.
        func observedByTheRunningController(_ what: String) async throws {
            try await Self.eventually("the controller observed \(what)", within: .seconds(60)) {
                let cluster = try await Self.cluster(client)
                return cluster.status?.observedGeneration == cluster.metadata.generation
            }
            #expect(try await controllerPods() == [runningController], "\(what) replaced no controller pod")
            #expect(ManagedProcess.adopt(pidFile: controllerPIDFile)?.pid == controllerPID, "\(what) restarted no controller")
        }
        for (replicas, label) in [(5, "3 → 5"), (3, "5 → 3")] {
            let scaled = ContinuousClock.now
            _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default", patch: ["spec": ["replicas": .int(Int64(replicas))]])
            try #require(try await Self.waitReady(client, nodes: replicas, within: .seconds(240)), "Green with \(replicas) nodes after scaling \(label)")
            try await observedByTheRunningController("scaling \(label)")
            print("scaling \(label): Green with \(replicas) nodes after \((ContinuousClock.now - scaled).readable)")
            // A roll would begin within seconds of Green: give it the chance to show.
            try await Task.sleep(for: .seconds(8))
            var after: [String] = []
            for pod in stayers { after.append(try await Self.identity(client, layout, pod: pod)) }
            #expect(after == before, "scaling \(label) restarted none of the pods that stay")
        }
        let peersFile = layout.volumeDirectory(namespace: "default", pod: "demo-0", volume: "config") + "/peers"
        try await Self.eventually("demo-0's peers file lists three nodes again", within: .seconds(30)) {
            (try? String(contentsOfFile: peersFile, encoding: .utf8))?.split(separator: "\n").count == 3
        }
        #expect(try await Self.missingRows(writer, on: endpoint).isEmpty)

        // The serving certificate expires (written into the Secret here; in a cluster it is the
        // calendar). The operator renews it from the cluster's CA, the runtime brings the files
        // to the pods as a kubelet does, and every mysqld, Galera, agent and the controller load
        // it without a restart: each node serves the renewed certificate to a client pinning it.
        let secretName = ClusterNames(cluster: "demo").secret
        let stored = try #require(ClusterSecrets(secret: try await client.get(Secret.self, name: secretName, namespace: "default"), expectsRootPassword: true))
        let expired = try stored.tls.renewingLeaf(cluster: "demo", namespace: "default", now: Date().addingTimeInterval(-2 * ClusterTLS.leafValidity))
        _ = try await client.mergePatchRaw(Secret.resourceType, name: secretName, namespace: "default", patch: [
            "data": .object(ClusterSecrets.certificateData(expired).mapValues { .string($0.base64EncodedString()) })])
        let expiredAt = ContinuousClock.now
        var renewedPEM = ""
        try await Self.eventually("the operator renews the expired certificate", within: .seconds(60)) {
            let now = try #require(ClusterSecrets(secret: try await client.get(Secret.self, name: secretName, namespace: "default"), expectsRootPassword: true))
            renewedPEM = now.tls.certificatePEM
            return (now.tls.leafNotAfter ?? .distantPast) > Date().addingTimeInterval(300 * 86400)
        }
        var pinned = endpoint
        pinned.pinnedCertificateSHA1 = ClusterTLS.sha1Fingerprint(ofCertificatePEM: renewedPEM)
        for pod in stayers {
            let address = try #require(try await client.getRaw(Pod.resourceType, name: pod, namespace: "default")[path: ["status", "podIP"]]?.stringValue)
            pinned.endpoint = .tcp(host: address, port: 3306)
            try await Self.eventually("\(pod)'s mysqld serves the renewed certificate", within: .seconds(90)) {
                try await MySQLConnection.connect(pinned, threadPool: threadPool).close()
                return true
            }
        }
        print("certificate renewal: every node serves the renewed certificate \((ContinuousClock.now - expiredAt).readable) after it expired")
        try #require(try await Self.waitGreen(client, within: .seconds(60)), "Green with the renewed certificate")
        var afterRenewal: [String] = []
        for pod in stayers { afterRenewal.append(try await Self.identity(client, layout, pod: pod)) }
        #expect(afterRenewal == before, "the renewal restarted no node")
        #expect(try await controllerPods() == [runningController], "the renewal replaced no controller pod")
        #expect(ManagedProcess.adopt(pidFile: controllerPIDFile)?.pid == controllerPID, "the renewal restarted no controller")
        let agentLog = (try? String(contentsOfFile: layout.containerLog(namespace: "default", pod: "demo-0", container: "mysql"), encoding: .utf8)) ?? ""
        #expect(agentLog.contains("mysqld and Galera loaded the renewed certificate files"), "\(agentLog.suffix(2000))")
        let renewals = try await client.listAllRaw(Event.resourceType, namespace: "default").filter { $0["reason"]?.stringValue == "CertificateRenewed" }
        #expect(!renewals.isEmpty, "the renewal is an Event")
        #expect(try await Self.missingRows(writer, on: endpoint).isEmpty)

        // Every node stalls past Galera's inactive timeout (6 s), as when a machine or VM is
        // paused: each wakes non-Primary, alone, and Galera merges them a second later. The
        // controller waits for that (WaitingForMerge) and asks nobody: a CI run's stall made it
        // page at once (AllNonPrimary) for what healed by itself.
        func nonPrimaryViews() -> [Int] {
            stayers.map { pod in
                let log = (try? String(contentsOfFile: layout.claimDirectory(namespace: "default", claim: "data-\(pod)") + "/mysqld.err", encoding: .utf8)) ?? ""
                return log.components(separatedBy: "New COMPONENT: primary = no").count - 1
            }
        }
        let nonPrimaryBefore = nonPrimaryViews()
        let controllerLog = layout.containerLog(namespace: "default", pod: runningController, container: "controller")
        let controllerLogBefore = (try? String(contentsOfFile: controllerLog, encoding: .utf8))?.utf8.count ?? 0
        let stalled = stayers.compactMap { Self.mysqldPID(layout, pod: $0) }
        try #require(stalled.count == 3)
        for pid in stalled { kill(pid, SIGSTOP) }
        try await Task.sleep(for: .seconds(8))
        for pid in stalled { kill(pid, SIGCONT) }
        // Galera's own word that the stall did what it does: every node had a non-Primary view.
        try await Self.eventually("every node logged a non-Primary view after the stall", within: .seconds(20)) {
            zip(nonPrimaryViews(), nonPrimaryBefore).allSatisfy { $0 > $1 }
        }
        try #require(try await Self.waitGreen(client, within: .seconds(60)), "Green again after every node stalled")
        let askedAfterStall = try await client.listAllRaw(Event.resourceType, namespace: "default").filter {
            $0[path: ["involvedObject", "name"]]?.stringValue == "demo" && $0["reason"]?.stringValue == "AllNonPrimary"
        }
        #expect(askedAfterStall.isEmpty, "a stall that heals by itself asks no person: \(askedAfterStall.compactMap { $0["message"]?.stringValue })")
        // The controller's own words (Events come through a status stream that keeps only the newest):
        // it saw every node non-Primary and waited, and asked nobody.
        let saidAfterStall = String(decoding: ((try? Data(contentsOf: URL(fileURLWithPath: controllerLog))) ?? Data()).dropFirst(controllerLogBefore), as: UTF8.self)
        #expect(saidAfterStall.split(separator: "\n").contains { $0.contains("\"message\":\"waiting\"") && $0.contains("none is in a Primary component") },
                "the controller waited for the merge: \(saidAfterStall.suffix(2000))")
        #expect(!saidAfterStall.contains("manual intervention required"), "\(saidAfterStall.suffix(2000))")
        var afterStall: [String] = []
        for pod in stayers { afterStall.append(try await Self.identity(client, layout, pod: pod)) }
        #expect(afterStall == before, "no node was restarted or bootstrapped after the stall")

        // Every other setting reaches the running controller too: pause and unpause, automatic
        // recovery off and on, a backup schedule, a retention.
        _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default", patch: ["spec": ["paused": true]])
        try await Self.eventually("demo is paused with every node stopped", within: .seconds(180)) {
            let status = try await Self.cluster(client).status
            return status?.phase == .paused && status?.ready == "0/3"
        }
        try await observedByTheRunningController("the pause")
        _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default", patch: ["spec": ["paused": false]])
        try #require(try await Self.waitReady(client, nodes: 3, within: .seconds(240)), "Green again after the pause")
        try await observedByTheRunningController("the unpause")
        let settingChanges: [(String, JSONValue)] = [
            ("automatic recovery off", ["autoRecovery": false]),
            ("automatic recovery on", ["autoRecovery": true]),
            ("a backup schedule", ["backup": ["enable": true, "backupTime": "03:17", "timeZone": "Asia/Shanghai"]]),
            ("a retention of 3 days", ["backup": ["reservedDays": 3]]),
        ]
        for (what, spec) in settingChanges {
            _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default", patch: ["spec": spec])
            try await observedByTheRunningController(what)
        }
        try #require(try await Self.waitGreen(client, within: .seconds(60)))

        // 5. The backups move to an S3 bucket (moto on loopback, a real REST implementation):
        //    the controller is replaced once, with the store's Secret mounted in its pod only.
        let moto = try await MotoServer(address: "127.0.46.6", port: 7482)
        defer { moto.terminate() }
        let bucket = try S3Client(location: S3Location(endpoint: moto.endpoint, bucket: "qmysql-playground"),
                                  credentials: .init(accessKey: "playground", secretKey: Self.s3SecretKey))
        try await bucket.createBucket()
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: "other")))
        for namespace in ["default", "other"] {
            _ = try await client.create(Secret(metadata: ObjectMeta(name: "s3-keys", namespace: namespace), stringData: [
                S3StoreSpec.accessKeyIDKey: "playground", S3StoreSpec.secretAccessKeyKey: Self.s3SecretKey,
            ]))
        }
        let s3Flags = ["--s3-endpoint", moto.endpoint, "--s3-bucket", "qmysql-playground", "--s3-credentials-secret", "s3-keys"]
        _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default", patch: ["spec": ["backup": [
            "s3": ["endpoint": .string(moto.endpoint), "bucket": "qmysql-playground", "credentialsSecret": "s3-keys"],
            // And point-in-time recovery: the binary log archived into the same bucket.
            "pitr": ["enable": true, "segmentSeconds": 1],
        ]]])
        try await Self.eventually("a controller with the S3 store is ready, and demo is Green", within: .seconds(180)) {
            let pods = try await controllerPods()
            guard pods.count == 1, pods != [runningController] else { return false }
            let pod = try await client.getRaw(Pod.resourceType, name: pods[0], namespace: "default")
            let ready = pod[path: ["status", "conditions"]]?.arrayValue?.contains {
                $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
            } == true
            let cluster = try await Self.cluster(client)
            return ready && cluster.status?.observedGeneration == cluster.metadata.generation && cluster.status?.state == .green
        }
        let storePod = try #require(try await controllerPods().first)
        let podSpec = try await client.getRaw(Pod.resourceType, name: storePod, namespace: "default")
        let arguments = podSpec[path: ["spec", "containers"]]?.arrayValue?.first?["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(arguments.contains { $0.hasPrefix("endpoint=\(moto.endpoint),bucket=qmysql-playground,prefix=default/") }, "\(arguments)")
        #expect(!arguments.contains("--backup-dir"), "the claim keeps only the controller's state now: \(arguments)")

        // Backup and a point-in-time restore through the CLI, the operator and the cluster's
        // controller: a table created after the backup but before the point is there after the
        // restore, one created after the point is gone, every row before the backup is there.
        let backup = try await Self.run(["backup", "demo", "--wait", "--kubeconfig", layout.kubeconfig], in: root, timeout: .seconds(300))
        try #require(backup.status == .exited(code: 0), "\(backup.output)")
        #expect(backup.output.contains("Phase:      Succeeded"), "\(backup.output)")
        let listed = try await Self.run(["backups", "demo", "--kubeconfig", layout.kubeconfig, "-o", "json"], in: root, timeout: .seconds(60))
        let backups = try JSONValue.parse(Data(listed.output.utf8)).arrayValue ?? []
        let backupID = try #require(backups.last?["id"]?.stringValue, "\(listed.output)")
        #expect(backup.output.contains(backupID), "the task names the backup: \(backup.output)")
        #expect(backups.last?["verified"]?.stringValue != nil, "read back after it was written: \(listed.output)")
        let inBucket = try await bucket.listObjects(prefix: "default/demo/\(backupID)/").map(\.key)
        #expect(inBucket == ["default/demo/\(backupID)/backup.json", "default/demo/\(backupID)/data.xb.zst"], "the backup is in the bucket: \(inBucket)")
        #expect(backups.last?["gtid"]?.stringValue?.hasPrefix("1-1-") == true, "taken with the archive on: \(listed.output)")
        let connection = try await MySQLConnection.connect(endpoint, threadPool: threadPool)
        _ = try await connection.execute("CREATE TABLE qmysql_test.after_backup (id INT PRIMARY KEY) ENGINE=InnoDB")
        let point = Int(Date().timeIntervalSince1970) + 1
        try await Task.sleep(for: .seconds(Double(point + 1) - Date().timeIntervalSince1970 + 0.2))
        _ = try await connection.execute("CREATE TABLE qmysql_test.after_point (id INT PRIMARY KEY) ENGINE=InnoDB")
        await connection.close()
        let pointText = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(point)))
        try await Self.eventually("the archive reaches the point, and backups shows the window", within: .seconds(60)) {
            let shown = try await Self.run(["backups", "demo", "--kubeconfig", layout.kubeconfig], in: root, timeout: .seconds(60))
            return shown.output.contains("Point-in-time recovery: any time from") && shown.output.contains("to now (the archive is within 10s of now)")
        }
        let status = try await Self.run(["status", "demo", "--kubeconfig", layout.kubeconfig], in: root, timeout: .seconds(60))
        #expect(status.output.contains("Binary log:   archived to within 10s of now"), "\(status.output)")
        // Through the wizard on a pseudo-terminal: the window under the backups, the point typed
        // at the backup prompt, the newest backup before it chosen, the replay in the plan.
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = nil
        let wizard = try PseudoTerminal(Self.executable, ["restore", "demo", "--interactive", "--skip-safety-backup", "--kubeconfig", layout.kubeconfig],
                                        environment: environment)
        try await wizard.expect("Point-in-time recovery: any time from", within: .seconds(60))
        try await wizard.expect("Backup to restore, or a time (RFC 3339) or GTID to restore to [", within: .seconds(10))
        wizard.type("\(pointText)\r")
        try await wizard.expect("Restore to time \(pointText): backup \(backupID), then the archived binary log after it.", within: .seconds(10))
        try await wizard.expect("Bootstrap node [", within: .seconds(10))
        wizard.type("\r")
        try await wizard.expect("replay the archived binary log to time \(pointText)", within: .seconds(10))
        try await wizard.expect("Create the restore task? [y/N] ", within: .seconds(10))
        wizard.type("y\r")
        var offset = 0
        for step in 1...5 {
            offset = try await wizard.expect("Run step \(step) (\(RestoreSteps.name(step)))? [y/N] ", after: offset, within: .seconds(300))
            wizard.type("y\r")
        }
        try await wizard.expect("Restore finished: demo is Green.", after: offset, within: .seconds(400))
        #expect(await wizard.exitCode(within: .seconds(30)) == 0, "\(wizard.screen)")
        let pointRestore = try #require(try await client.listAll(QiniuMySQLData.self, namespace: "default")
            .filter { $0.spec.action == .restore }.max { ($0.metadata.creationTimestamp ?? "") < ($1.metadata.creationTimestamp ?? "") })
        #expect(pointRestore.spec.restoreTo == RestoreTarget(time: pointText) && pointRestore.status?.phase == .succeeded,
                "\(pointRestore.spec) \(String(describing: pointRestore.status))")
        try #require(try await Self.waitGreen(client, within: .seconds(120)), "Green after the restore")
        #expect(try await Self.missingRows(writer, on: endpoint).isEmpty, "every row written before the backup is back")
        let afterRestore = try await MySQLConnection.connect(endpoint, threadPool: threadPool)
        let tables = try await afterRestore.query(
            "SELECT GROUP_CONCAT(table_name ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'qmysql_test' AND table_name LIKE 'after_%'")
        await afterRestore.close()
        #expect(tables.rows.first?.first == "after_backup", "the table created before the point is there, the one after it is gone")

        // A new cluster from that backup in another namespace, given only the bucket and the
        // backup's id (`--from-namespace`: the source's prefix), as a clone into another
        // Kubernetes cluster would be. clone-2's pod starts 20 s late, as an image pull or a
        // volume attach makes it on a real node: the restore waits for its agent instead of
        // failing at step 2 (it did, 1.4 s early, on a real cluster) and asking a person.
        let manifest = root + "-clone.yaml"
        try """
            apiVersion: mysql.qiniu.com/v1alpha1
            kind: QiniuMySQL
            metadata:
              name: clone
              namespace: other
            spec:
              replicas: 3
              storage: {size: 1Gi}
              podAnnotations: {"\(PodPlan.startDelayAnnotation)": "clone-2=20s"}
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: manifest) }
        // Its controller's pod is deleted while step 5 joins the others (a node drained, an
        // eviction): the next pod reads the restore's progress from the store's volume and
        // finishes it; the restore is not failed, and not begun again.
        async let creating = Self.run(["create", "-f", manifest, "-n", "other", "--from-backup", backupID, "--from-cluster", "demo",
                                       "--from-namespace", "default", "--wait", "--kubeconfig", layout.kubeconfig] + s3Flags,
                                      in: root, timeout: .seconds(400))
        var deletedController: String?
        do {
            try await Self.eventually("the clone's step 5 runs (2 of 3 nodes ready while restoring)", within: .seconds(300)) {
                let status = try? await client.get(QiniuMySQL.self, name: "clone", namespace: "other").status
                return status?.phase == .restoring && status?.ready == "2/3"
            }
            let pods = try await client.listAllRaw(Pod.resourceType, namespace: "other",
                                                   options: ListOptions(labelSelector: "app.kubernetes.io/instance=clone,app.kubernetes.io/component=controller"))
            deletedController = pods.compactMap { $0[path: ["metadata", "name"]]?.stringValue }.first
            if let deletedController {
                try await client.deleteRaw(Pod.resourceType, name: deletedController, namespace: "other")
            }
        } catch {
            Issue.record("could not stop the clone's controller during step 5: \(error)")
        }
        let clone = try await creating
        try #require(clone.status == .exited(code: 0), "\(clone.output)")
        #expect(deletedController != nil, "the clone's controller was deleted during its restore")
        let cloned = try await client.get(QiniuMySQL.self, name: "clone", namespace: "other")
        let demoUUID = try await Self.cluster(client).status?.clusterUUID
        #expect(cloned.status?.state == .green && cloned.status?.clusterUUID == demoUUID, "the clone continues the backup's history")
        #expect(cloned.status?.conditions?.first { $0.type == "ManualInterventionRequired" }?.status != "True")
        let cloneEvents = try await client.listAllRaw(Event.resourceType, namespace: "other").filter {
            $0[path: ["involvedObject", "name"]]?.stringValue == "clone"
        }
        let messages = cloneEvents.compactMap { $0["message"]?.stringValue }
        #expect(!messages.contains { $0.contains("step 2 (PauseNodes)") || $0.contains("step 0 (VerifyBackup)") },
                "the restore waited for the late agent instead of failing: \(messages)")
        #expect(cloneEvents.contains { $0["reason"]?.stringValue == "ClusterRestoring" && $0["type"]?.stringValue == "Normal" },
                "a clone being seeded is not an outage: \(messages)")
        // Forming the clone learnt its UUID at step 4 while step 5 still ran: that is desired
        // state now, so nothing cut the restore (it left a RestoreFromBackupFailed Event behind).
        #expect(!cloneEvents.contains { ["RestoreFromBackupFailed", "RestoreStopped", "RecoveryStepFailed"].contains($0["reason"]?.stringValue ?? "") },
                "the restore went on in the next controller: \(messages)")

        #expect(cloned.spec.backup?.s3?.effectivePrefix(namespace: "other") == "other/", "the clone keeps its own backups under its namespace")
        // The store's secret key is in its Secret and the controllers' mounted files only: in
        // no log line, Event, status or `-o yaml`.
        let yaml = try await Self.run(["get", "demo", "-o", "yaml", "--kubeconfig", layout.kubeconfig], in: root, timeout: .seconds(60))
        #expect(yaml.status == .exited(code: 0) && yaml.output.contains("qmysql-playground") && !yaml.output.contains(Self.s3SecretKey), "\(yaml.output)")
        let allEvents = try await client.listAllRaw(Event.resourceType, namespace: "default") + cloneEvents
        #expect(!allEvents.contains { String(decoding: (try? $0.jsonData()) ?? Data(), as: UTF8.self).contains(Self.s3SecretKey) })
        let logs = (FileManager.default.subpaths(atPath: layout.root) ?? []).filter { $0.hasSuffix(".log") }
        #expect(logs.count >= 8, "\(logs)")
        let leaking = logs.filter { (try? String(contentsOfFile: layout.root + "/" + $0, encoding: .utf8))?.contains(Self.s3SecretKey) == true }
        #expect(leaking.isEmpty, "the secret key is in \(leaking)")

        // 6. down --purge: no process, no listening port, no directory.
        let settings = try #require(try PlaygroundSettings.load(layout))
        let runtimeState = try #require(LocalRuntime.savedState(layout))
        let processes = Self.recordedProcesses(layout)
        #expect(processes.count >= 9, "host, operator, 3 agents, 3 mysqld, controller: \(processes)")
        let podsDirectory = layout.root + "/pods"
        let sessions = (FileManager.default.subpaths(atPath: podsDirectory) ?? []).filter { $0.hasSuffix(".pid") && !$0.hasSuffix("mysqld.pid") }
            .compactMap { ManagedProcess.recorded(pidFile: podsDirectory + "/" + $0)?.session }
        #expect(Self.sessionMembers(layout).count >= 8, "every container's processes are in its session: \(Self.sessionMembers(layout))")
        let purge = try await Self.run(["playground", "down", "--purge", "--dir", root], in: root, timeout: .seconds(300))
        #expect(purge.status == .exited(code: 0), "\(purge.output)")
        #expect(!FileManager.default.fileExists(atPath: root))
        let survivors = processes.filter { ManagedProcess.startTime(of: $0.pid) == $0.start }
        #expect(survivors.isEmpty, "no process is left: \(survivors)")
        #expect(sessions.allSatisfy { $0.members().isEmpty }, "nothing any container started is left: \(sessions.flatMap { $0.members() })")
        var ports = [("127.0.0.1", settings.apiPort), ("127.0.0.1", settings.operatorPort)]
        ports += runtimeState.endpointPorts.values.map { ("127.0.0.1", $0) }
        for address in runtimeState.addresses.values { ports += [3306, 4567, 4568, 4444, 9809, 9810].map { (address, $0) } }
        for (host, port) in ports {
            #expect(PortCheck.problem(host: host, port: port) == nil, "\(host):\(port) is free again")
        }
    }

    /// The S3 store's secret key in the end-to-end test: looked for where it must never be.
    static let s3SecretKey = "qmysql-e2e-secret-key-5f0c2a"

    /// A playground started by someone other than root cannot change uids: its pods run as that
    /// user, `playground status` says so, and clusters still form (issue 21 keeps it working).
    @Test func anUnprivilegedUsersPlaygroundRunsItsPodsAsThatUser() async throws {
        try #require(PlaygroundRequirements.missing().isEmpty, "\(PlaygroundRequirements.explain(PlaygroundRequirements.missing()))")
        try #require(geteuid() == 0, "the tests run as root, as CI does: only root can start a process as another user")
        let nobody = ContainerIdentity(uid: 65534, gid: 65534, groups: [])
        let base = NSTemporaryDirectory() + "qmysql-unprivileged-\(UUID().uuidString.prefix(8))"
        let root = base + "/playground"
        // The user's own directory, and a copy of the executable it may read (a build can sit
        // under a directory only root enters).
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        #expect(chown(base, uid_t(nobody.uid), gid_t(nobody.gid)) == 0)
        let binary = base + "/kubectl-qmysql"
        if link(Self.executable, binary) != 0 { try FileManager.default.copyItem(atPath: Self.executable, toPath: binary) }
        defer { try? FileManager.default.removeItem(atPath: base) }
        let up = try await Self.run(["playground", "up", "--dir", root], in: base, timeout: .seconds(400), user: nobody, binary: binary)
        do {
            try #require(up.status == .exited(code: 0), "\(up.output)")
            #expect(up.output.contains("demo is Green"), "\(up.output)")
            let layout = PlaygroundLayout(root: root)
            for pod in ["demo-0", "demo-1", "demo-2"] {
                let agent = try #require(ManagedProcess.adopt(pidFile: layout.containerPIDFile(namespace: "default", pod: pod, container: "mysql")))
                #expect(Self.uid(of: agent.pid) == nobody.uid, "\(pod)'s agent runs as the invoking user")
                #expect(Self.mysqldPID(layout, pod: pod).flatMap(Self.uid(of:)) == nobody.uid)
            }
            let status = try await Self.run(["playground", "status", "--dir", root], in: base, timeout: .seconds(60), user: nobody, binary: binary)
            #expect(status.output.contains("as the invoking user (uid 65534)"), "\(status.output)")
            // Not root: no kernel NAT table; the playground's own proxy takes the endpoints.
            #expect(status.output.contains("Endpoints:   balanced by the playground's own proxy: not root"), "\(status.output)")
        } catch {
            _ = try? await Self.run(["playground", "down", "--purge", "--dir", root], in: base, timeout: .seconds(300), user: nobody, binary: binary)
            throw error
        }
        let down = try await Self.run(["playground", "down", "--purge", "--dir", root], in: base, timeout: .seconds(300), user: nobody, binary: binary)
        #expect(down.status == .exited(code: 0), "\(down.output)")
        #expect(!FileManager.default.fileExists(atPath: root))
    }
}
