import AgentAPI
import Foundation
import Galera
import LocalCluster
import MySQLClient
import NIOPosix
import Testing

/// Our state-transfer method (`wsrep_sst_qmysql`) on real mariadbd: a new cluster's joiners take
/// a full copy from it, a rejoining node takes IST through it, and the packaged script's 10 s
/// sleep is nowhere. Its own three nodes on 127.0.42.2-4, beside the other suites.
@Suite("our state transfer on a real Galera cluster", .serialized)
struct StateTransferMethodTests {
    static func cluster(_ root: String) -> LocalCluster {
        var configuration = LocalClusterConfiguration(name: "sst", root: root, executable: LocalClusterConfiguration.siblingExecutable())
        configuration.firstAddress = "127.0.42.2"
        configuration.stateTransfer = .qmysql
        return LocalCluster(configuration: configuration)
    }

    @Test("a new cluster's joiners take a full copy by our method, with no sleep; a node that left takes IST through it")
    func formsAndRejoins() async throws {
        let root = "/tmp/qmysql-agent-tests/sst-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        let cluster = Self.cluster(root)
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.startAgents()
        let clock = ContinuousClock()
        try await cluster.startNode(0, mode: .bootstrap)
        for index in 1...2 {
            let started = clock.now
            let joined = try await cluster.startNode(index, mode: .join)
            let took = clock.now - started
            print("join of \(cluster.node(index).name) by a full copy (qmysql) to Synced: \(took)")
            #expect(joined.lastStateTransfer?.method == "SST", "\(String(describing: joined.lastStateTransfer))")
            let log = try String(contentsOfFile: cluster.node(index).errorLog, encoding: .utf8)
            #expect(log.contains("qmysql joiner: Proceeding with SST") && log.contains("SST completed on joiner"), "the joiner's lines: \(Self.lines(log, containing: "WSREP_SST"))")
            #expect(!log.contains("Sleeping before data transfer"))
            #expect(log.contains(StateTransferLog.progressMarker), "the bytes received are logged for the agent")
            let myCnf = try String(contentsOfFile: cluster.node(index).runDirectory + "/my.cnf", encoding: .utf8)
            #expect(myCnf.contains("wsrep_sst_method=qmysql\n"))
        }
        let donorLog = try String(contentsOfFile: cluster.node(0).errorLog, encoding: .utf8)
        #expect(donorLog.contains("qmysql donor: SST sent"), "the donor's lines: \(Self.lines(donorLog, containing: "WSREP_SST"))")

        // A row written on the first node is on the last.
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let writer = try await MySQLConnection.connect(cluster.node(0).sqlOptions, threadPool: threadPool)
        try await writer.execute("CREATE DATABASE IF NOT EXISTS sst_check")
        try await writer.execute("CREATE TABLE IF NOT EXISTS sst_check.t (id INT PRIMARY KEY, v VARCHAR(20))")
        try await writer.execute("INSERT INTO sst_check.t VALUES (1, 'before')")

        // Node 1 leaves gracefully, rows are written meanwhile, it comes back: IST, through our donor's bypass.
        _ = try await cluster.node(1).client.stop(.graceful)
        try await writer.execute("INSERT INTO sst_check.t VALUES (2, 'while away')")
        let offset = fileSize(cluster.node(1).errorLog)
        try await cluster.startNode(1, mode: .join)
        // The agent reads the log as it grows: the transfer's last line may reach it just after Synced.
        let rejoined = try? await eventually(timeout: .seconds(10)) {
            let status = try await cluster.node(1).client.status()
            return status.lastStateTransfer?.method == "IST" ? status : nil
        }
        #expect(rejoined != nil, "the agent saw the IST end")
        let newLog = try logText(cluster.node(1).errorLog, from: offset)
        #expect(newLog.contains("qmysql joiner: Running IST"), "\(Self.lines(newLog, containing: "WSREP_SST"))")
        await writer.close()

        for index in 1...2 {
            let reader = try await MySQLConnection.connect(cluster.node(index).sqlOptions, threadPool: threadPool)
            try await reader.execute("SET SESSION wsrep_sync_wait = 1")
            let rows = try await reader.query("SELECT id, v FROM sst_check.t ORDER BY id")
            await reader.close()
            #expect(rows.rows == [["1", "before"], ["2", "while away"]], "\(cluster.node(index).name)")
        }
        try? await threadPool.shutdownGracefully()
        await cluster.stopAgents()
    }

    static func lines(_ text: String, containing needle: String) -> String {
        text.split(separator: "\n").filter { $0.contains(needle) }.suffix(20).joined(separator: "\n")
    }
}
