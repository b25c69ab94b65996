import AgentAPI
import AsyncHTTPClient
import ClusterCertificates
import Foundation
import Galera
import LocalCluster
import MySQLClient
import NIOPosix
import Processes
import RoleNetwork
import Synchronization
import Testing

/// Galera's replication over TLS on real mariadbd, checked without tcpdump: what a plain TCP
/// client gets from port 4567, whether a TLS client with or without the cluster's certificate is
/// accepted, whether a node holding another CA's certificate can join, and a rolling change from
/// plain TCP to TLS that keeps the cluster Primary. Its own nodes on 127.0.43.2-5.
@Suite("Galera replication over TLS on real nodes", .serialized)
struct ReplicationTLSTests {
    static let firstAddress = "127.0.43.2"

    /// The cluster's TLS files under `root/tls` (and another CA's, for the same names, under
    /// `root/foreign`), and clients that trust each CA.
    final class Certificates: Sendable {
        /// The cluster's CA (with its key) and certificate, as written to `files`.
        let tls: ClusterTLS
        let files: TLSFiles
        let foreignFiles: TLSFiles
        let client: HTTPClient
        let foreignClient: HTTPClient

        init(root: String, cluster: String) throws {
            let own = try ClusterTLS.generate(cluster: cluster, namespace: "tests")
            let foreign = try ClusterTLS.generate(cluster: cluster, namespace: "tests")
            tls = own
            files = try own.writeFiles(to: root + "/tls")
            foreignFiles = try foreign.writeFiles(to: root + "/foreign")
            client = try Self.client(trusting: own.caCertificatePEM)
            foreignClient = try Self.client(trusting: foreign.caCertificatePEM)
        }

        func shutdown() async {
            try? await client.shutdown()
            try? await foreignClient.shutdown()
        }

        static func client(trusting ca: String) throws -> HTTPClient {
            var configuration = HTTPClient.Configuration()
            configuration.tlsConfiguration = try RoleTLS.client(caPEM: ca)
            configuration.timeout = .init(connect: .seconds(2), read: .seconds(30))
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }
    }

    /// Runs `body` with the certificates and their clients, shut down however it ends (a client
    /// left running when a failed test drops it would end the whole test process).
    static func withCertificates(root: String, cluster: String, _ body: (Certificates) async throws -> Void) async throws {
        let certificates = try Certificates(root: root, cluster: cluster)
        do {
            try await body(certificates)
        } catch {
            await certificates.shutdown()
            throw error
        }
        await certificates.shutdown()
    }

    static func cluster(name: String, root: String, nodeCount: Int = 3, firstAddress: String = firstAddress,
                        tls: TLSFiles, client: HTTPClient, encryption: ReplicationEncryption, requireSecureTransport: Bool = false) -> LocalCluster {
        var configuration = LocalClusterConfiguration(name: name, root: root, executable: LocalClusterConfiguration.siblingExecutable())
        configuration.firstAddress = firstAddress
        configuration.nodeCount = nodeCount
        configuration.tls = .init(files: tls, httpClient: client)
        configuration.replicationEncryption = encryption
        configuration.requireSecureTransport = requireSecureTransport
        configuration.syncTimeout = .seconds(60)
        return LocalCluster(configuration: configuration)
    }

