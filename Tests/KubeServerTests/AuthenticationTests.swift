import AsyncHTTPClient
import Foundation
import KubeAPI
import Testing
@testable import KubeServer

@Suite("Authentication over HTTPS")
struct AuthenticationTests {
    @Test("the admin token lists namespaces, including default and kube-system")
    func adminToken() async throws {
        try await withServer { _, client in
            let response = try await client.get("/api/v1/namespaces")
            #expect(response.code == 200)
            let names = response.body["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } ?? []
            #expect(names.contains("default"))
            #expect(names.contains("kube-system"))
        }
    }

    @Test("an unknown bearer token gets 401 Unauthorized as a Status")
    func badToken() async throws {
        try await withServer { server, _ in
            let client = try TestClient(server: server, token: "not-a-token")
            defer { Task { await client.shutdown() } }
            let response = try await client.get("/api/v1/namespaces")
            #expect(response.code == 401)
            #expect(response.body["kind"] == "Status")
            #expect(response.body["reason"] == "Unauthorized")
            #expect(response.body["message"] == "Unauthorized")
            #expect(response.body["code"] == 401)
            await client.shutdown()
        }
    }

    @Test("no credentials at all gets 401 (anonymous auth is off)")
    func noCredentials() async throws {
        try await withServer { server, _ in
            let client = try TestClient(server: server)
            let response = try await client.get("/version")
            #expect(response.code == 401)
            await client.shutdown()
        }
    }

    @Test("client certificates in every key encoding authenticate", arguments: ClientKeyType.allCases)
    func clientCertificates(keyType: ClientKeyType) async throws {
        try await withServer { server, _ in
            let certificate = try server.issueClientCertificate(user: "carol", groups: ["devs"], keyType: keyType)
            let marker: String
            switch keyType {
            case .rsaPKCS1: marker = "BEGIN RSA PRIVATE KEY"
            case .ecSEC1: marker = "BEGIN EC PRIVATE KEY"
            case .rsaPKCS8, .ecPKCS8: marker = "BEGIN PRIVATE KEY"
            }
            #expect(certificate.keyPEM.contains(marker))
            let client = try TestClient(server: server, certificate: certificate)
            let response = try await client.get("/api/v1/namespaces/default")
            #expect(response.code == 200, "\(response.text)")
            await client.shutdown()
        }
    }

    @Test("the certificate's CN is the user name kube reports in a 403")
    func certificateUserName() async throws {
        try await withServer { server, _ in
            server.setRules(user: "dave", rules: [AccessRule(verbs: ["get"], apiGroups: [""], resources: ["configmaps"])])
            let certificate = try server.issueClientCertificate(user: "dave", groups: ["team"])
            let client = try TestClient(server: server, certificate: certificate)
            let response = try await client.get("/api/v1/namespaces/default/secrets")
            #expect(response.code == 403)
            #expect(response.body["message"] == "secrets is forbidden: User \"dave\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"")
            await client.shutdown()
        }
    }

    @Test("a certificate from another CA gets 401, not a failed handshake")
    func untrustedCertificate() async throws {
        try await withServer { server, _ in
            let stranger = try CertificateAuthority.generate(commonName: "stranger-ca")
            let certificate = try stranger.issueClientCertificate(user: "mallory", groups: ["system:masters"],
                                                                  keyType: .ecPKCS8, validity: 3600)
            let client = try TestClient(server: server, certificate: certificate)
            let response = try await client.get("/api/v1/namespaces")
            #expect(response.code == 401)
            #expect(response.body["reason"] == "Unauthorized")
            await client.shutdown()
        }
    }

    @Test("added tokens authenticate, removed ones stop working")
    func tokenTable() async throws {
        try await withServer { server, _ in
            let token = server.addToken(user: "erin", groups: ["ops"])
            let client = try TestClient(server: server, token: token)
            #expect(try await client.get("/api/v1/namespaces").code == 200)
            server.removeToken(token)
            #expect(try await client.get("/api/v1/namespaces").code == 401)
            await client.shutdown()
        }
    }

    @Test("the admin kubeconfig carries the server, CA and token")
    func kubeconfig() async throws {
        try await withServer { server, _ in
            let yaml = server.adminKubeconfigYAML()
            #expect(yaml.contains("server: \"\(server.url.absoluteString)\""))
            #expect(yaml.contains("token: \"\(server.adminToken)\""))
            #expect(yaml.contains("certificate-authority-data: \"\(Data(server.caCertificatePEM.utf8).base64EncodedString())\""))
            let certificate = try server.issueClientCertificate(user: "frank")
            let certYAML = server.kubeconfigYAML(user: "frank", credentials: .clientCertificate(certificate))
            #expect(certYAML.contains("client-key-data: \"\(Data(certificate.keyPEM.utf8).base64EncodedString())\""))
        }
    }

    @Test("an expired client certificate gets 401")
    func expiredCertificate() async throws {
        try await withServer { server, _ in
            let certificate = try server.issueClientCertificate(user: "late", validity: .zero)
            try await Task.sleep(for: .milliseconds(1100))
            let client = try TestClient(server: server, certificate: certificate)
            #expect(try await client.get("/api/v1/namespaces").code == 401)
            await client.shutdown()
        }
    }

    @Test("the O values are groups: system:masters passes even a user with no rules")
    func groupsFromOrganization() async throws {
        try await withServer { server, _ in
            server.setRules(user: "root", rules: [])
            let plain = try TestClient(server: server, certificate: try server.issueClientCertificate(user: "root"))
            #expect(try await plain.get("/api/v1/namespaces").code == 403)
            let master = try TestClient(server: server,
                                        certificate: try server.issueClientCertificate(user: "root", groups: ["system:masters"]))
            #expect(try await master.get("/api/v1/namespaces").code == 200)
            await plain.shutdown()
            await master.shutdown()
        }
    }
}
