import AgentAPI
import ClusterCertificates
import ControllerAPI
import Foundation
import KubeAPI
import Operator
import QiniuAPI
import Testing
@testable import Roles

/// What the operator renders into pod templates is what the roles' own parsers accept: the
/// agent's and the controller's arguments of both flavors, after the kubelet's `$(VAR)`
/// expansion, parse back into the very options they were rendered from.
@Suite("rendered arguments parse with the roles' parsers")
struct RenderedArgumentsTests {
    static let secrets = ClusterSecrets(rootPassword: "r", monitorPassword: "m", backupPassword: "b", agentToken: "t",
                                        tls: ClusterTLS(caCertificatePEM: "ca", certificatePEM: "cert", keyPEM: "key"))

    static func renderer(_ flavor: DatabaseFlavor, uuid: String? = nil) -> ClusterRenderer {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "orders-db", namespace: "rds"),
                                 spec: QiniuMySQLSpec(replicas: 5, flavor: flavor, autoRecovery: false))
        cluster.metadata.uid = "uid-1"
        if let uuid { cluster.status = QiniuMySQLStatus(clusterUUID: uuid) }
        return ClusterRenderer(cluster: cluster, settings: OperatorSettings(), secrets: secrets)
    }

    static func containerArgs(_ renderer: ClusterRenderer, kind: String) throws -> [String] {
        let object = try #require(renderer.render().first { $0.type.kind == kind })
        let container = try #require(object.body[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
        return (container["args"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    @Test(arguments: DatabaseFlavor.allCases)
    func agentArguments(flavor: DatabaseFlavor) throws {
        let renderer = Self.renderer(flavor)
        let pod = ["POD_NAME": "orders-db-3", "POD_IP": "10.244.1.17", "POD_NAMESPACE": "rds"]
        let arguments = try Self.containerArgs(renderer, kind: "StatefulSet").map { EnvironmentExpansion.expand($0, pod) }
        let command = try AgentCommand.parse(arguments + [])
        var expected = renderer.agentOptions
        expected.nodeName = "orders-db-3"
        expected.address = "10.244.1.17"
        expected.listenAddress = "10.244.1.17"
        expected.controllerURL = "https://orders-db-controller:9810/v1/reports/orders-db-3"
        #expect(command.options == expected)
        #expect(command.options.problems.isEmpty, "\(command.options.problems)")
        #expect(command.options.peers == (0..<5).map { "orders-db-\($0).orders-db-peers" })
        // The pod's identity is its name: the peers are DNS names, the address its IP.
        #expect(try command.options.resolvedPeers().filter(command.options.isThisNode) == ["orders-db-3.orders-db-peers:4567"])
        #expect(command.options.runDirectory == "/run/mysqld")
        #expect(command.options.logFormat == .json)
    }

    @Test(arguments: [nil, "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002"])
    func controllerArguments(uuid: String?) throws {
        let renderer = Self.renderer(.mariadb, uuid: uuid)
        let rendered = try Self.containerArgs(renderer, kind: "Deployment")
        #expect(rendered == renderer.controllerOptions.arguments)
        let arguments = rendered.map { EnvironmentExpansion.expand($0, ["POD_IP": "10.244.2.9"]) }
        // The Secret volume, as the kubelet would mount it: the command checks its files exist.
        let mount = NSTemporaryDirectory() + "controller-secret-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mount) }
        for key in [ClusterSecrets.Key.agentToken, ClusterSecrets.Key.monitorPassword] {
            try "secret-value-0123456789".write(toFile: "\(mount)/\(key)", atomically: true, encoding: .utf8)
        }
        let mounted = arguments.map { $0.replacingOccurrences(of: "/etc/qmysql/secret", with: mount) }
        let command = try ControllerCommand.parse(mounted)
        let configuration = try command.makeConfiguration(readSecrets: false)
        #expect(configuration.clusterName == "orders-db")
        #expect(configuration.nodes.map(\.name) == (0..<5).map { "orders-db-\($0)" })
        #expect(configuration.formedUUID == uuid)
        #expect(configuration.autoRecovery == false)
        #expect(configuration.listenHost == "10.244.2.9")
        #expect(configuration.stateFile == "/var/lib/qmysql/state.json")
        #expect(configuration.problems.isEmpty, "\(configuration.problems)")
        #expect(configuration.nodes.allSatisfy { $0.agentURL.hasPrefix("https://") }, "agents are reached over HTTPS")
        #expect(arguments.contains("--ca-file") && arguments.contains("--tls-cert-file"))
    }

    @Test func installBinaryCopiesTheExecutable() throws {
        let directory = NSTemporaryDirectory() + "install-binary-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let command = try InstallBinaryCommand.parse(["--to", directory + "/kubectl-qmysql"])
        try command.run()
        #expect(FileManager.default.isExecutableFile(atPath: directory + "/kubectl-qmysql"))
        // The very executable, byte for byte (here the test runner: /proc/self/exe).
        let copied = try Data(contentsOf: URL(fileURLWithPath: directory + "/kubectl-qmysql"))
        #expect(copied == (try Data(contentsOf: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())))
        #expect(throws: (any Error).self) { try InstallBinaryCommand.parse(["--to", "relative/path"]) }
    }
}