    @Test("an encrypted cluster speaks only TLS on 4567, to holders of its CA's certificates, offers clients TLS on 3306, and a node with another CA's certificate never joins")
    func onlyTLSAndOnlyTheClustersCA() async throws {
        let root = "/tmp/qmysql-agent-tests/rtls-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try await Self.withCertificates(root: root, cluster: "rtls") { certificates in
            let cluster = Self.cluster(name: "rtls", root: root + "/cluster", tls: certificates.files, client: certificates.client, encryption: .required,
                                       requireSecureTransport: true)
            // The impostor: the same cluster name and certificate names, another CA, on the fourth address.
            let impostor = Self.cluster(name: "rtls", root: root + "/impostor", nodeCount: 1, firstAddress: "127.0.43.5",
                                        tls: certificates.foreignFiles, client: certificates.foreignClient, encryption: .required)
            defer {
                cluster.killAll()
                impostor.killAll()
                try? FileManager.default.removeItem(atPath: root)
            }
            try await cluster.start()
            for node in cluster.nodes {
                let myCnf = try String(contentsOfFile: node.runDirectory + "/my.cnf", encoding: .utf8)
                #expect(myCnf.contains("socket.ssl_cert=\(certificates.files.certificate)") && !myCnf.contains("socket.dynamic"))
                #expect(try String(contentsOfFile: node.errorLog, encoding: .utf8).contains("listening at ssl://\(node.address):4567"))
                let plain = try await PlainProbe.firstBytes(host: node.address, port: 4567)
                #expect(plain.isEmpty, "\(node.name) sent \(plain.count) bytes in the clear to a plain TCP client")
            }
            let address = cluster.node(0).address + ":4567"
            #expect(try await OpenSSLClient.handshake(address, files: certificates.files).succeeded, "a client with the cluster's certificate completes a TLS handshake")
            let refused = try await OpenSSLClient.handshake(address, files: certificates.foreignFiles, trusting: certificates.files.certificateAuthority)
            #expect(!refused.succeeded && refused.output.contains("unknown ca"), "node 0 refuses another CA's client certificate: \(refused.output)")

            // Clients: mysqld offers TLS with the cluster's certificate (plain clients still work).
            // mysqld greets only hosts some account may come from (else error 1130 before any TLS).
            let threadPool = NIOThreadPool(numberOfThreads: 1)
            threadPool.start()
            let admin = try await MySQLConnection.connect(cluster.node(0).sqlOptions, threadPool: threadPool)
            try await admin.execute("CREATE USER IF NOT EXISTS 'tls_probe'@'%' IDENTIFIED BY 'probe-password'")
            await admin.close()
            #expect(try await cluster.node(0).client.status().clientTLS == true, "the agent says its mysqld offers TLS")
            // require_secure_transport: plain TCP is refused; TLS pinned to the cluster's certificate
            // (as the controller's probe connects) is served; another certificate's pin is refused.
            var tcp = MySQLConnectionOptions(endpoint: .tcp(host: cluster.node(0).address, port: 3306), user: "tls_probe", password: "probe-password")
            await #expect(throws: (any Error).self, "plain TCP refused") { try await MySQLConnection.connect(tcp, threadPool: threadPool).close() }
            tcp.pinnedCertificateSHA1 = ClusterTLS.sha1Fingerprint(ofCertificatePEM: try String(contentsOfFile: certificates.files.certificate, encoding: .utf8))
            let pinned = try await MySQLConnection.connect(tcp, threadPool: threadPool)
            let cipher = try await pinned.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            await pinned.close()
            #expect(cipher.rows.first?.last??.isEmpty == false, "\(cipher.rows)")
            tcp.pinnedCertificateSHA1 = ClusterTLS.sha1Fingerprint(ofCertificatePEM: try String(contentsOfFile: certificates.foreignFiles.certificate, encoding: .utf8))
            await #expect(throws: (any Error).self, "another certificate's pin is refused") { try await MySQLConnection.connect(tcp, threadPool: threadPool).close() }
            try await threadPool.shutdownGracefully()
            let mysql = cluster.node(0).address + ":3306"
            let client = try await OpenSSLClient.handshake(mysql, files: certificates.files, starttls: "mysql")
            #expect(client.succeeded, "mysqld's TLS, verified against the cluster's CA: \(client.output)")
            let mistrusting = try await OpenSSLClient.handshake(mysql, files: certificates.files, trusting: certificates.foreignFiles.certificateAuthority, starttls: "mysql")
            #expect(!mistrusting.succeeded && mistrusting.output.contains("certificate verify failed"), "\(mistrusting.output)")

            // A node holding another CA's certificate tries to join: it never gets in.
            let peers = cluster.nodes.map(\.galeraAddress) + impostor.nodes.map(\.galeraAddress)
            try await impostor.replaceAgent(0) { $0.peers = peers }
            _ = try await impostor.node(0).client.start(StartRequest(mode: .join))
            let log = impostor.node(0).errorLog
            let refusal = try await eventually(timeout: .seconds(30)) {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                return text.contains("certificate verify failed") ? text : nil
            }
            #expect(refusal.contains("certificate verify failed"))
            for index in 0..<3 {
                let status = try await cluster.node(index).client.status()
                #expect(status.state == .green && status.wsrep?.clusterSize == 3, "\(status.node): \(String(describing: status.wsrep))")
            }
            impostor.killAll()
            await cluster.shutdown()
        }
    }

    @Test("turning encryption on is a rolling change, off to accepting to required one node at a time, and the cluster stays Primary throughout")
    func rollingChangeToTLS() async throws {
        let root = "/tmp/qmysql-agent-tests/rtls-roll-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try await Self.withCertificates(root: root, cluster: "rtlsroll") { certificates in
            let cluster = Self.cluster(name: "rtlsroll", root: root + "/cluster", tls: certificates.files, client: certificates.client, encryption: .off)
            defer {
                cluster.killAll()
                try? FileManager.default.removeItem(atPath: root)
            }
            try await cluster.start()
            let before = try await PlainProbe.firstBytes(host: cluster.node(0).address, port: 4567)
            #expect(!before.isEmpty, "plain TCP: Galera's handshake comes in the clear (the probe sees it)")

            let threadPool = NIOThreadPool(numberOfThreads: 1)
            threadPool.start()
            defer { Task { try? await threadPool.shutdownGracefully() } }
            let setup = try await MySQLConnection.connect(cluster.node(0).sqlOptions, threadPool: threadPool)
            try await setup.execute("CREATE DATABASE IF NOT EXISTS roll")
            try await setup.execute("CREATE TABLE IF NOT EXISTS roll.t (id INT AUTO_INCREMENT PRIMARY KEY, phase VARCHAR(20), node VARCHAR(20))")
            await setup.close()

            for phase in [ReplicationEncryption.accepting, .required] {
                for index in [2, 1, 0] {
                    try await cluster.replaceAgent(index) { $0.replicationEncryption = phase }
                    // The two others stay a Primary component while this one is away.
                    for other in (0..<3) where other != index {
                        let status = try await cluster.node(other).client.status()
                        #expect(status.wsrep?.clusterStatus == .primary, "\(phase) \(index): \(status.node) is \(String(describing: status.wsrep))")
                    }
                    let joined = try await cluster.startNode(index, mode: .join)
                    #expect(joined.lastStateTransfer?.method == "IST", "\(joined.node) came back by IST: \(String(describing: joined.lastStateTransfer))")
                    let writer = try await MySQLConnection.connect(cluster.node(index).sqlOptions, threadPool: threadPool)
                    try await writer.execute("INSERT INTO roll.t (phase, node) VALUES ('\(phase.rawValue)', '\(cluster.node(index).name)')")
                    await writer.close()
                }
                let probe = try await PlainProbe.firstBytes(host: cluster.node(0).address, port: 4567)
                switch phase {
                case .accepting: #expect(!probe.isEmpty, "accepting: plain TCP is still answered, for the nodes not rolled yet")
                default: #expect(probe.isEmpty, "required: nothing in the clear")
                }
            }
            for node in cluster.nodes {
                let myCnf = try String(contentsOfFile: node.runDirectory + "/my.cnf", encoding: .utf8)
                #expect(myCnf.contains("socket.ssl_ca=") && !myCnf.contains("socket.dynamic"), "\(node.name) ends on required")
                let reader = try await MySQLConnection.connect(node.sqlOptions, threadPool: threadPool)
                try await reader.execute("SET SESSION wsrep_sync_wait = 1")
                let rows = try await reader.query("SELECT COUNT(*) FROM roll.t")
                await reader.close()
                #expect(rows.rows == [["6"]], "\(node.name) has every row written during the change")
            }
            await cluster.shutdown()
        }
    }
}

