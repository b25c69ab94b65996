import ArgumentParser
import Foundation
import KubeAPI
import KubeClient
import Logging
import Playground
import QiniuAPI

/// `kubectl qmysql playground up|status|down`: the whole system on this machine, without
/// Kubernetes (docs/playground.md).
struct PlaygroundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playground",
        abstract: "Run qmysql on this machine, without Kubernetes: API server, operator, real Galera nodes.",
        discussion: """
            The playground runs the local Kubernetes API server (HTTPS, on 127.0.0.1, persisted in \
            its directory), the real operator, and a local runtime that runs the pods the operator \
            renders as processes, each node a real mariadbd on its own loopback address, with a \
            health-aware TCP endpoint per cluster. Every other command works against it through \
            its kubeconfig, and so does kubectl.

              kubectl qmysql playground up      # prints the kubeconfig to export
              export KUBECONFIG=~/.local/share/qmysql/playground/kubeconfig   # as root: /var/lib/qmysql/playground/kubeconfig
              kubectl qmysql status demo
              kubectl qmysql playground down --purge
            """,
        subcommands: [PlaygroundUp.self, PlaygroundStatusCommand.self, PlaygroundDown.self, PlaygroundHostCommand.self])
}

struct PlaygroundOptions: ParsableArguments {
    @Option(help: "The playground's directory (default: $QMYSQL_PLAYGROUND_DIR, else /var/lib/qmysql/playground for root and ~/.local/share/qmysql/playground for anyone else).")
    var dir: String?

    var layout: PlaygroundLayout { PlaygroundLayout(root: absolute(dir ?? PlaygroundLayout.defaultRoot())) }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// The playground's processes as the pid files record them.
enum PlaygroundProcesses {
    static func host(_ layout: PlaygroundLayout) -> ManagedProcess? { ManagedProcess.adopt(pidFile: layout.hostPIDFile) }

    /// Every process a pid file under the directory names that still runs (agents, controllers,
    /// the operator), then every process still in a container's session (mysqld, an SST script
    /// and its socat), whether or not the container's first process still runs: a container's
    /// session stands for its cgroup, and nothing in it may outlive the playground. mysqld's own
    /// pid file is still read, for pods started before containers had sessions.
    static func leftovers(_ layout: PlaygroundLayout) -> [(what: String, process: ManagedProcess)] {
        var found: [(String, ManagedProcess)] = []
        if let process = ManagedProcess.adopt(pidFile: layout.operatorPIDFile) { found.append(("operator", process)) }
        let pods = layout.root + "/pods"
        guard let walker = FileManager.default.enumerator(atPath: pods) else { return found }
        var members: [(String, ManagedProcess)] = []
        for case let relative as String in walker where relative.hasSuffix(".pid") {
            let path = pods + "/" + relative
            if relative.hasSuffix("/mysqld.pid") {
                // mysqld writes a bare pid: believe it only for a server binary.
                if let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                   let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                   ["mariadbd", "mysqld"].contains(command.trimmingCharacters(in: .whitespacesAndNewlines)),
                   let process = ManagedProcess.adopt(pid: pid) {
                    members.append(("mysqld \(relative)", process))
                }
                continue
            }
            let container = String(relative.dropLast(4))
            if let process = ManagedProcess.adopt(pidFile: path) { found.append((container, process)) }
            guard let session = ManagedProcess.recorded(pidFile: path)?.session else { continue }
            for member in session.members() where member.pid != session.leader {
                if let process = ManagedProcess.adopt(pid: member.pid) { members.append(("\(container): \(member.command)", process)) }
            }
        }
        // Leaders first: `down` stops them gracefully (an agent stops its mysqld), then the rest.
        for member in members where !found.contains(where: { $0.1.pid == member.1.pid }) { found.append(member) }
        return found
    }

