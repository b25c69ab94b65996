import Foundation
import Testing
@testable import Agent
@testable import AgentAPI
@testable import RoleNetwork

/// The playground's stand-in for cluster DNS, and the TCP accounts the agent keeps.
@Suite("host tables and TCP accounts")
struct HostTableAndAccountsTests {
    @Test func parsesHostsSyntaxAndRendersItBack() {
        let table = HostTable(parsing: """
            # written by the runtime
            127.42.0.2 demo-0.demo-peers demo-0.demo-peers.rds   # node 0
            127.42.0.3\tdemo-1.demo-peers
            127.42.0.9 demo-0.demo-peers
            not-an-entry
            """)
        #expect(table.address(of: "demo-0.demo-peers") == "127.42.0.2", "the first line naming a host wins")
        #expect(table.address(of: "DEMO-1.demo-peers") == "127.42.0.3", "names are case-insensitive")
        #expect(table.address(of: "demo-2.demo-peers") == nil)
        #expect(HostTable(parsing: table.rendered(header: "x")) == table)
    }

    @Test func resolvesHostsPortsAndURLsLeavingOtherNamesToDNS() {
        let table = HostTable(["demo-controller": "127.42.0.4", "demo-0.demo-peers": "127.42.0.2"])
        #expect(table.resolve("demo-controller") == "127.42.0.4")
        #expect(table.resolve("example.com") == "example.com")
        #expect(table.resolve(hostPort: "demo-0.demo-peers:4567") == "127.42.0.2:4567")
        #expect(table.resolve(url: "https://demo-controller:9810/v1/reports/demo-1") == "https://127.42.0.4:9810/v1/reports/demo-1")
        #expect(table.resolve(url: "https://other:9810/x") == "https://other:9810/x")
    }

    @Test func theProcessTableFollowsItsFile() throws {
        let path = NSTemporaryDirectory() + "hosts-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = HostTable.ProcessTable(path: path)
        #expect(process.current() == HostTable(), "no file yet: an empty table, not a failure")
        try "127.42.0.2 demo-0.demo-peers\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(process.current()?.address(of: "demo-0.demo-peers") == "127.42.0.2")
        // A pod that came back on another address is found again.
        try "127.42.0.7 demo-0.demo-peers\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(process.current()?.address(of: "demo-0.demo-peers") == "127.42.0.7")
        #expect(HostTable.ProcessTable(path: nil).current() == nil, "without QMYSQL_HOSTS_FILE names go to DNS")
    }

    @Test func accountStatementsAreIdempotentAndQuoted() {
        let statements = AccountSetup.statements(rootPassword: "it's", controllerUser: "monitor", controllerPassword: "m0n")
        #expect(statements == [
            "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY 'it''s'",
            "ALTER USER 'root'@'%' IDENTIFIED BY 'it''s'",
            "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION",
            "CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED BY 'm0n'",
            "ALTER USER 'monitor'@'%' IDENTIFIED BY 'm0n'",
            "GRANT PROCESS, REPLICATION CLIENT ON *.* TO 'monitor'@'%'",
        ])
        #expect(AccountSetup.statements(rootPassword: nil, controllerUser: "monitor", controllerPassword: nil).isEmpty)
    }

    @Test func unreadableOrEmptyPasswordFilesAreNamed() throws {
        let directory = NSTemporaryDirectory() + "accounts-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "\n".write(toFile: directory + "/empty", atomically: true, encoding: .utf8)
        let empty = AccountSetup(rootPasswordFile: directory + "/empty", controllerUser: "monitor", controllerPasswordFile: nil)
        #expect(throws: AccountSetup.Problem.self) { try empty.statements() }
        do { _ = try empty.statements() } catch { #expect(error.description == "--root-password-file \(directory)/empty is empty") }
        let missing = AccountSetup(rootPasswordFile: nil, controllerUser: "monitor", controllerPasswordFile: directory + "/none")
        do {
            _ = try missing.statements()
            Issue.record("a missing file was read")
        } catch {
            #expect(error.description.hasPrefix("cannot read --controller-password-file \(directory)/none"))
        }
    }
}
