import Foundation
import KubeAPI
import Testing
@testable import KubeClient

@Suite struct ExecCredentialTests {
    static let v1 = "client.authentication.k8s.io/v1"

    @Test func parsesTokenAndExpiry() throws {
        let output = #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"abc","expirationTimestamp":"2030-01-02T03:04:05Z"}}"#
        let credential = try ExecCredential.parse(Data(output.utf8), expectedVersion: Self.v1)
        #expect(credential.bearerToken == "abc")
        #expect(credential.expiry == KubeTime.parse("2030-01-02T03:04:05Z"))
        #expect(credential.clientIdentity == nil)
    }

    @Test(arguments: [
        ("not json", "printed something that is not a JSON object"),
        (#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"x"}}"#,
         "returned apiVersion \"client.authentication.k8s.io/v1beta1\" but the kubeconfig asks for \"client.authentication.k8s.io/v1\""),
        (#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}"#, "returned no status"),
        (#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#, "returned neither a token nor a client certificate and key"),
        (#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"x"}}"#, "returned only one of clientCertificateData and clientKeyData"),
        (#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"tomorrow"}}"#, "returned expirationTimestamp \"tomorrow\""),
    ])
    func rejectsBadOutput(output: String, problem: String) {
        #expect { try ExecCredential.parse(Data(output.utf8), expectedVersion: Self.v1) } throws: { error in
            (error as? ExecOutputProblem)?.text.hasPrefix(problem) == true
        }
    }

    @Test func inputCarriesClusterInfoOnlyWhenAsked() throws {
        let bare = try JSONValue.parse(Data(ExecCredential.input(apiVersion: Self.v1, cluster: nil).utf8))
        #expect(bare == ["apiVersion": .string(Self.v1), "kind": "ExecCredential", "spec": ["interactive": false]])
        let info = ExecClusterInfo(server: "https://s:1", tlsServerName: "k", insecureSkipTLSVerify: false,
                                   certificateAuthorityData: Data("PEM".utf8), config: ["a": 1])
        let full = try JSONValue.parse(Data(ExecCredential.input(apiVersion: Self.v1, cluster: info).utf8))
        #expect(full[path: ["spec", "cluster"]] == [
            "server": "https://s:1", "tls-server-name": "k", "certificate-authority-data": .string(Data("PEM".utf8).base64EncodedString()), "config": ["a": 1],
        ])
    }

    /// Real plugins: shell scripts run by the real process runner.
    @Test func pluginReceivesArgsEnvAndExecInfo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("plugin.sh", """
            #!/bin/sh
            printf '%s' "$KUBERNETES_EXEC_INFO" > "\(dir.file("info.json"))"
            printf '%s %s' "$1" "$PROFILE" > "\(dir.file("seen"))"
            echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"tok-'"$PROFILE"'"}}'
            """, executable: true)
        var config = ExecConfig(command: script, apiVersion: "client.authentication.k8s.io/v1beta1")
        config.args = ["--flag"]
        config.env = [("PROFILE", "prod")]
        let plugin = ExecCredentialPlugin(config: config, cluster: ExecClusterInfo(server: "https://s:1"),
                                          environment: ["PATH": "/usr/bin:/bin"], userName: "u", configFile: "/kc")
        let credential = try await plugin.run()
        #expect(credential.bearerToken == "tok-prod")
        #expect(try dir.read("seen") == "--flag prod")
        let info = try JSONValue.parse(Data(try dir.read("info.json").utf8))
        #expect(info[path: ["spec", "interactive"]] == false)
        #expect(info[path: ["spec", "cluster", "server"]] == "https://s:1")
        #expect(info["apiVersion"] == "client.authentication.k8s.io/v1beta1")
    }

    @Test func failingPluginNamesCommandAndShowsStderr() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("login.sh", "#!/bin/sh\necho 'error: SSO session expired, run: sso login' >&2\nexit 3\n", executable: true)
        let plugin = ExecCredentialPlugin(config: ExecConfig(command: script, apiVersion: Self.v1), cluster: nil,
                                          environment: [:], userName: "alice", configFile: "/home/alice/.kube/config")
        let error = await #expect(throws: ExecPluginError.self) { try await plugin.run() }
        #expect(error?.description == """
            exec credential plugin `\(script)` of user "alice" (/home/alice/.kube/config) failed with exit code 3; its stderr:
            error: SSO session expired, run: sso login
            """)
    }

    @Test func bareCommandIsSearchedInPATHAndMissingOneShowsInstallHint() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("bin/my-token", "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"found\"}}'\n", executable: true)
        let env = ["PATH": "/nonexistent:\(dir.file("bin"))"]
        let found = ExecCredentialPlugin(config: ExecConfig(command: "my-token", apiVersion: Self.v1), cluster: nil,
                                         environment: env, userName: nil, configFile: nil)
        #expect(try found.resolveCommand() == dir.file("bin/my-token"))
        #expect(try await found.run().bearerToken == "found")

        var missing = ExecConfig(command: "no-such-plugin", apiVersion: Self.v1)
        missing.installHint = "Install it with: apt-get install no-such-plugin"
        let plugin = ExecCredentialPlugin(config: missing, cluster: nil, environment: env, userName: "u", configFile: "/kc")
        let error = await #expect(throws: ExecPluginError.self) { try await plugin.run() }
        #expect(error?.description == "exec credential plugin `no-such-plugin` of user \"u\" (/kc) was not found in PATH (/nonexistent:\(dir.file("bin"))).\nInstall it with: apt-get install no-such-plugin")
    }

    @Test func hangingPluginIsStoppedAtTheTimeout() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("hang.sh", "#!/bin/sh\necho waiting for a browser >&2\nexec sleep 300\n", executable: true)
        var plugin = ExecCredentialPlugin(config: ExecConfig(command: script, apiVersion: Self.v1), cluster: nil,
                                          environment: [:], userName: nil, configFile: nil)
        plugin.timeout = .milliseconds(500)
        let started = ContinuousClock.now
        let error = await #expect(throws: ExecPluginError.self) { try await plugin.run() }
        // The plugin sleeps 300 s; ending well before that proves it was stopped (loosely
        // bounded because a loaded CI machine schedules slowly).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(error?.description.contains("did not finish within 0.5 seconds and was stopped; its stderr:\nwaiting for a browser") == true, "\(String(describing: error))")
    }

    @Test func interactiveOnlyPluginIsRefusedWithAReason() async {
        var config = ExecConfig(command: "/bin/true", apiVersion: Self.v1)
        config.interactiveMode = "Always"
        let plugin = ExecCredentialPlugin(config: config, cluster: nil, environment: [:], userName: nil, configFile: nil)
        let error = await #expect(throws: ExecPluginError.self) { try await plugin.run() }
        #expect(error?.description.contains("requires an interactive terminal") == true)
    }
}