    /// Whether `what` (as `leftovers` names it) is a container's first process or the operator,
    /// which stop their own children when asked.
    static func isLeader(_ what: String) -> Bool { !what.contains(": ") && !what.hasPrefix("mysqld ") }
}

// MARK: up

struct PlaygroundUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the playground (or what of it is missing) and a Green demo cluster.",
        discussion: """
            Starts the API server, the operator and the runtime in the background (their logs are \
            in the playground's directory), then creates the 3-node cluster `demo` unless it exists \
            or --no-demo is given, waits for it to be Green, and prints how to connect. On a \
            playground that runs, it changes nothing and says so. After `down` (or a reboot) it \
            brings back every cluster with its data.
            """)

    @OptionGroup var playground: PlaygroundOptions

    @Flag(help: "Do not create the demo cluster.")
    var noDemo = false

    @Option(help: "The API server's port on 127.0.0.1 for a new playground (default: a free one; kept afterwards).")
    var apiPort: Int?

    @Option(help: "Seconds to wait for the demo cluster to be Green.")
    var timeout: Double = 300

    func run() async throws {
        let layout = playground.layout
        let missing = PlaygroundRequirements.missing()
        if !missing.isEmpty { throw CLIError(PlaygroundRequirements.explain(missing), status: .configuration) }
        try FileManager.default.createDirectory(atPath: layout.root, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        if geteuid() == 0, let closed = layout.closedAncestor() {
            throw CLIError("the playground's directory \(layout.root) is under \(closed.path) (mode \(String(closed.mode, radix: 8))), which the users its pods run as (mysql, uid 999, and others) cannot enter",
                           hint: "Use a directory they can reach: --dir /var/lib/qmysql/playground (root's default), or QMYSQL_PLAYGROUND_DIR.",
                           status: .configuration)
        }
        let started = ContinuousClock.now

        if let host = PlaygroundProcesses.host(layout) {
            StandardError.write("the playground already runs (host pid \(host.pid), directory \(layout.root)); nothing changed\n")
            StandardError.write("  its parts: kubectl qmysql playground status --dir \(layout.root)\n")
        } else {
            try checkAddresses(layout)
            try await startHost(layout)
            StandardError.write("playground started in \(Self.seconds(since: started)) (directory \(layout.root))\n")
        }
        print("kubeconfig: \(layout.kubeconfig)")
        print("  export KUBECONFIG=\(layout.kubeconfig)    # or pass --kubeconfig to kubectl and kubectl qmysql")
        guard !noDemo else { return }
        try await demo(layout, since: started)
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        ClusterFollower.seconds(ContinuousClock.now - start)
    }

    /// Every address the playground will listen on must be free, before anything starts.
    private func checkAddresses(_ layout: PlaygroundLayout) throws {
        var settings = try PlaygroundSettings.load(layout)
        if settings == nil {
            settings = try PlaygroundSettings.generate(apiPort: apiPort, operatorPort: nil)
            try settings?.save(layout)
        }
        guard let settings else { return }
        var problems: [String] = []
        var ports = [("the API server", settings.apiPort)]
        // An operator a crashed host left running still holds its port; the new host takes it over.
        if ManagedProcess.adopt(pidFile: layout.operatorPIDFile) == nil { ports.append(("the operator's metrics", settings.operatorPort)) }
        for (what, port) in ports {
            if let problem = PortCheck.problem(host: "127.0.0.1", port: port) { problems.append("\(what): \(problem)") }
        }
        for (id, port) in LocalRuntime.savedState(layout)?.endpointPorts ?? [:] {
            if let problem = PortCheck.problem(host: "127.0.0.1", port: port) { problems.append("endpoint \(id): \(problem)") }
        }
        if !problems.isEmpty {
            throw CLIError("cannot start the playground: \(problems.joined(separator: "; "))",
                           hint: "Stop what listens there, or use another --dir (a new playground picks free ports).",
                           status: .failure)
        }
    }

    /// Starts the host in the background and waits until it serves (its first status file).
    private func startHost(_ layout: PlaygroundLayout) async throws {
        try? FileManager.default.removeItem(atPath: layout.status)
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = nil
        let host = try ManagedProcess.spawn(SelfExecutable.path, arguments: ["playground", "host", "--dir", layout.root],
                                            environment: environment, logPath: layout.hostLog, pidFile: layout.hostPIDFile)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: layout.status) { return }
            if !host.isRunning {
                let tail = (try? String(contentsOfFile: layout.hostLog, encoding: .utf8))?.split(separator: "\n").suffix(8).joined(separator: "\n") ?? ""
                throw CLIError("the playground's host exited while starting; the end of \(layout.hostLog):\n\(tail)", status: .failure)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        host.signal(SIGTERM)
        throw CLIError("the playground's host did not come up within 60 s; see \(layout.hostLog)", status: .failure)
    }

    private static func podsReady(_ client: KubeClient, cluster: String, namespace: String, replicas: Int) async throws -> Bool {
        let pods = try await client.listAllRaw(Pod.resourceType, namespace: namespace, options: ListOptions(
            labelSelector: "\(QiniuLabels.cluster)=\(cluster),\(QiniuLabels.component)=\(QiniuLabels.database)"))
        let ready = pods.filter { pod in
            pod[path: ["status", "conditions"]]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false
        }
        return ready.count >= replicas
    }

    /// Creates `demo` when it does not exist, waits for Green, prints how to connect.
    private func demo(_ layout: PlaygroundLayout, since started: ContinuousClock.Instant) async throws {
        let client = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig))
        do {
            try await demo(client, layout, since: started)
            try? await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func demo(_ client: KubeClient, _ layout: PlaygroundLayout, since started: ContinuousClock.Instant) async throws {
        let name = "demo"
        let namespace = "default"
        do {
            _ = try await client.get(QiniuMySQL.self, name: name, namespace: namespace)
        } catch let error as KubeError where error.isNotFound {
            let cluster = QiniuMySQL(metadata: ObjectMeta(name: name, namespace: namespace),
                                     spec: QiniuMySQLSpec(replicas: 3, storage: StorageSpec(size: "1Gi")))
            _ = try await client.create(cluster, namespace: namespace)
            StandardError.write("created cluster \(name) (3 nodes)\n")
        }
        // Green, and every node's pod Ready now: after `down` and `up` the status still says
        // what the cluster was before, until its controller speaks again.
        let follower = ClusterFollower(client: client, namespace: namespace, timeout: .milliseconds(Int64(timeout * 1000))) {
            try await Self.podsReady(client, cluster: name, namespace: namespace, replicas: 3)
        }
        let waited = try await follower.follow(
            name: name, hint: "kubectl qmysql status \(name) --kubeconfig \(layout.kubeconfig); logs: \(layout.root)/pods/\(namespace)/")
        let service = try? await client.getRaw(Service.resourceType, name: ClusterNames(cluster: name).clientService, namespace: namespace)
        let endpoint = StatusReport.publishedEndpoint(service?[path: ["metadata", "annotations", QiniuAnnotations.publishedAddress]]?.stringValue)
            ?? (host: "127.0.0.1", port: 13306)
        // Green in the API is not yet served: the line printed below must work at once.
        let deadline = ContinuousClock.now + .seconds(60)
        while !(await ServerGreeting.arrives(host: endpoint.host, port: endpoint.port, within: .seconds(2))) {
            guard ContinuousClock.now < deadline else {
                throw CLIError("\(name) is Green, but its endpoint \(endpoint.host):\(endpoint.port) sends no MySQL greeting within 60 s",
                               hint: "kubectl qmysql playground status --dir \(layout.root) shows its backends; the host's log is \(layout.hostLog)",
                               status: .failure)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        StandardError.write("\(name) is Green (\(ClusterFollower.seconds(waited)) after the playground was up, \(Self.seconds(since: started)) in all)\n")
        print("connect:")
        print("  mariadb -h \(endpoint.host) -P \(endpoint.port) -u root -p\"$(\(SelfExecutable.path) credential \(name) --kubeconfig \(layout.kubeconfig))\"")
    }
}

// MARK: status

struct PlaygroundStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the playground runs: processes, addresses, the kubeconfig, each cluster's state and endpoint.")

    @OptionGroup var playground: PlaygroundOptions

    @Option(name: .shortAndLong, help: "json or yaml for the data; default: a report.")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.json, .yaml], command: "playground status")
    }

    func run() async throws {
        let layout = playground.layout
        let host = PlaygroundProcesses.host(layout)
        let status = host == nil ? nil : PlaygroundStatus.read(from: layout.status)
        var clusters: [JSONValue] = []
        if host != nil, let client = try? KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig)) {
            let services = (try? await client.listAllRaw(Service.resourceType, namespace: KubeClient.allNamespaces)) ?? []
            for cluster in (try? await client.listAll(QiniuMySQL.self, namespace: KubeClient.allNamespaces)) ?? [] {
                let names = ClusterNames(cluster: cluster.metadata.name ?? "")
                let service = services.first {
                    $0[path: ["metadata", "name"]]?.stringValue == names.clientService
                        && $0[path: ["metadata", "namespace"]]?.stringValue == cluster.metadata.namespace
                }
                clusters.append([
                    "namespace": .string(cluster.metadata.namespace ?? ""), "name": .string(cluster.metadata.name ?? ""),
                    "state": .string(cluster.status?.state?.rawValue ?? "Unknown"), "ready": .string(cluster.status?.ready ?? "-"),
                    "endpoint": service?[path: ["metadata", "annotations", QiniuAnnotations.publishedAddress]] ?? .null,
                ])
            }
            try? await client.shutdown()
        }
        let leftovers = host == nil ? PlaygroundProcesses.leftovers(layout) : []
        if let output {
            var document: JSONValue = [
                "directory": .string(layout.root), "running": .bool(host != nil), "kubeconfig": .string(layout.kubeconfig),
                "clusters": .array(clusters),
                "leftoverProcesses": .array(leftovers.map { ["what": .string($0.what), "pid": .int(Int64($0.process.pid))] }),
            ]
            if let status { document["status"] = try JSONValue(encoding: status) }
            print(try DataPrinter.render(document, as: output), terminator: "")
            return
        }
        let terminal = Terminal.current
        guard let host else {
            print("The playground is not running (directory \(layout.root)).")
            if !leftovers.isEmpty {
                print("Its host is gone, but these still run: \(leftovers.map { "\($0.what) (pid \($0.process.pid))" }.joined(separator: ", ")).")
                print("`kubectl qmysql playground up` takes them over; `kubectl qmysql playground down` stops them.")
            }
            return
        }
        print("Directory:   \(layout.root)")
        print("Kubeconfig:  \(layout.kubeconfig)   (export KUBECONFIG=\(layout.kubeconfig))")
        print("API server:  \(status?.host.apiServer ?? "?")")
        if let users = status?.host.podUsers { print("Pods run:    \(users)") }
        if let balancing = status?.host.endpointBalancing { print("Endpoints:   balanced \(balancing)") }
        print("")
        var table = Table(["Process", "PID", "Address", "State", "Restarts"])
        table.append(["host (API server, runtime, endpoints)", "\(host.pid)", status?.host.apiServer ?? "-", terminal.paint("running", .green), "-"])
        if let header = status?.host {
            table.append(["operator", header.operatorPID.map { "\($0)" } ?? "-", header.operatorMetrics ?? "-",
                          header.operatorPID != nil ? terminal.paint("running", .green) : terminal.paint("not running", .red)
                              + (header.operatorLastExit.map { " (last: \($0))" } ?? ""),
                          "\(header.operatorRestarts)"])
        }
        for pod in status?.pods ?? [] {
            for container in pod.containers {
                let running = container.running
                let state = running ? (container.ready ? terminal.paint("ready", .green) : terminal.paint("running, not ready", .yellow))
                    : terminal.paint(container.waiting ?? "not running", .red) + (container.lastExit.map { " (last: \($0))" } ?? "")
                table.append(["\(pod.namespace)/\(pod.name) \(container.name)", container.pid.map { "\($0)" } ?? "-",
                              pod.address, state, "\(container.restarts)"])
            }
            if pod.containers.isEmpty {
                table.append(["\(pod.namespace)/\(pod.name)", "-", pod.address, terminal.paint(pod.problem ?? "starting", .yellow), "-"])
            }
        }
        print(table.render(), terminator: "")
        print("")
        var endpoints = Table(["Endpoint", "Service", "Backends"])
        for endpoint in status?.endpoints ?? [] {
            endpoints.append([endpoint.problem ?? endpoint.address, "\(endpoint.namespace)/\(endpoint.service) \(endpoint.port)",
                              endpoint.backends.isEmpty ? "none ready" : endpoint.backends.joined(separator: ", ")])
        }
        print(endpoints.render(), terminator: "")
        print("")
        var clusterTable = Table(["Cluster", "State", "Ready", "Endpoint"])
        for cluster in clusters {
            clusterTable.append(["\(cluster["namespace"]?.stringValue ?? "")/\(cluster["name"]?.stringValue ?? "")",
                                 terminal.paintState(cluster["state"]?.stringValue ?? "Unknown"),
                                 cluster["ready"]?.stringValue ?? "-", cluster["endpoint"]?.stringValue ?? "-"])
        }
        print(clusters.isEmpty ? "No clusters.\n" : clusterTable.render(), terminator: "")
    }
}

