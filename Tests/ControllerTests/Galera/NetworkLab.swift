import Agent
import AgentAPI
import Foundation
import Processes

/// Network namespaces joined by a bridge, one per node, so a node can be cut off and plugged back
/// like a pulled cable. Node i lives in namespace `qmc-<name>` with address 10.77.0.(2+i) on a
/// veth whose other end hangs on the bridge `qmcbr0` (10.77.0.1, in the test's namespace, so the
/// controller in the test process reaches every node while none is cut).
///
/// Everything it creates starts with `qmc`, and `removeAll()` deletes exactly that, also what a
/// crashed earlier run left behind. Needs root.
struct NetworkLab: Sendable {
    static let bridge = "qmcbr0"
    static let firstAddress = "10.77.0.2"
    let nodeNames: [String]

    struct CommandFailed: Error, CustomStringConvertible {
        var command: [String]
        var exit: String
        var output: String
        var description: String { "\(command.joined(separator: " ")) \(exit): \(output)" }
    }

    static func namespace(of node: String) -> String { "qmc-\(node)" }
    func hostInterface(_ index: Int) -> String { "qmcv\(index)h" }
    func nodeInterface(_ index: Int) -> String { "qmcv\(index)n" }
    func address(_ index: Int) -> String { "10.77.0.\(2 + index)" }

    /// Creates the bridge and one namespace per node, after removing any leftovers.
    func create() async throws {
        await Self.removeAll()
        try await Self.ip(["link", "add", Self.bridge, "type", "bridge"])
        try await Self.ip(["addr", "add", "10.77.0.1/24", "dev", Self.bridge])
        try await Self.ip(["link", "set", Self.bridge, "up"])
        for (index, node) in nodeNames.enumerated() {
            let namespace = Self.namespace(of: node)
            try await Self.ip(["netns", "add", namespace])
            try await Self.ip(["link", "add", hostInterface(index), "type", "veth", "peer", "name", nodeInterface(index)])
            try await Self.ip(["link", "set", nodeInterface(index), "netns", namespace])
            try await Self.ip(["link", "set", hostInterface(index), "master", Self.bridge])
            try await Self.ip(["link", "set", hostInterface(index), "up"])
            try await Self.ip(["-n", namespace, "addr", "add", "\(address(index))/24", "dev", nodeInterface(index)])
            try await Self.ip(["-n", namespace, "link", "set", nodeInterface(index), "up"])
            try await Self.ip(["-n", namespace, "link", "set", "lo", "up"])
        }
    }

    /// Pulls node `index`'s cable: it can reach neither its peers nor the controller.
    func cut(_ index: Int) async throws { try await Self.ip(["link", "set", hostInterface(index), "down"]) }

    /// Plugs it back.
    func plug(_ index: Int) async throws { try await Self.ip(["link", "set", hostInterface(index), "up"]) }

    /// A shell script that runs `executable` inside the namespace of the node named by its
    /// `--node-name` argument: LocalCluster starts the agents through it, and each agent's mysqld
    /// inherits the namespace.
    func writeLauncher(at path: String, executable: String) throws {
        let script = """
            #!/bin/sh
            # Runs a qmysql agent inside its node's network namespace (written by the controller tests).
            node=""
            previous=""
            for argument in "$@"; do
                if [ "$previous" = "--node-name" ]; then node="$argument"; fi
                previous="$argument"
            done
            [ -n "$node" ] || { echo "no --node-name argument" >&2; exit 64; }
            exec ip netns exec "qmc-$node" \(executable) "$@"

            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    /// Deletes every namespace named `qmc-*` and the bridge, whoever created them in this lab.
    static func removeAll() async {
        let listing = (try? await run("ip", ["netns", "list"])) ?? ""
        for line in listing.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            if name.hasPrefix("qmc-") { _ = try? await ip(["netns", "del", name]) }
        }
        _ = try? await ip(["link", "del", bridge])
    }

    @discardableResult
    static func ip(_ arguments: [String]) async throws -> String {
        try await run("ip", arguments)
    }

    static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("qmc-ip-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess.spawn(executable, arguments: arguments, outputPath: output)
        let exit = await child.wait()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard exit.isClean else { throw CommandFailed(command: [executable] + arguments, exit: exit.description, output: text) }
        return text
    }
}
