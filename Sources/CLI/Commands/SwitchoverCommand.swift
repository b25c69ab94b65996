import ArgumentParser
import Foundation
import KubeAPI
import QiniuAPI

/// `kubectl qmysql switchover NAME [--to NODE]`: moves the writer endpoint (docs/endpoints.md)
/// through `spec.preferredWriter`, declaratively (as MOCO's switchover is): the controller moves
/// the writer when the node is Synced in the Primary component, the operator moves the label,
/// and the old writer's client connections are ended.
struct SwitchoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchover",
        abstract: "Move a cluster's writer endpoint to another node.",
        discussion: """
            Sets spec.preferredWriter and waits until the writer endpoint (NAME-writer) sends to \
            that node. The old writer's client connections are ended, so clients reconnect to the \
            new one. Without --to, the first ready node other than the writer. The writer stays \
            on the preferred node while it is Synced; if it fails, the writer moves and comes \
            back once it is Synced again. --clear removes the preference (the writer stays where \
            it is).

              kubectl qmysql switchover demo
              kubectl qmysql switchover demo --to demo-2
              kubectl qmysql switchover demo --clear
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Option(help: ArgumentHelp("The node to take writes, like demo-2.", valueName: "node"))
    var to: String?

    @Flag(help: "Remove spec.preferredWriter: the writer stays where it is.")
    var clear = false

    @Option(help: "How long to wait for the writer to move, like 30s.")
    var timeout: String = "60s"

    @Option(name: .shortAndLong, help: "Output format: json or yaml (the cluster after the move).")
    var output: OutputFormat?

    func validate() throws {
        if let problem = ClusterNames.problem(with: name) { throw ValidationError(problem) }
        if clear, to != nil { throw ValidationError("--clear and --to cannot be combined: choose one.") }
        guard DurationText.parse(timeout) != nil else { throw ValidationError("--timeout \"\(timeout)\" is not a duration, like 30s or 2m.") }
        try OutputFormat.validate(output, allowed: [.json, .yaml], command: "switchover")
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            if clear {
                _ = try await session.client.mergePatchRaw(QiniuMySQL.resourceType, name: name, namespace: session.namespace,
                                                           patch: ["spec": ["preferredWriter": .null]])
                StandardError.write("spec.preferredWriter removed: the writer stays on \(cluster.status?.writer ?? "the node it is on")\n")
                return
            }
            let target = try Self.target(cluster, requested: to)
            let started = ContinuousClock.now
            _ = try await session.client.mergePatchRaw(QiniuMySQL.resourceType, name: name, namespace: session.namespace,
                                                       patch: ["spec": ["preferredWriter": .string(target)]])
            StandardError.write("switching the writer of \(name) from \(cluster.status?.writer ?? "none") to \(target)\n")
            let limit = DurationText.parse(timeout) ?? .seconds(60)
            var latest = cluster
            while latest.status?.writer != target {
                guard ContinuousClock.now - started < limit else {
                    throw CLIError("the writer of \(name) is still \(latest.status?.writer ?? "none") after \(timeout); spec.preferredWriter is \(target)",
                                   hint: "the controller moves it once \(target) is Synced in the Primary component: `kubectl qmysql status \(name)` shows its state",
                                   status: .failure)
                }
                try await Task.sleep(for: .milliseconds(200))
                latest = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            }
            if let output {
                try ObjectOutput.print(try JSONValue(encoding: latest), format: output, resource: QiniuMySQL.resourceType)
            } else {
                let elapsed = ContinuousClock.now - started
                print("the writer of \(name) is \(target) (\(String(format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) s)")
            }
        }
    }

    /// The node to move to: `requested` (a node of the cluster, ready), or the first ready node
    /// that is not the writer.
    static func target(_ cluster: QiniuMySQL, requested: String?) throws(CLIError) -> String {
        let name = cluster.metadata.name ?? ""
        let nodes = ClusterNames(cluster: name).nodes(replicas: cluster.spec.effectiveReplicas)
        let ready = (cluster.status?.nodes ?? []).filter { $0.ready == true }.map(\.name)
        if let requested {
            guard nodes.contains(requested) else {
                throw CLIError("\(requested) is not a node of \(name)", hint: "its nodes are \(nodes.joined(separator: ", "))", status: .usage)
            }
            guard ready.contains(requested) else {
                throw CLIError("\(requested) is not ready (Synced in the Primary component), so it cannot take writes",
                               hint: "`kubectl qmysql status \(name)` shows its state; choose a ready node: \(ready.isEmpty ? "none is" : ready.joined(separator: ", "))")
            }
            return requested
        }
        guard let other = ready.first(where: { $0 != cluster.status?.writer }) else {
            throw CLIError("no ready node other than the writer (\(cluster.status?.writer ?? "none")) can take writes",
                           hint: "`kubectl qmysql status \(name)` shows the nodes' states")
        }
        return other
    }
}
