import Foundation
import KubeAPI
import KubeClient
import KubeServer
import QiniuAPI
import Testing

/// Every failure a user can meet says what went wrong, where, and what to do, with the
/// documented exit code (docs/cli.md), and changes nothing.
@Suite struct ErrorMessageTests {
    @Test func invalidSpecIsRejectedBeforeSendingWithTheServersMessage() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        let result = try await bed.run("create", "demo", "--replicas", "2", "--backup-time", "25:00", "--reserved-days=-3")
        #expect(result.status == 1)
        #expect(result.stderr.contains("spec.replicas: Unsupported value: 2: supported values: \"1\", \"3\", \"5\", \"7\", \"9\""))
        #expect(result.stderr.contains("spec.backup.backupTime"))
        #expect(result.stderr.contains("spec.backup.reservedDays"))
        #expect(try await bed.client.listAll(QiniuMySQL.self).isEmpty)

        // The server, asked directly, names the same field with the same words.
        let invalid = QiniuMySQL(metadata: ObjectMeta(name: "demo"), spec: QiniuMySQLSpec(replicas: 2))
        do {
            _ = try await bed.client.create(invalid)
            Issue.record("the server accepted replicas: 2")
        } catch let error as KubeError {
            guard case .invalid(let failure) = error else { throw error }
            let cause = try #require(failure.causes.first { $0.field == "spec.replicas" })
            #expect(result.stderr.contains(try #require(cause.message)))
        }
    }

    @Test func unknownFlavorAndBadNamesAreUsageErrors() async throws {
        let flavor = try await CommandRunner.run(CLITestBed.executable, ["create", "demo", "--flavor", "oracle"])
        #expect(flavor.status == 64)
        #expect(flavor.stderr.contains("oracle"))
        let name = try await CommandRunner.run(CLITestBed.executable, ["create", "Demo_1"])
        #expect(name.status == 64)
        #expect(name.stderr.contains("lower-case letters"))
        let format = try await CommandRunner.run(CLITestBed.executable, ["status", "demo", "-o", "wide"])
        #expect(format.status == 64)
        #expect(format.stderr.contains("cannot print `-o wide`"))
        let timeout = try await CommandRunner.run(CLITestBed.executable, ["get", "--request-timeout", "soon"])
        #expect(timeout.status == 64)
        #expect(timeout.stderr.contains("is not a duration"))
    }

    @Test func missingCRDsPointToInstall() async throws {
        let bed = try await CLITestBed.start(installed: false)
        defer { Task { await bed.stop() } }
        let result = try await bed.run("get")
        #expect(result.status == 3)
        #expect(result.stderr.contains("qiniumysqls.mysql.qiniu.com"))
        #expect(result.stderr.contains("kubectl qmysql install"))
    }

    @Test func unreachableServerNamesTheAddressAndCause() async throws {
        let bed = try await CLITestBed.start(installed: false)
        defer { Task { await bed.stop() } }
        // Same credentials, but a port where nothing listens.
        let port = bed.server.port
        let text = try String(contentsOfFile: bed.kubeconfig, encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:\(port)", with: "127.0.0.1:1")
        let path = try bed.write("unreachable", text)
        let result = try await bed.run("get", kubeconfig: path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("127.0.0.1:1"))
        #expect(result.stderr.lowercased().contains("refused"))
    }

    @Test func unauthorizedNamesTheUserAndTheKubeconfig() async throws {
        let bed = try await CLITestBed.start(installed: false)
        defer { Task { await bed.stop() } }
        let text = bed.server.kubeconfigYAML(user: "mallory", credentials: .token("not-a-valid-token"))
        let path = try bed.write("mallory", text)
        let result = try await bed.run("get", kubeconfig: path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("mallory"))
        #expect(result.stderr.contains(path))
    }

    @Test func forbiddenNamesVerbResourceAndNamespace() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        let token = bed.server.addToken(user: "viewer")
        bed.server.setRules(user: "viewer", rules: [
            AccessRule(verbs: ["get", "list"], apiGroups: ["mysql.qiniu.com"], resources: ["qiniumysqls"]),
        ])
        let path = try bed.write("viewer", bed.server.kubeconfigYAML(user: "viewer", credentials: .token(token)))
        #expect(try await bed.run("get", kubeconfig: path).status == 0)
        let result = try await bed.run("create", "demo", kubeconfig: path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("viewer"))
        #expect(result.stderr.contains("create"))
        #expect(result.stderr.contains("qiniumysqls"))
        #expect(result.stderr.contains("default"))
    }

    @Test func brokenKubeconfigNamesTheFileAndTheProblem() async throws {
        let bed = try await CLITestBed.start(installed: false)
        defer { Task { await bed.stop() } }
        let garbage = try bed.write("garbage", "apiVersion: v1\nclusters: [unclosed\n")
        let broken = try await bed.run("get", kubeconfig: garbage)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains(garbage))

        let missingFile = try await bed.run("get", kubeconfig: bed.directory.appendingPathComponent("nope").path)
        #expect(missingFile.status == 2)
        #expect(missingFile.stderr.contains("nope"))

        let context = try await bed.run("get", "--context", "elsewhere")
        #expect(context.status == 2)
        #expect(context.stderr.contains("elsewhere"))
    }
}
