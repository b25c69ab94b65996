import ArgumentParser
import Galera
import KubeAPI
import KubeClient
import QiniuAPI

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "List backup and restore tasks, or show one with its steps.",
        discussion: """
              kubectl qmysql data
              kubectl qmysql data --cluster demo
              kubectl qmysql data demo-backup-x7k2p
              kubectl qmysql data demo-backup-x7k2p --wait
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "A task name; every task of the namespace when absent.")
    var name: String?

    @Option(help: "Only the tasks of this cluster.")
    var cluster: String?

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "List tasks of every namespace.")
    var allNamespaces = false

    @Flag(help: "With a task name: follow it with progress until it ends.")
    var wait = false

    @Option(name: .shortAndLong, help: "Output format: wide, json, yaml or name (a table when absent).")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.table, .wide, .json, .yaml, .name], command: "data")
        if wait && name == nil { throw ValidationError("--wait needs a task name: `kubectl qmysql data NAME --wait`.") }
        if name != nil && allNamespaces { throw ValidationError("a NAME cannot be combined with -A: names are per namespace.") }
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            let terminal = Terminal.current
            if let name {
                var task = try await session.client.get(QiniuMySQLData.self, name: name, namespace: session.namespace)
                if wait { task = try await TaskFollower(session: session, timeout: .seconds(86400)).follow(name: name) }
                if let output, output != .table, output != .wide {
                    try ObjectOutput.print(try JSONValue(encoding: task), format: output, resource: QiniuMySQLData.resourceType)
                } else {
                    print(DataTaskReport.render(task, terminal: terminal), terminator: "")
                }
                return
            }
            var tasks = try await session.client.listAll(
                QiniuMySQLData.self, namespace: allNamespaces ? KubeClient.allNamespaces : session.namespace)
            if let cluster { tasks = tasks.filter { $0.spec.cluster == cluster } }
            tasks.sort { ($0.metadata.creationTimestamp ?? "") < ($1.metadata.creationTimestamp ?? "") }
            if let output, output != .table, output != .wide {
                try ObjectOutput.printList(try tasks.map { try JSONValue(encoding: $0) }, format: output, resource: QiniuMySQLData.resourceType)
                return
            }
            guard !tasks.isEmpty else {
                StandardError.write("No QiniuMySQLData tasks found\(allNamespaces ? "" : " in namespace \(session.namespace)").\n")
                return
            }
            var headers = ["Name", "Cluster", "Action", "Phase", "Age"]
            if output == .wide { headers += ["Backup", "Size", "Message"] }
            if allNamespaces { headers.insert("Namespace", at: 0) }
            var table = Table(headers)
            for task in tasks {
                var row = [task.metadata.name ?? "", task.spec.cluster, task.spec.action.rawValue,
                           terminal.paintState(task.status?.phase?.rawValue ?? "Pending"), Age.describe(task.metadata.creationTimestamp)]
                if output == .wide {
                    row += [task.status?.backup?.id ?? task.spec.backupName ?? "",
                            task.status?.backup?.size.map { ByteCount.short($0) } ?? "", task.status?.message ?? ""]
                }
                if allNamespaces { row.insert(task.metadata.namespace ?? "", at: 0) }
                table.append(row)
            }
            print(table.render(), terminator: "")
        }
    }
}

/// The human report of one task.
enum DataTaskReport {
    static func render(_ task: QiniuMySQLData, terminal: Terminal) -> String {
        var out = ""
        func line(_ label: String, _ value: String) { out += (label + ":").padding(toLength: 12, withPad: " ", startingAt: 0) + value + "\n" }
        line("Task", "\(task.metadata.namespace ?? "")/\(task.metadata.name ?? "")")
        line("Cluster", task.spec.cluster)
        line("Action", task.spec.action.rawValue + (task.spec.backupName.map { " from \($0)" } ?? ""))
        line("Phase", terminal.paintState(task.status?.phase?.rawValue ?? "Pending"))
        if let message = task.status?.message, !message.isEmpty { line("Message", message) }
        if let backup = task.status?.backup {
            line("Backup", [backup.id, backup.location, backup.size.map { ByteCount.short($0) }, backup.position.map { "position \($0)" }]
                .compactMap { $0 }.joined(separator: ", "))
        }
        if let steps = task.status?.steps, !steps.isEmpty {
            out += "\n"
            var table = Table(["Step", "State", "Message"])
            for (index, step) in steps.enumerated() {
                table.append(["\(step.number ?? index + 1). \(step.name)", terminal.paintState(step.state.rawValue), step.message ?? ""])
            }
            out += table.render()
        }
        return out
    }
}
