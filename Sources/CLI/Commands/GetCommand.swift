import ArgumentParser
import KubeAPI
import KubeClient
import QiniuAPI

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "List QiniuMySQL clusters, or show one.",
        discussion: """
              kubectl qmysql get
              kubectl qmysql get demo -o yaml
              kubectl qmysql get -A -o wide
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "A cluster name; all clusters of the namespace when absent.")
    var name: String?

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "List clusters of every namespace.")
    var allNamespaces = false

    @Option(name: [.customShort("l"), .customLong("selector")], help: "A label selector, like app=shop.")
    var selector: String?

    @Option(name: .shortAndLong, help: "Output format: wide, json, yaml or name (a table when absent).")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.table, .wide, .json, .yaml, .name], command: "get")
        if name != nil && allNamespaces { throw ValidationError("a NAME cannot be combined with -A: names are per namespace.") }
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            let terminal = Terminal.current
            if let name {
                let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
                if let output, output != .table, output != .wide {
                    try ObjectOutput.print(try JSONValue(encoding: cluster), format: output, resource: QiniuMySQL.resourceType)
                } else {
                    print(ClusterTable.render([cluster], wide: output == .wide, namespaces: false, terminal: terminal), terminator: "")
                }
                return
            }
            let clusters = try await session.client.listAll(
                QiniuMySQL.self, namespace: allNamespaces ? KubeClient.allNamespaces : session.namespace,
                options: ListOptions(labelSelector: selector))
            if let output, output != .table, output != .wide {
                try ObjectOutput.printList(try clusters.map { try JSONValue(encoding: $0) }, format: output, resource: QiniuMySQL.resourceType)
            } else if clusters.isEmpty {
                StandardError.write(allNamespaces ? "No QiniuMySQL clusters found.\n" : "No QiniuMySQL clusters found in namespace \(session.namespace).\n")
            } else {
                print(ClusterTable.render(clusters, wide: output == .wide, namespaces: allNamespaces, terminal: terminal), terminator: "")
            }
        }
    }
}

/// The table of `get`, with the CRD's printer columns (State, Ready, Phase, Age; wide adds more).
enum ClusterTable {
    static func render(_ clusters: [QiniuMySQL], wide: Bool, namespaces: Bool, terminal: Terminal) -> String {
        var headers = ["Name", "State", "Ready", "Phase", "Age"]
        if wide { headers += ["Flavor", "Replicas", "Auto-Recovery", "Message"] }
        if namespaces { headers.insert("Namespace", at: 0) }
        var table = Table(headers)
        for cluster in clusters {
            let spec = cluster.spec
            var row = [
                cluster.metadata.name ?? "",
                terminal.paintState(cluster.status?.state?.rawValue ?? "-"),
                cluster.status?.ready ?? "-",
                cluster.status?.phase?.rawValue ?? "-",
                Age.describe(cluster.metadata.creationTimestamp),
            ]
            if wide {
                row += [
                    spec.effectiveFlavor.rawValue, String(spec.effectiveReplicas),
                    String(spec.autoRecovery ?? true), cluster.status?.message ?? "",
                ]
            }
            if namespaces { row.insert(cluster.metadata.namespace ?? "", at: 0) }
            table.append(row)
        }
        return table.render()
    }
}
