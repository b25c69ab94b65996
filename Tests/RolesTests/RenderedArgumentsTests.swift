import AgentAPI
import ClusterCertificates
import Controller
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import KubeRuntime
import ObjectStorage
import Operator
import QiniuAPI
import RoleFlags
import Testing
@testable import Roles

/// What the operator renders into pod templates is what the roles' own parsers accept: the
/// agent's and the controller's arguments of both flavors, after the kubelet's `$(VAR)`
/// expansion, parse back into the very options they were rendered from.
@Suite("rendered arguments parse with the roles' parsers")
struct RenderedArgumentsTests {
    static let secrets = ClusterSecrets(rootPassword: "r", monitorPassword: "m", backupPassword: "b", agentToken: "t",
                                        tls: ClusterTLS(caCertificatePEM: "ca", certificatePEM: "cert", keyPEM: "key"))

    static func renderer(_ flavor: Flavor, uuid: String? = nil) -> ClusterRenderer {
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

    @Test(arguments: Flavor.allCases)
    func agentArguments(flavor: Flavor) throws {
        let renderer = Self.renderer(flavor)
        let pod = ["POD_NAME": "orders-db-3", "POD_IP": "10.244.1.17", "POD_NAMESPACE": "rds"]
        let arguments = try Self.containerArgs(renderer, kind: "StatefulSet").map { EnvironmentExpansion.expand($0, pod) }
        let parsed = try AgentCommand.parse(arguments).options
        var expected = renderer.agentOptions
        expected.nodeName = "orders-db-3"
        expected.address = "10.244.1.17"
        expected.listenAddress = "10.244.1.17"
        expected.controllerURL = "https://orders-db-controller:9810/v1/reports/orders-db-3"
        #expect(parsed == expected)
        #expect(parsed.problems.isEmpty, "\(parsed.problems)")
        // The peers are a file in the ConfigMap (a scale changes no pod template), read at every
        // mysqld start: DNS names, this pod's among them; the pod's address is its IP.
        #expect(parsed.peers.isEmpty && parsed.peersFile == "/etc/qmysql/config/peers")
        let configMap = try #require(renderer.render().first { $0.type.kind == "ConfigMap" })
        let file = try #require(configMap.body[path: ["data", "peers"]]?.stringValue)
        let peers = try AgentOptions.resolve([file], galeraPort: parsed.galeraPort)
        #expect(peers == (0..<5).map { "orders-db-\($0).orders-db-peers:4567" })
        #expect(peers.filter(parsed.isThisNode) == ["orders-db-3.orders-db-peers:4567"])
        #expect(parsed.runDirectory == "/run/mysqld")
        #expect(parsed.logFormat == .json)
    }

    /// The controller's command line holds its identity, addresses and files; the settings are
    /// its desired state (`PUT /v1/spec`), which the controller's own parser checks the same way.
    @Test(arguments: [nil, "6f1d1b5e-3c3a-11ef-8a7e-0242ac120002"])
    func controllerArguments(uuid: String?) throws {
        let renderer = Self.renderer(.mariadb, uuid: uuid)
        let rendered = try Self.containerArgs(renderer, kind: "Deployment")
        #expect(rendered == renderer.controllerOptions.arguments)
        #expect(try rendered == Self.containerArgs(Self.renderer(.mariadb, uuid: nil), kind: "Deployment"),
                "the formed UUID is no argument: learning it restarts no controller")
        for setting in ["--node", "--formed-uuid", "--no-auto-recovery", "--paused", "--backup-time", "--reserved-days", "--replicas"] {
            #expect(!rendered.contains(setting), "\(setting) is desired state, not an argument")
        }
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
        let configuration = try command.makeConfiguration(try command.options, readSecrets: false)
        #expect(configuration.clusterName == "orders-db")
        #expect(configuration.nodes.isEmpty, "the nodes come with the desired state")
        #expect(configuration.listenHost == "10.244.2.9")
        #expect(configuration.stateFile == "/var/lib/qmysql-backups/.qmysql-controller-state.json", "on a volume that outlives the pod")
        #expect(configuration.problems.isEmpty, "\(configuration.problems)")
        #expect(arguments.contains("--ca-file") && arguments.contains("--tls-cert-file"))

        // The desired state parses as the controller parses it.
        let spec = renderer.controllerSpec
        let desired = try DesiredState(spec: spec)
        #expect(desired.nodes.map(\.name) == (0..<5).map { "orders-db-\($0)" })
        #expect(desired.nodes.allSatisfy { $0.agentURL.hasPrefix("https://") }, "agents are reached over HTTPS")
        #expect(desired.formedUUID == uuid)
        #expect(desired.autoRecovery == false && desired.paused == false)
        #expect(desired.generation == spec.generation)
    }

