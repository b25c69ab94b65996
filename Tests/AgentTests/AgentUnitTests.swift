import AgentAPI
import Foundation
import Processes
import Galera
import MySQLClient
import NIOPosix
import Synchronization
import Testing
@testable import Agent
import RoleNetwork

@Suite("agent parts")
struct AgentUnitTests {
    /// The peers come from the cluster's ConfigMap (a file), read at every mysqld start: a scale
    /// changes the file, the next start uses it, and no pod template changed (issue 21).
    @Test("the peers file is read at every start, the command line's peers the fallback")
    func peersFile() throws {
        let directory = NSTemporaryDirectory() + "qmysql-peers-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = AgentOptions(nodeName: "demo-1", clusterName: "demo", dataDirectory: directory + "/data", address: "127.0.0.3", peers: [])
        options.peersFile = directory + "/peers"
        options.runDirectory = directory + "/run"
        #expect(options.problems.isEmpty, "a peers file stands for --peers: \(options.problems)")
        let configuration = try AgentConfiguration(options: options, token: "t", monitorPassword: nil)
        let files = NodeFiles(configuration: configuration)
        try files.prepareDirectories()

        try "# written by the operator\ndemo-0.demo-peers\ndemo-1.demo-peers\ndemo-2.demo-peers\n".write(toFile: options.peersFile!, atomically: true, encoding: .utf8)
        try files.writeMyCnf()
        var myCnf = try String(contentsOfFile: configuration.myCnfPath, encoding: .utf8)
        #expect(myCnf.contains("wsrep_cluster_address=gcomm://demo-0.demo-peers:4567,demo-1.demo-peers:4567,demo-2.demo-peers:4567\n"), "\(myCnf)")

        // Scaled to five: the next start lists five, without a new pod.
        try (0..<5).map { "demo-\($0).demo-peers" }.joined(separator: "\n").write(toFile: options.peersFile!, atomically: true, encoding: .utf8)
        try files.writeMyCnf()
        myCnf = try String(contentsOfFile: configuration.myCnfPath, encoding: .utf8)
        #expect(myCnf.contains("demo-4.demo-peers:4567\n"), "\(myCnf)")

        // No file and no --peers: a start says why it cannot go on.
        try FileManager.default.removeItem(atPath: options.peersFile!)
        #expect(throws: NodeFiles.PeersUnavailable.self) { try files.writeMyCnf() }
        // With --peers as well, they are the fallback.
        options.peers = ["127.0.0.2", "127.0.0.3"]
        let fallback = NodeFiles(configuration: try AgentConfiguration(options: options, token: "t", monitorPassword: nil))
        try fallback.writeMyCnf()
        #expect(try String(contentsOfFile: configuration.myCnfPath, encoding: .utf8).contains("gcomm://127.0.0.2:4567,127.0.0.3:4567\n"))
    }

    /// The membership marker tells a datadir that lost its data from one that never had any
    /// (issue 22). One copied from another node (an rsync SST, a restored backup) is not ours.
    @Test("the membership marker counts only for its own node; the re-seed approval is a file")
    func memberMarker() throws {
        let directory = NSTemporaryDirectory() + "qmysql-member-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func files(_ node: String) throws -> NodeFiles {
            var options = AgentOptions(nodeName: node, clusterName: "demo", dataDirectory: directory + "/data", address: "127.0.0.3", peers: ["127.0.0.2"])
            options.runDirectory = directory + "/run"
            return NodeFiles(configuration: try AgentConfiguration(options: options, token: "t", monitorPassword: nil))
        }
        let mine = try files("demo-1")
        try mine.prepareDirectories()
        #expect(mine.memberOf() == nil, "a new datadir was never a member")
        try mine.recordMember(of: "D2D801E7-E5A6-11F1-9AFC-6B810CCBD5F1")
        #expect(mine.memberOf() == "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1")
        #expect(try files("demo-2").memberOf() == nil, "the same file read by another node is a copy")
        try "garbage".write(toFile: mine.memberMarkerPath, atomically: true, encoding: .utf8)
        #expect(mine.memberOf() == nil, "an unreadable marker claims nothing")

