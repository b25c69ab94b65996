import AgentAPI
import ClusterCertificates
import Foundation
import Galera
import LocalCluster
import MySQLClient
import NIOPosix
import Testing

/// Certificate renewal on real mariadbd: the agents load renewed files into mysqld and Galera
/// without restarting them, and a cluster whose certificate expired recovers once a renewed one
/// is in the files. The files are replaced as the kubelet replaces a Secret's (here one by one,
/// which also shows a half-replaced pair is waited out). Its own nodes on 127.0.45.2-3.
@Suite("certificate renewal on real nodes", .serialized)
struct CertificateReloadTests {
    @Test("renewed certificate files reach mysqld and Galera without a restart, and an expired certificate recovers once renewed")
    func renewedFilesAreLoadedAndExpiryRecovers() async throws {
        let root = "/tmp/qmysql-agent-tests/renew-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try await ReplicationTLSTests.withCertificates(root: root, cluster: "renew") { certificates in
            let cluster = ReplicationTLSTests.cluster(name: "renew", root: root + "/cluster", nodeCount: 2, firstAddress: "127.0.45.2",
                                                      tls: certificates.files, client: certificates.client, encryption: .required)
            let threadPool = NIOThreadPool(numberOfThreads: 1)
            threadPool.start()
            defer {
                cluster.killAll()
                try? FileManager.default.removeItem(atPath: root)
            }
            try await cluster.start()
            let survivor = cluster.node(0)
            let survivorPID = try #require(try await survivor.client.status().process.pid)
            let admin = try await MySQLConnection.connect(survivor.sqlOptions, threadPool: threadPool)
            try await admin.execute("CREATE USER IF NOT EXISTS 'renew_probe'@'%' IDENTIFIED BY 'probe-password'")
            await admin.close()

            // The CA as the operator keeps it (its key too), and what it signs.
            let authority = certificates.tls
            func install(_ tls: ClusterTLS) throws { _ = try tls.writeFiles(to: root + "/tls") }
            func pinnedConnect(_ node: LocalNode, certificatePEM: String) async throws {
                var options = MySQLConnectionOptions(endpoint: .tcp(host: node.address, port: 3306), user: "renew_probe", password: "probe-password")
                options.pinnedCertificateSHA1 = ClusterTLS.sha1Fingerprint(ofCertificatePEM: certificatePEM)
                try await MySQLConnection.connect(options, threadPool: threadPool).close()
            }
            let galera = survivor.address + ":4567"

            // 1. A renewal from the same CA: mysqld serves it (the controller's pin of it connects)
            //    within the agents' check interval, and the old pin is refused as a failed handshake
            //    (CR_SSL_CONNECTION_ERROR, what the probe's fallback to an older pin looks for).
            let old = authority.certificatePEM
            let renewed = try authority.renewingLeaf(cluster: "renew", namespace: "tests")
            try install(renewed)
            for node in cluster.nodes {
                _ = try await eventually(timeout: .seconds(40), interval: .milliseconds(500)) {
                    (try? await pinnedConnect(node, certificatePEM: renewed.certificatePEM)) != nil ? true : nil
                }
            }
            do {
                try await pinnedConnect(survivor, certificatePEM: old)
                Issue.record("mysqld still serves the old certificate")
            } catch let error as MySQLError {
                #expect(error.code == 2026, "a pin that does not match fails the handshake: \(error)")
            }
            #expect(try await OpenSSLClient.handshake(galera, files: certificates.files).succeeded, "Galera serves a certificate its CA vouches for")

            // 2. The certificate expires (written here; in a cluster it is the calendar). Galera
            //    presents it from the next connection on, and a node that restarts cannot get in.
            let expired = try authority.renewingLeaf(cluster: "renew", namespace: "tests", now: Date().addingTimeInterval(-2 * ClusterTLS.leafValidity))
            try install(expired)
            let refusal = try await eventually(timeout: .seconds(40), interval: .milliseconds(500)) {
                let result = try await OpenSSLClient.handshake(galera, files: certificates.files)
                return result.succeeded ? nil : result.output
            }
            #expect(refusal.contains("expired"), "Galera presents the expired certificate it loaded: \(refusal)")
            _ = try await cluster.node(1).client.stop(.graceful)
            _ = try await cluster.node(1).client.start(StartRequest(mode: .join))
            let lockedOut = try await eventually(timeout: .seconds(30), interval: .milliseconds(500)) {
                let log = (try? String(contentsOfFile: survivor.errorLog, encoding: .utf8)) ?? ""
                return log.contains("certificate expired") ? true : nil
            }
            #expect(lockedOut, "the survivor refuses the restarted node's expired certificate")
            #expect(try await cluster.node(1).client.status().state != .green)

            // 3. A renewed certificate in the files: the survivor takes it without a restart, and the
            //    node comes in (restarted, as the controller restarts a joiner that cannot get in).
            let recovered = try authority.renewingLeaf(cluster: "renew", namespace: "tests")
            try install(recovered)
            _ = try await eventually(timeout: .seconds(40), interval: .milliseconds(500)) {
                (try? await pinnedConnect(survivor, certificatePEM: recovered.certificatePEM)) != nil ? true : nil
            }
            _ = try await cluster.node(1).client.stop(.kill)
            let joined = try await cluster.startNode(1, mode: .join)
            #expect(joined.wsrep?.clusterSize == 2, "\(String(describing: joined.wsrep))")
            let after = try await survivor.client.status()
            #expect(after.process.pid == survivorPID, "the survivor's mysqld ran throughout")
            #expect(after.wsrep?.clusterStatus == .primary)
            await cluster.shutdown()
            try await threadPool.shutdownGracefully()
        }
    }
}