    /// `spec.backup.s3` and a clone's `spec.restoreFrom.s3`: the controller's arguments name the
    /// mounted Secrets' files, parse back into the same stores, and build real S3 stores from
    /// the files as the kubelet would mount them; no backup directory, a small claim for the state.
    @Test func s3StoresReachTheControllerAsMountedFiles() throws {
        var cluster = QiniuMySQL(metadata: ObjectMeta(name: "orders-db", namespace: "staging"), spec: QiniuMySQLSpec(replicas: 3))
        cluster.spec.backup = BackupSpec(s3: S3StoreSpec(
            endpoint: "https://s3.example.com:9000", bucket: "qmysql-backups", credentialsSecret: "s3-keys", caSecret: "s3-ca",
            serverSideEncryption: S3EncryptionSpec(mode: .customerKey, customerKeySecret: "s3-sse")))
        cluster.spec.restoreFrom = RestoreFromSpec(cluster: "orders-db", backup: "orders-db-20261205-010100", s3: S3StoreSpec(
            endpoint: "http://10.0.0.7:7480", bucket: "other-bucket", prefix: "prod/", addressing: .virtualHost, credentialsSecret: "prod-keys"))
        let renderer = ClusterRenderer(cluster: cluster, settings: OperatorSettings(), secrets: Self.secrets)
        let arguments = try Self.containerArgs(renderer, kind: "Deployment").map { EnvironmentExpansion.expand($0, ["POD_IP": "10.244.2.9"]) }
        #expect(!arguments.contains("--backup-dir") && !arguments.contains("--restore-from-dir"), "\(arguments)")
        #expect(arguments == renderer.controllerOptions.arguments.map { EnvironmentExpansion.expand($0, ["POD_IP": "10.244.2.9"]) })
        let rendered = renderer.controllerOptions
        #expect(rendered.backupS3 == S3StoreOptions(
            endpoint: "https://s3.example.com:9000", bucket: "qmysql-backups", prefix: "staging/", credentialsDirectory: "/etc/qmysql/s3/credentials",
            caFile: "/etc/qmysql/s3/ca/ca.crt", encryption: .customerKey, customerKeyFile: "/etc/qmysql/s3/sse/customer-key"))
        #expect(rendered.restoreFromS3 == S3StoreOptions(
            endpoint: "http://10.0.0.7:7480", bucket: "other-bucket", prefix: "prod/", virtualHost: true,
            credentialsDirectory: "/etc/qmysql/restore-s3/credentials"))
        #expect(rendered.restoreFrom == "orders-db/orders-db-20261205-010100", "the clone may share the source's name")

        // The pod mounts exactly those Secrets, each with the keys the files need.
        let deployment = try #require(renderer.render().first { $0.type.kind == "Deployment" }).body
        let volumes = deployment[path: ["spec", "template", "spec", "volumes"]]?.arrayValue ?? []
        let secretVolumes = Dictionary(uniqueKeysWithValues: volumes.compactMap { volume -> (String, [String])? in
            guard let name = volume[path: ["secret", "secretName"]]?.stringValue else { return nil }
            return (name, volume[path: ["secret", "items"]]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? [])
        })
        #expect(secretVolumes["s3-keys"] == ["access-key-id", "secret-access-key"])
        #expect(secretVolumes["s3-ca"] == ["ca.crt"] && secretVolumes["s3-sse"] == ["customer-key"])
        #expect(secretVolumes["prod-keys"] == ["access-key-id", "secret-access-key"])
        let claim = try #require(renderer.render().first { $0.type.kind == "PersistentVolumeClaim" }).body
        #expect(claim[path: ["spec", "resources", "requests", "storage"]] == "1Gi", "the claim keeps only the controller's state")

        // Mounted as the kubelet would, the files build the stores (no request is sent).
        let mount = NSTemporaryDirectory() + "controller-s3-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: mount) }
        for directory in ["s3/credentials", "s3/ca", "s3/sse", "restore-s3/credentials", "secret"] {
            try FileManager.default.createDirectory(atPath: "\(mount)/\(directory)", withIntermediateDirectories: true)
        }
        for directory in ["s3/credentials", "restore-s3/credentials"] {
            try "AKIDEXAMPLE\n".write(toFile: "\(mount)/\(directory)/access-key-id", atomically: true, encoding: .utf8)
            try "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".write(toFile: "\(mount)/\(directory)/secret-access-key", atomically: true, encoding: .utf8)
        }
        let tls = try ClusterTLS.generate(cluster: "orders-db", namespace: "staging")
        try tls.caCertificatePEM.write(toFile: "\(mount)/s3/ca/ca.crt", atomically: true, encoding: .utf8)
        for (key, pem) in [(ClusterSecrets.Key.caCertificate, tls.caCertificatePEM), (ClusterSecrets.Key.certificate, tls.certificatePEM),
                           (ClusterSecrets.Key.key, tls.keyPEM)] {
            try pem.write(toFile: "\(mount)/secret/\(key)", atomically: true, encoding: .utf8)
        }
        try Data(repeating: 7, count: 32).base64EncodedString().write(toFile: "\(mount)/s3/sse/customer-key", atomically: true, encoding: .utf8)
        for key in [ClusterSecrets.Key.agentToken, ClusterSecrets.Key.monitorPassword] {
            try "secret-value-0123456789".write(toFile: "\(mount)/secret/\(key)", atomically: true, encoding: .utf8)
        }
        let mounted = arguments.map { $0.replacingOccurrences(of: "/etc/qmysql", with: mount) }
        let command = try ControllerCommand.parse(mounted)
        #expect(try command.options.backupS3?.argument == rendered.backupS3?.argument.replacingOccurrences(of: "/etc/qmysql", with: mount),
                "the flag parses back")
        let configuration = try command.makeConfiguration(try command.options, readSecrets: true)
        let store = try #require(configuration.backupStore as? S3BackupStore)
        #expect(store.prefix == "staging/" && store.client.location.bucket == "qmysql-backups")
        #expect(store.client.encryption == .customerKey(Data(repeating: 7, count: 32)))
        let source = try #require(configuration.store(for: "orders-db") as? S3BackupStore, "the clone reads its namesake's backup from the source bucket")
        #expect(source.client.location == S3Location(endpoint: "http://10.0.0.7:7480", bucket: "other-bucket", pathStyle: false))
        #expect("\(source.client)".contains("wJalrXUtnFEMI") == false, "a printed client shows no secret key")

        // A key file of the wrong size is refused with the flag and the file named.
        try "too short".write(toFile: "\(mount)/s3/sse/customer-key", atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try command.makeConfiguration(try command.options, readSecrets: true) }
        do {
            _ = try command.makeConfiguration(try command.options, readSecrets: true)
        } catch {
            #expect("\(error)".contains("--backup-s3") && "\(error)".contains("customer-key") && "\(error)".contains("256-bit"), "\(error)")
        }
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

