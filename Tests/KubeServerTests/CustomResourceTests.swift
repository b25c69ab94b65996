import Foundation
import KubeAPI
import Testing
@testable import KubeServer

@Suite("Custom resources")
struct CustomResourceTests {
    let path = Fixtures.mysqlPath

    @Test("a CRD becomes Established, is discoverable, and its resource is served")
    func establish() async throws {
        try await withServer { _, client in
            #expect(try await client.get(path).code == 404, "not served before the CRD exists")
            try await Fixtures.installCRD(client)
            let crd = try await client.get("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com")
            #expect(crd.body[path: ["status", "acceptedNames", "kind"]] == "QiniuMySQL")
            let groups = try await client.get("/apis")
            #expect(groups.body["groups"]?.arrayValue?.contains { $0["name"] == "mysql.qiniu.com" } == true)
            let resources = try await client.get("/apis/mysql.qiniu.com/v1alpha1")
            let entry = resources.body["resources"]?.arrayValue?.first { $0["name"] == "qiniumysqls" }
            #expect(entry?["kind"] == "QiniuMySQL")
            #expect(entry?["shortNames"] == ["qmysql"])
            #expect(resources.body["resources"]?.arrayValue?.contains { $0["name"] == "qiniumysqls/status" } == true)
            let list = try await client.get(path)
            #expect(list.code == 200)
            #expect(list.body["kind"] == "QiniuMySQLList")
        }
    }

    @Test("schema violations are 422 Invalid with kube's message and causes")
    func schemaRejection() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            let response = try await client.post(path, Fixtures.mysql("demo", spec: ["replicas": 2, "storage": "10Gi"]))
            #expect(response.code == 422)
            #expect(response.body["message"] == "QiniuMySQL.mysql.qiniu.com \"demo\" is invalid: spec.replicas: Unsupported value: 2: supported values: \"1\", \"3\", \"5\", \"7\", \"9\"")
            let cause = response.body[path: ["details", "causes"]]?.arrayValue?.first
            #expect(cause?["reason"] == "FieldValueNotSupported")
            #expect(cause?["field"] == "spec.replicas")
            #expect(cause?["message"] == "Unsupported value: 2: supported values: \"1\", \"3\", \"5\", \"7\", \"9\"")

