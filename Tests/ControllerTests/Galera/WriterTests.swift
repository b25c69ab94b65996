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
    @Test("the writer: the lowest ordinal first, moved when its mysqld is killed (every survivor evicts the dead member at once, then clears its evict list) and not back when it returns; fencing ends client connections over TCP, not sessions on the socket")
    func writerMovesAndFences() async throws {
        try await withScenario("writer") { scenario in
            let controller = scenario.controller
            try await eventually("demo-0 is the writer", timeout: .seconds(20)) { await controller.writerNode == "demo-0" }
            #expect(await controller.status().writer == "demo-0")

            let killed = ContinuousClock.now
            _ = try await scenario.cluster.kill(0)
            // Its agent saw mysqld die: every survivor evicted it rather than wait for Galera's
            // suspect timeout (3 s, checked every second: 2.7-3.6 s after a kill, measured).
            try await eventually("the survivors' view drops demo-0", timeout: .seconds(20)) {
                try await query(scenario.cluster.node(1).sqlOptions, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'") == "2"
            }
            let dropped = ContinuousClock.now - killed
            #expect(dropped < .milliseconds(2500), "the view dropped demo-0 after \(dropped.readable)")
            try await eventually("the eviction is counted as dropped", timeout: .seconds(10)) {
                controller.metrics.render().contains(#"qmysql_controller_evictions_total{cluster="demo",result="dropped"} 1"#)
            }
            try await eventually("the writer moves to demo-1", timeout: .seconds(20)) { await controller.writerNode == "demo-1" }
            for survivor in [1, 2] {
                // Cleared after each eviction: a stale list stalls the next view change.
                #expect(try await query(scenario.cluster.node(survivor).sqlOptions,
                    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_EVS_EVICT_LIST'") == "")
            }
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
