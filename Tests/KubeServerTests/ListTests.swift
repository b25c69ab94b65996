import Foundation
import KubeAPI
import Testing
@testable import KubeServer

@Suite("Lists: selectors, pagination, resourceVersions")
struct ListTests {
    let path = "/api/v1/namespaces/default/configmaps"

    func names(_ response: TestClient.Response) -> [String] {
        response.body["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } ?? []
    }

    func seed(_ client: TestClient) async throws {
        for (index, app) in ["db", "db", "web", "cache", "db"].enumerated() {
            var labels: JSONValue = ["app": .string(app)]
            if index == 0 { labels["primary"] = "true" }
            #expect(try await client.post(path, Fixtures.configMap("cm-\(index)", labels: labels)).code == 201)
        }
    }

    @Test("label selectors filter lists")
    func labelSelectors() async throws {
        try await withServer { _, client in
            try await seed(client)
            #expect(names(try await client.get("\(path)?labelSelector=app%3Ddb")) == ["cm-0", "cm-1", "cm-4"])
            #expect(names(try await client.get("\(path)?labelSelector=app!%3Ddb")) == ["cm-2", "cm-3"])
            #expect(names(try await client.get("\(path)?labelSelector=app%20in%20(web,cache)")) == ["cm-2", "cm-3"])
            #expect(names(try await client.get("\(path)?labelSelector=app%20notin%20(db)")) == ["cm-2", "cm-3"])
            #expect(names(try await client.get("\(path)?labelSelector=primary")) == ["cm-0"])
            #expect(names(try await client.get("\(path)?labelSelector=!primary,app%3Ddb")) == ["cm-1", "cm-4"])
            let bad = try await client.get("\(path)?labelSelector=app%20in%20db")
            #expect(bad.code == 400)
            #expect(bad.body["reason"] == "BadRequest")
        }
    }

    @Test("field selectors on name and namespace; unsupported fields are 400")
    func fieldSelectors() async throws {
        try await withServer { _, client in
            try await seed(client)
            #expect(names(try await client.get("\(path)?fieldSelector=metadata.name%3Dcm-2")) == ["cm-2"])
            #expect(names(try await client.get("\(path)?fieldSelector=metadata.name!%3Dcm-2")).count == 4)
            let all = try await client.get("/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddefault")
            #expect(names(all).count == 5)
            let bad = try await client.get("\(path)?fieldSelector=data.a%3D1")
            #expect(bad.code == 400)
            #expect(bad.body["message"] == "field label not supported: data.a")
            let pods = try await client.get("/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning")
            #expect(pods.code == 200, "pods support status.phase")
        }
    }

    @Test("field selectors on custom resources name the supported fields")
    func customFieldSelector() async throws {
        try await withServer { _, client in
            try await Fixtures.installCRD(client)
            let bad = try await client.get("\(Fixtures.mysqlPath)?fieldSelector=spec.replicas%3D3")
            #expect(bad.code == 400)
            #expect(bad.body["message"] == "\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
        }
    }

    @Test("limit and continue page through a consistent snapshot")
    func pagination() async throws {
        try await withServer { _, client in
            try await seed(client)
            let first = try await client.get("\(path)?limit=2")
            #expect(names(first) == ["cm-0", "cm-1"])
            #expect(first.body[path: ["metadata", "remainingItemCount"]] == 3)
            let token = first.body[path: ["metadata", "continue"]]?.stringValue ?? ""
            #expect(!token.isEmpty)
            // A change after the first page does not show up in later pages of the same list.
            _ = try await client.post(path, Fixtures.configMap("cm-9"))
            _ = try await client.delete("\(path)/cm-3")
            let second = try await client.get("\(path)?limit=2&continue=\(token)")
            #expect(names(second) == ["cm-2", "cm-3"])
            #expect(second.body[path: ["metadata", "resourceVersion"]] == first.body[path: ["metadata", "resourceVersion"]])
            let third = try await client.get("\(path)?limit=2&continue=\(second.body[path: ["metadata", "continue"]]?.stringValue ?? "")")
            #expect(names(third) == ["cm-4"])
            #expect(third.body[path: ["metadata", "continue"]] == nil)
            let filtered = try await client.get("\(path)?limit=1&labelSelector=app%3Ddb")
            #expect(names(filtered) == ["cm-0"])
            #expect(filtered.body[path: ["metadata", "remainingItemCount"]] == nil, "no count when a selector filters")
            #expect(filtered.body[path: ["metadata", "continue"]] != nil)
            let bad = try await client.get("\(path)?limit=2&continue=\(token)&resourceVersion=5")
            #expect(bad.code == 400)
        }
    }

    @Test("a continue token or exact list older than the history is 410 Expired")
    func expiredContinue() async throws {
        try await withServer { server, client in
            try await seed(client)
            let first = try await client.get("\(path)?limit=2")
            let version = first.body[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
            _ = try await client.post(path, Fixtures.configMap("later"))
            _ = await server.compactHistory()
            let token = first.body[path: ["metadata", "continue"]]?.stringValue ?? ""
            let expired = try await client.get("\(path)?limit=2&continue=\(token)")
            #expect(expired.code == 410)
            #expect(expired.body["reason"] == "Expired")
            #expect(expired.body["message"]?.stringValue?.hasPrefix("The provided continue parameter is too old") == true)
            let restart = expired.body[path: ["metadata", "continue"]]?.stringValue ?? ""
            #expect(!restart.isEmpty, "kube offers a token to continue inconsistently")
            let inconsistent = try await client.get("\(path)?limit=10&continue=\(restart)")
            #expect(names(inconsistent) == ["cm-2", "cm-3", "cm-4", "later"])
            let exact = try await client.get("\(path)?limit=2&resourceVersion=\(version)")
            #expect(exact.code == 410)
            let exactMatch = try await client.get("\(path)?resourceVersion=\(version)&resourceVersionMatch=Exact")
            #expect(exactMatch.code == 410)
            #expect(exactMatch.body["message"] == "The resourceVersion for the provided list is too old.")
            let notOlder = try await client.get("\(path)?resourceVersion=\(version)")
            #expect(notOlder.code == 200, "without limit a version means \"not older than\"")
            let tooNew = try await client.get("\(path)?resourceVersion=999999")
            #expect(tooNew.code == 504)
            #expect(tooNew.body["reason"] == "Timeout")
        }
    }

    @Test("an exact list at an older version shows the objects as they were")
    func exactSnapshot() async throws {
        try await withServer { _, client in
            try await seed(client)
            let before = try await client.get(path)
            let version = before.body[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
            _ = try await client.mergePatch("\(path)/cm-0", ["data": ["a": "changed"]])
            _ = try await client.delete("\(path)/cm-1")
            let snapshot = try await client.get("\(path)?resourceVersion=\(version)&resourceVersionMatch=Exact")
            #expect(names(snapshot) == ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"])
            #expect(snapshot.body["items"]?.arrayValue?.first?[path: ["data", "a"]] == "1")
            #expect(snapshot.body[path: ["metadata", "resourceVersion"]] == .string(version))
        }
    }

    @Test("listing across namespaces, and custom resources keep apiVersion and kind on items")
    func clusterWide() async throws {
        try await withServer { _, client in
            #expect(try await client.post("/api/v1/namespaces", ["metadata": ["name": "other"]]).code == 201)
            try await Fixtures.installCRD(client)
            _ = try await client.post(Fixtures.mysqlPath, Fixtures.mysql("a"))
            _ = try await client.post("/apis/mysql.qiniu.com/v1alpha1/namespaces/other/qiniumysqls", Fixtures.mysql("b"))
            let all = try await client.get("/apis/mysql.qiniu.com/v1alpha1/qiniumysqls")
            #expect(all.body["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "namespace"]]?.stringValue } == ["default", "other"])
            #expect(all.body["items"]?.arrayValue?.first?["kind"] == "QiniuMySQL")
            #expect(all.body["items"]?.arrayValue?.first?[path: ["spec", "replicas"]] == 3)
        }
    }
}