// MARK: down

struct PlaygroundDown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the playground: operator, controllers, then every node gracefully; --purge also deletes its data.")

    @OptionGroup var playground: PlaygroundOptions

    @Flag(help: "Also delete the playground's directory: every cluster and its data.")
    var purge = false

    @Option(help: "Seconds to wait for a graceful stop before processes are killed.")
    var timeout: Double = 240

    func run() async throws {
        let layout = playground.layout
        let started = ContinuousClock.now
        if let host = PlaygroundProcesses.host(layout) {
            StandardError.write("stopping the playground (host pid \(host.pid)): operator, controllers, then the nodes...\n")
            host.signal(SIGTERM)
            var lastNote = ContinuousClock.now
            while host.isRunning, ContinuousClock.now - started < .seconds(Int64(timeout)) {
                try await Task.sleep(for: .milliseconds(200))
                if ContinuousClock.now - lastNote > .seconds(5) {
                    let left = PlaygroundProcesses.leftovers(layout).count
                    StandardError.write("  [\(PlaygroundUp.seconds(since: started))] \(left) process(es) still stopping\n")
                    lastNote = .now
                }
            }
            if host.isRunning {
                StandardError.write("the host did not stop within \(Int(timeout)) s; killing it\n")
                kill(-host.pid, SIGKILL)
                host.signal(SIGKILL)
            }
        }
        // Whatever a crashed host left behind: agents stop their mysqld on SIGTERM.
        let leftovers = PlaygroundProcesses.leftovers(layout)
        if !leftovers.isEmpty {
            StandardError.write("stopping what the host left: \(leftovers.map { "\($0.what) (pid \($0.process.pid))" }.joined(separator: ", "))\n")
            await withTaskGroup(of: Void.self) { group in
                for leftover in leftovers where PlaygroundProcesses.isLeader(leftover.what) {
                    group.addTask { await leftover.process.stop(grace: .seconds(120)) }
                }
            }
            for leftover in PlaygroundProcesses.leftovers(layout) { await leftover.process.stop(grace: .seconds(60)) }
        }
        // Nothing any container started may be left: checked, not assumed.
        let survivors = PlaygroundProcesses.leftovers(layout)
        if !survivors.isEmpty {
            for survivor in survivors { survivor.process.signal(SIGKILL) }
            StandardError.write("killed what would not stop: \(survivors.map { "\($0.what) (pid \($0.process.pid))" }.joined(separator: ", "))\n")
        }
        // A crashed host's endpoint rules stay in the kernel; a host that stopped deleted its own.
        for table in await KernelBalancer.deleteStaleTables() {
            StandardError.write("deleted the endpoint rules a crashed host left in the kernel (nftables table ip \(table))\n")
        }
        StandardError.write("playground stopped in \(PlaygroundUp.seconds(since: started))\n")
        if purge {
            try? FileManager.default.removeItem(atPath: layout.root)
            StandardError.write("deleted \(layout.root)\n")
        }
    }
}

// MARK: host (internal)

struct PlaygroundHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "The playground's background process (started by `playground up`).",
        shouldDisplay: false)

    @OptionGroup var playground: PlaygroundOptions

    func run() async throws {
        let layout = playground.layout
        try FileManager.default.createDirectory(atPath: layout.root, withIntermediateDirectories: true)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let host = PlaygroundHost(layout: layout, executable: SelfExecutable.path, logger: Logger(label: "qmysql.playground"))
        do {
            try await host.run()
        } catch {
            try? FileManager.default.removeItem(atPath: layout.hostPIDFile)
            throw CLIError("the playground's host failed: \(error)", status: .failure)
        }
    }
}
