import Foundation
import KubeAPI
import Testing
@testable import KubeServer

@Suite("Server-side apply, dry run, field validation, built-in strategies")
struct WriteOptionsTests {
    let yaml = """
        apiVersion: mysql.qiniu.com/v1alpha1
        kind: QiniuMySQL
        metadata:
          name: demo
          labels:
            app: mysql
        spec:
          storage: 10Gi
          replicas: 3
          backupTime: "01:01"
        """

    @Test("apply creates, then merges; fieldManager is required")
    func applyCreatesAndUpdates() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            let missing = try await client.apply("\(Fixtures.mysqlPath)/demo", yaml: yaml)
            #expect(missing.code == 422)
            #expect(missing.body["message"] == "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
            let created = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=operator", yaml: yaml)
            #expect(created.code == 201, "\(created.text)")
            let managers = created.body[path: ["metadata", "managedFields"]]?.arrayValue ?? []
            #expect(managers.first?["manager"] == "operator")
            #expect(managers.first?["operation"] == "Apply")
            #expect(managers.first?[path: ["fieldsV1", "f:spec", "f:backupTime"]] == [:])
            let again = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=operator", yaml: yaml)
            #expect(again.code == 200)
            #expect(again.body[path: ["metadata", "resourceVersion"]] == created.body[path: ["metadata", "resourceVersion"]],
                    "re-applying the same configuration writes nothing")
            let without = yaml.replacingOccurrences(of: "  backupTime: \"01:01\"\n", with: "")
                .replacingOccurrences(of: "  backupTime: \"01:01\"", with: "")
            let removed = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=operator", yaml: without)
            #expect(removed.code == 200)
            #expect(removed.body[path: ["spec", "backupTime"]] == nil, "a field no longer applied is removed")
        }
    }

    @Test("apply conflicts with another manager's value; force takes the field")
    func applyConflicts() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            _ = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=operator", yaml: yaml)
            let other = yaml.replacingOccurrences(of: "replicas: 3", with: "replicas: 5")
            let conflict = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=cli", yaml: other)
            #expect(conflict.code == 409)
            #expect(conflict.body["reason"] == "Conflict")
            #expect(conflict.body["message"] == "Apply failed with 1 conflict: conflict with \"operator\": .spec.replicas")
            let forced = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=cli&force=true", yaml: other)
            #expect(forced.code == 200)
            #expect(forced.body[path: ["spec", "replicas"]] == 5)
            #expect(forced.body[path: ["metadata", "generation"]] == 2)
            let notApply = try await client.send(.PATCH, "\(Fixtures.mysqlPath)/demo?force=true", json: ["spec": [:]],
                                                 contentType: "application/merge-patch+json")
            #expect(notApply.code == 422)
        }
    }

    @Test("an update by another manager shows up as an Update entry that apply conflicts with")
    func updateThenApply() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            _ = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=operator", yaml: yaml)
            _ = try await client.send(.PATCH, "\(Fixtures.mysqlPath)/demo?fieldManager=kubectl-edit", json: ["spec": ["replicas": 7]],
                                      contentType: "application/merge-patch+json")
            let conflict = try await client.apply("\(Fixtures.mysqlPath)/demo?fieldManager=operator", yaml: yaml)
            #expect(conflict.code == 409)
            #expect(conflict.body["message"]?.stringValue?.hasPrefix("Apply failed with 1 conflict: conflict with \"kubectl-edit\" using mysql.qiniu.com/v1alpha1 at ") == true)
        }
    }

    @Test("apply to /status changes only status")
    func applyStatus() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            _ = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("demo"))
            let status = """
                apiVersion: mysql.qiniu.com/v1alpha1
                kind: QiniuMySQL
                metadata:
                  name: demo
                status:
                  phase: Green
                """
            let response = try await client.apply("\(Fixtures.mysqlPath)/demo/status?fieldManager=controller", yaml: status)
            #expect(response.code == 200, "\(response.text)")
            #expect(response.body[path: ["status", "phase"]] == "Green")
            let entry = response.body[path: ["metadata", "managedFields"]]?.arrayValue?.first { $0["manager"] == "controller" }
            #expect(entry?["subresource"] == "status")
        }
    }

    @Test("dryRun=All validates and answers without storing")
    func dryRun() async throws {
        try await withServer { _, client in
            let response = try await client.send(.POST, "/api/v1/namespaces/default/configmaps?dryRun=All",
                                                 json: Fixtures.configMap("dry"))
            #expect(response.code == 201)
            #expect(response.body[path: ["metadata", "uid"]] != nil)
            #expect(try await client.get("/api/v1/namespaces/default/configmaps/dry").code == 404)
        }
    }

    @Test("unknown fields: a warning by default, 400 with fieldValidation=Strict")
    func fieldValidation() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            let warned = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("demo", spec: ["storage": "1Gi", "bogus": 1]))
            #expect(warned.code == 201)
            #expect(warned.headers["Warning"] == ["299 - \"unknown field \\\"spec.bogus\\\"\""])
            let strict = try await client.send(.POST, "\(Fixtures.mysqlPath)?fieldValidation=Strict",
                                               json: Fixtures.mysql("demo2", spec: ["storage": "1Gi", "bogus": 1]))
            #expect(strict.code == 400)
            #expect(strict.body["message"] == "strict decoding error: unknown field \"spec.bogus\"")
        }
    }

    @Test("secrets turn stringData into data; statefulsets get kube's defaults and a generation")
    func builtinStrategies() async throws {
        try await withServer { _, client in
            let secret = try await client.post("/api/v1/namespaces/default/secrets",
                                               ["metadata": ["name": "s"], "stringData": ["password": "pw"]])
            #expect(secret.body["data"] == ["password": "cHc="])
            #expect(secret.body["stringData"] == nil)
            #expect(secret.body["type"] == "Opaque")
            let sts: JSONValue = ["metadata": ["name": "db"], "spec": [
                "selector": ["matchLabels": ["app": "db"]], "serviceName": "db",
                "template": ["metadata": ["labels": ["app": "db"]], "spec": ["containers": [["name": "m", "image": "mariadb:11"]]]],
            ]]
            let created = try await client.post("/apis/apps/v1/namespaces/default/statefulsets", sts)
            #expect(created.code == 201)
            #expect(created.body[path: ["metadata", "generation"]] == 1)
            #expect(created.body[path: ["spec", "replicas"]] == 1)
            #expect(created.body[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["imagePullPolicy"] == "IfNotPresent")
            // Sending back what was read changes nothing; changing the spec bumps generation.
            let same = try await client.put("/apis/apps/v1/namespaces/default/statefulsets/db", created.body)
            #expect(same.body[path: ["metadata", "resourceVersion"]] == created.body[path: ["metadata", "resourceVersion"]])
            let scaled = try await client.mergePatch("/apis/apps/v1/namespaces/default/statefulsets/db", ["spec": ["replicas": 3]])
            #expect(scaled.body[path: ["metadata", "generation"]] == 2)
            let renamed = try await client.mergePatch("/apis/apps/v1/namespaces/default/statefulsets/db", ["spec": ["serviceName": "x"]])
            #expect(renamed.code == 422, "a StatefulSet's serviceName cannot change")
            #expect(renamed.body[path: ["details", "causes"]]?.arrayValue?.first?["reason"] == "FieldValueForbidden")
            let status = try await client.mergePatch("/apis/apps/v1/namespaces/default/statefulsets/db/status",
                                                     ["status": ["readyReplicas": 3]])
            #expect(status.body[path: ["metadata", "generation"]] == 2)
            #expect(status.body[path: ["status", "readyReplicas"]] == 3)
        }
    }

    @Test("leases support the optimistic-concurrency loop leader election uses")
    func leases() async throws {
        try await withServer { _, client in
            let path = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"
            let lease: JSONValue = ["metadata": ["name": "qmysql-operator"],
                                    "spec": ["holderIdentity": "a", "leaseDurationSeconds": 15]]
            let created = try await client.post(path, lease)
            #expect(created.code == 201)
            var takeOver = created.body
            takeOver[path: ["spec", "holderIdentity"]] = "b"
            #expect(try await client.put("\(path)/qmysql-operator", takeOver).code == 200)
            var late = created.body
            late[path: ["spec", "holderIdentity"]] = "c"
            #expect(try await client.put("\(path)/qmysql-operator", late).code == 409)
        }
    }
}
