import ClusterCertificates
import Foundation
import KubeAPI
import KubeClient
import QiniuAPI
import Testing

/// `credential` and `mysql`: the commands an operator of a real cluster reaches for first.
@Suite struct OperationalCommandTests {
    static func secret(_ name: String, _ data: [String: String]) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name), "namespace": "default"],
            "data": .object(data.mapValues { .string(Data($0.utf8).base64EncodedString()) }),
        ]
    }

    @Test func credentialPrintsPasswordsAndAClientConfig() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        let missing = try await bed.run("credential", "demo")
        #expect(missing.status == 3, "no Secret yet is 'not found': \(missing.stderr)")
        #expect(missing.stderr.contains("secret demo-secret of cluster demo does not exist yet"))

        let tls = try ClusterTLS.generate(cluster: "demo", namespace: "default")
        _ = try await bed.client.createRaw(Secret.resourceType, Self.secret("demo-secret", [
            "root-password": "r00t\"pass\\word", "monitor-password": "mon-pass", "agent-token": "t", "backup-password": "b",
            "ca.crt": tls.caCertificatePEM, "tls.crt": tls.certificatePEM, "tls.key": tls.keyPEM,
        ]), namespace: "default")
        let root = try await bed.run("credential", "demo")
        #expect(root.status == 0, "\(root.stderr)")
        #expect(root.stdout == "r00t\"pass\\word\n")
        let monitor = try await bed.run("credential", "demo", "--user", "monitor")
        #expect(monitor.stdout == "mon-pass\n")
        let caFile = NSTemporaryDirectory() + "qmysql-cli-ca-\(getpid())/demo/ca.crt"
        defer { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "qmysql-cli-ca-\(getpid())") }
        let cnf = try await bed.run("credential", "demo", "-o", "mycnf", "--ca-file", caFile)
        #expect(cnf.stdout == "[client]\nuser=root\npassword=\"r00t\\\"pass\\\\word\"\nhost=demo.default.svc\nport=3306\nssl-ca=\(caFile)\nssl-verify-server-cert\n",
                "TLS, with the host name checked: the cluster's certificate names its client Service")
        #expect(try String(contentsOfFile: caFile, encoding: .utf8) == tls.caCertificatePEM)
        // A certificate that does not name the client Service (made before clients were served TLS).
        let older = try ClusterTLS.generate(cluster: "other", namespace: "default")
        _ = try await bed.client.mergePatchRaw(Secret.resourceType, name: "demo-secret", namespace: "default", patch: [
            "data": ["tls.crt": .string(Data(older.certificatePEM.utf8).base64EncodedString())],
        ])
        let unnamed = try await bed.run("credential", "demo", "-o", "mycnf", "--ca-file", caFile)
        #expect(unnamed.stdout.hasSuffix("ssl-ca=\(caFile)\n# the cluster's certificate does not name demo.default.svc: the server's host name is not checked\n"), "\(unnamed.stdout)")
        let wrongUser = try await bed.run("credential", "demo", "--user", "admin")
        #expect(wrongUser.status == 64)
        #expect(wrongUser.stderr.contains("root") && wrongUser.stderr.contains("monitor"))
    }

    @Test func credentialUsesTheUsersRootSecret() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        _ = try await bed.client.create(
            QiniuMySQL(metadata: ObjectMeta(name: "shop", namespace: "default"), spec: QiniuMySQLSpec(rootPasswordSecret: "shop-root")))
        _ = try await bed.client.createRaw(Secret.resourceType, Self.secret("shop-root", ["password": "users-own"]), namespace: "default")
        let root = try await bed.run("credential", "shop")
        #expect(root.stdout == "users-own\n", "\(root.stderr)")
    }

    @Test func mysqlExecsTheFlavorsClientOnAReadyNode() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        var cluster = try await bed.client.get(QiniuMySQL.self, name: "demo")
        cluster.status = QiniuMySQLStatus(nodes: [
            QiniuMySQLNodeStatus(name: "demo-0", state: "Red-clean", ready: false),
            QiniuMySQLNodeStatus(name: "demo-1", state: "Green", ready: true),
        ])
        _ = try await bed.client.updateStatus(cluster)
        // A stand-in kubectl that prints what it was asked to run (a real exec needs a kubelet).
        let fake = try bed.write("kubectl", "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\necho\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECTL"] = fake
        let result = try await CommandRunner.run(
            CLITestBed.executable, ["mysql", "demo", "--kubeconfig", bed.kubeconfig, "--", "-e", "SELECT 1"],
            stdin: "", environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "[--kubeconfig][\(bed.kubeconfig)][exec][-i][-n][default][demo-1][-c][mysql][--][mariadb][-e][SELECT 1]\n")

        let chosen = try await CommandRunner.run(
            CLITestBed.executable, ["mysql", "demo", "--node", "2", "--kubeconfig", bed.kubeconfig], stdin: "", environment: environment)
        #expect(chosen.stdout.contains("[demo-2]"))
        let outside = try await CommandRunner.run(
            CLITestBed.executable, ["mysql", "demo", "--node", "3", "--kubeconfig", bed.kubeconfig], stdin: "", environment: environment)
        #expect(outside.status == 64)
        #expect(outside.stderr.contains("cluster demo has 3 nodes (0...2); --node 3 is not one of them"))
    }
}
