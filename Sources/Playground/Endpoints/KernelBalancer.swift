import Foundation
import Galera
import Processes

/// Services balanced in the kernel, as kube-proxy does in its nftables mode: a destination NAT
/// rule per endpoint (`127.0.0.1:13306`) sends each new connection to one ready backend, and the
/// kernel's connection tracking keeps it there. No byte passes through the playground.
///
/// Why it exists: the user-space `EndpointProxy` copies every byte on the same two cores as the
/// nodes and the client, and cost sysbench a third of its throughput (459 transactions/s through
/// it against 650 straight to the node; through this table 630-638, docs/benchmarks.md). kube-proxy
/// costs nothing like that, so the playground's numbers said something false about the design.
///
/// The `EndpointProxy` keeps listening on the same port: it holds the port (a second playground
/// cannot take it), and it answers when the table has no rule for the endpoint (no ready backend:
/// it closes the connection) or when nftables cannot be used here (not root, no `nft`).
///
/// Each playground host has a table of its own, named by its process (`qmysql_playground_<pid>`),
/// since the kernel keeps a table after its process is gone: a host deletes its table when it
/// stops, and at its start every such table whose process no longer runs.
public struct KernelBalancer: Sendable {
    public struct Route: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var backends: [EndpointProxy.Backend]

        public init(host: String, port: Int, backends: [EndpointProxy.Backend]) {
            self.host = host
            self.port = port
            self.backends = backends
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static let tablePrefix = "qmysql_playground_"

    public let table: String
    /// The `nft` executable.
    let nft: String
    /// Where the rules applied last are written (and read by `nft -f`), and `nft`'s output.
    let scriptPath: String
    let outputPath: String

    /// A balancer for this process, when nftables can be used here; otherwise why not.
    public static func make(directory: String, pid: Int32 = getpid()) async -> Result<KernelBalancer, Failure> {
        guard geteuid() == 0 else { return .failure(Failure(description: "not root: the kernel's NAT table needs CAP_NET_ADMIN")) }
        guard let nft = nftPath else {
            return .failure(Failure(description: "nftables is not installed (apt-get install nftables)"))
        }
        let balancer = KernelBalancer(table: tablePrefix + "\(pid)", nft: nft, scriptPath: directory + "/endpoints.nft",
                                      outputPath: directory + "/endpoints.nft.log")
        await deleteStaleTables(except: balancer.table)
        do {
            // An empty table proves the kernel takes it (a container without NET_ADMIN does not).
            try await balancer.apply([])
        } catch {
            return .failure(error)
        }
        return .success(balancer)
    }

    static var nftPath: String? {
        ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Deletes every playground table whose host process is gone (a host that crashed): its rules
    /// would send its old ports to pods that are gone. Returns the tables deleted.
    @discardableResult
    public static func deleteStaleTables(except own: String? = nil) async -> [String] {
        guard geteuid() == 0, let nft = nftPath else { return [] }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-nft-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        guard let listing = try? await run(nft, ["list", "tables"], outputPath: output) else { return [] }
        var deleted: [String] = []
        for stale in staleTables(listing: listing, isAlive: { kill($0, 0) == 0 || errno == EPERM }) where stale != own {
            if (try? await run(nft, ["delete", "table", "ip", stale], outputPath: output)) != nil { deleted.append(stale) }
        }
        return deleted
    }

    /// The whole table, replaced in one transaction: `flush` empties the table, and the rules
    /// that follow take effect together with it. A route without backends gets no rule (the
    /// `EndpointProxy` behind it closes the connection). Pure.
    public static func script(table: String, routes: [Route]) -> String {
        var lines = [
            "add table ip \(table)",
            "flush table ip \(table)",
            // dstnat on output: connections this machine's processes open, before routing.
            "add chain ip \(table) services { type nat hook output priority -100 ; policy accept ; }",
        ]
        for route in routes where !route.backends.isEmpty {
            let map = route.backends.enumerated().map { "\($0.offset) : \($0.element.host) . \($0.element.port)" }.joined(separator: ", ")
            lines.append("add rule ip \(table) services ip daddr \(route.host) tcp dport \(route.port) dnat ip to numgen inc mod \(route.backends.count) map { \(map) }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The playground tables in `nft list tables`' output whose host process is gone. Pure.
    static func staleTables(listing: String, isAlive: (Int32) -> Bool) -> [String] {
        listing.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 3, words[0] == "table", words[1] == "ip", words[2].hasPrefix(tablePrefix),
                  let pid = Int32(words[2].dropFirst(tablePrefix.count)), !isAlive(pid) else { return nil }
            return String(words[2])
        }
    }

    public func apply(_ routes: [Route]) async throws(Failure) {
        do {
            try Self.script(table: table, routes: routes).write(toFile: scriptPath, atomically: true, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot write \(scriptPath): \(error)")
        }
        _ = try await nft(["-f", scriptPath])
    }

    public func remove() async {
        _ = try? await nft(["delete", "table", "ip", table])
    }

    private func nft(_ arguments: [String]) async throws(Failure) -> String {
        try await Self.run(nft, arguments, outputPath: outputPath)
    }

    /// Runs `nft` and returns its output; a failure names its last line.
    private static func run(_ nft: String, _ arguments: [String], outputPath: String) async throws(Failure) -> String {
        try? FileManager.default.removeItem(atPath: outputPath)
        let process: ChildProcess
        do {
            process = try ChildProcess.spawn(nft, arguments: arguments, outputPath: outputPath)
        } catch {
            throw Failure(description: "\(error)")
        }
        let exit = await process.wait(timeout: .seconds(10))
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard exit?.isClean == true else {
            if exit == nil { _ = process.signal(SIGKILL) }
            let last = output.split(separator: "\n").last.map(String.init) ?? "no output"
            throw Failure(description: "nft \(arguments.joined(separator: " ")) \(exit.map { "failed (\($0))" } ?? "did not finish in 10 s"): \(last)")
        }
        return output
    }
}