/// A plain TCP client: connects and returns what the server sends first within `wait` (nothing
/// from a TLS server, which waits for the client's hello). Blocking calls on a thread of its own.
enum PlainProbe {
    static func firstBytes(host: String, port: UInt16, wait: Duration = .seconds(2)) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try read(host: host, port: port, wait: wait) })
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private static func read(host: String, port: UInt16, wait: Duration) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "not an IPv4 address: \(host)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "cannot connect to \(host):\(port): errno \(errno)") }
        let milliseconds = Int(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer[..<count]) : []
    }
}

/// `openssl s_client`: a TLS handshake with a node's port, presenting `files`' certificate and
/// trusting `trusting` (default: `files`' CA). The real tool, so the check is independent of ours.
enum OpenSSLClient {
    struct Result {
        var succeeded: Bool
        var output: String
    }

    /// - Parameter starttls: the protocol whose own greeting comes first (`mysql`), as s_client names it.
    static func handshake(_ address: String, files: TLSFiles, trusting ca: String? = nil, starttls: String? = nil) async throws -> Result {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("s_client-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        // TLS 1.2: the server judges the client's certificate inside the handshake. In TLS 1.3
        // its refusal is an alert after the client's side is done, which s_client may exit
        // before reading (measured: exit 0 in two runs of three against a refusing node).
        let child = try ChildProcess.spawn("/usr/bin/openssl", arguments: [
            "s_client", "-tls1_2", "-connect", address, "-CAfile", ca ?? files.certificateAuthority, "-cert", files.certificate,
            "-key", files.key, "-verify_return_error", "-brief",
        ] + (starttls.map { ["-starttls", $0] } ?? []), outputPath: output)
        let exit = await child.wait(timeout: .seconds(20))
        if exit == nil {
            child.signal(SIGKILL)
            _ = await child.wait()
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return Result(succeeded: exit?.isClean ?? false, output: text)
    }
}
