import Foundation
import KubeAPI
import KubeClient
import LocalCluster
import MySQLClient
import NIOPosix
import QiniuAPI
import Testing
@testable import Playground

/// The writer and readers endpoints (docs/endpoints.md) on a whole playground: the Services the
/// operator renders, published by the playground's runtime, following the controller's writer.
///
/// - The first writer is demo-0; the readers endpoint never sends to it.
/// - `switchover --to demo-2`: a connection opened through demo-writer before it is ended (the
///   old writer is fenced), and a new one reaches demo-2.
/// - The writer's mysqld killed under a writer through demo-writer: the endpoint sends to a new
///   Synced node, and no acknowledged row is lost.
/// - A rolling configuration change (every pod replaced, the writer's too) under writes through
///   demo-writer: no acknowledged row is lost, and demo-writer sends to a Synced node after it.
/// - Throughout, never two pods carry the writer label.
extension PlaygroundEndToEndTests {
    @Test func theWriterEndpointFollowsTheWriter() async throws {
        try await Self.withOwnPlayground("writer") { root, threadPool in try await writerScenario(root: root, threadPool: threadPool) }
    }

    func writerScenario(root: String, threadPool: NIOThreadPool) async throws {
        let layout = PlaygroundLayout(root: root)
        let up = try await Self.run(["playground", "up", "--dir", root], in: root, timeout: .seconds(400))
        try #require(up.status == .exited(code: 0), "\(up.output)")
        let client = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig))
        defer { Task { try? await client.shutdown() } }
        let kube = ["--kubeconfig", layout.kubeconfig]

        /// The node a new connection through `options` reaches; nil when none answers (the
        /// endpoint has no node for a moment while the writer moves).
        func node(behind options: MySQLConnectionOptions) async throws -> String? {
            guard let connection = try? await MySQLConnection.connect(options, threadPool: threadPool) else { return nil }
            defer { Task { await connection.close() } }
            return (try? await connection.query("SELECT @@wsrep_node_name"))?.rows.first?.first ?? nil
        }
        func writerNow() async throws -> String? { try await Self.cluster(client).status?.writer }
        /// `playground status -o json`'s status: the host, the pods, the endpoints.
        func playgroundStatus() async throws -> JSONValue {
            let shown = try await Self.run(["playground", "status", "--dir", root, "-o", "json"], in: root, timeout: .seconds(60))
            return try #require(try JSONValue.parse(Data(shown.output.utf8))["status"], "\(shown.output)")
        }

        // Never two pods with the writer label: watched every 50 ms for the whole scenario.
        let labelWatch = Task { () -> Int in
            var most = 0
            while !Task.isCancelled {
                let labelled = try? await client.listAllRaw(Pod.resourceType, namespace: "default",
                                                            options: ListOptions(labelSelector: "\(QiniuLabels.writer)=true"))
                most = max(most, labelled?.count ?? 0)
                try? await Task.sleep(for: .milliseconds(50))
            }
            return most
        }
        defer { labelWatch.cancel() }

        // 1. The first writer, and the readers without it.
        try await Self.eventually("demo-writer is published and sends to demo-0", within: .seconds(60)) {
            guard try await writerNow() == "demo-0", let writer = try? await Self.endpoint(client, service: "demo-writer") else { return false }
            return try await node(behind: writer) == "demo-0"
        }
        let writerEndpoint = try await Self.endpoint(client, service: "demo-writer")
        // As root, the endpoints are the kernel's NAT rules (kube-proxy's way), not the proxy:
        // the rule for demo-writer's address sends to demo-0 alone.
        let shown = try await playgroundStatus()
        let balancing = shown[path: ["host", "endpointBalancing"]]?.stringValue ?? ""
        #expect(balancing.hasPrefix("in the kernel"), "\(balancing)")
        let writerAddress = try #require(shown["endpoints"]?.arrayValue?.first { $0["service"]?.stringValue == "demo-writer" }?["address"]?.stringValue)
        let demo0 = try #require(shown["pods"]?.arrayValue?.first { $0["name"]?.stringValue == "demo-0" }?["address"]?.stringValue)
        let rules = try String(contentsOfFile: root + "/endpoints.nft", encoding: .utf8)
        let port = try #require(writerAddress.split(separator: ":").last.map(String.init))
        #expect(rules.contains("tcp dport \(port) dnat ip to numgen inc mod 1 map { 0 : \(demo0) . 3306 }"), "\(rules)")
        let controllerPods = { () async throws -> [String] in
            try await client.listAllRaw(Pod.resourceType, namespace: "default",
                                        options: ListOptions(labelSelector: "app.kubernetes.io/instance=demo,app.kubernetes.io/component=controller"))
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        }
        let controllerPod = try await controllerPods()
        let readersEndpoint = try await Self.endpoint(client, service: "demo-readers")
        // Rows are read back through demo (every ready node holds every row): the writer
        // endpoint has no node for a moment whenever the writer moves.
        let anyNode = try await Self.endpoint(client)
        try await Self.eventually("demo-readers sends to demo-1 and demo-2 only", within: .seconds(30)) {
            var seen = Set<String>()
            for _ in 0..<8 { if let reached = try await node(behind: readersEndpoint) { seen.insert(reached) } }
            return seen == ["demo-1", "demo-2"]
        }
        let status = try await Self.run(["status", "demo"] + kube, in: root, timeout: .seconds(60))
        #expect(status.output.contains("writes") && status.output.contains("-> demo-0") && status.output.contains("-> demo-1, demo-2"), "\(status.output)")

        // 2. A switchover: the connection opened before it is ended; a new one reaches demo-2.
        let old = try await MySQLConnection.connect(writerEndpoint, threadPool: threadPool)
        #expect(try await old.query("SELECT @@wsrep_node_name").rows.first?.first == "demo-0")
        let switched = try await Self.run(["switchover", "demo", "--to", "demo-2"] + kube, in: root, timeout: .seconds(90))
        #expect(switched.status == .exited(code: 0) && switched.output.contains("the writer of demo is demo-2"), "\(switched.output)")
        try await Self.eventually("new connections through demo-writer reach demo-2", within: .seconds(30)) {
            try await node(behind: writerEndpoint) == "demo-2"
        }
        try await Self.eventually("the connection opened before the switchover is ended", within: .seconds(10)) {
            (try? await old.query("SELECT 1")) == nil
        }
        await old.close()

        // 3. The writer's mysqld killed under writes through demo-writer (the preference
        //    cleared first, so the writer stays where it moves).
        let cleared = try await Self.run(["switchover", "demo", "--clear"] + kube, in: root, timeout: .seconds(60))
        #expect(cleared.status == .exited(code: 0), "\(cleared.output)")
        try await BoundedWriter.prepareSchema(writerEndpoint, threadPool: threadPool)
        let writes = BoundedWriter(targets: [.init(name: "demo-writer", options: writerEndpoint)], maxRows: 20_000,
                                   maxDuration: .seconds(180), pause: .milliseconds(20), threadPool: threadPool)
        writes.start()
        for _ in 0..<100 where writes.acknowledgedCount < 20 { try await Task.sleep(for: .milliseconds(100)) }
        let pidFile = layout.volumeDirectory(namespace: "default", pod: "demo-2", volume: "run") + "/mysqld.pid"
        let victim = try #require(pid_t((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        let before = writes.acknowledgedCount
        #expect(kill(victim, SIGKILL) == 0)
        try await Self.eventually("the writer moves off demo-2 and demo-writer follows", within: .seconds(30)) {
            guard let writer = try await writerNow(), writer != "demo-2" else { return false }
            return try await node(behind: writerEndpoint) == writer
        }
        try await Self.eventually("writes are acknowledged again through demo-writer", within: .seconds(30)) {
            writes.acknowledgedCount > before + 20
        }
        try #require(try await Self.waitGreen(client, within: .seconds(180)), "demo is Green again")
        let report = await writes.finish()
        #expect(report.acknowledged.count > 40, "\(report)")
        #expect(try await writes.missing(on: anyNode).isEmpty, "no acknowledged row is lost: \(report)")
        let controllerLog = ((try? FileManager.default.subpathsOfDirectory(atPath: layout.root + "/pods/default")) ?? [])
            .filter { $0.hasPrefix("demo-controller") && $0.hasSuffix("controller.log") }
            .compactMap { try? String(contentsOfFile: layout.root + "/pods/default/" + $0, encoding: .utf8) }.joined()
            .split(separator: "\n").filter { $0.contains("writer") || $0.contains("desired state") }.joined(separator: "\n")
        #expect(try await writerNow() != "demo-2", "the writer stays where it moved when demo-2 is back: \(controllerLog)")

        // 4. A rolling configuration change: every pod is replaced, one at a time; the writer's
        //    stop waits for the writer to move first.
        let pods = { () async throws -> [String: String] in
            var uids: [String: String] = [:]
            for pod in try await client.listAllRaw(Pod.resourceType, namespace: "default",
                                                   options: ListOptions(labelSelector: "app.kubernetes.io/component=database")) {
                if let name = pod[path: ["metadata", "name"]]?.stringValue { uids[name] = pod[path: ["metadata", "uid"]]?.stringValue }
            }
            return uids
        }
        let podsBefore = try await pods()
        let rolling = BoundedWriter(targets: [.init(name: "demo-writer", options: writerEndpoint)], maxRows: 50_000,
                                    maxDuration: .seconds(300), pause: .milliseconds(20), threadPool: threadPool)
        rolling.start()
        _ = try await client.mergePatchRaw(QiniuMySQL.resourceType, name: "demo", namespace: "default",
                                           patch: ["spec": ["config": ["max_connections": "321"]]])
        try await Self.eventually("every database pod was replaced and demo is Green", within: .seconds(300)) {
            let now = try await pods()
            guard now.count == 3, now.allSatisfy({ podsBefore[$0.key] != $0.value }) else { return false }
            return try await Self.cluster(client).status?.state == .green
        }
        let rolled = await rolling.finish()
        #expect(rolled.acknowledged.count > 40, "\(rolled)")
        #expect(try await rolling.missing(on: anyNode).isEmpty, "no acknowledged row is lost in the rollout: \(rolled)")
        try await Self.eventually("demo-writer sends to the writer after the rollout", within: .seconds(20)) {
            guard let writer = try await writerNow() else { return false }
            return try await node(behind: writerEndpoint) == writer
        }

        // The controller survived it all: a crash would hide behind its restart (one did, in a
        // release build only, at every eviction of a killed node).
        #expect(try await controllerPods() == controllerPod, "one controller pod throughout")
        let after = try await playgroundStatus()
        let restarts = after["pods"]?.arrayValue?
            .first { $0["name"]?.stringValue == controllerPod.first }?[path: ["containers"]]?.arrayValue?.first?["restarts"]?.intValue
        #expect(restarts == 0, "the controller's container never restarted: \(after)")

        labelWatch.cancel()
        let most = await labelWatch.value
        #expect(most == 1, "one pod carried the writer label at most (and one did): \(most)")
    }
}
