import Foundation
import KubeAPI
import KubeServer
import Synchronization
import Testing
@testable import KubeClient

/// Every way a kubeconfig user can authenticate, against the real server over HTTPS.
@Suite struct AuthenticationTests {
    @Test(arguments: ClientKeyType.allCases)
    func clientCertificateInEveryKeyFormat(keyType: ClientKeyType) async throws {
        try await ServerFixture.run { fixture in
            let certificate = try fixture.server.issueClientCertificate(user: "alice", groups: ["system:masters"], keyType: keyType)
            let client = try fixture.client(kubeconfig: fixture.server.kubeconfigYAML(user: "alice", credentials: .clientCertificate(certificate)))
            #expect(client.userName == "alice")
            #expect(client.configuration.tls.clientIdentity != nil)
            let namespace = try await client.get(Namespace.self, name: "default")
            #expect(namespace.metadata.name == "default")
        }
    }

    @Test func clientCertificateFilesWithRelativePaths() async throws {
        try await ServerFixture.run { fixture in
            let certificate = try fixture.server.issueClientCertificate(user: "carol", groups: ["system:masters"], keyType: .rsaPKCS1)
            try fixture.dir.write("certs/carol.crt", certificate.certificatePEM)
            try fixture.dir.write("certs/carol.key", certificate.keyPEM)
            try fixture.dir.write("certs/ca.crt", fixture.server.caCertificatePEM)
            let yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster: {server: "\(fixture.server.url.absoluteString)", certificate-authority: certs/ca.crt}
                users:
                - name: carol
                  user: {client-certificate: certs/carol.crt, client-key: certs/carol.key}
                contexts:
                - name: c
                  context: {cluster: local, user: carol}
                current-context: c
                """
            let client = try fixture.client(kubeconfig: yaml)
            #expect(try await client.serverVersion().major != nil)
        }
    }

    @Test func bearerTokenAndTheMessageOfA401() async throws {
        try await ServerFixture.run { fixture in
            let token = fixture.server.addToken(user: "dave", groups: ["system:masters"])
            let good = try fixture.client(kubeconfig: fixture.kubeconfig(user: "dave", userYAML: "token: \(token)"))
            _ = try await good.list(ConfigMap.self)

            let file = "bad-token-kubeconfig"
            let bad = try fixture.client(kubeconfig: fixture.kubeconfig(user: "dave", userYAML: "token: wrong"), file: file)
            let error = await #expect(throws: KubeError.self) { try await bad.list(ConfigMap.self) }
            guard case .unauthorized? = error else { Issue.record("expected unauthorized, got \(String(describing: error))"); return }
            #expect(error?.description.hasPrefix(
                "the server \(fixture.server.url.absoluteString) rejected the credentials of user \"dave\" (context \"local-dave\", \(fixture.dir.file(file)))") == true,
                "\(String(describing: error))")
        }
    }

    @Test func tokenFileIsReadAgainAfterRotation() async throws {
        try await ServerFixture.run { fixture in
            let first = fixture.server.addToken(user: "sa", groups: ["system:masters"])
            let tokenPath = try fixture.dir.write("token", first + "\n")
            let client = try fixture.client(kubeconfig: fixture.kubeconfig(user: "sa", userYAML: "tokenFile: token"))
            _ = try await client.get(Namespace.self, name: "default")

            // Rotate as the kubelet does: the old token stops working, the file holds a new one.
            let second = fixture.server.addToken(user: "sa", groups: ["system:masters"])
            fixture.server.removeToken(first)
            try (second + "\n").write(toFile: tokenPath, atomically: true, encoding: .utf8)
            // Well within the re-read interval: only the 401 makes the client read the file again.
            _ = try await client.get(Namespace.self, name: "default")

            let third = fixture.server.addToken(user: "sa", groups: ["system:masters"])
            fixture.server.removeToken(second)
            try (third + "\n").write(toFile: tokenPath, atomically: true, encoding: .utf8)
            _ = try await client.list(Namespace.self)
        }
    }

    /// A credential plugin printing `status.token`; counts its runs in a file.
    static func tokenPlugin(_ fixture: ServerFixture, apiVersion: String, expiresIn: Int?) throws -> String {
        let expiry = expiresIn.map { #","expirationTimestamp":"'"$(date -u -d "+\#($0) seconds" +%Y-%m-%dT%H:%M:%SZ)"'""# } ?? ""
        return try fixture.dir.write("plugin.sh", """
            #!/bin/sh
            echo run >> "\(fixture.dir.file("runs"))"
            token=$(cat "\(fixture.dir.file("plugin-token"))")
            echo '{"apiVersion":"\(apiVersion)","kind":"ExecCredential","status":{"token":"'"$token"'"\(expiry)}}'
            """, executable: true)
    }

    static func runs(_ fixture: ServerFixture) -> Int {
        ((try? fixture.dir.read("runs")) ?? "").split(separator: "\n").count
    }

    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func execPluginTokenIsCachedUntilItExpires(apiVersion: String) async throws {
        try await ServerFixture.run { fixture in
            try fixture.dir.write("plugin-token", fixture.server.addToken(user: "erin", groups: ["system:masters"]))
            _ = try Self.tokenPlugin(fixture, apiVersion: apiVersion, expiresIn: 45)
            let yaml = fixture.kubeconfig(user: "erin", userYAML: """
                exec:
                  apiVersion: \(apiVersion)
                  command: ./plugin.sh
                  interactiveMode: Never
                """)
            // The client's time of day runs ahead of the machine's by what the test says.
            let ahead = Mutex<TimeInterval>(0)
            let client = try fixture.client(kubeconfig: yaml, wallClock: { Date().addingTimeInterval(ahead.withLock { $0 }) })
            _ = try await client.get(Namespace.self, name: "default")
            _ = try await client.list(Namespace.self)
            #expect(Self.runs(fixture) == 1)
            #expect(await client.credentialPluginRuns == 1)
            // The expiry has second precision, so the token lives 44 to 45 s from the plugin's
            // run: 30 s later it is still good (unless the machine took 14 s since), ...
            ahead.withLock { $0 = 30 }
            _ = try await client.get(Namespace.self, name: "default")
            #expect(Self.runs(fixture) == 1)
            // ... and 46 s later it is gone: the plugin runs again.
            ahead.withLock { $0 = 46 }
            _ = try await client.get(Namespace.self, name: "default")
            #expect(Self.runs(fixture) == 2)
        }
    }

    @Test func execPluginRunsAgainAfterA401() async throws {
        try await ServerFixture.run { fixture in
            let first = fixture.server.addToken(user: "frank", groups: ["system:masters"])
            try fixture.dir.write("plugin-token", first)
            _ = try Self.tokenPlugin(fixture, apiVersion: "client.authentication.k8s.io/v1", expiresIn: nil)
            let client = try fixture.client(kubeconfig: fixture.kubeconfig(user: "frank", userYAML: """
                exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, interactiveMode: Never}
                """))
            _ = try await client.get(Namespace.self, name: "default")
            _ = try await client.get(Namespace.self, name: "default")
            #expect(Self.runs(fixture) == 1)  // no expiry: cached

            fixture.server.removeToken(first)
            try fixture.dir.write("plugin-token", fixture.server.addToken(user: "frank", groups: ["system:masters"]))
            _ = try await client.get(Namespace.self, name: "default")  // 401, plugin again, retried once
            #expect(Self.runs(fixture) == 2)

            // A plugin whose new credential is rejected too: the 401 reaches the caller, after one retry only.
            fixture.server.removeToken(try fixture.dir.read("plugin-token"))
            let error = await #expect(throws: KubeError.self) { try await client.get(Namespace.self, name: "default") }
            guard case .unauthorized? = error else { Issue.record("expected unauthorized, got \(String(describing: error))"); return }
            #expect(Self.runs(fixture) == 3)
        }
    }

    @Test func execPluginReturningAClientCertificate() async throws {
        try await ServerFixture.run { fixture in
            let certificate = try fixture.server.issueClientCertificate(user: "grace", groups: ["system:masters"], keyType: .ecSEC1)
            let output: JSONValue = [
                "apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                "status": ["clientCertificateData": .string(certificate.certificatePEM), "clientKeyData": .string(certificate.keyPEM)],
            ]
            try fixture.dir.write("credential.json", String(decoding: try output.jsonData(), as: UTF8.self))
            try fixture.dir.write("cert-plugin.sh", "#!/bin/sh\ncat \"\(fixture.dir.file("credential.json"))\"\n", executable: true)
            let client = try fixture.client(kubeconfig: fixture.kubeconfig(user: "grace", userYAML: """
                exec: {apiVersion: client.authentication.k8s.io/v1, command: ./cert-plugin.sh, interactiveMode: Never}
                """))
            _ = try await client.list(ConfigMap.self, namespace: "default")
        }
    }

    @Test func failingExecPluginShowsItsStderr() async throws {
        try await ServerFixture.run { fixture in
            try fixture.dir.write("broken.sh", "#!/bin/sh\necho 'token expired: run `corp-login`' >&2\nexit 2\n", executable: true)
            let client = try fixture.client(kubeconfig: fixture.kubeconfig(user: "henry", userYAML: """
                exec: {apiVersion: client.authentication.k8s.io/v1, command: ./broken.sh, interactiveMode: Never}
                """))
            let error = await #expect(throws: KubeError.self) { try await client.get(Namespace.self, name: "default") }
            guard case .credentials(.exec(let failure))? = error else { Issue.record("expected an exec failure, got \(String(describing: error))"); return }
            #expect(failure.command == fixture.dir.file("broken.sh"))
            #expect(error?.description.contains("failed with exit code 2; its stderr:\ntoken expired: run `corp-login`") == true)
        }
    }

    @Test func forbiddenSaysWhoMayNotDoWhat() async throws {
        try await ServerFixture.run { fixture in
            let token = fixture.server.addToken(user: "ivan")
            fixture.server.setRules(user: "ivan", rules: [AccessRule(verbs: ["get", "list"], apiGroups: [""], resources: ["configmaps"])])
            let client = try fixture.client(kubeconfig: fixture.kubeconfig(user: "ivan", userYAML: "token: \(token)"))
            _ = try await client.list(ConfigMap.self)
            let error = await #expect(throws: KubeError.self) {
                try await client.create(ConfigMap(metadata: ObjectMeta(name: "x"), data: ["a": "b"]))
            }
            guard case .forbidden(let failure)? = error else { Issue.record("expected forbidden, got \(String(describing: error))"); return }
            #expect(failure.request.verb == "create")
            #expect(failure.request.namespace == "default")
            #expect(error?.description.hasPrefix("forbidden: user \"ivan\" (context \"local-ivan\"") == true, "\(String(describing: error))")
            #expect(error?.description.contains("may not create configmaps in namespace \"default\"") == true, "\(String(describing: error))")
        }
    }
}
