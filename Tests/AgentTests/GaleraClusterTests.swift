import AgentAPI
import Agent
import Foundation
import Galera
import LocalCluster
import MySQLClient
import Testing

/// Real mariadbd processes supervised by real agents on 127.0.0.2-4, driven only through the
/// agents' API. Tests that change the cluster start from the snapshot; the suite trait kills
/// every process at the end, whatever happened.
@Suite("real Galera cluster", .serialized, .galeraTestBed)
struct GaleraClusterTests {
    var bed: TestBed { TestBed.current! }

    @Test("a three-node cluster reaches Synced on every node")
    func synced() async throws {
        let cluster = try await bed.cluster(fresh: false)
        let statuses = try await cluster.allStatuses()
        for status in statuses {
            #expect(status.state == .green, "\(status.node): \(status.stateReason)")
            #expect(status.wsrep?.clusterSize == 3)
            #expect(status.wsrep?.localStateComment == "Synced")
            #expect(status.ready)
        }
        #expect(Set(statuses.compactMap { $0.wsrep?.clusterStateUUID }).count == 1, "one cluster UUID")
        for status in statuses {
            #expect(status.stateTransferInProgress == nil, "\(status.node) is Synced, yet says it receives \(String(describing: status.stateTransferInProgress))")
        }
        // The two joiners of the new cluster took a full SST (by our method, `wsrep_sst_qmysql`) and
        // said so while it ran, in the reports the controller receives (/metrics follows the same status).
        let reported = (1...2).flatMap { bed.receiver.reports(from: cluster.node($0).name, since: .now - .seconds(3600)) }
        let duringSST = reported.first { $0.status.stateTransferInProgress?.method == "SST" && $0.status.process.running }
        #expect(duringSST?.status.state == .yellow && duringSST?.status.stateReason.contains("receiving a full state transfer (SST)") == true,
                "a joiner reported its SST in progress: \(String(describing: duringSST?.status.stateReason))")
        for node in cluster.nodes {
            #expect(try await node.client.ready())
            let metrics = try await node.client.metrics()
            #expect(metrics.contains("qmysql_agent_node_state{node=\"\(node.name)\",state=\"Green\"} 1"))
            #expect(metrics.contains("qmysql_wsrep_cluster_size{node=\"\(node.name)\"} 3"))
            let lint = try await Promtool.checkMetrics(metrics)
            #expect(lint.passed, "promtool check metrics on \(node.name)'s /metrics: \(lint.output)")
            // mysqld's error log is forwarded to the agent's stdout, prefixed.
            let agentLog = try String(contentsOfFile: node.agentLog, encoding: .utf8)
            #expect(agentLog.contains("[mysqld \(node.name)] "))
            // The config the agent wrote binds SST to the node's own address.
            let myCnf = try String(contentsOfFile: node.runDirectory + "/my.cnf", encoding: .utf8)
            #expect(myCnf.contains("sockopt=bind=\(node.address)\n"))
        }
        // A row committed on one node is on every node (wsrep_sync_wait: read after apply).
        let id = Int64.random(in: -1_000_000 ..< -1)
        let writer = try await bed.connect(0)
        try await writer.execute("INSERT INTO \(BoundedWriter.table) (id, node) VALUES (\(id), 'synced-test')")
        for index in 1...2 {
            let reader = try await bed.connect(index)
            try await reader.execute("SET SESSION wsrep_sync_wait = 1")
            let result = try await reader.query("SELECT node FROM \(BoundedWriter.table) WHERE id = \(id)")
            await reader.close()
            #expect(result.rows == [["synced-test"]])
        }
        try await writer.execute("DELETE FROM \(BoundedWriter.table) WHERE id = \(id)")
        await writer.close()
    }

    @Test("long operations as jobs: 202 with an id, progress while running, the outcome after; the error log streams")
    func jobsAndStreams() async throws {
        let cluster = try await bed.cluster()
        let node = cluster.node(2)

        // A graceful stop as a job: answered at once, followed to its end.
        let stopJob = try await node.client.stopJob()
        #expect(stopJob.kind == .stop)
        #expect(stopJob.id.hasPrefix("stop-"))
        let stopped = try await node.client.wait(for: stopJob, timeout: .seconds(60))
        #expect(!stopped.process.running)
        #expect(stopped.state == .redClean)
        let finished = try await node.client.job(stopJob.id)
        #expect(finished.phase == .succeeded && finished.finishedAt != nil)

        // A start that is refused fails its job with the same body the call would answer.
        let refusedJob = try await node.client.startJob(StartRequest(mode: .bootstrap))
        do {
            _ = try await node.client.wait(for: refusedJob, timeout: .seconds(30))
            Issue.record("bootstrapping a node that left while others run must be refused")
        } catch let failure as AgentClient.Failure {
            #expect(failure.apiError?.code == "unsafeBootstrap", "\(failure)")
        }

        // A join as a job: running first (its progress names the operation), then Synced.
        let joinJob = try await node.client.startJob(StartRequest(mode: .join))
        let raw = try await node.client.raw(.GET, "/v1/jobs/\(joinJob.id)", body: nil)
        #expect(raw.status == 200)
        let followed = try AgentJSON.decoder().decode(AgentJob.self, from: raw.body)
        #expect(followed.id == joinJob.id && followed.kind == .start)
        let joined = try await node.client.wait(for: joinJob, timeout: .seconds(90))
        #expect(joined.process.running)
        _ = try await cluster.waitSynced(2)
        do {
            _ = try await node.client.job("start-0")
            Issue.record("an unknown job must be 404")
        } catch {
            #expect(error.apiError?.status == 404 && error.apiError?.code == "unknownJob", "\(error)")
        }

        // The error log streams chunk by chunk; its bytes are the file's.
        var chunks = 0
        var text = Data()
        let bytes = try await node.client.errorLog { chunk in
            chunks += 1
            text.append(contentsOf: chunk.readableBytesView)
        }
        #expect(bytes == Int64(text.count) && bytes > 0 && chunks >= 1)
        #expect(String(decoding: text, as: UTF8.self).contains("Synchronized with group"))
    }

    @Test("a graceful stop reports Red-clean with a real seqno; bootstrapping it is refused and changes nothing; it rejoins by IST")
    func gracefulStopAndUnsafeBootstrap() async throws {
        let cluster = try await bed.cluster()
        let writer = bed.writer(to: [0, 2])
        writer.start()
        try await Task.sleep(for: .seconds(2))

        let node = cluster.node(1)
        let stopped = try await node.client.stop(.graceful)
        #expect(stopped.state == .redClean, "\(stopped.stateReason)")
        #expect(!stopped.process.running)
        #expect(stopped.lastExit?.exit == .exited(code: 0))
        let seqno = try #require(stopped.grastate?.seqno)
        #expect(seqno > 0, "graceful shutdown writes the real seqno")
        #expect(stopped.grastate?.safeToBootstrap == false, "the others still run")
        #expect(!stopped.gvwstatePresent)
        #expect(try await node.client.ready() == false)
        #expect(await node.client.live(), "liveness does not depend on mysqld")

        // Bootstrapping a node that left while others ran would fork the cluster's history.
        let grastatePath = node.dataDirectory + "/grastate.dat"
        let before = try String(contentsOfFile: grastatePath, encoding: .utf8)
        let refusal = try await expectAPIError(409) { try await node.client.start(.bootstrap) }
        #expect(refusal.code == "unsafeBootstrap")
        #expect(refusal.reason.contains("safe_to_bootstrap: 0"), "\(refusal.reason)")
        #expect(refusal.reason.contains("force"))
        let forcedWithoutPosition = try await expectAPIError(409) { try await node.client.start(.bootstrap, force: true) }
        #expect(forcedWithoutPosition.code == "forceNeedsPosition")
        #expect(try String(contentsOfFile: grastatePath, encoding: .utf8) == before, "grastate.dat untouched")
        let after = try await node.client.status()
        #expect(!after.process.running && after.state == .redClean)
        #expect(after.process.launches == stopped.process.launches)

        try await Task.sleep(for: .seconds(1))
        let logOffset = fileSize(node.errorLog)
        let clock = ContinuousClock()
        let started = clock.now
        let rejoined = try await cluster.startNode(1, mode: .join)
        Timings.record("rejoin after graceful stop (IST) to Synced", clock.now - started)
        #expect(await Self.transferSeen("IST", on: node), "\(String(describing: rejoined.lastStateTransfer))")
        let newLog = try logText(node.errorLog, from: logOffset)
        #expect(newLog.contains("IST completed on joiner"))
        #expect(!newLog.contains("SST completed on joiner"))

        try await Task.sleep(for: .seconds(1))
        let report = await writer.finish()
        try await expectNoAcknowledgedWriteLost(report, cluster)
    }

    @Test("SIGKILL reports Red-unclean; recovery finds the right position; the restart joins by IST; reports arrive")
    func killRecoverRejoin() async throws {
        let cluster = try await bed.cluster()
        let writer = bed.writer(to: [0, 1])
        writer.start()
        try await Task.sleep(for: .seconds(2))

        // Quiesce so the victim's last committed seqno is exact.
        writer.setPaused(true)
        let victim = cluster.node(2)
        let committed = try await waitQuiesced(cluster)
        let reportsSince = ContinuousClock.now
        let killed = try await cluster.kill(2)
        #expect(killed.state == .redUnclean, "\(killed.stateReason)")
        #expect(killed.lastExit?.exit == .signaled(signal: 9))
        #expect(killed.grastate?.seqno == -1)
        writer.setPaused(false)

        // The passive report of the kill reaches the controller at once.
        let report = try await eventually(timeout: .seconds(6)) {
            bed.receiver.reports(from: victim.name, since: reportsSince).first { $0.status.state == .redUnclean }
        }
        // Loose enough for a loaded CI machine; the push itself (not the heartbeat) is pinned down
        // by the reporter unit test.
        #expect(report.at - reportsSince < .seconds(5))

        // A bootstrap of the killed node is refused before any recovery runs.
        let refusal = try await expectAPIError(409) { try await victim.client.start(.bootstrap) }
        #expect(refusal.code == "unsafeBootstrap")
        #expect(try await victim.client.status().recovered == nil, "the refusal ran no recovery")

        // As a controller would: rejoin once the survivors have evicted the dead instance; a
        // rejoin before that makes the survivors pass through a non-Primary view.
        let evicted = try await cluster.node(0).client.wait(for: "cluster size 2", timeout: .seconds(20)) {
            $0.wsrep?.clusterSize == 2 && $0.state == .green
        }
        #expect(evicted.wsrep?.clusterStatus == .primary)
        Timings.record("SIGKILL of one node until the survivors see size 2", ContinuousClock.now - reportsSince)

        let clock = ContinuousClock()
        var started = clock.now
        let recovered = try await victim.client.recover()
        Timings.record("wsrep-recover of a killed node", clock.now - started)
        let position = try #require(recovered.recovered?.position)
        #expect(position.uuid == committed.uuid)
        #expect(position.seqno == committed.seqno, "recovered \(position), the node had committed \(committed.seqno)")
        #expect(recovered.recovered?.current == true)
        #expect(recovered.state == .redUnclean)
        #expect(recovered.stateReason.contains("\(position)"))

        let logOffset = fileSize(victim.errorLog)
        started = clock.now
        try await cluster.startNode(2, mode: .join)
        Timings.record("rejoin after SIGKILL (recovered position, IST) to Synced", clock.now - started)
        #expect(await Self.transferSeen("IST", on: victim))
        let newLog = try logText(victim.errorLog, from: logOffset)
        #expect(newLog.contains("IST completed on joiner"))
        #expect(!newLog.contains("SST completed on joiner"))
        let agentLog = try String(contentsOfFile: victim.agentLog, encoding: .utf8)
        #expect(agentLog.contains("--wsrep_start_position=\(position)"), "started from the recovered position")

        // Heartbeats keep coming from a healthy node.
        let heartbeatsSince = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        #expect(bed.receiver.reports(from: cluster.node(0).name, since: heartbeatsSince).count >= 2)

        let writes = await writer.finish()
        try await expectNoAcknowledgedWriteLost(writes, cluster)
    }

    @Test("bootstrap-survivor makes a non-Primary survivor Primary; the others rejoin")
    func bootstrapSurvivor() async throws {
        let cluster = try await bed.cluster()
        let writer = bed.writer(to: [0])
        writer.start()
        try await Task.sleep(for: .seconds(2))

        let clock = ContinuousClock()
        let killedAt = clock.now
        _ = try await cluster.kill(1)
        _ = try await cluster.kill(2)
        let survivor = cluster.node(0)
        let isolated = try await survivor.client.wait(for: "non-Primary", timeout: .seconds(30)) {
            $0.wsrep?.clusterStatus == .nonPrimary
        }
        Timings.record("SIGKILL of two nodes until the survivor is non-Primary", clock.now - killedAt)
        #expect(isolated.state == .yellow)
        #expect(try await survivor.client.ready() == false)
        #expect(await survivor.client.live(), "liveness holds while non-Primary")

        // Every query on a non-Primary node fails with 1047.
        let connection = try await bed.connect(0)
        let error = await #expect(throws: MySQLError.self) {
            try await connection.query("SELECT COUNT(*) FROM \(BoundedWriter.table)")
        }
        #expect(error?.code == MySQLError.nonPrimary, "\(String(describing: error))")
        await connection.close()

        let notRunning = try await expectAPIError(409) { try await cluster.node(1).client.start(.bootstrapSurvivor) }
        #expect(notRunning.code == "notRunning")

        let promotedAt = clock.now
        let promoted = try await survivor.client.start(.bootstrapSurvivor)
        Timings.record("bootstrap-survivor until Primary", clock.now - promotedAt)
        #expect(promoted.wsrep?.clusterStatus == .primary)
        _ = try await cluster.waitSynced(0, timeout: .seconds(10))
        let again = try await expectAPIError(409) { try await survivor.client.start(.bootstrapSurvivor) }
        #expect(again.code == "alreadyPrimary")

        for index in [1, 2] {
            let rejoined = try await cluster.startNode(index, mode: .join)
            #expect(rejoined.recovered != nil)
            #expect(await Self.transferSeen("IST", on: cluster.node(index)))
        }
        let writes = await writer.finish()
        #expect(writes.failures[MySQLError.nonPrimary, default: 0] + writes.failures[MySQLError.errorDuringCommit, default: 0] + writes.failures[MySQLError.connectionLost, default: 0] > 0, "the writer saw the outage: \(writes)")
        try await expectNoAcknowledgedWriteLost(writes, cluster)
    }

    @Test("the MySQL client against a live node: rows, NULLs, error numbers, read timeout")
    func mysqlClient() async throws {
        let cluster = try await bed.cluster(fresh: false)
        let connection = try await bed.connect(0)
        let rows = try await connection.query("SELECT NULL AS a, 'x' AS b, 42 AS c UNION ALL SELECT 'y', NULL, 43")
        #expect(rows.columns == ["a", "b", "c"])
        #expect(rows.rows == [[nil, "x", "42"], ["y", nil, "43"]])
        #expect(rows.value("c", row: 1) == "43")
        let syntax = await #expect(throws: MySQLError.self) { try await connection.query("SELEC 1") }
        #expect(syntax?.code == 1064)
        #expect(syntax?.isConnectionFailure == false)
        // The connection survives a statement error.
        #expect(try await connection.query("SELECT 1").rows == [["1"]])
        await connection.close()
        let closed = await #expect(throws: MySQLError.self) { try await connection.query("SELECT 1") }
        #expect(closed?.message.contains("closed") == true)

        var options = cluster.node(0).sqlOptions
        options.readTimeout = .seconds(1)
        let slow = try await MySQLConnection.connect(options, threadPool: bed.threadPool)
        let clock = ContinuousClock()
        let started = clock.now
        let timeout = await #expect(throws: MySQLError.self) { try await slow.query("SELECT SLEEP(20)") }
        #expect(timeout?.code == MySQLError.connectionLost, "\(String(describing: timeout))")
        #expect(clock.now - started < .seconds(15), "the read timeout (not the 20 s SLEEP) ended the query")
        await slow.close()
    }

    @Test("API: 401 without the token, 400 for bad bodies, 404 for unknown routes, 409 for wrong states")
    func apiContract() async throws {
        let cluster = try await bed.cluster(fresh: false)
        let client = cluster.node(1).client
        let before = try await client.status()

        // 401
        for authorization in [nil, "Bearer wrong", "Bearer \(cluster.configuration.token)x", "Basic \(cluster.configuration.token)"] {
            let (status, body) = try await client.raw(.GET, "/v1/status", body: nil, authorized: authorization != nil, authorization: authorization)
            #expect(status == 401, "\(authorization ?? "no header")")
            #expect(try AgentJSON.decoder().decode(APIErrorBody.self, from: body).code == "unauthorized")
        }
        let (unauthorizedStart, _) = try await client.raw(.POST, "/v1/start", body: Data(#"{"mode":"join"}"#.utf8), authorization: "Bearer nope")
        #expect(unauthorizedStart == 401)
        // Probes and metrics need no token.
        #expect(try await client.raw(.GET, "/livez", body: nil, authorized: false).status == 200)
        #expect(try await client.raw(.GET, "/metrics", body: nil, authorized: false).status == 200)

        // 400
        let badBodies: [(String, String, String)] = [
            ("/v1/start", "{not json", "not valid JSON"),
            ("/v1/start", "", "needs a JSON body"),
            ("/v1/start", #"{"mode":"sideways"}"#, "mode is one of join, bootstrap, recover-only, bootstrap-survivor"),
            ("/v1/start", #"{}"#, "missing field 'mode'"),
            ("/v1/start", #"{"mode":"join","position":"nonsense"}"#, "position"),
            ("/v1/stop", #"{"mode":"gently"}"#, "mode is one of graceful, kill"),
            ("/v1/stop", #"{"mode":"graceful","timeoutSeconds":-1}"#, "timeoutSeconds"),
        ]
        for (path, body, fragment) in badBodies {
            let (status, data) = try await client.raw(.POST, path, body: Data(body.utf8))
            #expect(status == 400, "\(path) \(body)")
            let error = try AgentJSON.decoder().decode(APIErrorBody.self, from: data)
            #expect(error.code == "badRequest")
            #expect(error.reason.contains(fragment), "\(error.reason)")
        }

        // 404
        for (method, path) in [("GET", "/v1/nothing"), ("GET", "/v1/start"), ("POST", "/v1/status"), ("GET", "/nothing")] {
            let (status, data) = try await client.raw(method == "GET" ? .GET : .POST, path, body: nil)
            #expect(status == 404, "\(method) \(path)")
            #expect(try AgentJSON.decoder().decode(APIErrorBody.self, from: data).code == "notFound")
        }

        // 409: start while running, in every mode that launches or recovers
        for mode in [StartMode.join, .bootstrap, .recoverOnly] {
            let error = try await expectAPIError(409) { try await client.start(mode) }
            #expect(error.code == "alreadyRunning")
        }
        let afterRefusals = try await client.status()
        #expect(afterRefusals.process.pid == before.process.pid, "nothing restarted")
        #expect(afterRefusals.process.launches == before.process.launches)
        #expect(afterRefusals.state == .green)

        // 409: stop while stopped, recover... fine when stopped, survivor refused
        _ = try await client.stop(.graceful)
        let stopAgain = try await expectAPIError(409) { try await client.stop(.graceful) }
        #expect(stopAgain.code == "notRunning")
        let killStopped = try await expectAPIError(409) { try await client.stop(.kill) }
        #expect(killStopped.code == "notRunning")
        // A position that is not the node's is refused.
        let wrong = try GaleraPosition(uuid: "11111111-2222-3333-4444-555555555555", seqno: 7)
        let mismatch = try await expectAPIError(409) { try await client.start(.join, position: wrong) }
        #expect(mismatch.code == "positionMismatch")
        #expect(try await client.status().process.running == false)
    }

    @Test("SIGTERM to an agent stops its mysqld gracefully first")
    func agentShutdown() async throws {
        let cluster = try await bed.cluster(fresh: false)
        let clock = ContinuousClock()
        let started = clock.now
        await cluster.stopAgents(timeout: .seconds(60))
        Timings.record("SIGTERM to 3 agents until all exited", clock.now - started)
        for node in cluster.nodes {
            let grastate = try GaleraState(parsing: String(contentsOfFile: node.dataDirectory + "/grastate.dat", encoding: .utf8))
            #expect(grastate.isClean, "\(node.name): \(grastate.position)")
            let log = try String(contentsOfFile: node.agentLog, encoding: .utf8)
            #expect(log.contains("agent shutting down: stopping mysqld gracefully"))
            #expect(log.contains("mariadbd: Shutdown complete"))
            let agentAnswers = await node.client.live()
            #expect(!agentAnswers, "the agent exited")
            #expect(!FileManager.default.fileExists(atPath: node.socketPath), "mysqld removed its socket on shutdown")
        }
    }

    // MARK: Helpers

    /// Every acknowledged row is on every node.
    /// Whether the node's agent reports `method` as its last state transfer within 10 s: it reads
    /// the log as it grows, and the transfer's last line may reach it just after Synced.
    static func transferSeen(_ method: String, on node: LocalNode) async -> Bool {
        (try? await eventually(timeout: .seconds(10)) {
            try await node.client.status().lastStateTransfer?.method == method ? true : nil
        }) ?? false
    }

    func expectNoAcknowledgedWriteLost(_ report: BoundedWriter.Report, _ cluster: LocalCluster) async throws {
        print("writer: \(report)")
        #expect(report.acknowledged.count > 50, "the writer made progress: \(report)")
        for node in cluster.nodes {
            _ = try await cluster.waitSynced(node.index, timeout: .seconds(30))
            let missing = try await missingRows(report.acknowledged, on: node)
            #expect(missing.isEmpty, "\(node.name) lacks \(missing.count) acknowledged rows, e.g. \(missing.prefix(5))")
        }
    }

    func missingRows(_ acknowledged: [Int64], on node: LocalNode) async throws -> [Int64] {
        let connection = try await MySQLConnection.connect(node.sqlOptions, threadPool: bed.threadPool)
        let result = try await connection.query("SELECT id FROM \(BoundedWriter.table)")
        await connection.close()
        let present = Set(result.rows.compactMap { $0.first.flatMap { $0 }.flatMap { Int64($0) } })
        return acknowledged.filter { !present.contains($0) }
    }

    /// Waits until every node reports the same last committed seqno; returns it with the UUID.
    func waitQuiesced(_ cluster: LocalCluster) async throws -> GaleraPosition {
        try await eventually(timeout: .seconds(10)) {
            // Fresh SQL reads, not the agents' last poll.
            var positions: Set<GaleraPosition> = []
            for node in cluster.nodes {
                let connection = try await MySQLConnection.connect(node.sqlOptions, threadPool: bed.threadPool)
                let result = try await connection.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_last_committed', 'wsrep_cluster_state_uuid')")
                await connection.close()
                let values = Dictionary(uniqueKeysWithValues: result.rows.compactMap { row -> (String, String)? in
                    guard let name = row[0], let value = row[1] else { return nil }
                    return (name.lowercased(), value)
                })
                positions.insert(try GaleraPosition(uuid: values["wsrep_cluster_state_uuid"] ?? "", seqno: Int64(values["wsrep_last_committed"] ?? "") ?? -1))
            }
            return positions.count == 1 ? positions.first : nil
        }
    }
}

func fileSize(_ path: String) -> UInt64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64) ?? 0
}

/// The file's text from `offset` on.
func logText(_ path: String, from offset: UInt64) throws -> String {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: offset)
    return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
}

/// Polls `body` until it returns a value; a timeout names the line that waited.
func eventually<T>(timeout: Duration, interval: Duration = .milliseconds(100), sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await body() { return value }
        guard ContinuousClock.now < deadline else { throw EventuallyTimeout(timeout: timeout, location: sourceLocation) }
        try await Task.sleep(for: interval)
    }
}

struct EventuallyTimeout: Error, CustomStringConvertible {
    var timeout: Duration
    var location: SourceLocation
    var description: String { "condition not met within \(timeout) (the wait at \(location.fileName):\(location.line))" }
}

/// The call must fail with an API error of `status`; returns its body.
func expectAPIError(_ status: Int, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> AgentStatus) async throws -> APIErrorBody {
    do {
        let unexpected = try await body()
        Issue.record("expected HTTP \(status), got success: \(unexpected.state.rawValue)", sourceLocation: sourceLocation)
        return APIErrorBody(status: 200, code: "none", reason: "")
    } catch {
        guard let apiError = (error as? AgentClient.Failure)?.apiError else {
            Issue.record("expected HTTP \(status), got \(error)", sourceLocation: sourceLocation)
            throw error
        }
        #expect(apiError.status == status, "\(apiError)", sourceLocation: sourceLocation)
        return apiError
    }
}
