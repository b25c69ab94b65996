import Foundation
import KubeAPI
import Testing
@testable import KubeServer

@Suite("Deletion: finalizers, garbage collection, namespaces")
struct DeletionTests {
    let path = "/api/v1/namespaces/default/configmaps"

    func owned(_ name: String, by owner: JSONValue, blocking: Bool = false) -> JSONValue {
        var object = Fixtures.configMap(name)
        object[path: ["metadata", "ownerReferences"]] = [[
            "apiVersion": owner["apiVersion"] ?? "", "kind": owner["kind"] ?? "",
            "name": owner[path: ["metadata", "name"]] ?? "", "uid": owner[path: ["metadata", "uid"]] ?? "",
            "controller": true, "blockOwnerDeletion": .bool(blocking),
        ]]
        return object
    }

    @Test("finalizers keep a deleted object, with deletionTimestamp, until they are removed")
    func finalizers() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            var object = Fixtures.mysql("demo")
            object[path: ["metadata", "finalizers"]] = ["mysql.qiniu.com/cleanup"]
            let created = try await client.post(Fixtures.mysqlPath, object)
            #expect(created.body[path: ["metadata", "generation"]] == 1)
            let deleting = try await client.delete("\(Fixtures.mysqlPath)/demo")
            #expect(deleting.code == 200)
            #expect(deleting.body["kind"] == "QiniuMySQL", "an object that stays is returned")
            #expect(deleting.body[path: ["metadata", "deletionTimestamp"]] != nil)
            #expect(deleting.body[path: ["metadata", "generation"]] == 2, "setting deletionTimestamp bumps generation")
            let still = try await client.get("\(Fixtures.mysqlPath)/demo")
            #expect(still.code == 200)
            let addFinalizer = try await client.mergePatch("\(Fixtures.mysqlPath)/demo",
                                                           ["metadata": ["finalizers": ["mysql.qiniu.com/cleanup", "other.io/x"]]])
            #expect(addFinalizer.code == 422, "no new finalizers while deleting")
            let removed = try await client.mergePatch("\(Fixtures.mysqlPath)/demo", ["metadata": ["finalizers": nil]])
            #expect(removed.code == 200)
            #expect(try await client.get("\(Fixtures.mysqlPath)/demo").code == 404)
        }
    }

    @Test("background deletion removes dependents asynchronously; a dependent with another live owner keeps it")
    func background() async throws {
        try await withServer { _, client in
            let owner = try await client.post(path, Fixtures.configMap("owner")).body
            let other = try await client.post(path, Fixtures.configMap("other-owner")).body
            _ = try await client.post(path, owned("child", by: owner))
            var shared = owned("shared", by: owner)
            var references = shared[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
            references.append(["apiVersion": "v1", "kind": "ConfigMap", "name": "other-owner",
                               "uid": other[path: ["metadata", "uid"]] ?? ""])
            shared[path: ["metadata", "ownerReferences"]] = .array(references)
            _ = try await client.post(path, shared)
            let deleted = try await client.delete("\(path)/owner")
            #expect(deleted.body["kind"] == "Status")
            #expect(try await eventually { try await client.get("\(path)/child").code == 404 })
            let survivor = try await client.get("\(path)/shared")
            #expect(survivor.code == 200)
            let ownerNames = survivor.body[path: ["metadata", "ownerReferences"]]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(ownerNames == ["other-owner"], "the dangling reference is removed")
        }
    }

    @Test("a dependent whose owner never existed is collected")
    func danglingOwner() async throws {
        try await withServer { _, client in
            let ghost: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "ghost", "uid": "00000000-0000-0000-0000-000000000000"]]
            _ = try await client.post(path, owned("orphaned", by: ghost))
            #expect(try await eventually { try await client.get("\(path)/orphaned").code == 404 })
        }
    }

    @Test("orphan propagation keeps dependents and removes their owner reference")
    func orphan() async throws {
        try await withServer { _, client in
            let owner = try await client.post(path, Fixtures.configMap("owner")).body
            _ = try await client.post(path, owned("child", by: owner))
            let deleting = try await client.delete("\(path)/owner", ["propagationPolicy": "Orphan"])
            #expect(deleting.code == 200)
            #expect(deleting.body[path: ["metadata", "finalizers"]] == ["orphan"])
            #expect(try await eventually { try await client.get("\(path)/owner").code == 404 })
            let child = try await client.get("\(path)/child")
            #expect(child.code == 200)
            #expect(child.body[path: ["metadata", "ownerReferences"]] == nil)
        }
    }

    @Test("foreground propagation deletes dependents first, then the owner")
    func foreground() async throws {
        try await withServer { _, client in
            let owner = try await client.post(path, Fixtures.configMap("owner")).body
            var child = owned("child", by: owner, blocking: true)
            child[path: ["metadata", "finalizers"]] = ["example.com/hold"]
            _ = try await client.post(path, child)
            let deleting = try await client.delete("\(path)/owner?propagationPolicy=Foreground")
            #expect(deleting.body[path: ["metadata", "finalizers"]] == ["foregroundDeletion"])
            #expect(try await eventually {
                try await client.get("\(path)/child").body[path: ["metadata", "deletionTimestamp"]] != nil
            })
            #expect(try await client.get("\(path)/owner").code == 200, "the owner waits for its dependent")
            _ = try await client.mergePatch("\(path)/child", ["metadata": ["finalizers": nil]])
            #expect(try await eventually { try await client.get("\(path)/owner").code == 404 })
        }
    }

    @Test("preconditions on DELETE are checked")
    func preconditions() async throws {
        try await withServer { _, client in
            _ = try await client.post(path, Fixtures.configMap("p"))
            let response = try await client.delete("\(path)/p", ["preconditions": ["uid": "wrong"]])
            #expect(response.code == 409)
            #expect(response.body["message"]?.stringValue?.contains("Precondition failed: UID in precondition: wrong") == true)
            #expect(try await client.delete("\(path)/missing").code == 404)
        }
    }

    @Test("deleting a namespace empties it, then removes it; it refuses new content meanwhile")
    func namespace() async throws {
        try await withServer({ $0.controllerDelay = .milliseconds(200) }) { _, client in
            #expect(try await client.post("/api/v1/namespaces", ["metadata": ["name": "doomed"]]).code == 201)
            var held = Fixtures.configMap("held")
            held[path: ["metadata", "finalizers"]] = ["example.com/hold"]
            _ = try await client.post("/api/v1/namespaces/doomed/configmaps", held)
            _ = try await client.post("/api/v1/namespaces/doomed/configmaps", Fixtures.configMap("plain"))
            let deleting = try await client.delete("/api/v1/namespaces/doomed")
            #expect(deleting.body[path: ["status", "phase"]] == "Terminating")
            let refused = try await client.post("/api/v1/namespaces/doomed/configmaps", Fixtures.configMap("late"))
            #expect(refused.code == 403)
            #expect(refused.body["message"] == "configmaps \"late\" is forbidden: unable to create new content in namespace doomed because it is being terminated")
            #expect(try await eventually { try await client.get("/api/v1/namespaces/doomed/configmaps/plain").code == 404 })
            #expect(try await client.get("/api/v1/namespaces/doomed").code == 200, "waits for the held object")
            _ = try await client.mergePatch("/api/v1/namespaces/doomed/configmaps/held", ["metadata": ["finalizers": nil]])
            #expect(try await eventually { try await client.get("/api/v1/namespaces/doomed").code == 404 })
            let protected = try await client.delete("/api/v1/namespaces/default")
            #expect(protected.code == 403)
        }
    }

    @Test("deletecollection deletes what the selector matches")
    func deleteCollection() async throws {
        try await withServer { _, client in
            _ = try await client.post(path, Fixtures.configMap("a", labels: ["x": "1"]))
            _ = try await client.post(path, Fixtures.configMap("b", labels: ["x": "1"]))
            _ = try await client.post(path, Fixtures.configMap("c"))
            let response = try await client.delete("\(path)?labelSelector=x%3D1")
            #expect(response.code == 200)
            #expect(response.body["items"]?.arrayValue?.count == 2)
            let left = try await client.get(path)
            #expect(left.body["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } == ["c"])
        }
    }
}
