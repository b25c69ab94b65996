import Foundation
import KubeAPI
import Testing
@testable import KubeServer

@Suite("Create, read, update, delete")
struct CRUDTests {
    let path = "/api/v1/namespaces/default/configmaps"

    @Test("create fills uid, creationTimestamp and resourceVersion; get returns the same object")
    func createAndGet() async throws {
        try await withServer { _, client in
            let created = try await client.post(path, Fixtures.configMap("settings"))
            #expect(created.code == 201)
            let metadata = created.body["metadata"] ?? .null
            #expect(metadata["uid"]?.stringValue?.count == 36)
            #expect(metadata["creationTimestamp"]?.stringValue.flatMap(KubeTime.parse) != nil)
            #expect(metadata["namespace"] == "default")
            #expect(Int(metadata["resourceVersion"]?.stringValue ?? "") != nil)
            #expect(metadata["generation"] == nil, "ConfigMaps have no generation")
            let fetched = try await client.get("\(path)/settings")
            #expect(fetched.code == 200)
            #expect(fetched.body == created.body)
            #expect(fetched.body["kind"] == "ConfigMap")
            #expect(fetched.body["apiVersion"] == "v1")
        }
    }

    @Test("creating twice is 409 AlreadyExists with kube's message")
    func alreadyExists() async throws {
        try await withServer { _, client in
            #expect(try await client.post(path, Fixtures.configMap("twice")).code == 201)
            let again = try await client.post(path, Fixtures.configMap("twice"))
            #expect(again.code == 409)
            #expect(again.body["reason"] == "AlreadyExists")
            #expect(again.body["message"] == "configmaps \"twice\" already exists")
            #expect(again.body[path: ["details", "kind"]] == "configmaps")
        }
    }

    @Test("a missing object is 404 NotFound with kube's message")
    func notFound() async throws {
        try await withServer { _, client in
            let response = try await client.get("\(path)/nope")
            #expect(response.code == 404)
            #expect(response.body["reason"] == "NotFound")
            #expect(response.body["message"] == "configmaps \"nope\" not found")
            #expect(response.body[path: ["details", "name"]] == "nope")
        }
    }

    @Test("creating in a namespace that does not exist is 404 namespaces \"x\" not found")
    func missingNamespace() async throws {
        try await withServer { _, client in
            let response = try await client.post("/api/v1/namespaces/ghost/configmaps", Fixtures.configMap("a"))
            #expect(response.code == 404)
            #expect(response.body["message"] == "namespaces \"ghost\" not found")
        }
    }

    @Test("update with a stale resourceVersion is 409 Conflict; with the current one it succeeds")
    func optimisticConcurrency() async throws {
        try await withServer { _, client in
            let created = try await client.post(path, Fixtures.configMap("cc"))
            var first = created.body
            first["data"] = ["a": "2"]
            let updated = try await client.put("\(path)/cc", first)
            #expect(updated.code == 200)
            #expect(updated.body[path: ["metadata", "resourceVersion"]] != created.body[path: ["metadata", "resourceVersion"]])
            var stale = created.body
            stale["data"] = ["a": "3"]
            let conflict = try await client.put("\(path)/cc", stale)
            #expect(conflict.code == 409)
            #expect(conflict.body["reason"] == "Conflict")
            #expect(conflict.body["message"] == "Operation cannot be fulfilled on configmaps \"cc\": the object has been modified; please apply your changes to the latest version and try again")
            // Without a resourceVersion a ConfigMap update is unconditional.
            var unconditional = created.body
            unconditional[path: ["metadata", "resourceVersion"]] = nil
            unconditional["data"] = ["a": "4"]
            #expect(try await client.put("\(path)/cc", unconditional).code == 200)
        }
    }

    @Test("an update that changes nothing keeps the resourceVersion")
    func noOpUpdate() async throws {
        try await withServer { _, client in
            let created = try await client.post(path, Fixtures.configMap("same"))
            let again = try await client.put("\(path)/same", created.body)
            #expect(again.code == 200)
            #expect(again.body[path: ["metadata", "resourceVersion"]] == created.body[path: ["metadata", "resourceVersion"]])
        }
    }

    @Test("merge patch and JSON patch change only what they name")
    func patches() async throws {
        try await withServer { _, client in
            _ = try await client.post(path, Fixtures.configMap("p", data: ["a": "1", "b": "2"]))
            let merged = try await client.mergePatch("\(path)/p", ["data": ["b": nil, "c": "3"]])
            #expect(merged.code == 200)
            #expect(merged.body["data"] == ["a": "1", "c": "3"])
            let patched = try await client.send(.PATCH, "\(path)/p", json: [["op": "replace", "path": "/data/a", "value": "9"]],
                                                contentType: "application/json-patch+json")
            #expect(patched.code == 200)
            #expect(patched.body["data"] == ["a": "9", "c": "3"])
            let failedTest = try await client.send(.PATCH, "\(path)/p", json: [["op": "test", "path": "/data/a", "value": "0"]],
                                                   contentType: "application/json-patch+json")
            #expect(failedTest.code == 422)
            let unsupported = try await client.send(.PATCH, "\(path)/p", json: ["data": [:]], contentType: "text/plain")
            #expect(unsupported.code == 415)
            #expect(unsupported.body["reason"] == "UnsupportedMediaType")
        }
    }