        #expect(!mine.reseedApproved)
        FileManager.default.createFile(atPath: mine.reseedApprovalPath, contents: nil)
        #expect(mine.reseedApproved)
    }

    @Test("the bearer token is checked exactly")
    func bearerToken() {
        let token = BearerToken("s3cret-token-0123456789")
        #expect(token.accepts(authorizationHeader: "Bearer s3cret-token-0123456789"))
        for header in [nil, "", "Bearer", "Bearer ", "bearer s3cret-token-0123456789", "Basic s3cret-token-0123456789",
                       "Bearer s3cret-token-012345678", "Bearer s3cret-token-01234567890", "Bearer S3cret-token-0123456789"] {
            #expect(!token.accepts(authorizationHeader: header), "\(header ?? "nil")")
        }
        #expect(!BearerToken("").accepts(authorizationHeader: "Bearer "), "an empty token never authorises")
    }

    @Test("reports wait in a bounded latest-wins buffer: the oldest are dropped")
    func reportBuffer() {
        let reporter = ControllerReporter(url: "http://127.0.0.1:1/reports/x", token: "t", logger: .init(label: "test"))
        for launches in 0..<10 {
            reporter.submit(Self.status(launches: launches))
        }
        #expect(reporter.dropped == 10 - ControllerReporter.bufferCapacity)
    }

    @Test("reports reach the controller, newest last")
    func reportDelivery() async throws {
        let receiver = try await ReportReceiver.start()
        let reporter = ControllerReporter(url: receiver.urlPrefix + "/n1", token: "t", logger: .init(label: "test"))
        let since = ContinuousClock.now
        let task = Task { await reporter.run() }
        reporter.submit(Self.status(launches: 1))
        reporter.submit(Self.status(launches: 2))
        let received = try await eventually(timeout: .seconds(5)) {
            let reports = receiver.reports(from: "n1", since: since)
            return reports.count == 2 ? reports : nil
        }
        #expect(received.map(\.status.process.launches) == [1, 2])
        task.cancel()
        await task.value
        await receiver.stop()
    }

    @Test("a controller that is away costs nothing but dropped reports")
    func reportToNowhere() async throws {
        let reporter = ControllerReporter(url: "http://127.0.0.1:1/reports/x", token: "t", logger: .init(label: "test"))
        let task = Task { await reporter.run() }
        for launches in 0..<50 { reporter.submit(Self.status(launches: launches)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await task.value
        #expect(reporter.dropped > 0)
        #expect(reporter.dropped <= 50)
    }

    @Test("the status JSON round-trips, with exits as {code} or {signal}")
    func statusJSON() throws {
        var status = Self.status(launches: 3)
        status.lastExit = .init(exit: .signaled(signal: 9), clean: false, description: "killed by signal 9 (SIGKILL)", at: Date(timeIntervalSince1970: 1_800_000_000.25))
        let data = try AgentJSON.encoder().encode(status)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""exit":{"signal":9}"#))
        #expect(text.contains(#""state":"Red-unclean""#))
        #expect(text.contains("2027-01-15T08:00:00.250Z"))
        #expect(try AgentJSON.decoder().decode(AgentStatus.self, from: data) == status)
        #expect(try AgentJSON.decoder().decode(ProcessExit.self, from: Data(#"{"code":0}"#.utf8)) == .exited(code: 0))
    }

    static let monitoring = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("monitoring").path

    @Test("metrics show the node state, wsrep values and the certificate's expiry")
    func metrics() throws {
        var status = Self.status(launches: 2)
        status.state = .green
        status.process.running = true
        status.wsrep = WsrepStatus(clusterStatus: .primary, localState: 4, localStateComment: "Synced", ready: true, connected: true, clusterSize: 3, clusterStateUUID: "u", localStateUUID: "u", lastCommitted: 77, raw: ["wsrep_local_recv_queue": "5"])
        status.disk = .init(path: "/d", freeBytes: 4096, totalBytes: 8192)
        status.diskFullError = .init(line: "Disk full (./t.MAI)", at: Date())
        let text = AgentMetrics(node: "n1").render(status, reportsDroppedTotal: 4, certificateExpiry: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(text.contains(#"qmysql_agent_certificate_expiry_timestamp_seconds{node="n1"} 1800000000"#), "\(text)")
        #expect(AgentMetrics(node: "n1").render(status, reportsDroppedTotal: 0).contains(#"qmysql_agent_certificate_expiry_timestamp_seconds{node="n1"} 0"#),
                "no certificate loaded: 0, which the alert skips")
        // Every agent metric the alert rules read is exported under that very name.
        let rules = try String(contentsOfFile: Self.monitoring + "/qmysql-alerts.yaml", encoding: .utf8)
        let read = Set(rules.matches(of: try Regex("qmysql_agent_[a-z_]+")).map { String(rules[$0.range]) })
        #expect(!read.isEmpty)
        for name in read { #expect(text.contains("# TYPE \(name) "), "the rules read \(name); the agent does not export it") }
        #expect(text.contains(#"qmysql_agent_datadir_free_bytes{node="n1"} 4096"#))
        #expect(text.contains(#"qmysql_agent_datadir_size_bytes{node="n1"} 8192"#))
        #expect(text.contains(#"qmysql_agent_mysqld_disk_full{node="n1"} 1"#))
        #expect(text.contains(#"qmysql_agent_node_state{node="n1",state="Green"} 1"#))
        #expect(text.contains(#"qmysql_agent_node_state{node="n1",state="Red-clean"} 0"#))
        #expect(text.contains(#"qmysql_agent_mysqld_up{node="n1"} 1"#))
        #expect(text.contains(#"qmysql_agent_mysqld_starts_total{node="n1"} 2"#))
        #expect(text.contains(#"qmysql_agent_reports_dropped_total{node="n1"} 4"#))
        #expect(text.contains(#"qmysql_wsrep_cluster_size{node="n1"} 3"#))
        #expect(text.contains(#"qmysql_wsrep_last_committed{node="n1"} 77"#))
        #expect(text.contains(#"qmysql_wsrep_local_recv_queue{node="n1"} 5"#))
        #expect(text.contains(#"qmysql_agent_sst_in_progress{node="n1"} 0"#))
        #expect(text.contains(#"qmysql_agent_ist_in_progress{node="n1"} 0"#))
    }

    @Test("metrics show a state transfer in progress by its method")
    func transferMetrics() {
        let metrics = AgentMetrics(node: "n1")
        var status = Self.status(launches: 1)
        status.process.running = true
        for (method, sst, ist) in [("SST", 1, 0), ("IST", 0, 1), (nil, 0, 0)] as [(String?, Int, Int)] {
            status.stateTransferInProgress = .init(method: method, since: Date())
            let text = metrics.render(status, reportsDroppedTotal: 0)
            #expect(text.contains(#"qmysql_agent_sst_in_progress{node="n1"} \#(sst)"#), "\(String(describing: method))")
            #expect(text.contains(#"qmysql_agent_ist_in_progress{node="n1"} \#(ist)"#), "\(String(describing: method))")
        }
        status.stateTransferInProgress = nil
        #expect(metrics.render(status, reportsDroppedTotal: 0).contains(#"qmysql_agent_sst_in_progress{node="n1"} 0"#))
    }

    static func status(launches: Int) -> AgentStatus {
        AgentStatus(
            node: "n1", cluster: "c", flavor: .mariadb, state: .redUnclean, stateReason: "test",
            observedAt: Date(timeIntervalSince1970: 1_800_000_000), agentStartedAt: Date(timeIntervalSince1970: 1_799_999_000),
            process: .init(running: false, pid: nil, startedAt: nil, mode: .join, launches: launches),
            operation: nil, lastExit: nil, grastate: nil, grastateError: nil, gvwstatePresent: false,
            datadirInitialized: true, recovered: nil, wsrep: nil, wsrepObservedAt: nil, wsrepError: nil, lastStateTransfer: nil)
    }
}

@Suite("fencing an old writer")
struct ClientSessionsTests {
    @Test("only clients over TCP are ended: never mysqld's own threads, Galera's appliers, replication, socket sessions or the controller's probe")
    func clientSessions() {
        let rows: [[String?]] = [
            ["1", "system user", "", "Sleep"],                 // a Galera applier
            ["2", "system user", nil, "Daemon"],
            ["3", "event_scheduler", "localhost", "Daemon"],
            ["10", "root", "10.0.0.7:53122", "Query"],         // a client mid-query
            ["11", "app", "10.0.0.8:40001", "Sleep"],          // an idle client
            ["12", "mysql", "localhost", "Query"],             // the agent or the backup tool on the socket
            ["13", "monitor", "10.0.0.2:39911", "Sleep"],      // the controller's probe
            ["14", "repl", "10.0.0.9:50000", "Binlog Dump GTID"],
            ["15", "unauthenticated user", "10.0.0.7:53200", "Connect"],
            ["x", "app", "10.0.0.8:40002", "Sleep"],           // not a row of PROCESSLIST
        ]
        #expect(ClientSessions.toEnd(rows, exemptUsers: ["monitor"]) == [10, 11, 15])
        #expect(ClientSessions.toEnd(rows, exemptUsers: []) == [10, 11, 13, 15])
    }
}

@Suite("child processes")
struct ChildProcessTests {
    @Test("exit codes and signals are recorded")
    func exits() async throws {
        let three = try ChildProcess.spawn("/bin/sh", arguments: ["-c", "exit 3"], outputPath: nil)
        #expect(await three.wait() == .exited(code: 3))
        let sleeper = try ChildProcess.spawn("sleep", arguments: ["30"], outputPath: nil)
        #expect(sleeper.exit == nil)
        #expect(await sleeper.wait(timeout: .milliseconds(100)) == nil)
        sleeper.signal(SIGTERM)
        #expect(await sleeper.wait() == .signaled(signal: SIGTERM))
        #expect(await sleeper.wait() == .signaled(signal: SIGTERM), "waiting twice gives the same exit")
    }

    @Test("output goes to the file, appended")
    func output() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for word in ["one", "two"] {
            let child = try ChildProcess.spawn("/bin/sh", arguments: ["-c", "echo \(word); echo err-\(word) >&2"], outputPath: path)
            #expect(await child.wait() == .exited(code: 0))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "one\nerr-one\ntwo\nerr-two\n")
    }

    @Test("a missing executable is a clear error")
    func missing() {
        #expect {
            try ChildProcess.spawn("no-such-binary-qmysql", arguments: [], outputPath: nil)
        } throws: { error in
            "\(error)".contains("cannot start no-such-binary-qmysql")
        }
    }

    @Test("a group kill reaches the child's children")
    func groupKill() async throws {
        let shell = try ChildProcess.spawn("/bin/sh", arguments: ["-c", "sleep 30 & wait"], outputPath: nil)
        try await Task.sleep(for: .milliseconds(200))
        shell.signalGroup(SIGKILL)
        #expect(await shell.wait() == .signaled(signal: SIGKILL))
        try await Task.sleep(for: .milliseconds(100))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pgrep-\(UUID()).txt").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let ps = try ChildProcess.spawn("ps", arguments: ["-o", "pid=,stat=,comm=", "-g", "\(shell.pid)"], outputPath: output)
        _ = await ps.wait()
        let alive = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").filter { !$0.contains(" Z") }
        #expect(alive.isEmpty, "no live process left in the group: \(alive)")
    }
}

@Suite("error log follower")
struct LogFollowerTests {
    @Test("forwards new lines, keeps partial lines, and rotates when the file is too big")
    func follow() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("follower-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/mysqld.err"
        try "old line from before\n".write(toFile: path, atomically: false, encoding: .utf8)
        let lines = Mutex<[String]>([])
        let follower = LogFollower(path: path, prefix: "[t] ", maxBytes: 200, archives: 2, output: StandardOutput()) { line in
            lines.withLock { $0.append(line) }
        }
        follower.skipExisting()
        try append("first\nsecond\npart", to: path)
        follower.poll()
        #expect(lines.withLock { $0 } == ["first", "second"])
        try append("ial\n", to: path)
        follower.poll()
        #expect(lines.withLock { $0 } == ["first", "second", "partial"])

        // Grow past 200 bytes: the follower forwards, archives and truncates.
        let long = String(repeating: "x", count: 120)
        try append("\(long)\n\(long)\n", to: path)
        follower.poll()
        #expect(lines.withLock { $0.count } == 5)
        #expect(fileSize(path) == 0)
        #expect(try String(contentsOfFile: directory + "/mysqld-1.err", encoding: .utf8).hasSuffix("\(long)\n\(long)\n"))

        // mysqld carries on writing at the new end.
        try append("after rotation\n", to: path)
        follower.poll()
        #expect(lines.withLock { $0.last } == "after rotation")

        // Older archives shift; no more than `archives` are kept.
        for _ in 0..<3 {
            try append("\(long)\n\(long)\n", to: path)
            follower.poll()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["mysqld-1.err", "mysqld-2.err", "mysqld.err"])
        #expect(follower.archivePath(3) == directory + "/mysqld-3.err")
    }

    @Test("for JSON logs, a Galera view dump stays one entry with the line that began it")
    func groupsEntries() {
        let lines = [
            "2026-11-29 14:46:37 2 [Note] WSREP: GCache history reset: 0 -> 1",
            "2026-11-29 14:46:37 2 [Note] WSREP: ================================================",
            "View:", "  id: ae1df5f0-ec03-11f1-84f5-66afc4fff47a:1", "  status: primary", "  members(1):",
            "\t0: ae1d0668-ec03-11f1-8d51-62e861ff319f, t-0", "=================================================",
            "", "2026-11-29 14:46:37 2 [Note] WSREP: Server status change connected -> joiner",
        ]
        let entries = LogFollower.entries(lines)
        #expect(entries.count == 3)
        #expect(entries[1].hasPrefix("2026-11-29 14:46:37 2 [Note] WSREP: ====="))
        #expect(entries[1].hasSuffix("=================================================") && entries[1].contains("\n  status: primary\n"))
        #expect(entries[2] == "2026-11-29 14:46:37 2 [Note] WSREP: Server status change connected -> joiner")
        #expect(LogFollower.entries(["  orphan continuation", "2026-01-01 x"]) == ["  orphan continuation", "2026-01-01 x"])
    }

    func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}

@Suite("MySQL client")
struct MySQLClientTests {
    @Test("connection failures carry the MySQL error number and say where", arguments: [
        MySQLEndpoint.tcp(host: "127.0.0.1", port: 1),
        .unixSocket(path: "/nonexistent/qmysql.sock"),
    ])
    func refused(endpoint: MySQLEndpoint) async throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { Task { try? await pool.shutdownGracefully() } }
        let error = await #expect(throws: MySQLError.self) {
            try await MySQLConnection.connect(.init(endpoint: endpoint, user: "root", connectTimeout: .seconds(2)), threadPool: pool)
        }
        #expect(error?.isConnectionFailure == true, "\(String(describing: error))")
        #expect([MySQLError.cannotConnect, MySQLError.cannotConnectHost].contains(error?.code ?? 0))
        #expect(error?.description.contains("connect to \(endpoint)") == true)
    }

    @Test("string literals are escaped")
    func literals() {
        #expect(SQLLiteral.string("pc.bootstrap=YES") == "'pc.bootstrap=YES'")
        #expect(SQLLiteral.string(#"it's a \ test"#) == #"'it''s a \\ test'"#)
    }
}
