import AgentAPI
import AsyncHTTPClient
import ClusterCertificates
import Foundation
import Galera
import Hummingbird
import LocalCluster
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import Testing
@testable import Controller
import RoleNetwork

/// The controller's HTTP endpoints over real HTTP, with agents that do not exist (every probe is
/// refused), so the only news about a node is what is pushed to it.
@Suite("The controller's endpoints", .serialized)
struct ControllerServerTests {
    struct Running {
        var controller: ClusterController
        var base: String
        var loop: Task<Void, Never>
        var server: Task<Void, any Error>

        func stop() async {
            loop.cancel()
            await loop.value
            server.cancel()
            _ = try? await server.value
        }
    }

    let token = "test-token"
    // The process-wide client: it needs no shutdown.
    let http = HTTPClient.shared

    func start(tls: TLSConfiguration? = nil) async throws -> Running {
        // Port 1 on loopback: nothing listens, so every probe is refused at once.
        let nodes = (0..<3).map { NodeEndpoint(name: "n\($0)", ordinal: $0, agentURL: "http://127.0.0.1:1", sqlHost: "127.0.0.1", sqlPort: 1) }
        var configuration = ControllerConfiguration(clusterName: "demo", nodes: nodes, agentToken: token, monitorUser: "monitor", monitorPassword: "pw")
        configuration.listenPort = 0
        configuration.probeInterval = .milliseconds(200)
        configuration.probeTimeout = .milliseconds(200)
        configuration.staleAfter = .seconds(2)
        configuration.serverTLS = tls
        // Formed before: its nodes, all unreachable, are Unknown without a Primary component
        // (a never-formed cluster would wait for its starting agents instead).
        configuration.formedUUID = Fixture.uuid
        let controller = ClusterController(configuration: configuration, httpClient: http, logger: Logger(label: "test"))
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = try ControllerServer.application(for: controller, logger: Logger(label: "test.http")) { continuation.yield($0) }
        let server = Task { try await application.run() }
        var port = 0
        for await value in ports { port = value; break }
        let loop = Task { await controller.run() }
        return Running(controller: controller, base: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)", loop: loop, server: server)
    }

    func request(_ url: String, method: HTTPMethod = .GET, body: Data? = nil, token: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    func report(_ node: String, cluster: String = "demo") -> Data {
        let status = AgentReportFixture.make(node: node, cluster: cluster, running: true, observedAt: Date(), wsrep: Fixture.wsrep(.primary, size: 1))
        return try! AgentJSON.encoder().encode(status)
    }

    // Generous: on a loaded CI machine the real-Galera suites run beside these tests.
    func eventually(_ timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func statusHealthAndMetricsWithEveryAgentUnreachable() async throws {
        let running = try await start()
        defer { Task { await running.stop() } }
        #expect(try await eventually { try await request(running.base + "/healthz").status == 200 })
        #expect(try await eventually {
            let (_, body) = try await request(running.base + "/v1/status")
            let status = try JSONDecoder().decode(ClusterStatus.self, from: Data(body.utf8))
            return status.state == .red && status.nodes.allSatisfy { $0.state == .unknown }
                && status.condition(ConditionType.manualInterventionRequired)?.reason == "NodeUnknownWithoutPrimary"
        })
        let metrics = try await request(running.base + "/metrics").body
        #expect(metrics.contains(#"qmysql_controller_node_state{cluster="demo",node="n0",state="Unknown"} 1"#))
        #expect(metrics.contains(#"qmysql_controller_cluster_state{cluster="demo",state="Red"} 1"#))
        #expect(metrics.contains(#"qmysql_controller_manual_intervention_required{cluster="demo"} 1"#))
        #expect(metrics.contains("qmysql_controller_probe_failures_total"))
        let lint = try await Promtool.checkMetrics(metrics)
        #expect(lint.passed, "promtool check metrics on the controller's /metrics: \(lint.output)")
        #expect(await running.controller.actions().isEmpty, "nothing is done to nodes nobody can see")
        await running.stop()
    }

