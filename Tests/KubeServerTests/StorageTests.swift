import Foundation
import KubeAPI
import Logging
import Testing
@testable import KubeServer

@Suite("Storage file")
struct StorageTests {
    /// A fresh directory under the system's temporary one; the test removes it.
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("kube-server-store-\(UUID().uuidString)")
    }

    @Test("objects, CRDs and the resourceVersion counter survive a restart")
    func restart() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A directory that does not exist yet: the server creates it.
        let storagePath = directory.appendingPathComponent("playground/store.json").path
        let paths = [
            "\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com",
            "\(Fixtures.mysqlPath)/demo",
            "/api/v1/namespaces/default/secrets/credentials",
            "/api/v1/namespaces/team",
            "/api/v1/namespaces/default/services/db",
        ]
        var saved: [String: JSONValue] = [:]
        var savedVersion = ""
        var oldVersion = ""
        var clusterIP = ""
        try await withServer({ $0.storagePath = storagePath }) { server, client in
            try await Fixtures.installCRD(client)
            let mysql = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("demo"))
            #expect(mysql.code == 201, "\(mysql.text)")
            oldVersion = mysql.body[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
            let secret = try await client.post("/api/v1/namespaces/default/secrets",
                                               ["metadata": ["name": "credentials"], "stringData": ["password": "pw"]])
            #expect(secret.code == 201, "\(secret.text)")
            let namespace = try await client.post("/api/v1/namespaces", ["metadata": ["name": "team"]])
            #expect(namespace.code == 201, "\(namespace.text)")
            let service = try await client.post("/api/v1/namespaces/default/services",
                                                ["metadata": ["name": "db"], "spec": ["ports": [["port": 3306]]]])
            #expect(service.code == 201, "\(service.text)")
            clusterIP = service.body[path: ["spec", "clusterIP"]]?.stringValue ?? ""
            for path in paths { saved[path] = try await client.get(path).body }
            savedVersion = await server.currentResourceVersion()
        }

        try await withServer({ $0.storagePath = storagePath }) { server, client in
            // The first request: the CRD's resource is served before anything could establish it again.
            let list = try await client.get(Fixtures.mysqlPath)
            #expect(list.code == 200, "\(list.text)")
            #expect(list.body["items"]?.arrayValue?.map { $0[path: ["metadata", "name"]] } == ["demo"])
            #expect(await server.currentResourceVersion() == String((Int64(savedVersion) ?? 0) + ObjectStore.restartGap),
                    "the counter resumes above every version the killed server may have answered with")
            for path in paths {
                let restored = try await client.get(path)
                #expect(restored.code == 200, "\(path): \(restored.text)")
                #expect(restored.body == saved[path], "\(path) is restored as it was, uid and resourceVersion included")
            }
            let namespaces = try await client.get("/api/v1/namespaces")
            #expect(namespaces.body["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue }
                    == ["default", "kube-node-lease", "kube-public", "kube-system", "team"])

            let created = try await client.post("/api/v1/namespaces/default/configmaps", Fixtures.configMap("new"))
            #expect(created.code == 201)
            let newVersion = Int(created.body[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0
            #expect(newVersion > Int(savedVersion) ?? .max)

            // Cluster IPs in use stay allocated.
            let clash = try await client.post("/api/v1/namespaces/default/services",
                                              ["metadata": ["name": "other"],
                                               "spec": ["clusterIP": .string(clusterIP), "ports": [["port": 3306]]]])
            #expect(clash.code == 422)
            #expect(clash.body["message"]?.stringValue?.contains("provided IP is already allocated") == true)

            // No history before the restart, as after an etcd compaction.
            let stream = try await client.watch("\(Fixtures.mysqlPath)?watch=true&resourceVersion=\(oldVersion)")
            #expect(stream.code == 200)
            var events: [WatchStream.WatchEvent] = []
            for try await event in stream { events.append(event) }
            #expect(events.count == 1)
            #expect(events.first?.type == "ERROR")
            #expect(events.first?.object["code"] == 410)
            let floor = (Int64(savedVersion) ?? 0) + ObjectStore.restartGap
            #expect(events.first?.object["message"] == .string("too old resource version: \(oldVersion) (\(floor))"))
            // The saved version itself is before the restart too: a server that was killed may
            // have answered with versions its file lacks, and those numbers are never reused.
            let saved = try await client.watch("\(Fixtures.mysqlPath)?watch=true&resourceVersion=\(savedVersion)&timeoutSeconds=1")
            var savedEvents: [WatchStream.WatchEvent] = []
            for try await event in saved { savedEvents.append(event) }
            #expect(savedEvents.first?.object["code"] == 410)
            // From the restored floor on, watches work.
            let current = try await client.watch("\(Fixtures.mysqlPath)?watch=true&resourceVersion=\(floor)&timeoutSeconds=1")
            #expect(current.code == 200)
            var later: [WatchStream.WatchEvent] = []
            for try await event in current { later.append(event) }
            #expect(later.isEmpty)
        }
    }

    @Test("changes reach the file soon after, and a failed write is retried on the next change")
    func savesAndRetries() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let storagePath = directory.appendingPathComponent("store.json").path
        let configMaps = GroupResource(group: "", resource: "configmaps")
        func savedNames() -> Set<String> {
            let file = try? StoreFile.load(storagePath)
            return Set(file?.entries.filter { $0.resource == configMaps }.map(\.key.name) ?? [])
        }
        try await withServer({ $0.storagePath = storagePath }) { _, client in
            #expect(FileManager.default.fileExists(atPath: storagePath), "a new store is written at start")
            _ = try await client.post("/api/v1/namespaces/default/configmaps", Fixtures.configMap("one"))
            #expect(try await eventually { savedNames() == ["one"] })

            // The directory disappears: writes fail, the server keeps serving.
            try FileManager.default.removeItem(at: directory)
            let two = try await client.post("/api/v1/namespaces/default/configmaps", Fixtures.configMap("two"))
            #expect(two.code == 201)
            try await Task.sleep(for: .milliseconds(300))
            #expect(!FileManager.default.fileExists(atPath: storagePath))
            #expect(try await client.get("/api/v1/namespaces/default/configmaps/two").code == 200)

            // Once it can be written again, the next change brings the file up to date.
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = try await client.post("/api/v1/namespaces/default/configmaps", Fixtures.configMap("three"))
            #expect(try await eventually { savedNames() == ["one", "two", "three"] })
        }
    }

    @Test("a corrupt file stops start with an error naming it, and is left as it is")
    func corruptFile() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let storagePath = directory.appendingPathComponent("store.json").path
        var logger = Logger(label: "storage-test")
        logger.logLevel = .warning
        var configuration = KubeServerConfiguration()
        configuration.storagePath = storagePath
        for (contents, reason) in [
            ("{\"version\":1,\"resourceVersion\":12,\"objects\":[{\"group\":\"\"", "not valid JSON"),
            ("{\"version\":2,\"resourceVersion\":12,\"objects\":[]}", "format version 2 is not supported"),
        ] {
            let original = Data(contents.utf8)
            try original.write(to: URL(fileURLWithPath: storagePath))
            let error = await #expect(throws: KubeServerError.self) {
                let server = try await LocalKubeServer.start(configuration, logger: logger)
                await server.shutdown()
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains(storagePath), "\(message)")
            #expect(message.contains(reason), "\(message)")
            #expect(FileManager.default.contents(atPath: storagePath) == original)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["store.json"])
        }
    }

    @Test("the format round-trips and refuses what it could not restore faithfully")
    func format() throws {
        func object(_ name: String, _ version: Int) -> JSONValue {
            ["metadata": ["name": .string(name), "resourceVersion": .string(String(version)), "uid": .string("uid-\(name)")]]
        }
        let configMaps = GroupResource(group: "", resource: "configmaps")
        let namespaces = GroupResource(group: "", resource: "namespaces")
        let file = StoreFile(resourceVersion: 7, entries: [
            .init(resource: namespaces, key: ObjectKey(namespace: "", name: "default"), object: object("default", 2)),
            .init(resource: configMaps, key: ObjectKey(namespace: "default", name: "b"), object: object("b", 7)),
            .init(resource: configMaps, key: ObjectKey(namespace: "default", name: "a"), object: object("a", 5)),
        ])
        let data = try file.encoded()
        #expect(try StoreFile.decode(data) == file)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.first == "{\"version\":1,\"resourceVersion\":7,\"objects\":[")
        #expect(lines.count == 5, "one object per line")
        #expect(file.entries.map(\.key.name) == ["a", "b", "default"])

        let store = ObjectStore(historyLimit: 10, restoring: file)
        #expect(store.resourceVersion == 7 + ObjectStore.restartGap, "versions issued but never saved are not reused")
        #expect(store.object(uid: "uid-b") == object("b", 7))
        #expect(throws: ObjectStore.HistoryError.self) { try store.events(of: configMaps, after: 7) }
        #expect(StoreFile(store).entries == file.entries)

        func problem(_ text: String) -> String {
            do {
                _ = try StoreFile.decode(Data(text.utf8))
                return ""
            } catch {
                return error.description
            }
        }
        let entry = #"{"group":"","resource":"configmaps","namespace":"default","name":"a","object":{"metadata":{"resourceVersion":"5"}}}"#
        #expect(problem("[]").hasPrefix("not a store file"))
        #expect(problem(#"{"version":1,"resourceVersion":0,"objects":[]}"#) == "\"resourceVersion\" must be a positive integer")
        #expect(problem(#"{"version":1,"resourceVersion":4,"objects":[\#(entry)]}"#)
                == "objects[0] (configmaps default/a): metadata.resourceVersion must be a number not above 4")
        #expect(problem(#"{"version":1,"resourceVersion":5,"objects":[\#(entry),\#(entry)]}"#)
                == "objects[1]: configmaps default/a appears twice")
        #expect(problem(#"{"version":1,"resourceVersion":5,"objects":[{"group":"","resource":"configmaps","name":""}]}"#)
                == "objects[0]: \"name\" must be a non-empty string")
        #expect(try StoreFile.load("/nonexistent-\(UUID().uuidString)/store.json") == nil)
    }
}
