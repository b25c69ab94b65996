import Foundation
import KubeAPI
import Testing
@testable import KubeClient

@Suite struct KubeConfigLoaderTests {
    static func kubeconfig(clusters: [(String, String)] = [], users: [String] = [], contexts: [(String, String, String, String?)] = [],
                           current: String? = nil) -> String {
        var text = "apiVersion: v1\nkind: Config\nclusters:\n"
        for (name, server) in clusters { text += "- name: \(name)\n  cluster:\n    server: \(server)\n" }
        text += "users:\n"
        for name in users { text += "- name: \(name)\n  user:\n    token: token-of-\(name)\n" }
        text += "contexts:\n"
        for (name, cluster, user, namespace) in contexts {
            text += "- name: \(name)\n  context:\n    cluster: \(cluster)\n    user: \(user)\n"
            if let namespace { text += "    namespace: \(namespace)\n" }
        }
        if let current { text += "current-context: \(current)\n" }
        return text
    }

    @Test func explicitFileWinsOverKUBECONFIGAndMustExist() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let explicit = try dir.write("explicit", Self.kubeconfig(clusters: [("c", "https://explicit:1")], users: ["u"],
                                                                 contexts: [("x", "c", "u", nil)], current: "x"))
        let other = try dir.write("other", Self.kubeconfig(clusters: [("c", "https://other:1")], users: ["u"],
                                                           contexts: [("x", "c", "u", nil)], current: "x"))
        let loader = KubeConfigLoader(environment: ["KUBECONFIG": other, "HOME": dir.path])
        #expect(try loader.load(options: ClientOptions(kubeconfig: explicit)).server == "https://explicit:1")
        #expect(try loader.load().server == "https://other:1")
        let missing = dir.file("missing")
        #expect(throws: KubeConfigError.fileNotFound(path: missing)) { try loader.load(options: ClientOptions(kubeconfig: missing)) }
    }

    @Test func kubeconfigListMergesFirstDefinitionWinsAndSkipsMissingFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try dir.write("first", Self.kubeconfig(
            clusters: [("shared", "https://first:1")], users: ["alice"], contexts: [("a", "shared", "alice", "ns-a")]))
        let second = try dir.write("second", Self.kubeconfig(
            clusters: [("shared", "https://second:1"), ("only2", "https://only2:1")], users: ["alice", "bob"],
            contexts: [("a", "only2", "bob", nil), ("b", "only2", "bob", nil)], current: "a"))
        let third = try dir.write("third", Self.kubeconfig(current: "b"))
        let env = ["KUBECONFIG": "\(first)::\(dir.file("missing")):\(second):\(third):\(first)", "HOME": dir.path]
        let loader = KubeConfigLoader(environment: env)
        let merged = try loader.loadKubeConfig()
        #expect(merged.files == [first, second, third])
        #expect(merged.clusters["shared"]?.server == "https://first:1")
        #expect(merged.clusters["shared"]?.origin == first)
        #expect(merged.clusters["only2"]?.origin == second)
        #expect(merged.contexts["a"]?.cluster == "shared")
        // The first file that sets current-context wins (the first file sets none).
        #expect(merged.currentContext == "a")
        #expect(merged.currentContextOrigin == second)

        let config = try loader.load()
        #expect(config.contextName == "a")
        #expect(config.server == "https://first:1")
        #expect(config.userName == "alice")
        #expect(config.namespace == "ns-a")
        #expect(config.configFiles == [first, second, third])
        guard case .token(let token) = config.credentials else { Issue.record("expected a token"); return }
        #expect(token == "token-of-alice")
    }

    @Test func homeConfigIsTheDefault() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write(".kube/config", Self.kubeconfig(clusters: [("c", "https://home:6443/")], users: ["u"],
                                                      contexts: [("ctx", "c", "u", nil)], current: "ctx"))
        let config = try KubeConfigLoader(environment: ["HOME": dir.path]).load()
        #expect(config.server == "https://home:6443")
        #expect(config.namespace == "default")
        #expect(config.configFiles == [dir.file(".kube/config")])
    }

    @Test func contextAndNamespaceOverrides() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("kc", Self.kubeconfig(
            clusters: [("c1", "https://one:1"), ("c2", "two:2")], users: ["u1", "u2"],
            contexts: [("one", "c1", "u1", "ns1"), ("two", "c2", "u2", nil)], current: "one"))
        let loader = KubeConfigLoader(environment: ["HOME": dir.path])
        let two = try loader.load(options: ClientOptions(kubeconfig: file, context: "two"))
        #expect(two.contextName == "two")
        #expect(two.server == "https://two:2")  // no scheme: https assumed, as client-go does
        #expect(two.namespace == "default")
        let overridden = try loader.load(options: ClientOptions(kubeconfig: file, namespace: "override"))
        #expect(overridden.namespace == "override")
        #expect(overridden.contextName == "one")
    }

    @Test func brokenReferencesNameWhatIsMissing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("kc", Self.kubeconfig(
            clusters: [("c", "https://c:1")], users: ["u"],
            contexts: [("no-cluster", "ghost", "u", nil), ("no-user", "c", "nobody", nil)]))
        let loader = KubeConfigLoader(environment: ["HOME": dir.path])
        #expect(throws: KubeConfigError.noCurrentContext(files: [file], available: ["no-cluster", "no-user"])) {
            try loader.load(options: ClientOptions(kubeconfig: file))
        }
        let missing = #expect(throws: KubeConfigError.self) { try loader.load(options: ClientOptions(kubeconfig: file, context: "x")) }
        #expect(missing == .contextNotFound(name: "x", files: [file], available: ["no-cluster", "no-user"]))
        #expect(missing?.description == "context \"x\" is not defined in \(file) (defined: no-cluster, no-user)")
        #expect(throws: KubeConfigError.clusterNotFound(cluster: "ghost", context: "no-cluster", file: file)) {
            try loader.load(options: ClientOptions(kubeconfig: file, context: "no-cluster"))
        }
        #expect(throws: KubeConfigError.userNotFound(user: "nobody", context: "no-user", file: file)) {
            try loader.load(options: ClientOptions(kubeconfig: file, context: "no-user"))
        }
    }

    /// kubectl loads files with half-written entries and fails only when one is used; so do we,
    /// naming the file, the line and the setting.
    @Test func incompleteEntriesFailOnlyWhenUsed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("kc", """
            clusters:
            - name: good
              cluster: {server: "https://good:1"}
            - name: stale
              cluster: {insecure-skip-tls-verify: true}
            users:
            - name: u
              user: {token: t}
            - name: plugin
              user:
                exec: {command: get-token}
            contexts:
            - name: ok
              context: {cluster: good, user: u}
            - name: no-server
              context: {cluster: stale, user: u}
            - name: no-cluster
              context: {user: u}
            - name: no-version
              context: {cluster: good, user: plugin}
            current-context: ok
            """)
        let loader = KubeConfigLoader(environment: ["HOME": dir.path])
        #expect(try loader.load(options: ClientOptions(kubeconfig: file)).server == "https://good:1")
        func failure(_ context: String) -> String {
            let error = #expect(throws: KubeConfigError.self) { try loader.load(options: ClientOptions(kubeconfig: file, context: context)) }
            return error?.description ?? ""
        }
        #expect(failure("no-server") == "kubeconfig \(file):4: clusters[\"stale\"].cluster.server is missing")
        #expect(failure("no-cluster") == "kubeconfig \(file):17: contexts[\"no-cluster\"].context.cluster is missing")
        #expect(failure("no-version") == "kubeconfig \(file):9: users[\"plugin\"].user.exec.apiVersion is missing")
    }

    @Test func unreadableCertificateFileNamesPathAndOwner() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("kc", """
            clusters:
            - name: c
              cluster: {server: "https://c:1", certificate-authority: missing-ca.crt}
            contexts:
            - name: x
              context: {cluster: c}
            current-context: x
            """)
        let error = #expect(throws: KubeConfigError.self) { try KubeConfigLoader(environment: [:]).load(options: ClientOptions(kubeconfig: file)) }
        #expect(error == .unreadableReference(setting: "certificate-authority", path: dir.file("missing-ca.crt"),
                                              owner: "cluster \"c\"", file: file, reason: "no such file"))
        #expect(error?.description == "cannot read certificate-authority \(dir.file("missing-ca.crt")) of cluster \"c\" (set in \(file)): no such file")
    }

    @Test func badPEMAndHalfConfiguredCertificatesAreExplained() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try await TestPKI.makeCA(in: dir)
        let (cert, key) = try await pki.makeClientCertificate("alice", commonName: "alice", kind: .ecSEC1)
        func load(_ user: String, cluster: String = "server: https://c:1") throws -> ClientConfiguration {
            let file = try dir.write("kc-\(UUID().uuidString.prefix(4))", """
                clusters:
                - name: c
                  cluster: {\(cluster)}
                users:
                - name: alice
                  user: {\(user)}
                contexts:
                - name: x
                  context: {cluster: c, user: alice}
                current-context: x
                """)
            return try KubeConfigLoader(environment: [:]).load(options: ClientOptions(kubeconfig: file))
        }
        // The good case, for contrast.
        let good = try load("client-certificate: \(cert), client-key: \(key)", cluster: "server: https://c:1, certificate-authority: \(pki.caCertificatePath)")
        #expect(good.tls.clientIdentity?.keyFormat == .ecSEC1)
        #expect(good.tls.trustRoots?.count == 1)

        let garbage = Data("hello".utf8).base64EncodedString()
        let badCA = #expect(throws: KubeConfigError.self) { try load("token: t", cluster: "server: https://c:1, certificate-authority-data: \(garbage)") }
        #expect(badCA?.description.contains("certificate-authority-data of cluster \"c\"") == true)
        #expect(badCA?.description.contains("holds no PEM block") == true)

        let keyAsCert = #expect(throws: KubeConfigError.self) { try load("client-certificate: \(key), client-key: \(key)") }
        #expect(keyAsCert?.description.contains("client certificate holds no certificate (found EC PRIVATE KEY)") == true, "\(String(describing: keyAsCert))")

        let onlyCert = #expect(throws: KubeConfigError.self) { try load("client-certificate: \(cert)") }
        #expect(onlyCert?.description.contains("client-certificate is set but client-key is not") == true)

        let otherKey = try await pki.makeKey("other", kind: .rsaPKCS1)
        let mismatch = #expect(throws: KubeConfigError.self) { try load("client-certificate: \(cert), client-key: \(otherKey)") }
        #expect(mismatch?.description.contains("does not belong to the client certificate") == true, "\(String(describing: mismatch))")

        let both = #expect(throws: KubeConfigError.self) {
            try load("token: t", cluster: "server: https://c:1, insecure-skip-tls-verify: true, certificate-authority: \(pki.caCertificatePath)")
        }
        #expect(both?.description.contains("insecure-skip-tls-verify cannot be combined") == true)

        let provider = #expect(throws: KubeConfigError.self) { try load("auth-provider: {name: gcp}") }
        #expect(provider?.description.contains("user \"alice\" in \(dir.path)/kc-") == true)
        #expect(provider?.description.contains("uses auth-provider \"gcp\", which is not supported") == true)

        let oldExec = #expect(throws: KubeConfigError.self) {
            try load("exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}")
        }
        #expect(oldExec?.description.contains("supported are client.authentication.k8s.io/v1 and client.authentication.k8s.io/v1beta1") == true)

        let badServer = #expect(throws: KubeConfigError.self) { try load("token: t", cluster: "server: 'ftp://c'") }
        #expect(badServer?.description.contains("is not an https:// or http:// URL") == true)
    }

    @Test func inClusterWhenNoKubeconfigExists() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try await TestPKI.makeCA(in: dir)
        let secrets = try TemporaryDirectory("sa")
        defer { secrets.remove() }
        try secrets.write("token", "projected-token\n")
        try secrets.write("namespace", "rds\n")
        try FileManager.default.copyItem(atPath: pki.caCertificatePath, toPath: secrets.file("ca.crt"))
        let paths = InClusterPaths(directory: secrets.path)
        let env = ["HOME": dir.path, "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]

        let config = try KubeConfigLoader(environment: env, inClusterPaths: paths).load()
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.namespace == "rds")
        #expect(config.tls.trustRoots?.count == 1)
        #expect(config.configFiles.isEmpty)
        guard case .tokenFile(let path) = config.credentials else { Issue.record("expected a token file"); return }
        #expect(path == secrets.file("token"))

        var ipv6 = env
        ipv6["KUBERNETES_SERVICE_HOST"] = "fd00::1"
        #expect(try KubeConfigLoader(environment: ipv6, inClusterPaths: paths).load(options: ClientOptions(namespace: "n")).server == "https://[fd00::1]:443")
        #expect(try KubeConfigLoader(environment: ipv6, inClusterPaths: paths).load(options: ClientOptions(namespace: "n")).namespace == "n")

        // A kubeconfig, when present, wins over the pod's service account.
        try dir.write(".kube/config", Self.kubeconfig(clusters: [("c", "https://home:1")], users: ["u"], contexts: [("x", "c", "u", nil)], current: "x"))
        #expect(try KubeConfigLoader(environment: env, inClusterPaths: paths).load().server == "https://home:1")
    }

    @Test func nothingConfiguredSaysWhereItLooked() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let loader = KubeConfigLoader(environment: ["HOME": dir.path], inClusterPaths: InClusterPaths(directory: dir.file("none")))
        let error = #expect(throws: KubeConfigError.self) { try loader.load() }
        #expect(error == .noConfiguration(searched: [dir.file(".kube/config")]))
        #expect(error?.description.contains("pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config") == true)
    }
}