    @Test func theDesiredStateIsPutCheckedAndShown() async throws {
        let running = try await start()
        defer { Task { await running.stop() } }
        let url = running.base + "/v1/spec"
        func body(_ spec: ControllerSpec) -> Data { try! JSONEncoder().encode(spec) }
        let nodes = (0..<3).map { ControllerOptions.Node(name: "n\($0)", agentURL: "http://127.0.0.1:1", sqlAddress: "127.0.0.1:1") }
        let spec = ControllerSpec(generation: 4, nodes: nodes, intent: .paused, autoRecovery: false, formedUUID: Fixture.uuid)
        #expect(try await request(url, method: .PUT, body: body(spec)).status == 401)
        #expect(try await request(url, method: .PUT, body: Data("{}".utf8), token: token).status == 400)
        var invalid = spec
        invalid.nodes.append(ControllerOptions.Node(name: "n3", agentURL: "ftp://x", sqlAddress: "x"))
        let refused = try await request(url, method: .PUT, body: body(invalid), token: token)
        #expect(refused.status == 422 && refused.body.contains("invalidSpec") && refused.body.contains("nodes[3] (n3)"), "\(refused)")
        let accepted = try await request(url, method: .PUT, body: body(spec), token: token)
        #expect(accepted.status == 200, "\(accepted)")
        let answer = try JSONDecoder().decode(ControllerSpecAcknowledgement.self, from: Data(accepted.body.utf8))
        #expect(answer == .init(observedGeneration: 4, changed: true))
        #expect(try await eventually {
            let (_, shown) = try await request(running.base + "/v1/status")
            let status = try JSONDecoder().decode(ClusterStatus.self, from: Data(shown.utf8))
            return status.observedGeneration == 4 && status.phase == .paused
        })
        var older = spec
        older.generation = 3
        let stale = try await request(url, method: .PUT, body: body(older), token: token)
        #expect(stale.status == 409 && stale.body.contains("staleGeneration"), "\(stale)")
        let again = try await request(url, method: .PUT, body: body(spec), token: token)
        #expect(try JSONDecoder().decode(ControllerSpecAcknowledgement.self, from: Data(again.body.utf8)).changed == false)
    }

    @Test func pushedReportsAreCheckedAndTakeEffect() async throws {
        let running = try await start()
        defer { Task { await running.stop() } }
        let url = running.base + "/v1/reports/n1"
        #expect(try await request(url, method: .POST, body: report("n1")).status == 401)
        #expect(try await request(url, method: .POST, body: report("n1"), token: "wrong").status == 401)
        #expect(try await request(url, method: .POST, body: Data("{}".utf8), token: token).status == 400)
        let otherCluster = try await request(url, method: .POST, body: report("n1", cluster: "other"), token: token)
        #expect(otherCluster.status == 422 && otherCluster.body.contains("wrongCluster"))
        #expect(try await request(running.base + "/v1/reports/n9", method: .POST, body: report("n9"), token: token).status == 422)
        #expect(try await request(url, method: .POST, body: report("n2"), token: token).status == 422, "the path names another node")
        #expect(try await request(url, method: .POST, body: report("n1"), token: token).status == 202)
        #expect(try await eventually {
            let status = await running.controller.status()
            return status.nodes.first { $0.name == "n1" }?.state == .green && status.state == .yellow
        }, "the pushed report makes n1 Green, so the cluster can serve")
        await running.stop()
    }

    @Test func restartRequestsNeedTheTokenAndAKnownNode() async throws {
        let running = try await start()
        defer { Task { await running.stop() } }
        #expect(try await request(running.base + "/v1/tasks/restart/n1", method: .POST).status == 401)
        let unknown = try await request(running.base + "/v1/tasks/restart/n9", method: .POST, token: token)
        #expect(unknown.status == 404 && unknown.body.contains("n9"))
        // Queued, then refused when it runs: nothing is Synced to rejoin, and the agent is unreachable.
        #expect(try await request(running.base + "/v1/tasks/restart/n1", method: .POST, token: token).status == 202)
        #expect(try await eventually { await running.controller.queue.depth == 0 })
        #expect(await running.controller.actions().isEmpty)
        await running.stop()
    }

    @Test("GET /v1/status?watch=true streams the latest status, then every change, one JSON object per line")
    func watchStreamsChanges() async throws {
        let running = try await start()
        defer { Task { await running.stop() } }
        let response = try await http.execute(HTTPClientRequest(url: running.base + "/v1/status?watch=true"), timeout: .seconds(60))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "content-type") == "application/x-ndjson")
        var lines = NDJSONLines(response.body)
        let first = try JSONDecoder().decode(ClusterStatus.self, from: try await lines.next())
        #expect(first.state == .red)
        #expect(first.nodes.allSatisfy { $0.state == .unknown })
        // A pushed report makes n0 Green: the next line says so, with no request from us.
        #expect(try await request(running.base + "/v1/reports/n0", method: .POST, body: report("n0"), token: token).status == 202)
        var next = first
        while next.nodes.first(where: { $0.name == "n0" })?.state != .green {
            next = try JSONDecoder().decode(ClusterStatus.self, from: try await lines.next())
        }
        #expect(next.state == .yellow)
        #expect(running.controller.feed.subscriberCount == 1)
        let bad = try await request(running.base + "/v1/status?watch=maybe")
        #expect(bad.status == 400 && bad.body.contains("watch=maybe"))
        await running.stop()
    }
}

