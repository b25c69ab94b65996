import ArgumentParser
import Foundation
import Galera
import KubeAPI
import QiniuAPI
import Yams

struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a QiniuMySQL cluster.",
        discussion: """
            The spec comes from flags, from a manifest (-f), or both: flags override the manifest. \
            It is checked against the CRD's schema before anything is sent, with the same messages \
            the API server would give.

              kubectl qmysql create demo
              kubectl qmysql create demo --replicas 5 --storage 50Gi
              kubectl qmysql create demo --backup-time 01:01,13:01
              kubectl qmysql create -f demo.yaml
              kubectl qmysql create demo --wait          # until Green, with progress
              kubectl qmysql create test --from-backup demo-20261129-010100 --from-cluster demo
              kubectl qmysql create demo --s3-endpoint https://s3.example.com --s3-bucket backups --s3-credentials-secret s3-keys
              kubectl qmysql create demo -n staging --from-backup demo-20261129-010100 --from-namespace prod \\
                --s3-endpoint https://s3.example.com --s3-bucket backups --s3-credentials-secret s3-keys
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The cluster's name (taken from the manifest when -f is given).")
    var name: String?

    @Option(help: "Number of Galera nodes: 1, 3, 5, 7 or 9.")
    var replicas: Int?

    @Option(help: "mariadb or percona.")
    var flavor: Flavor?

    @Option(help: "How a joining node receives a full copy: qmysql (ours, over TLS, no wait; the default for mariadb) or packaged (the distribution's SST script; the default for percona).")
    var stateTransfer: StateTransferChoice?

    @Option(name: .customLong("replication-tls"),
            help: "Galera's replication between the nodes: required (TLS with the cluster's own CA; the default), accepting (TLS and plain TCP) or off (plain TCP).")
    var replicationTLS: ReplicationEncryption?

    @Flag(name: .customLong("require-secure-transport"), help: "mysqld refuses TCP clients without TLS (`credential -o mycnf` gives them the CA).")
    var requireSecureTransport = false

    @Option(help: "Database version.")
    var version: String?

    @Option(help: "Database image (overrides the flavor's default).")
    var image: String?

    @Option(help: "Data volume size of each node, like 10Gi.")
    var storage: String?

    @Option(help: "StorageClass of the data volumes.")
    var storageClass: String?

    @Option(help: "Times of day (UTC) for scheduled backups, like 01:01,13:01. Turns scheduled backups on.")
    var backupTime: String?

    @Option(help: "Delete backups older than this many days.")
    var reservedDays: Int?

    @Option(name: .customLong("from-backup"), help: ArgumentHelp("Form the cluster from this backup instead of empty datadirs (an id from `kubectl qmysql backups`).", valueName: "id"))
    var fromBackup: String?

    @Option(name: .customLong("from-cluster"), help: ArgumentHelp("The cluster whose backup --from-backup is (default: the new cluster's name).", valueName: "cluster"))
    var fromCluster: String?

    @Option(name: .customLong("from-namespace"), help: ArgumentHelp("The namespace whose S3 prefix holds --from-backup (another namespace's or another Kubernetes cluster's backup, in the bucket of the --s3 flags).", valueName: "namespace"))
    var fromNamespace: String?

    @Option(name: .customLong("s3-endpoint"), help: ArgumentHelp("Keep backups in an S3-compatible bucket at this endpoint, https://host[:port] (with --s3-bucket and --s3-credentials-secret).", valueName: "url"))
    var s3Endpoint: String?

    @Option(name: .customLong("s3-bucket"), help: ArgumentHelp("The bucket of --s3-endpoint; it must exist.", valueName: "bucket"))
    var s3Bucket: String?

    @Option(name: .customLong("s3-credentials-secret"), help: ArgumentHelp("A Secret with keys access-key-id and secret-access-key (only the controller mounts it).", valueName: "secret"))
    var s3CredentialsSecret: String?

    @Option(name: .customLong("s3-prefix"), help: ArgumentHelp("Where in the bucket, ending in / (default: the namespace and /).", valueName: "prefix"))
    var s3Prefix: String?

    @Option(name: .customLong("s3-region"), help: ArgumentHelp("The region requests are signed for (default us-east-1).", valueName: "region"))
    var s3Region: String?

    @Option(name: .customLong("s3-addressing"), help: "path (https://host/bucket/key, the default) or virtualHost (https://bucket.host/key).")
    var s3Addressing: S3Addressing?

    @Option(name: .customLong("s3-ca-secret"), help: ArgumentHelp("A Secret with key ca.crt: a private endpoint's CA bundle.", valueName: "secret"))
    var s3CASecret: String?

    @Option(name: .customShort("f"), help: ArgumentHelp("A QiniuMySQL manifest (YAML or JSON), or - for standard input.", valueName: "file"))
    var file: String?

    @Flag(help: "Validate and print the object without creating it.")
    var dryRun = false

    @Flag(help: "Wait until the cluster is Green, with progress on standard error.")
    var wait = false

    @Option(help: "How long --wait waits, like 10m.")
    var timeout: String = "30m"

    @Option(name: .shortAndLong, help: "Output format: json, yaml or name.")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.json, .yaml, .name], command: "create")
        if name == nil && file == nil {
            throw ValidationError("give the cluster a name: `kubectl qmysql create NAME`, or a manifest with -f FILE.")
        }
        if let name { try ObjectName.validate(name, what: "cluster name") }
        guard DurationText.parse(timeout) != nil else { throw ValidationError("--timeout \"\(timeout)\" is not a duration, like 10m or 1h.") }
        if wait && dryRun { throw ValidationError("--wait waits for a created cluster; --dry-run creates none.") }
        if fromCluster != nil && fromBackup == nil { throw ValidationError("--from-cluster names whose backup --from-backup is; give --from-backup too.") }
        let s3Flags: [(String, String?)] = [("--s3-endpoint", s3Endpoint), ("--s3-bucket", s3Bucket), ("--s3-credentials-secret", s3CredentialsSecret)]
        let given = s3Flags.filter { $0.1 != nil }
        let optional: [String?] = [s3Prefix, s3Region, s3Addressing?.rawValue, s3CASecret]
        if !given.isEmpty || optional.contains(where: { $0 != nil }), given.count < s3Flags.count {
            let missing = s3Flags.filter { $0.1 == nil }.map(\.0).joined(separator: ", ")
            throw ValidationError("an S3 backup store needs --s3-endpoint, --s3-bucket and --s3-credentials-secret; give \(missing) too.")
        }
        if fromNamespace != nil, fromBackup == nil || s3Endpoint == nil {
            throw ValidationError("--from-namespace says whose prefix of the S3 store holds --from-backup; give --from-backup and the --s3 flags too.")
        }
        if let fromNamespace { try ObjectName.validate(fromNamespace, what: "namespace") }
    }

    func run() async throws {
        var cluster = try file.map(ManifestFile.readCluster) ?? QiniuMySQL(metadata: ObjectMeta())
        if let name {
            if let fromFile = cluster.metadata.name, fromFile != name {
                throw CLIError("the name \"\(name)\" differs from metadata.name \"\(fromFile)\" in \(file ?? "the manifest")",
                               hint: "drop the NAME argument or make them match", status: .usage)
            }
            cluster.metadata.name = name
        }
        guard let clusterName = cluster.metadata.name else {
            throw CLIError("\(file ?? "the manifest") has no metadata.name", hint: "give a NAME argument or set metadata.name", status: .usage)
        }
        try ObjectName.validate(clusterName, what: "cluster name")
        applyFlags(to: &cluster.spec)

        let object = try JSONValue(encoding: cluster)
        try SpecValidation.check(object, against: QiniuCRDs.qiniuMySQL, kind: "QiniuMySQL", name: clusterName)

        if dryRun {
            try ObjectOutput.print(object, format: output ?? .yaml, resource: QiniuMySQL.resourceType)
            return
        }
        try await KubeSession.with(kube) { session in
            cluster.metadata.namespace = cluster.metadata.namespace ?? session.namespace
            let created = try await session.client.create(cluster)
            if let output {
                try ObjectOutput.print(try JSONValue(encoding: created), format: output, resource: QiniuMySQL.resourceType)
            } else {
                print("qiniumysql.mysql.qiniu.com/\(clusterName) created")
            }
            guard wait else { return }
            let follower = ClusterFollower(client: session.client, namespace: session.namespace,
                                           timeout: DurationText.parse(timeout) ?? .seconds(1800))
            let took = try await follower.follow(
                name: clusterName, hint: "it goes on in the cluster; follow it with `kubectl qmysql status \(clusterName)`")
            StandardError.write("\(clusterName) is Green after \(ClusterFollower.seconds(took))\n")
        }
    }

    private func applyFlags(to spec: inout QiniuMySQLSpec) {
        if let replicas { spec.replicas = replicas }
        if let flavor { spec.flavor = flavor }
        if let stateTransfer { spec.stateTransfer = stateTransfer }
        if replicationTLS != nil || requireSecureTransport {
            spec.tls = TLSSpec(replication: replicationTLS, requireSecureTransport: requireSecureTransport ? true : nil)
        }
        if let version { spec.version = version }
        if let image { spec.image = image }
        if storage != nil || storageClass != nil {
            var volume = spec.storage ?? StorageSpec()
            if let storage { volume.size = storage }
            if let storageClass { volume.storageClassName = storageClass }
            spec.storage = volume
        }
        if backupTime != nil || reservedDays != nil {
            var backup = spec.backup ?? BackupSpec()
            if let backupTime {
                backup.backupTime = backupTime
                backup.enable = true
            }
            if let reservedDays { backup.reservedDays = reservedDays }
            spec.backup = backup
        }
        if let s3Endpoint, let s3Bucket, let s3CredentialsSecret {
            var backup = spec.backup ?? BackupSpec()
            backup.s3 = S3StoreSpec(endpoint: s3Endpoint, bucket: s3Bucket, prefix: s3Prefix, region: s3Region, addressing: s3Addressing,
                                    credentialsSecret: s3CredentialsSecret, caSecret: s3CASecret)
            spec.backup = backup
        }
        if let fromBackup {
            var source = RestoreFromSpec(cluster: fromCluster, backup: fromBackup)
            if let fromNamespace, var store = spec.backup?.s3 {
                store.prefix = "\(fromNamespace)/"
                source.s3 = store
            }
            spec.restoreFrom = source
        }
    }
}

extension Flavor: ExpressibleByArgument {}
extension StateTransferChoice: ExpressibleByArgument {}
extension ReplicationEncryption: ExpressibleByArgument {}
extension ApprovalMode: ExpressibleByArgument {}
extension S3Addressing: ExpressibleByArgument {}

/// Cluster and task names, checked with QiniuAPI's rule (`ClusterNames.problem`).
enum ObjectName {
    static func validate(_ name: String, what: String) throws {
        if let problem = ClusterNames.problem(with: name, what: what) { throw ValidationError(problem) }
    }
}

/// Reads a manifest a person wrote, with errors that name the file.
enum ManifestFile {
    static func readCluster(_ path: String) throws -> QiniuMySQL {
        let text: String
        do {
            if path == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                text = try String(contentsOfFile: path, encoding: .utf8)
            }
        } catch {
            throw CLIError("cannot read \(path): \(error.localizedDescription)", status: .usage)
        }
        let value: JSONValue
        do {
            value = try YAMLDecoder().decode(JSONValue.self, from: text)
        } catch {
            throw CLIError("\(path) is not valid YAML or JSON: \(error)", status: .usage)
        }
        let kind = value["kind"]?.stringValue
        guard kind == QiniuMySQL.resourceType.kind else {
            throw CLIError("\(path) holds kind \(kind.map { "\"\($0)\"" } ?? "(none)"), not QiniuMySQL", hint: "see `kubectl qmysql create --help` for an example", status: .usage)
        }
        do {
            return try value.decode(as: QiniuMySQL.self)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw CLIError("\(path): \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)", status: .usage)
        } catch let DecodingError.keyNotFound(key, context) {
            let at = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            throw CLIError("\(path): \(at) is required", status: .usage)
        } catch {
            throw CLIError("\(path): \(error)", status: .usage)
        }
    }
}
