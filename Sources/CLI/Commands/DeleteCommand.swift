import ArgumentParser
import KubeAPI
import KubeClient
import QiniuAPI

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a QiniuMySQL cluster.",
        discussion: """
            Deletes the cluster object; Kubernetes then deletes what the operator created for it \
            (pods, services, the controller). Asks first on a terminal; without a terminal it \
            refuses unless --yes is given.

              kubectl qmysql delete demo
              kubectl qmysql delete demo --yes
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "Do not ask for confirmation.")
    var yes = false

    @Option(name: .shortAndLong, help: "Output format: name.")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.name], command: "delete")
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            // Look first so that a typo gets "not found" before anyone is asked to confirm.
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            let nodes = cluster.spec.effectiveReplicas
            try Confirmation(assumeYes: yes, terminal: .current)
                .confirm("delete QiniuMySQL \(session.namespace)/\(name) and its \(nodes) database nodes")
            try await session.client.delete(QiniuMySQL.self, name: name, namespace: session.namespace, options: DeleteOptions(propagationPolicy: .background))
            print("qiniumysql.mysql.qiniu.com/\(name) deleted")
        }
    }
}