extension ControllerServerTests {
    @Test("over TLS: the status stream reaches a client that trusts the cluster's CA, and no other")
    func statusOverTLS() async throws {
        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "default")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("controller-tls-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try tls.certificatePEM.write(toFile: directory + "/tls.crt", atomically: true, encoding: .utf8)
        try tls.keyPEM.write(toFile: directory + "/tls.key", atomically: true, encoding: .utf8)
        let running = try await start(tls: try RoleTLS.server(certificateFile: directory + "/tls.crt", keyFile: directory + "/tls.key"))
        defer { Task { await running.stop() } }
        #expect(running.base.hasPrefix("https://"))

        let trusted = ControllerStatusClient(baseURL: running.base, tlsConfiguration: try RoleTLS.client(caPEM: tls.caCertificatePEM))
        let status = try await trusted.status()
        #expect(status.cluster == "demo")
        let first = Mutex<ClusterStatus?>(nil)
        let follower = Task {
            try await trusted.follow { status in first.withLock { $0 = status } }
        }
        defer { follower.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while first.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(first.withLock { $0 }?.cluster == "demo", "the stream delivers over TLS")

        let foreignCA = try ClusterTLS.generate(cluster: "demo", namespace: "default").caCertificatePEM
        let untrusting = ControllerStatusClient(baseURL: running.base, tlsConfiguration: try RoleTLS.client(caPEM: foreignCA))
        await #expect(throws: (any Error).self) { _ = try await untrusting.status() }
        let cleartext = ControllerStatusClient(baseURL: running.base.replacingOccurrences(of: "https://", with: "http://"))
        await #expect(throws: (any Error).self) { _ = try await cleartext.status(timeout: .seconds(3)) }
        // The follower ends before the server does (why: OperatorTestBed.withOperator).
        follower.cancel()
        _ = await follower.result
        await running.stop()
    }
}

/// Splits a streamed body into lines as they arrive.
struct NDJSONLines {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = Data()

    init(_ body: HTTPClientResponse.Body) { iterator = body.makeAsyncIterator() }

    mutating func next() async throws -> Data {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[pending.index(after: newline)...])
                if !line.isEmpty { return Data(line) }
                continue
            }
            guard let chunk = try await iterator.next() else { throw FakeFailure("the stream ended") }
            pending.append(contentsOf: chunk.readableBytesView)
        }
    }
}
