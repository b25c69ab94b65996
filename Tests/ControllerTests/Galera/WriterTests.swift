@testable import Controller
import ControllerAPI
import Foundation
import ClusterCertificates
import Galera
import MySQLClient
import Testing

/// The writer endpoint's controller half on real Galera (docs/endpoints.md): the writer chosen
/// from Galera's state, moved when its node fails, and an old writer's client connections ended.
extension ControllerScenarioTests {
    @Test("the writer: the lowest ordinal first, moved when its mysqld is killed and not back when it returns; fencing ends client connections over TCP, not sessions on the socket")
    func writerMovesAndFences() async throws {
        try await withScenario("writer") { scenario in
            let controller = scenario.controller
            try await eventually("demo-0 is the writer", timeout: .seconds(20)) { await controller.writerNode == "demo-0" }
            #expect(await controller.status().writer == "demo-0")

            _ = try await scenario.cluster.kill(0)
            try await eventually("the writer moves to demo-1", timeout: .seconds(20)) { await controller.writerNode == "demo-1" }
            try await scenario.waitUntilSettledGreen(timeout: .seconds(90))
            #expect(await controller.writerNode == "demo-1", "the writer sticks: demo-0 back does not move it")

            // An application's client over TCP (TLS, as the bed's nodes require) on the writer,
            // and one on the socket; then the writer's client connections ended.
            let node1 = scenario.cluster.node(1)
            try await sql(node1.sqlOptions, ["CREATE USER IF NOT EXISTS app@'%' IDENTIFIED BY 'app-password'", "GRANT SELECT ON *.* TO app@'%'"])
            var tcp = MySQLConnectionOptions(endpoint: .tcp(host: node1.address, port: 3306), user: "app", password: "app-password")
            tcp.pinnedCertificateSHA1 = ClusterTLS.sha1Fingerprint(ofCertificatePEM: try String(contentsOfFile: bed.tlsFiles.certificate, encoding: .utf8))
            let client = try await MySQLConnection.connect(tcp, threadPool: bed.threadPool)
            _ = try await client.query("SELECT 1")
            let local = try await MySQLConnection.connect(node1.sqlOptions, threadPool: bed.threadPool)
            _ = try await local.query("SELECT 1")
            let outcome = try await controller.access.fence("demo-1")
            #expect(outcome.running && outcome.closed >= 1, "\(outcome)")
            #expect((try? await client.query("SELECT 1")) == nil, "the client's connection is gone")
            await client.close()
            #expect(try await local.query("SELECT 1").rows.first?.first == "1", "a session on the socket is not a client's: it stays")
            await local.close()
            try await scenario.waitUntilSettledGreen(timeout: .seconds(30))
        }
    }
}
