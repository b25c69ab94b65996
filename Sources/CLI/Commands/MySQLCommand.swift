import ArgumentParser
import Foundation
import Galera
import KubeAPI
import QiniuAPI

/// `kubectl qmysql mysql NAME [--node N] [-- ARGS]`: the flavor's client on a node, through
/// `kubectl exec` (MOCO's `kubectl moco mysql`, CNPG's `psql`).
struct MySQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mysql",
        abstract: "Run the mariadb (or mysql) client on a node of a cluster.",
        discussion: """
            Runs `kubectl exec` into the node's database container with the image's own client, \
            which connects over the node's socket. Without --node it picks the first ready node. \
            Arguments after -- go to the client. Interactive on a terminal; reads stdin otherwise.

              kubectl qmysql mysql demo
              kubectl qmysql mysql demo --node 2 -- -e 'SHOW STATUS LIKE "wsrep_%"'
              kubectl qmysql mysql demo < dump.sql
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Option(help: "The node's ordinal (0, 1, ...). Default: the first ready node.")
    var node: Int?

    @Argument(parsing: .postTerminator, help: "Arguments for the client, after --.")
    var clientArguments: [String] = []

    func validate() throws {
        if let problem = ClusterNames.problem(with: name) { throw ValidationError(problem) }
        if let node, node < 0 { throw ValidationError("--node \(node) is not an ordinal; use 0, 1, 2, ...") }
    }

    func run() async throws {
        let arguments = try await KubeSession.with(kube) { session in
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            let replicas = cluster.spec.effectiveReplicas
            if let node, node >= replicas {
                throw CLIError("cluster \(name) has \(replicas) nodes (0...\(replicas - 1)); --node \(node) is not one of them", status: .usage)
            }
            let names = ClusterNames(cluster: name)
            let ordinal = node ?? Self.firstReady(cluster) ?? 0
            return Self.kubectlArguments(
                kube: kube, namespace: session.namespace, pod: names.node(ordinal), flavor: cluster.spec.effectiveFlavor,
                interactive: isatty(STDIN_FILENO) == 1, clientArguments: clientArguments)
        }
        let kubectl = ProcessInfo.processInfo.environment["KUBECTL"] ?? "kubectl"
        // Replace this process: the terminal, signals and the exit status are kubectl's.
        let argv = ([kubectl] + arguments).map { strdup($0) } + [nil]
        execvp(kubectl, argv)
        throw CLIError("cannot run \(kubectl): \(String(cString: strerror(errno)))",
                       hint: "Install kubectl, or set KUBECTL to its path.", status: .configuration)
    }

    /// The ordinal of the first node the status lists as ready.
    static func firstReady(_ cluster: QiniuMySQL) -> Int? {
        cluster.status?.nodes?.first(where: { $0.ready == true }).flatMap { ClusterNames.ordinal(of: $0.name) }
    }

    static func kubectlArguments(kube: KubeOptions, namespace: String, pod: String, flavor: Flavor,
                                 interactive: Bool, clientArguments: [String]) -> [String] {
        var arguments: [String] = []
        if let kubeconfig = kube.kubeconfig { arguments += ["--kubeconfig", kubeconfig] }
        if let context = kube.context { arguments += ["--context", context] }
        arguments += ["exec", interactive ? "-it" : "-i", "-n", namespace, pod, "-c", "mysql", "--"]
        arguments.append(flavor == .percona ? "mysql" : "mariadb")
        return arguments + clientArguments
    }
}
