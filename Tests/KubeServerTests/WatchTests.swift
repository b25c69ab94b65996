import Foundation
import KubeAPI
import Testing
@testable import KubeServer

@Suite("Watch")
struct WatchTests {
    let path = "/api/v1/namespaces/default/configmaps"

    @Test("events arrive in order with increasing resourceVersions")
    func ordered() async throws {
        try await withServer { _, client in
            let list = try await client.get(path)
            let version = list.body[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
            let stream = try await client.watch("\(path)?watch=true&resourceVersion=\(version)&timeoutSeconds=10")
            #expect(stream.code == 200)
            var iterator = stream.makeAsyncIterator()
            let created = try await client.post(path, Fixtures.configMap("w"))
            var object = created.body
            object["data"] = ["a": "2"]
            _ = try await client.put("\(path)/w", object)
            _ = try await client.delete("\(path)/w")
            var events: [WatchStream.WatchEvent] = []
            for _ in 0..<3 { if let event = try await iterator.next() { events.append(event) } }
            #expect(events.map(\.type) == ["ADDED", "MODIFIED", "DELETED"])
            let versions = events.compactMap { Int($0.resourceVersion) }
            #expect(versions.count == 3 && versions == versions.sorted() && Set(versions).count == 3)
            #expect(events[1].object[path: ["data", "a"]] == "2")
        }
    }

    @Test("a watch without resourceVersion starts with synthetic ADDED events")
    func initialState() async throws {
        try await withServer { _, client in
            _ = try await client.post(path, Fixtures.configMap("existing"))
            let stream = try await client.watch("\(path)?watch=1&timeoutSeconds=10")
            var iterator = stream.makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first?.type == "ADDED")
            #expect(first?.name == "existing")
        }
    }

    @Test("a watch from a compacted resourceVersion gets one ERROR event with 410 Expired")
    func expired() async throws {
        try await withServer { server, client in
            let created = try await client.post(path, Fixtures.configMap("old"))
            let version = created.body[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
            _ = try await client.mergePatch("\(path)/old", ["data": ["a": "2"]])
            let oldest = await server.compactHistory()
            let stream = try await client.watch("\(path)?watch=true&resourceVersion=\(version)")
            #expect(stream.code == 200)
            var events: [WatchStream.WatchEvent] = []
            for try await event in stream { events.append(event) }
            #expect(events.count == 1)
            #expect(events.first?.type == "ERROR")
            #expect(events.first?.object["code"] == 410)
            #expect(events.first?.object["reason"] == "Expired")
            #expect(events.first?.object["message"] == .string("too old resource version: \(version) (\(oldest))"))
        }
    }

    @Test("bookmarks carry only the current resourceVersion")
    func bookmarks() async throws {
        try await withServer({ $0.bookmarkInterval = .milliseconds(100) }) { server, client in
            let stream = try await client.watch("\(path)?watch=true&allowWatchBookmarks=true&resourceVersion=\(await server.currentResourceVersion())&timeoutSeconds=10")
            var iterator = stream.makeAsyncIterator()
            let event = try await iterator.next()
            #expect(event?.type == "BOOKMARK")
            #expect(event?.object["kind"] == "ConfigMap")
            #expect(event?.object[path: ["metadata", "resourceVersion"]] == .string(await server.currentResourceVersion()))
            #expect(event?.object["data"] == nil)
        }
    }

    @Test("a dropped connection breaks the stream; resuming from the last version loses nothing")
    func droppedConnection() async throws {
        try await withServer { server, client in
            let start = await server.currentResourceVersion()
            let stream = try await client.watch("\(path)?watch=true&resourceVersion=\(start)")
            var iterator = stream.makeAsyncIterator()
            _ = try await client.post(path, Fixtures.configMap("one"))
            let first = try await iterator.next()
            #expect(first?.name == "one")
            let dropped = await server.dropWatches()
            #expect(dropped == 1)
            await #expect(throws: (any Error).self) {
                while try await iterator.next() != nil {}
            }
            _ = try await client.post(path, Fixtures.configMap("two"))
            let resumed = try await client.watch("\(path)?watch=true&resourceVersion=\(first?.resourceVersion ?? "")&timeoutSeconds=10")
            var resumedIterator = resumed.makeAsyncIterator()
            let next = try await resumedIterator.next()
            #expect(next?.type == "ADDED")
            #expect(next?.name == "two")
        }
    }

