import Clocks
import Foundation
import KubeAPI
import KubeServer
import Testing
@testable import KubeClient

/// List-then-watch against the real server, including its failure hooks: cut connections,
/// compacted history (410), short server-side timeouts, bookmarks.
@Suite struct WatchTests {
    static let fastBackoff = Backoff(initial: .milliseconds(50), cap: .milliseconds(500))

    @Test func snapshotThenChanges() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            for name in ["a", "b"] { _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: name, namespace: ns, labels: ["w": "1"]))) }
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "unlabelled", namespace: ns)))

            let recorder = EventRecorder(client.watch(ConfigMap.self, namespace: ns, options: WatchOptions(labelSelector: "w=1", backoff: Self.fastBackoff)))
            try await recorder.wait("the snapshot") { !$0.isEmpty }
            guard case .snapshot(let items, let isRelist) = recorder.all.first else { Issue.record("first event is not a snapshot"); return }
            #expect(!isRelist)
            #expect(items.compactMap(\.metadata.name).sorted() == ["a", "b"])

            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "c", namespace: ns, labels: ["w": "1"])))
            _ = try await client.mergePatch(ConfigMap.self, name: "a", namespace: ns, patch: ["data": ["x": "1"]])
            _ = try await client.mergePatch(ConfigMap.self, name: "unlabelled", namespace: ns, patch: ["data": ["x": "1"]])
            try await client.delete(ConfigMap.self, name: "b", namespace: ns)
            try await recorder.wait("added c, modified a, deleted b") { events in
                events.filter { $0.kindName != "bookmark" }.map { "\($0.kindName) \($0.name ?? "")" }.suffix(3) == ["added c", "modified a", "deleted b"]
            }
            await recorder.stop()
        }
    }

    @Test func resumesAfterADroppedConnectionWithoutMissingOrRepeating() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "before", namespace: ns)))
            let recorder = EventRecorder(client.watch(ConfigMap.self, namespace: ns, options: WatchOptions(backoff: Self.fastBackoff)))
            try await recorder.wait("the snapshot") { !$0.isEmpty }
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "one", namespace: ns)))
            try await recorder.wait("one") { $0.contains { $0.kindName == "added" && $0.name == "one" } }

            for round in 0..<3 {
                try await Self.waitForWatch(fixture.server)
                #expect(await fixture.server.dropWatches() >= 1)
                _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "after-\(round)", namespace: ns)))
                try await recorder.wait("after-\(round)") { $0.contains { $0.kindName == "added" && $0.name == "after-\(round)" } }
            }
            let names = recorder.all.filter { $0.kindName == "added" }.compactMap(\.name)
            #expect(names == ["one", "after-0", "after-1", "after-2"])
            #expect(recorder.all.filter { if case .snapshot = $0 { true } else { false } }.count == 1)
            #expect(recorder.error == nil)
            await recorder.stop()
        }
    }

    @Test func expiredHistoryRelistsAndSaysSo() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            let elsewhere = try await fixture.makeNamespace(client, prefix: "other")
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "kept", namespace: ns)))
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "doomed", namespace: ns)))
            let recorder = EventRecorder(client.watch(ConfigMap.self, namespace: ns, options: WatchOptions(backoff: Self.fastBackoff)))
            try await recorder.wait("the snapshot") { !$0.isEmpty }
            try await Self.waitForWatch(fixture.server)

            // Changes this watch does not see move the server's version past the watch's, then
            // the history is compacted and the connection cut: resuming must get 410.
            for index in 0..<3 { _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "noise-\(index)", namespace: elsewhere))) }
            await fixture.server.compactHistory()
            // What changes while the watch is away must show up in the relist.
            let dropped = await fixture.server.dropWatches()
            #expect(dropped >= 1)
            try await client.delete(ConfigMap.self, name: "doomed", namespace: ns)
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "new", namespace: ns)))

            try await recorder.wait("a relist") { $0.contains { $0.kindName == "relist" } }
            guard case .snapshot(let items, true)? = recorder.all.last(where: { $0.kindName == "relist" }) else { return }
            let names = Set(items.compactMap(\.metadata.name))
            #expect(names.contains("kept"))
            #expect(!names.contains("doomed") || recorder.all.contains { $0.kindName == "deleted" && $0.name == "doomed" })

            // And the watch goes on after the relist.
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "later", namespace: ns)))
            try await recorder.wait("later") { $0.contains { $0.kindName == "added" && $0.name == "later" } }
            await recorder.stop()
        }
    }

    @Test func watchingFromAnExpiredVersionRelists() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            let old = try await client.create(ConfigMap(metadata: ObjectMeta(name: "x", namespace: ns)))
            for index in 0..<3 { _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "y\(index)", namespace: ns))) }
            await fixture.server.compactHistory()
            let recorder = EventRecorder(client.watch(ConfigMap.self, namespace: ns,
                                                      options: WatchOptions(resourceVersion: old.metadata.resourceVersion, backoff: Self.fastBackoff)))
            try await recorder.wait("a relist after 410") { $0.contains { $0.kindName == "relist" } }
            await recorder.stop()
        }
    }

    @Test func serverSideTimeoutsAndBookmarksAreInvisibleGaps() async throws {
        try await ServerFixture.run({ $0.bookmarkInterval = .milliseconds(200) }) { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            let recorder = EventRecorder(client.watch(ConfigMap.self, namespace: ns, options: WatchOptions(timeoutSeconds: 1, backoff: Self.fastBackoff)))
            try await recorder.wait("a bookmark") { $0.contains { $0.kindName == "bookmark" } }
            try await Task.sleep(for: .milliseconds(2500))  // at least two server-side timeouts
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "late", namespace: ns)))
            try await recorder.wait("late") { $0.contains { $0.kindName == "added" && $0.name == "late" } }
            #expect(recorder.all.filter { $0.kindName == "snapshot" || $0.kindName == "relist" }.count == 1)
            await recorder.stop()
        }
    }

    @Test func stoppingTheConsumerClosesTheWatch() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            var seen = 0
            for try await event in client.watch(ConfigMap.self, namespace: ns) {
                if case .snapshot = event {
                    try await Self.waitForWatch(fixture.server)
                    _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "one", namespace: ns)))
                }
                seen += 1
                if case .added = event { break }
            }
            #expect(seen == 2)
            // Generous: the server notices the closed connection on its next write or read,
            // which can take seconds on a loaded machine.
            let deadline = ContinuousClock.now + .seconds(20)
            while await fixture.server.openWatchCount() > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await fixture.server.openWatchCount() == 0)
        }
    }

    @Test func typedAndRawWatchOfACustomResource() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            try await Widget.install(client)
            let ns = try await fixture.makeNamespace(client)
            let typed = EventRecorder(client.watch(Widget.self, namespace: ns, options: WatchOptions(backoff: Self.fastBackoff)))
            let raw = EventRecorder(client.watchRaw(Widget.resourceType, namespace: KubeClient.allNamespaces, options: WatchOptions(backoff: Self.fastBackoff)))
            try await typed.wait("typed snapshot") { !$0.isEmpty }
            try await raw.wait("raw snapshot") { !$0.isEmpty }
            _ = try await client.create(Widget(name: "w1", namespace: ns, size: 3))
            try await typed.wait("typed added") { $0.contains { $0.object?.spec?.size == 3 } }
            try await raw.wait("raw added") { $0.contains { $0.object?[path: ["metadata", "name"]] == "w1" && $0.object?["kind"] == "Widget" } }
            await typed.stop()
            await raw.stop()
        }
    }

    @Test func forbiddenWatchEndsTheStreamWithTheError() async throws {
        try await ServerFixture.run { fixture in
            let token = fixture.server.addToken(user: "nosy")
            fixture.server.setRules(user: "nosy", rules: [AccessRule(verbs: ["list"], apiGroups: [""], resources: ["configmaps"])])
            let client = try fixture.client(kubeconfig: fixture.kubeconfig(user: "nosy", userYAML: "token: \(token)"))
            let error = await #expect(throws: KubeError.self) {
                for try await _ in client.watch(ConfigMap.self, namespace: "default") {}
            }
            guard case .forbidden(let failure)? = error else { Issue.record("expected forbidden, got \(String(describing: error))"); return }
            #expect(failure.request.verb == "watch")
        }
    }

    @Test func largeObjectsArriveWholeAndOversizedEventsAreAnError() async throws {
        try await ServerFixture.run { fixture in
            let client = try fixture.adminClient()
            let ns = try await fixture.makeNamespace(client)
            let big = String(repeating: "0123456789abcdef", count: 64 * 1024)  // 1 MiB: many TCP segments and chunks
            let recorder = EventRecorder(client.watch(ConfigMap.self, namespace: ns, options: WatchOptions(backoff: Self.fastBackoff)))
            let limited = EventRecorder(client.watch(ConfigMap.self, namespace: ns,
                                                     options: WatchOptions(backoff: Self.fastBackoff, maxEventBytes: 256 * 1024)))
            try await recorder.wait("the snapshot") { !$0.isEmpty }
            try await limited.wait("the snapshot") { !$0.isEmpty }
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "big", namespace: ns), data: ["blob": big]))
            try await recorder.wait("the big object") { $0.contains { $0.object?.data?["blob"]?.count == big.count } }

            let deadline = ContinuousClock.now + .seconds(10)
            while limited.error == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            guard case .watchLineTooLong(let limit, let request, _)? = limited.error as? KubeError else {
                Issue.record("expected watchLineTooLong, got \(String(describing: limited.error))")
                return
            }
            #expect(limit == 256 * 1024)
            #expect(request.verb == "watch")
            await recorder.stop()
            await limited.stop()
        }
    }

    @Test func retriesWithBackoffUntilTheServerComesUp() async throws {
        let port = try BlackHoleListener.unusedPort()
        let authority = try CertificateAuthority.generate()
        let token = "operator-token"
        let client = try KubeClient(configuration: ClientConfiguration(
            server: "https://127.0.0.1:\(port)",
            tls: TLSSettings(trustRoots: TLSSettings.certificates(fromPEM: Data(authority.certificatePEM.utf8))),
            credentials: .token(token), namespace: "default"))
        let recorder = EventRecorder(client.watch(ConfigMap.self, options: WatchOptions(
            backoff: Backoff(initial: .milliseconds(100), cap: .milliseconds(400)), failFastAtStart: false)))
        try await Task.sleep(for: .milliseconds(800))  // several refused attempts
        #expect(recorder.all.isEmpty)
        #expect(recorder.error == nil)

        var configuration = KubeServerConfiguration()
        configuration.port = port
        configuration.certificateAuthority = authority
        configuration.adminToken = token
        let server = try await LocalKubeServer.start(configuration)
        do {
            try await recorder.wait("the snapshot once the server is up") { !$0.isEmpty }
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "hello")))
            try await recorder.wait("hello") { $0.contains { $0.name == "hello" } }
        } catch {
            await recorder.stop()
            try? await client.shutdown()
            await server.shutdown()
            throw error
        }
        await recorder.stop()
        try await client.shutdown()
        await server.shutdown()
    }

    /// Waits until the server has an open watch (the client's, after its list).
    static func waitForWatch(_ server: LocalKubeServer) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if await server.openWatchCount() > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("no watch opened within 5 s")
    }
}
