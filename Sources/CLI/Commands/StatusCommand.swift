import ArgumentParser
import Foundation
import Galera
import KubeAPI
import KubeClient
import Operator
import QiniuAPI

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a cluster's state, nodes, conditions, endpoint, last backup and recent events.",
        discussion: """
            State is Green (serving with every node Synced), Yellow (serving with fewer) or Red \
            (not serving). Node states are Green, Yellow, Red-clean, Red-unclean and Unknown.

              kubectl qmysql status demo
              kubectl qmysql status demo -o json
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Option(name: .shortAndLong, help: "Output format: json or yaml (a report when absent).")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.json, .yaml], command: "status")
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            if let output {
                try ObjectOutput.print(try JSONValue(encoding: cluster), format: output, resource: QiniuMySQL.resourceType)
            } else {
                // Events are a help, not the point: without the right to list them, say so and go on.
                let events: Result<[JSONValue], Error>
                do {
                    events = .success(try await session.client.listAllRaw(
                        Event.resourceType, namespace: session.namespace,
                        options: ListOptions(fieldSelector: "involvedObject.kind=QiniuMySQL,involvedObject.name=\(name)")))
                } catch {
                    events = .failure(error)
                }
                // Where clients connect, when something outside cluster DNS publishes it (the
                // playground's load balancer); a help too, so a refusal to read Services is no error.
                let names = ClusterNames(cluster: name)
                var published: [String: String] = [:]
                for service in [names.clientService, names.writerService, names.readersService] {
                    let object = try? await session.client.getRaw(Service.resourceType, name: service, namespace: session.namespace)
                    published[service] = object?[path: ["metadata", "annotations", StatusReport.publishedAddressAnnotation]]?.stringValue
                }
                print(StatusReport.render(cluster, events: events, terminal: Terminal.current, publishedAddresses: published),
                      terminator: "")
            }
        }
    }
}

/// The human report of `status`.
enum StatusReport {
    /// How many recent events the report shows.
    static let eventLimit = 10

    /// Set on the client Service by the playground's runtime: its address on this machine.
    static let publishedAddressAnnotation = QiniuAnnotations.publishedAddress

    /// The annotation's `host:port` (a Service of one port).
    static func publishedEndpoint(_ value: String?) -> (host: String, port: Int)? {
        guard let value, !value.contains(","), let colon = value.lastIndex(of: ":"),
              let port = Int(value[value.index(after: colon)...]) else { return nil }
        return (String(value[..<colon]), port)
    }

    static func render(_ cluster: QiniuMySQL, events: Result<[JSONValue], Error> = .success([]), terminal: Terminal,
                       publishedAddresses: [String: String] = [:], now: Date = Date()) -> String {
        let status = cluster.status
        let spec = cluster.spec
        var out = ""
        func line(_ label: String, _ value: String) {
            out += (label.isEmpty ? "" : label + ":").padding(toLength: 14, withPad: " ", startingAt: 0) + value + "\n"
        }
        line("Cluster", "\(cluster.metadata.namespace ?? "")/\(cluster.metadata.name ?? "")")
        line("State", terminal.paintState(status?.state?.rawValue ?? "Unknown (no status yet)"))
        line("Ready", status?.ready ?? "-")
        if let phase = status?.phase { line("Phase", phase.rawValue) }
        line("Flavor", "\(spec.effectiveFlavor.rawValue)\(spec.version.map { " \($0)" } ?? ""), \(spec.effectiveReplicas) replicas")
        var flags: [String] = []
        if spec.paused == true { flags.append("paused") }
        if spec.autoRecovery == false { flags.append("automatic recovery off") }
        if !flags.isEmpty { line("Mode", flags.joined(separator: ", ")) }
        if let generation = cluster.metadata.generation, let observed = status?.observedGeneration, observed < generation {
            line("Spec", "generation \(generation) not yet observed (operator at \(observed))")
        }
        if let message = status?.message, !message.isEmpty { line("Message", message) }
        // The three endpoints (docs/endpoints.md): where each is published on this machine (the
        // playground), else its in-cluster name, and which nodes it sends to now.
        let names = ClusterNames(cluster: cluster.metadata.name ?? "")
        let ready = (status?.nodes ?? []).filter { $0.ready == true }.map(\.name)
        let writer = status?.writer
        let readers = writer != nil && ready.count >= EndpointLabels.readersWithoutWriterFrom ? ready.filter { $0 != writer } : ready
        let endpoints: [(service: String, role: String, nodes: String)] = [
            (names.clientService, "every ready node", ready.isEmpty ? "none" : ready.joined(separator: ", ")),
            (names.writerService, "writes", writer ?? "none (no node is Synced in a Primary component)"),
            (names.readersService, "reads", readers.isEmpty ? "none" : readers.joined(separator: ", ")),
        ]
        for (index, endpoint) in endpoints.enumerated() {
            let inCluster = "\(endpoint.service).\(cluster.metadata.namespace ?? "default").svc:\(DefaultPorts.mysql)"
            let address = publishedAddresses[endpoint.service].map { "\($0) (\(inCluster))" } ?? inCluster
            line(index == 0 ? "Endpoints" : "", "\(endpoint.role.padding(toLength: 16, withPad: " ", startingAt: 0)) \(address) -> \(endpoint.nodes)")
        }
        // What the pods run, and what is asked when a change is rolling (docs/encryption.md).
        func describe(_ value: ReplicationEncryption) -> String {
            switch value {
            case .required: "TLS between the nodes (required)"
            case .accepting: "TLS between the nodes, plain TCP accepted"
            case .off: "none between the nodes (plain TCP)"
            }
        }
        let desiredEncryption = EncryptionRollout.desired(cluster)
        let runningEncryption = EncryptionRollout.running(status) ?? desiredEncryption
        line("Encryption", describe(runningEncryption) + (runningEncryption == desiredEncryption ? ""
            : "; changing to \(desiredEncryption.rawValue), one node at a time while Green")
            + (spec.tls?.requireSecureTransport == true ? "; clients must use TLS" : ""))

        out += "\n"
        if let nodes = status?.nodes, !nodes.isEmpty {
            var table = Table(["Node", "State", "Wsrep", "Seqno", "Ready", "Agent"])
            for node in nodes {
                table.append([
                    node.name, terminal.paintState(node.state), node.wsrepState ?? "-",
                    node.seqno.map(String.init) ?? "-", node.ready.map { $0 ? "true" : "false" } ?? "-",
                    node.agentSilentSince.map { terminal.paint("silent since \(Age.describe($0, now: now)) ago", .yellow) } ?? "answers",
                ])
            }
            out += table.render()
        } else {
            out += "Nodes: none reported yet.\n"
        }

        out += "\n"
        if let conditions = status?.conditions, !conditions.isEmpty {
            var table = Table(["Condition", "Status", "Reason", "Age", "Message"])
            for condition in conditions {
                table.append([
                    condition.type, condition.status, condition.reason ?? "",
                    Age.describe(condition.lastTransitionTime, now: now), condition.message ?? "",
                ])
            }
            out += table.render()
        } else {
            out += "Conditions: none.\n"
        }

        out += "\n"
        if let backup = status?.lastBackup, let name = backup.name {
            let size = backup.size.map { ByteCount.short($0) } ?? "size unknown"
            let outcome = backup.succeeded == false ? terminal.paint("failed", .red) : "succeeded"
            line("Last backup", "\(name), \(outcome), \(Age.describe(backup.time, now: now)) ago, \(size)")
        } else {
            line("Last backup", spec.backup?.enable == true ? "none yet (scheduled at \(spec.backup?.backupTime ?? "?") UTC)" : "none")
        }
        if let archive = status?.archive {
            // Point-in-time recovery: how far behind the archive is, and what stands in its way.
            var text = archive.lagWithin.map { "archived to within \($0) of now" } ?? terminal.paint("more than 10 minutes behind", .red)
            text += archive.node.map { ", reading \($0)" } ?? ""
            if let gaps = archive.gaps, !gaps.isEmpty { text += ", " + terminal.paint("\(gaps.count) gap\(gaps.count == 1 ? "" : "s")", .red) }
            if let problem = archive.problem { text += "; interrupted: \(problem)" }
            line("Binary log", text)
        }

        out += "\n"
        switch events {
        case .success(let list) where list.isEmpty:
            out += "Events: none.\n"
        case .success(let list):
            let recent = list.sorted { ($0["lastTimestamp"]?.stringValue ?? "") < ($1["lastTimestamp"]?.stringValue ?? "") }.suffix(eventLimit)
            var table = Table(["Age", "Type", "Reason", "Message"])
            for event in recent {
                let type = event["type"]?.stringValue ?? ""
                table.append([
                    Age.describe(event["lastTimestamp"]?.stringValue, now: now),
                    type == "Warning" ? terminal.paint(type, .yellow) : type,
                    event["reason"]?.stringValue ?? "", event["message"]?.stringValue ?? "",
                ])
            }
            out += table.render()
        case .failure:
            out += "Events: cannot list them with these credentials.\n"
        }
        return out
    }
}
