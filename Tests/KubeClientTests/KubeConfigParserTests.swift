import Foundation
import KubeAPI
import Testing
@testable import KubeClient

@Suite struct KubeConfigParserTests {
    @Test func parsesClustersUsersContextsAndResolvesRelativePaths() throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: dev
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority: certs/ca.crt
                tls-server-name: kubernetes
                extensions:
                - name: client.authentication.k8s.io/exec
                  extension:
                    audience: dev
                    replicas: 3
            - name: local
              cluster:
                server: https://127.0.0.1:6443
                insecure-skip-tls-verify: true
                certificate-authority-data: \(Data("not a pem".utf8).base64EncodedString())
            users:
            - name: alice
              user:
                client-certificate: ../alice.crt
                client-key: /abs/alice.key
                tokenFile: token
            - name: plugin
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/get-token
                  args: [--cluster, dev]
                  env:
                  - name: PROFILE
                    value: prod
                  installHint: install get-token from the wiki
                  provideClusterInfo: true
                  interactiveMode: Never
            - name: bare
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: aws
            contexts:
            - name: dev
              context: {cluster: dev, user: alice, namespace: rds}
            - name: anon
              context: {cluster: local}
            current-context: dev
            """
        let config = try KubeConfigParser(file: "/home/me/.kube/config").parse(text)
        #expect(config.currentContext == "dev")
        #expect(config.files == ["/home/me/.kube/config"])
        let dev = try #require(config.clusters["dev"])
        #expect(dev.server == "https://10.0.0.1:6443")
        #expect(dev.certificateAuthority == "/home/me/.kube/certs/ca.crt")
        #expect(dev.tlsServerName == "kubernetes")
        #expect(dev.execExtension == ["audience": "dev", "replicas": 3])
        let local = try #require(config.clusters["local"])
        #expect(local.insecureSkipTLSVerify)
        #expect(local.certificateAuthorityData == Data("not a pem".utf8))
        let alice = try #require(config.users["alice"])
        #expect(alice.clientCertificate == "/home/me/alice.crt")
        #expect(alice.clientKey == "/abs/alice.key")
        #expect(alice.tokenFile == "/home/me/.kube/token")
        let plugin = try #require(config.users["plugin"]?.exec)
        #expect(plugin.command == "/home/me/.kube/bin/get-token")
        #expect(plugin.args == ["--cluster", "dev"])
        #expect(plugin.env.map(\.name) == ["PROFILE"])
        #expect(plugin.env.map(\.value) == ["prod"])
        #expect(plugin.provideClusterInfo)
        #expect(plugin.installHint == "install get-token from the wiki")
        // A bare command stays a name to look up in PATH.
        #expect(config.users["bare"]?.exec?.command == "aws")
        var dev_ = KubeConfig.Context(name: "dev", cluster: "dev", user: "alice", namespace: "rds", origin: "/home/me/.kube/config")
        dev_.line = 43
        #expect(config.contexts["dev"] == dev_)
        #expect(config.contexts["anon"]?.user == "")
    }

    @Test func incompleteEntriesLoadAndUnnamedOnesAreSkipped() throws {
        let text = "clusters:\n- name: half\n- cluster: {server: https://x}\ncontexts:\n- name: c\n  context: {user: u}\n"
        let config = try KubeConfigParser(file: "/k").parse(text)
        #expect(config.clusters.keys.sorted() == ["half"])
        #expect(config.clusters["half"]?.server == "")
        #expect(config.clusters["half"]?.line == 2)
        #expect(config.contexts["c"]?.cluster == "")
    }

    @Test func emptyFileIsAnEmptyConfig() throws {
        let config = try KubeConfigParser(file: "/x").parse("")
        #expect(config.isEmpty)
        #expect(config.currentContext == nil)
    }

    @Test func badYAMLNamesFileAndLine() {
        let text = "apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: https://x\n"
        let error = #expect(throws: KubeConfigError.self) { try KubeConfigParser(file: "/etc/kc").parse(text) }
        guard case .invalidYAML(let file, let line, _, _)? = error else {
            Issue.record("expected invalidYAML, got \(String(describing: error))")
            return
        }
        #expect(file == "/etc/kc")
        #expect(line != nil)
        #expect(error?.description.hasPrefix("kubeconfig /etc/kc:") == true)
    }

    @Test(arguments: [
        ("users: {alice: 1}\n", "users must be a list", 1),
        ("clusters:\n- name: a\n  cluster:\n    server: https://x\n    insecure-skip-tls-verify: maybe\n",
         "clusters[0].cluster.insecure-skip-tls-verify must be true or false", 5),
        ("users:\n- name: u\n  user:\n    client-key-data: '%%%'\n", "users[0].user.client-key-data is not valid base64", 4),
        ("contexts:\n- name: c\n  context: [a, b]\n", "contexts[0].context must be a mapping", 3),
        ("clusters:\n- name: a\n  cluster:\n    server: {url: x}\n", "clusters[0].cluster.server must be a string", 4),
    ])
    func invalidFieldsNameThePathAndLine(text: String, expected: String, line: Int) {
        let error = #expect(throws: KubeConfigError.self) { try KubeConfigParser(file: "/k").parse(text) }
        let description = error?.description ?? ""
        #expect(description.contains(expected), "\(description)")
        #expect(description.hasPrefix("kubeconfig /k:\(line):"), "\(description)")
    }
}
