import KubeAPI
import Testing
@testable import KubeServer

@Suite("Authorization")
struct AuthorizationTests {
    @Test("a restricted user gets kube's 403 for a custom resource list")
    func forbiddenList() async throws {
        try await withServer { server, admin in
            try await Fixtures.installCRD(admin)
            let token = server.addToken(user: "bob")
            server.setRules(user: "bob", rules: [AccessRule(verbs: ["get"], apiGroups: [""], resources: ["configmaps"])])
            let bob = try TestClient(server: server, token: token)
            let response = try await bob.get(Fixtures.mysqlPath)
            #expect(response.code == 403)
            #expect(response.body["reason"] == "Forbidden")
            #expect(response.body["message"] == "qiniumysqls.mysql.qiniu.com is forbidden: User \"bob\" cannot list resource \"qiniumysqls\" in API group \"mysql.qiniu.com\" in the namespace \"default\"")
            #expect(response.body[path: ["details", "group"]] == "mysql.qiniu.com")
            #expect(response.body[path: ["details", "kind"]] == "qiniumysqls")
            await bob.shutdown()
        }
    }

    @Test("rules allow exactly their verbs, resources, subresources and namespaces")
    func rulesScope() async throws {
        try await withServer { server, admin in
            #expect(try await admin.post("/api/v1/namespaces", ["metadata": ["name": "team-a"]]).code == 201)
            let token = server.addToken(user: "bob")
            server.setRules(user: "bob", rules: [
                AccessRule(verbs: ["get", "list", "create"], apiGroups: [""], resources: ["configmaps"], namespaces: ["team-a"]),
            ])
            let bob = try TestClient(server: server, token: token)
            #expect(try await bob.post("/api/v1/namespaces/team-a/configmaps", Fixtures.configMap("x")).code == 201)
            #expect(try await bob.get("/api/v1/namespaces/team-a/configmaps/x").code == 200)
            let delete = try await bob.delete("/api/v1/namespaces/team-a/configmaps/x")
            #expect(delete.code == 403)
            #expect(delete.body["message"] == "configmaps \"x\" is forbidden: User \"bob\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"team-a\"")
            let otherNamespace = try await bob.get("/api/v1/namespaces/default/configmaps")
            #expect(otherNamespace.code == 403)
            let clusterWide = try await bob.get("/api/v1/configmaps")
            #expect(clusterWide.body["message"] == "configmaps is forbidden: User \"bob\" cannot list resource \"configmaps\" in API group \"\" at the cluster scope")
            // Discovery stays open to every authenticated user.
            #expect(try await bob.get("/apis").code == 200)
            server.setRules(user: "bob", rules: nil)
            #expect(try await bob.delete("/api/v1/namespaces/team-a/configmaps/x").code == 200)
            await bob.shutdown()
        }
    }
}
