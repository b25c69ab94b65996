import Foundation
import Galera
import Processes
import Testing
@testable import Playground

/// Balanced Services in the kernel's NAT table, as kube-proxy's nftables mode has them
/// (`KernelBalancer`): the rules it writes, and real connections through a real table.
@Suite("the playground's kernel balancer")
struct KernelBalancerTests {
    @Test func theTableIsReplacedInOneTransactionAndAnEndpointWithoutBackendsHasNoRule() {
        let script = KernelBalancer.script(table: "qmysql_playground_7", routes: [
            .init(host: "127.0.0.1", port: 13306, backends: [.init(host: "127.42.0.2", port: 3306), .init(host: "127.42.0.3", port: 3306)]),
            .init(host: "127.0.0.1", port: 13307, backends: []),
            .init(host: "127.0.0.1", port: 13308, backends: [.init(host: "127.42.0.4", port: 3306)]),
        ])
        #expect(script == """
            add table ip qmysql_playground_7
            flush table ip qmysql_playground_7
            add chain ip qmysql_playground_7 services { type nat hook output priority -100 ; policy accept ; }
            add rule ip qmysql_playground_7 services ip daddr 127.0.0.1 tcp dport 13306 dnat ip to numgen inc mod 2 map { 0 : 127.42.0.2 . 3306, 1 : 127.42.0.3 . 3306 }
            add rule ip qmysql_playground_7 services ip daddr 127.0.0.1 tcp dport 13308 dnat ip to numgen inc mod 1 map { 0 : 127.42.0.4 . 3306 }

            """)
    }

    @Test func onlyTablesOfHostsThatAreGoneAreStale() {
        let listing = """
            table inet filter
            table ip qmysql_playground_100
            table ip qmysql_playground_200
            table ip qmysql_playground_x
            table ip6 qmysql_playground_300
            """
        #expect(KernelBalancer.staleTables(listing: listing, isAlive: { $0 == 200 }) == ["qmysql_playground_100"])
    }

    /// Real nftables (root, `nft` from scripts/setup): what the kernel does with the table.
    @Test func connectionsGoWhereTheTableSaysAndToTheProxyWithoutIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kernel-balancer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try TagServer(tag: "first"), second = try TagServer(tag: "second"), proxy = try TagServer(tag: "proxy")
        defer { first.close(); second.close(); proxy.close() }

        // A table left by a host that is gone (a process that ran and exited) is deleted.
        let gone = try ChildProcess.spawn("true", arguments: [], outputPath: nil)
        _ = await gone.wait()
        let stale = try await KernelBalancer.make(directory: directory, pid: gone.pid).get()
        let balancer = try await KernelBalancer.make(directory: directory).get()
        defer { Task { await balancer.remove() } }
        #expect(try await Self.tables().contains(balancer.table))
        #expect(try await Self.tables().contains(stale.table) == false, "the gone host's table is deleted")

        try await balancer.apply([.init(host: "127.0.0.1", port: proxy.port, backends: [
            .init(host: "127.0.0.1", port: first.port), .init(host: "127.0.0.1", port: second.port)])])
        let answers = try (0..<4).map { _ in try TagServer.ask(port: proxy.port) }
        #expect(answers.sorted() == ["first", "first", "second", "second"], "\(answers)")

        // No ready backend: no rule, and the proxy behind the port answers (it closes the connection).
        try await balancer.apply([.init(host: "127.0.0.1", port: proxy.port, backends: [])])
        #expect(try TagServer.ask(port: proxy.port) == "proxy")

        try await balancer.apply([.init(host: "127.0.0.1", port: proxy.port, backends: [.init(host: "127.0.0.1", port: second.port)])])
        #expect(try TagServer.ask(port: proxy.port) == "second")
        await balancer.remove()
        #expect(try await Self.tables().contains(balancer.table) == false)
        #expect(try TagServer.ask(port: proxy.port) == "proxy")
    }

    static func tables() async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("nft-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = try ChildProcess.spawn("nft", arguments: ["list", "tables"], outputPath: output)
        let exit = await process.wait()
        guard exit.isClean else { throw KernelBalancer.Failure(description: "nft list tables: \(exit)") }
        return try String(contentsOfFile: output, encoding: .utf8)
    }
}

/// A TCP server on 127.0.0.1 that writes its tag to every connection and closes it.
final class TagServer: Sendable {
    let port: Int
    private let socket: Int32

    init(tag: String) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw KernelBalancer.Failure(description: "cannot listen: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = fd
        let thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                _ = tag.withCString { write(client, $0, strlen($0)) }
                Glibc.close(client)
            }
        }
        thread.start()
    }

    func close() {
        shutdown(socket, Int32(SHUT_RDWR))
        Glibc.close(socket)
    }

    /// Connects to 127.0.0.1:`port` and reads what the server writes.
    static func ask(port: Int) throws -> String {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw KernelBalancer.Failure(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)") }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, buffer.count)
        return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
    }
}