    @Test("generateName gets a random suffix")
    func generateName() async throws {
        try await withServer { _, client in
            let response = try await client.post(path, ["metadata": ["generateName": "job-"], "data": [:]])
            #expect(response.code == 201)
            let name = response.body[path: ["metadata", "name"]]?.stringValue ?? ""
            #expect(name.hasPrefix("job-") && name.count == 9)
        }
    }

    @Test("bad names are 422 Invalid with kube's DNS-1123 message")
    func invalidName() async throws {
        try await withServer { _, client in
            let response = try await client.post(path, Fixtures.configMap("Bad_Name"))
            #expect(response.code == 422)
            #expect(response.body["reason"] == "Invalid")
            #expect(response.body["message"] == "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
            let cause = response.body[path: ["details", "causes"]]?.arrayValue?.first
            #expect(cause?["reason"] == "FieldValueInvalid")
            #expect(cause?["field"] == "metadata.name")
        }
    }

    @Test("malformed JSON is 400; unknown paths 404; wrong methods 405")
    func requestErrors() async throws {
        try await withServer { _, client in
            let malformed = try await client.send(.POST, path, raw: "{not json")
            #expect(malformed.code == 400)
            #expect(malformed.body["reason"] == "BadRequest")
            #expect(malformed.body["message"]?.stringValue?.contains("json parse error") == true)
            let unknown = try await client.get("/apis/nothing.example.com/v1/things")
            #expect(unknown.code == 404)
            #expect(unknown.body["message"] == "the server could not find the requested resource")
            let method = try await client.post("\(path)/x", Fixtures.configMap("x"))
            #expect(method.code == 405)
            #expect(method.body["reason"] == "MethodNotAllowed")
        }
    }

    @Test("DELETE returns a Status for ConfigMaps and the object for Services")
    func deleteAnswers() async throws {
        try await withServer { _, client in
            let created = try await client.post(path, Fixtures.configMap("gone"))
            let deleted = try await client.delete("\(path)/gone")
            #expect(deleted.code == 200)
            #expect(deleted.body["kind"] == "Status")
            #expect(deleted.body["status"] == "Success")
            #expect(deleted.body[path: ["details", "uid"]] == created.body[path: ["metadata", "uid"]])
            #expect(try await client.get("\(path)/gone").code == 404)

            let service: JSONValue = ["metadata": ["name": "db"], "spec": ["ports": [["port": 3306]]]]
            let svc = try await client.post("/api/v1/namespaces/default/services", service)
            #expect(svc.code == 201)
            #expect(svc.body[path: ["spec", "clusterIP"]]?.stringValue?.hasPrefix("10.") == true)
            #expect(svc.body[path: ["spec", "ports"]]?.arrayValue?.first?["targetPort"] == 3306)
            let svcDeleted = try await client.delete("/api/v1/namespaces/default/services/db")
            #expect(svcDeleted.body["kind"] == "Service")
        }
    }

    @Test("lists carry kind, a resourceVersion and items without kind (built-in kinds)")
    func listShape() async throws {
        try await withServer { _, client in
            _ = try await client.post(path, Fixtures.configMap("one"))
            _ = try await client.post(path, Fixtures.configMap("two"))
            let list = try await client.get(path)
            #expect(list.body["kind"] == "ConfigMapList")
            #expect(list.body[path: ["metadata", "resourceVersion"]]?.stringValue != nil)
            let items = list.body["items"]?.arrayValue ?? []
            #expect(items.compactMap { $0[path: ["metadata", "name"]]?.stringValue } == ["one", "two"])
            #expect(items.first?["kind"] == nil)
        }
    }

    @Test("discovery lists built-in groups and resources")
    func discovery() async throws {
        try await withServer { _, client in
            let version = try await client.get("/version")
            #expect(version.body["major"] == "1")
            let groups = try await client.get("/apis")
            let names = groups.body["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names.contains("apps") && names.contains("coordination.k8s.io") && names.contains("policy"))
            let core = try await client.get("/api/v1")
            let configmaps = core.body["resources"]?.arrayValue?.first { $0["name"] == "configmaps" }
            #expect(configmaps?["shortNames"] == ["cm"])
            #expect(configmaps?["namespaced"] == true)
        }
    }

    @Test("bodies may be JSON or YAML; other media types are 415; cluster-wide creates are 405")
    func mediaTypes() async throws {
        try await withServer { _, client in
            let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: \"1\"\n"
            let created = try await client.send(.POST, path, raw: yaml, contentType: "application/yaml")
            #expect(created.code == 201)
            #expect(created.body["data"] == ["a": "1"])
            let text = try await client.send(.POST, path, raw: "hello", contentType: "text/plain")
            #expect(text.code == 415)
            #expect(text.body["message"] == "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
            let clusterWide = try await client.post("/api/v1/configmaps", Fixtures.configMap("nowhere"))
            #expect(clusterWide.code == 405)
        }
    }
}