/// `--backup-s3`'s value: every bad form refused with the flag and what to give.
@Suite struct S3StoreOptionsTests {
    @Test func roundTripsAndRefusals() throws {
        let full = S3StoreOptions(endpoint: "https://s3.example.com", bucket: "b", prefix: "prod/", region: "eu-west-1", virtualHost: true,
                                  credentialsDirectory: "/k", caFile: "/ca.crt", encryption: .customerKey, customerKeyFile: "/sse")
        #expect(try S3StoreOptions(argument: full.argument, flag: "backup-s3") == full)
        let minimal = try S3StoreOptions(argument: "endpoint=http://10.0.0.7:7480,bucket=b,credentials=/k", flag: "backup-s3")
        #expect(minimal.prefix == "" && minimal.region == "us-east-1" && !minimal.virtualHost && minimal.encryption == nil)
        let refusals = [
            ("endpoint=http://h,bucket=b", "--backup-s3 needs credentials=..."),
            ("endpoint=http://h,bucket=b,credentials=/k,colour=red", "unknown key 'colour'"),
            ("endpoint=http://h,bucket=b,credentials=/k,bucket=c", "'bucket' is given twice"),
            ("endpoint=http://h,bucket=b,credentials=/k,prefix=/p", "prefix '/p' must not start with '/'"),
            ("endpoint=http://h,bucket=b,credentials=/k,addressing=dns", "addressing 'dns' is not path or virtualHost"),
            ("endpoint=http://h,bucket=b,credentials=/k,sse=AES", "sse 'AES' is not one of SSE-S3, SSE-C"),
            ("endpoint=http://h,bucket=b,credentials=/k,sse=SSE-C", "sse=SSE-C needs sse-key=FILE"),
            ("endpoint=http://h,bucket=b,credentials=/k,sse-key=/s", "sse-key is for sse=SSE-C only"),
            ("endpoint=http://h,bucket", "'bucket' is not KEY=VALUE"),
        ]
        for (argument, message) in refusals {
            #expect(throws: RoleFlagProblem.self, "\(argument)") { try S3StoreOptions(argument: argument, flag: "backup-s3") }
            do {
                _ = try S3StoreOptions(argument: argument, flag: "backup-s3")
            } catch {
                #expect(error.description.contains(message), "\(argument): \(error.description)")
            }
        }
    }
}