    @Test("timeoutSeconds ends the stream cleanly")
    func timeout() async throws {
        try await withServer { server, client in
            let clock = ContinuousClock()
            let started = clock.now
            let stream = try await client.watch("\(path)?watch=true&timeoutSeconds=1&resourceVersion=\(await server.currentResourceVersion())")
            var count = 0
            for try await _ in stream { count += 1 }
            #expect(count == 0)
            #expect(clock.now - started >= .milliseconds(900))
            let closed = try await eventually { await server.openWatchCount() == 0 }
            #expect(closed)
        }
    }

    @Test("with a label selector, an object leaving the selection arrives as DELETED")
    func selectorTransitions() async throws {
        try await withServer { server, client in
            let stream = try await client.watch("\(path)?watch=true&labelSelector=app%3Ddb&resourceVersion=\(await server.currentResourceVersion())&timeoutSeconds=10")
            var iterator = stream.makeAsyncIterator()
            _ = try await client.post(path, Fixtures.configMap("other", labels: ["app": "web"]))
            _ = try await client.post(path, Fixtures.configMap("sel", labels: ["app": "db"]))
            _ = try await client.mergePatch("\(path)/sel", ["metadata": ["labels": ["app": "web"]]])
            _ = try await client.mergePatch("\(path)/other", ["metadata": ["labels": ["app": "db"]]])
            var seen: [String] = []
            for _ in 0..<3 { if let event = try await iterator.next() { seen.append("\(event.type) \(event.name)") } }
            #expect(seen == ["ADDED sel", "DELETED sel", "ADDED other"])
        }
    }
}

@Suite("Watch: more cases")
struct MoreWatchTests {
    @Test("sendInitialEvents sends the current state, then a bookmark marking its end")
    func initialEventsEnd() async throws {
        try await withServer { server, client in
            try await Fixtures.installCRD(client)
            _ = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("a"))
            _ = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("b"))
            let invalid = try await client.get("\(Fixtures.mysqlPath)?watch=true&sendInitialEvents=true")
            #expect(invalid.code == 422)
            let stream = try await client.watch("\(Fixtures.mysqlPath)?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=10")
            var iterator = stream.makeAsyncIterator()
            var events: [WatchStream.WatchEvent] = []
            for _ in 0..<3 { if let event = try await iterator.next() { events.append(event) } }
            #expect(events.map(\.type) == ["ADDED", "ADDED", "BOOKMARK"])
            #expect(events[0].object[path: ["spec", "replicas"]] == 3, "watch events carry defaults too")
            #expect(events[2].object[path: ["metadata", "annotations", "k8s.io/initial-events-end"]] == "true")
            #expect(events[2].object["kind"] == "QiniuMySQL")
            #expect(events[2].object[path: ["metadata", "resourceVersion"]] == .string(await server.currentResourceVersion()))
        }
    }

    @Test("watching one object by name sees only it")
    func singleObject() async throws {
        try await withServer { server, client in
            let path = "/api/v1/namespaces/default/configmaps"
            let stream = try await client.watch("\(path)?watch=true&fieldSelector=metadata.name%3Dmine&resourceVersion=\(await server.currentResourceVersion())&timeoutSeconds=10")
            var iterator = stream.makeAsyncIterator()
            _ = try await client.post(path, Fixtures.configMap("other"))
            _ = try await client.post(path, Fixtures.configMap("mine"))
            let event = try await iterator.next()
            #expect(event?.name == "mine")
        }
    }

    @Test("deleting a CRD ends the watches on its resource")
    func crdDeletionEndsWatches() async throws {
        try await withServer { server, client in
            try await Fixtures.installCRD(client)
            let stream = try await client.watch("\(Fixtures.mysqlPath)?watch=true&resourceVersion=\(await server.currentResourceVersion())")
            _ = try await client.delete("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com")
            var count = 0
            for try await _ in stream { count += 1 }
            #expect(count == 0)
        }
    }
}
