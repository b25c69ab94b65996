import Foundation
import KubeAPI
@testable import KubeServer
import Testing
@testable import KubeClient

/// Server verification as configured in the cluster entry, and the messages when it fails.
@Suite struct TLSTests {
    @Test func aServerSignedByAnotherCAIsRejectedWithAHint() async throws {
        try await ServerFixture.run { fixture in
            let otherCA = try CertificateAuthority.generate(commonName: "someone-else")
            var yaml = fixture.server.adminKubeconfigYAML()
            yaml = yaml.replacingOccurrences(of: Data(fixture.server.caCertificatePEM.utf8).base64EncodedString(),
                                             with: Data(otherCA.certificatePEM.utf8).base64EncodedString())
            let client = try fixture.client(kubeconfig: yaml, file: "stale-ca")
            let error = await #expect(throws: KubeError.self) { try await client.get(Namespace.self, name: "default") }
            guard case .unreachable(let failure)? = error, case .certificateNotTrusted = failure.cause else {
                Issue.record("expected certificateNotTrusted, got \(String(describing: error))")
                return
            }
            #expect(error?.description.contains("TLS verification failed, the server's certificate is not signed by the certificate authority from certificate-authority-data of cluster \"qmysql-local\" in \(fixture.dir.file("stale-ca"))") == true,
                    "\(String(describing: error))")
        }
    }

    @Test func tlsServerNameIsTheNameSentAndVerified() async throws {
        try await ServerFixture.run { fixture in
            // The certificate is valid for 127.0.0.1 and localhost; connect by IP, present and verify localhost.
            let client = try fixture.client(kubeconfig: fixture.kubeconfig(user: "admin", userYAML: "token: \(fixture.server.adminToken)")
                .replacingOccurrences(of: "    certificate-authority-data:", with: "    tls-server-name: localhost\n    certificate-authority-data:"))
            #expect(client.configuration.tls.serverName == "localhost")
            _ = try await client.get(Namespace.self, name: "default")
            // (A mismatching tls-server-name cannot be shown against this server: NIOSSL also accepts a
            // certificate whose IP SAN is the connected address, and the server's has 127.0.0.1.
            // TransportFailureTests covers how a hostname failure is reported.)
        }
    }

    @Test func insecureSkipTLSVerifyConnectsWithoutACA() async throws {
        try await ServerFixture.run { fixture in
            let yaml = """
                apiVersion: v1
                clusters:
                - name: local
                  cluster: {server: "\(fixture.server.url.absoluteString)", insecure-skip-tls-verify: true}
                users:
                - name: admin
                  user: {token: \(fixture.server.adminToken)}
                contexts:
                - name: c
                  context: {cluster: local, user: admin}
                current-context: c
                """
            let client = try fixture.client(kubeconfig: yaml)
            _ = try await client.get(Namespace.self, name: "default")
        }
    }

    @Test func aClientCertificateFromAnUnknownCAIsA401() async throws {
        try await ServerFixture.run { fixture in
            let otherCA = try CertificateAuthority.generate(commonName: "rogue")
            let rogue = try otherCA.issueClientCertificate(user: "mallory", groups: ["system:masters"], keyType: .ecPKCS8, validity: 3600)
            let client = try fixture.client(kubeconfig: fixture.server.kubeconfigYAML(user: "mallory", credentials: .clientCertificate(rogue)))
            let error = await #expect(throws: KubeError.self) { try await client.get(Namespace.self, name: "default") }
            // Like kube-apiserver, the server completes TLS and answers 401 to a certificate it cannot verify.
            guard case .unauthorized? = error else { Issue.record("expected unauthorized, got \(String(describing: error))"); return }
            #expect(error?.description.contains("rejected the credentials of user \"mallory\"") == true)
        }
    }
}