            let several = try await client.post(path, Fixtures.mysql("demo", spec: ["replicas": "three", "reservedDays": 0]))
            #expect(several.code == 422)
            let causes = several.body[path: ["details", "causes"]]?.arrayValue ?? []
            let fields = Set(causes.compactMap { $0["field"]?.stringValue })
            #expect(fields == ["spec.replicas", "spec.reservedDays", "spec.storage"])
            #expect(causes.contains { $0["reason"] == "FieldValueRequired" && $0["field"] == "spec.storage" })
            #expect(causes.contains { $0["reason"] == "FieldValueTypeInvalid" && $0["message"] == "Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"" })
            #expect(causes.contains { $0["message"] == "Invalid value: 0: spec.reservedDays in body should be greater than or equal to 1" })
            #expect(several.body["message"]?.stringValue?.hasPrefix("QiniuMySQL.mysql.qiniu.com \"demo\" is invalid: [") == true)
        }
    }

    @Test("defaults are applied and unknown fields pruned, except where the schema preserves them")
    func defaultingAndPruning() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            var object = Fixtures.mysql("demo", spec: ["storage": "10Gi", "bogus": true, "options": ["anything": ["goes": 1]]])
            object["extra"] = "dropped"
            let created = try await client.post(path, object)
            #expect(created.code == 201, "\(created.text)")
            #expect(created.body[path: ["spec", "replicas"]] == 3)
            #expect(created.body[path: ["spec", "flavor"]] == "MariaDB")
            #expect(created.body[path: ["spec", "bogus"]] == nil)
            #expect(created.body["extra"] == nil)
            #expect(created.body[path: ["spec", "options", "anything", "goes"]] == 1)
            #expect(created.body[path: ["metadata", "generation"]] == 1)
        }
    }

    @Test("with a status subresource, the main resource ignores status and /status ignores the rest")
    func statusSubresource() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            var object = Fixtures.mysql("demo")
            object["status"] = ["phase": "Ignored"]
            let created = try await client.post(path, object)
            #expect(created.body["status"] == nil, "status is dropped on create")

            var withStatus = created.body
            withStatus["status"] = ["phase": "Green", "readyNodes": 3]
            withStatus[path: ["spec", "replicas"]] = 5
            withStatus[path: ["metadata", "labels"]] = ["tier": "db"]
            let statusWrite = try await client.put("\(path)/demo/status", withStatus)
            #expect(statusWrite.code == 200, "\(statusWrite.text)")
            #expect(statusWrite.body["status"] == ["phase": "Green", "readyNodes": 3])
            #expect(statusWrite.body[path: ["spec", "replicas"]] == 3, "spec is not changed through /status")
            #expect(statusWrite.body[path: ["metadata", "labels"]] == nil, "metadata is not changed through /status")
            #expect(statusWrite.body[path: ["metadata", "generation"]] == 1, "status writes do not bump generation")

            var mainWrite = statusWrite.body
            mainWrite["status"] = ["phase": "Red"]
            mainWrite[path: ["metadata", "labels"]] = ["tier": "db"]
            let labelsOnly = try await client.put("\(path)/demo", mainWrite)
            #expect(labelsOnly.body["status"] == ["phase": "Green", "readyNodes": 3])
            #expect(labelsOnly.body[path: ["metadata", "generation"]] == 1, "metadata changes do not bump generation")

            var specChange = labelsOnly.body
            specChange[path: ["spec", "replicas"]] = 5
            let bumped = try await client.put("\(path)/demo", specChange)
            #expect(bumped.body[path: ["metadata", "generation"]] == 2)
        }
    }

    @Test("custom resources need a resourceVersion on update (no unconditional update)")
    func updateNeedsResourceVersion() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            let created = try await client.post(path, Fixtures.mysql("demo"))
            var object = created.body
            object[path: ["metadata", "resourceVersion"]] = nil
            let response = try await client.put("\(path)/demo", object)
            #expect(response.code == 422)
            #expect(response.body["message"] == "QiniuMySQL.mysql.qiniu.com \"demo\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update")
        }
    }

    @Test("the 404 for a missing custom resource names the resource and group")
    func customNotFound() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            let response = try await client.get("\(path)/demo")
            #expect(response.body["message"] == "qiniumysqls.mysql.qiniu.com \"demo\" not found")
        }
    }

    @Test("deleting the CRD deletes its objects and stops serving it")
    func deleteCRD() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            #expect(try await client.post(path, Fixtures.mysql("demo")).code == 201)
            let deleted = try await client.delete("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com")
            #expect(deleted.code == 200)
            #expect(deleted.body[path: ["metadata", "deletionTimestamp"]] != nil)
            let gone = try await eventually { try await client.get(path).code == 404 }
            #expect(gone)
            #expect(try await client.get("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com").code == 404)
        }
    }

    @Test("an invalid CRD is rejected with field errors")
    func invalidCRD() async throws {
        try await withServer { _, client in
            var crd = Fixtures.qiniuMySQLCRD
            crd[path: ["spec", "scope"]] = "Everywhere"
            crd[path: ["metadata", "name"]] = "wrong.name.example"
            let response = try await client.post(Fixtures.crdPath, crd)
            #expect(response.code == 422)
            let fields = Set(response.body[path: ["details", "causes"]]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
            #expect(fields == ["spec.scope", "metadata.name"])
        }
    }

    @Test("ensuring a CRD by server-side apply is idempotent once it is established")
    func applyCRDIdempotently() async throws {
        try await withServer { _, client in
            let body = String(decoding: try Fixtures.qiniuMySQLCRD.jsonData(), as: UTF8.self)
            let path = "\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com?fieldManager=qmysql-operator&force=true"
            let created = try await client.apply(path, yaml: body)
            #expect(created.code == 201, "\(created.text)")
            #expect(try await eventually {
                Self.established(try await client.get("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com").body)
            })
            let before = try await client.get("\(Fixtures.crdPath)/qiniumysqls.mysql.qiniu.com")
            let again = try await client.apply(path, yaml: body)
            #expect(again.code == 200)
            #expect(again.body[path: ["metadata", "resourceVersion"]] == before.body[path: ["metadata", "resourceVersion"]])
            #expect(Self.established(again.body), "status survives a re-apply")
            #expect(try await client.post(Fixtures.mysqlPath, Fixtures.mysql("demo")).code == 201)
        }
    }

    static func established(_ crd: JSONValue) -> Bool {
        (crd[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0["type"] == "Established" && $0["status"] == "True" }
    }

    @Test("schemas that are not structural are rejected when the CRD is read")
    func structural() throws {
        var crd = Fixtures.qiniuMySQLCRD
        crd[path: ["spec", "versions"]] = [[
            "name": "v1", "served": true, "storage": true,
            "schema": ["openAPIV3Schema": ["type": "object", "properties": ["spec": ["properties": ["a": ["type": "string"]]]]]],
        ]]
        guard case .failure(let failure) = CustomResourceDefinitionReader.read(crd) else {
            Issue.record("a property without a type must be rejected")
            return
        }
        #expect(failure.errors.map(\.message) == [
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
        ])
    }
}
