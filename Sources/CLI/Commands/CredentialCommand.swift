import ArgumentParser
import Foundation
import Galera
import KubeAPI
import KubeClient
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

    @Option(name: .shortAndLong, help: "password (the password alone) or mycnf (a [client] section for the cluster's Service).")
    var output: Format = .password

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
                print(Self.myCnf(user: user.rawValue, password: password,
                                 host: published?.host ?? "\(names.clientService).\(session.namespace).svc",
                                 port: published?.port ?? DefaultPorts.mysql), terminator: "")
            }
        }
    }

    /// A client option file; the password is quoted so any character survives.
    static func myCnf(user: String, password: String, host: String, port: Int = DefaultPorts.mysql) -> String {
        let escaped = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "[client]\nuser=\(user)\npassword=\"\(escaped)\"\nhost=\(host)\nport=\(port)\n"
    }
}
