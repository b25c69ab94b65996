import ArgumentParser
import ClusterCertificates
import Foundation
import Galera
import KubeAPI
import KubeClient
import Operator
import QiniuAPI

/// `kubectl qmysql credential NAME`: a user's password, or a my.cnf to connect with.
struct CredentialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential",
        abstract: "Print a database user's password, or a client my.cnf.",
        discussion: """
            Reads the cluster's Secret (NAME-secret, or the Secret named by spec.rootPasswordSecret \
            for root). Needs RBAC to get Secrets in the namespace (docs/cli.md). The password is \
            printed as it is stored; keep the output out of shell history and logs.

              kubectl qmysql credential demo
              kubectl qmysql credential demo --user monitor
              kubectl qmysql credential demo -o mycnf > demo.cnf && mariadb --defaults-file=demo.cnf

            -o mycnf connects over TLS: it writes the cluster's CA to --ca-file (default \
            ~/.kube/cache/qmysql/NAMESPACE/NAME/ca.crt) and names it with ssl-ca, and asks the \
            client to verify the server's host name when the cluster's certificate names the host \
            (certificates made before clients were served TLS do not name the client Service).
            """)

    enum User: String, ExpressibleByArgument, CaseIterable {
        case root, monitor
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case password, mycnf
    }

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Option(help: "Whose credential: root or monitor.")
    var user: User = .root

    @Option(name: .shortAndLong, help: "password (the password alone) or mycnf (a [client] section for the cluster's Service, over TLS).")
    var output: Format = .password

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Where -o mycnf writes the cluster's CA (default: ~/.kube/cache/qmysql/NAMESPACE/NAME/ca.crt).", valueName: "path"))
    var caFile: String?

    func validate() throws {
        if let problem = ClusterNames.problem(with: name) { throw ValidationError(problem) }
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            let names = ClusterNames(cluster: name)
            let (secretName, key) = user == .root
                ? (cluster.spec.rootPasswordSecret.map { ($0, "password") } ?? (names.secret, "root-password"))
                : (names.secret, "monitor-password")
            let secret: JSONValue
            do {
                secret = try await session.client.getRaw(Secret.resourceType, name: secretName, namespace: session.namespace)
            } catch let error as KubeError where error.isNotFound {
                throw CLIError("secret \(secretName) of cluster \(name) does not exist yet",
                               hint: "The operator creates it with the cluster's other objects; check `kubectl qmysql status \(name)`.",
                               status: .notFound)
            }
            guard let encoded = secret[path: ["data", key]]?.stringValue, let data = Data(base64Encoded: encoded) else {
                throw CLIError("secret \(secretName) has no key \(key)",
                               hint: user == .root && cluster.spec.rootPasswordSecret != nil
                                   ? "spec.rootPasswordSecret names a Secret that must hold the root password under 'password'."
                                   : "The cluster's Secret was changed by hand; restore the key (the running cluster uses it).",
                               status: .failure)
            }
            let password = String(decoding: data, as: UTF8.self)
            switch output {
            case .password:
                print(password)
            case .mycnf:
                // The address a playground publishes on the client Service, else cluster DNS.
                let service = try? await session.client.getRaw(Service.resourceType, name: names.clientService, namespace: session.namespace)
                let published = StatusReport.publishedEndpoint(
                    service?[path: ["metadata", "annotations", StatusReport.publishedAddressAnnotation]]?.stringValue)
                let host = published?.host ?? "\(names.clientService).\(session.namespace).svc"
                // The CA and the serving certificate are in the cluster's own Secret (the root
                // password may come from the user's).
                let clusterSecret = secretName == names.secret
                    ? secret : try await session.client.getRaw(Secret.resourceType, name: names.secret, namespace: session.namespace)
                func value(_ key: String) -> String? {
                    clusterSecret[path: ["data", key]]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
                }
                guard let ca = value(ClusterSecrets.Key.caCertificate) else {
                    throw CLIError("secret \(names.secret) has no key \(ClusterSecrets.Key.caCertificate)",
                                   hint: "The cluster's Secret was changed by hand; restore the key (the running cluster uses it).",
                                   status: .failure)
                }
                let path = caFile ?? Self.defaultCAFile(namespace: session.namespace, cluster: name)
                do {
                    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try ca.write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIError("cannot write the cluster's CA to \(path): \(error.localizedDescription)",
                                   hint: "Give a writable path with --ca-file.", status: .failure)
                }
                let verifies = value(ClusterSecrets.Key.certificate).map { ClusterTLS.certificate($0, names: host) } ?? false
                print(Self.myCnf(user: user.rawValue, password: password, host: host, port: published?.port ?? DefaultPorts.mysql,
                                 caFile: path, verifyHost: verifies), terminator: "")
            }
        }
    }

    /// A client option file; the password is quoted so any character survives. With a CA, the
    /// client speaks TLS and checks the server's chain and, when `verifyHost`, its host name.
    static func myCnf(user: String, password: String, host: String, port: Int = DefaultPorts.mysql,
                      caFile: String? = nil, verifyHost: Bool = false) -> String {
        let escaped = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        var text = "[client]\nuser=\(user)\npassword=\"\(escaped)\"\nhost=\(host)\nport=\(port)\n"
        if let caFile {
            text += "ssl-ca=\(caFile)\n"
            text += verifyHost
                ? "ssl-verify-server-cert\n"
                : "# the cluster's certificate does not name \(host): the server's host name is not checked\n"
        }
        return text
    }

    /// Beside kubectl's own cache, one file per cluster.
    static func defaultCAFile(namespace: String, cluster: String) -> String {
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        return "\(home)/.kube/cache/qmysql/\(namespace)/\(cluster)/ca.crt"
    }
}
