@testable import Agent
import AgentAPI
import Foundation
import Galera
import LocalCluster
import MySQLClient
import NIOPosix
import Processes
import Testing

/// Our state-transfer method (`wsrep_sst_qmysql`) on real mariadbd: a new cluster's joiners take
/// a full copy from it, a rejoining node takes IST through it, and the packaged script's 10 s
/// sleep is nowhere. Its own three nodes on 127.0.42.2-4, beside the other suites.
@Suite("our state transfer on a real Galera cluster", .serialized)
struct StateTransferMethodTests {
    /// A fresh cluster under /tmp/qmysql-agent-tests/`name`-PID with its agents running and node 0
    /// bootstrapped (its status given to `body`); everything is killed and removed after.
    static func withBootstrappedCluster(_ name: String, _ body: (LocalCluster, AgentStatus) async throws -> Void) async throws {
        let root = "/tmp/qmysql-agent-tests/\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        var configuration = LocalClusterConfiguration(name: "sst", root: root, executable: LocalClusterConfiguration.siblingExecutable())
        configuration.firstAddress = "127.0.42.2"
        configuration.stateTransfer = .qmysql
        let cluster = LocalCluster(configuration: configuration)
        defer {
            cluster.killAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await cluster.startAgents()
        try await body(cluster, try await cluster.startNode(0, mode: .bootstrap))
        await cluster.stopAgents()
    }

    @Test("a new cluster's joiners take a full copy by our method, with no sleep; a node that left takes IST through it")
    func formsAndRejoins() async throws {
        try await Self.withBootstrappedCluster("sst") { cluster, _ in
            let clock = ContinuousClock()
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
        }
    }

    @Test("a donor whose backup tool dies mid-copy, and a joiner whose transfer is killed mid-copy, fail with clear lines; the donor stays Synced and the next attempt takes a whole copy")
    func killedMidCopy() async throws {
        try await Self.withBootstrappedCluster("sst-kill") { cluster, donor in
            // About 64 MB of rows that do not compress away: the copy lasts long enough to aim at.
            try await Self.fillBulk(cluster.node(0), doublings: 16)

            // 1. The donor's backup tool is SIGKILLed while it streams.
            let donorNode = cluster.node(0)
            let hunt = Task { await Self.hunt("mariabackup", ["--backup", donorNode.runDirectory]) }
            _ = try await cluster.node(1).client.start(StartRequest(mode: .join))
            let tool = try #require(await hunt.value, "the donor's backup tool was seen")
            kill(tool, SIGKILL)
            let donorLine = try await eventually(timeout: .seconds(60)) {
                Self.lines(try String(contentsOfFile: donorNode.errorLog, encoding: .utf8), containing: "the joiner gets no end of stream").nilIfEmpty
            }
            #expect(donorLine.contains("qmysql donor"), "\(donorLine)")
            let lostJoiner = try await eventually(timeout: .seconds(60)) {
                let status = try await cluster.node(1).client.status()
                return !status.process.running && status.stateTransferIncomplete == true ? status : nil
            }
            #expect(lostJoiner.state != .green)
            let joinerLog = try String(contentsOfFile: cluster.node(1).errorLog, encoding: .utf8)
            #expect(joinerLog.contains("the stream from the donor broke"), "\(Self.lines(joinerLog, containing: "WSREP_SST"))")
            // The donor leaves Donor/Desynced once its side of the transfer has failed too.
            let afterDonorFailure = try await eventually(timeout: .seconds(30)) {
                let status = try await donorNode.client.status()
                return status.state == .green ? status : nil
            }
            #expect(afterDonorFailure.process.pid == donor.process.pid, "the donor is Synced again, never restarted")
            let retried = try await cluster.startNode(1, mode: .join)
            #expect(retried.lastStateTransfer?.method == "SST" && retried.stateTransferIncomplete != true)

            // 2. A joiner's transfer program is SIGKILLed while the copy streams to it.
            let joinerNode = cluster.node(2)
            // The donor is node 0 or node 1, whichever Galera picks; other suites' backups run
            // meanwhile, so the hunt looks for this cluster's directory.
            // The joiner's program starts first (it listens before the donor sends): found while
            // the copy has not begun, it is killed the moment the donor's tool appears. (Hunted
            // after the tool, a loaded machine's slow scan of /proc could find it only after the
            // copy was in place.)
            let donorTool = Task { await Self.hunt("mariabackup", ["--backup", cluster.configuration.root + "/"]) }
            let joinerHunt = Task { await Self.hunt("wsrep_sst_qmysql", ["joiner", joinerNode.dataDirectory]) }
            _ = try await joinerNode.client.start(StartRequest(mode: .join))
            let joinerProgram = try #require(await joinerHunt.value, "the joiner's transfer program was seen")
            _ = try #require(await donorTool.value, "a donor's backup tool was seen")
            kill(joinerProgram, SIGKILL)
            let abandoned = try await eventually(timeout: .seconds(60)) {
                let status = try await joinerNode.client.status()
                return !status.process.running && status.stateTransferIncomplete == true ? status : nil
            }
            #expect(abandoned.state != .green)
            for index in 0...1 {
                let status = try await eventually(timeout: .seconds(60)) {
                    let status = try await cluster.node(index).client.status()
                    return status.state == .green ? status : nil
                }
                #expect(status.wsrep?.clusterStatus == .primary, "\(status.node) serves on")
            }
            let rejoined = try await cluster.startNode(2, mode: .join)
            #expect(rejoined.lastStateTransfer?.method == "SST" && rejoined.stateTransferIncomplete != true)
            #expect(rejoined.wsrep?.clusterSize == 3)
        }
    }

    @Test("a joiner whose disk fills during the copy stops with DiskFull in its agent's status (mysqld's own log is on that disk), and joins once there is room",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func joinerDiskFull() async throws {
        try await Self.withBootstrappedCluster("sst-full") { cluster, bootstrapped in
            // About 32 MB of rows that do not compress away: more than the joiner has room for.
            try await Self.fillBulk(cluster.node(0), doublings: 15)

            // The joiner's datadir is a 48 MiB tmpfs: room for Galera's 32 MiB cache, not the copy.
            let joiner = cluster.node(1)
            try FileManager.default.createDirectory(atPath: joiner.dataDirectory, withIntermediateDirectories: true)
            try await Self.command("mount", ["-t", "tmpfs", "-o", "size=48m", "qmysql-sst-full", joiner.dataDirectory])
            do {
                _ = try await joiner.client.start(StartRequest(mode: .join))
                let full = try await eventually(timeout: .seconds(90)) {
                    let status = try await joiner.client.status()
                    return !status.process.running && status.diskFullError != nil ? status : nil
                }
                // Either mysqld's log had room for the unpacker's line (what fits in the file's last
                // block), or the agent said it: both happen, run by run.
                let said = full.diskFullError?.line ?? ""
                #expect(said.contains("No space left on device") || (said.contains(joiner.dataDirectory) && said.contains("the disk is full")), "\(said)")
                #expect(full.stateTransferIncomplete == true, "the datadir is marked as no one's data")
                #expect((full.disk?.freeBytes ?? .max) < Supervisor.fullDiskBytes, "\(String(describing: full.disk))")
                #expect(full.state != .green)
                // The donor leaves Donor/Desynced once its side has failed too, and serves on.
                let donor = try await eventually(timeout: .seconds(30)) {
                    let status = try await cluster.node(0).client.status()
                    return status.state == .green ? status : nil
                }
                #expect(donor.wsrep?.clusterStatus == .primary && donor.process.pid == bootstrapped.process.pid, "the donor serves on, never restarted")

                // Not one block left: started again, mysqld dies at once, and the node is DiskFull
                // again, whoever could say it.
                let filler = joiner.dataDirectory + "/filler"
                if let free = full.disk?.freeBytes, free > 0 { try await Self.command("fallocate", ["-l", "\(free)", filler]) }
                _ = try await joiner.client.start(StartRequest(mode: .join))
                let silenced = try await eventually(timeout: .seconds(60)) {
                    let status = try await joiner.client.status()
                    return !status.process.running && status.diskFullError != nil && status.lastExit?.at ?? .distantPast > full.lastExit?.at ?? .distantPast ? status : nil
                }
                let saidAgain = silenced.diskFullError?.line ?? ""
                #expect(saidAgain.contains("No space left on device") || saidAgain.contains("the disk is full"), "\(saidAgain)")
                print("a joiner's full disk, said by: \([said, saidAgain].map { $0.hasPrefix("mysqld ended with") ? "the agent" : "mysqld's log" })")

                // Room again (the volume is grown): the next join takes a whole copy.
                try FileManager.default.removeItem(atPath: filler)
                try await Self.command("mount", ["-o", "remount,size=512m", joiner.dataDirectory])
                let joined = try await cluster.startNode(1, mode: .join)
                #expect(joined.lastStateTransfer?.method == "SST" && joined.stateTransferIncomplete != true)
                #expect(joined.diskFullError == nil, "a new run starts with no disk-full error")
                #expect(joined.wsrep?.clusterSize == 2)
                _ = try await joiner.client.stop(.graceful)
            } catch {
                _ = try? await joiner.client.stop(.kill)
                try? await Self.command("umount", ["-l", joiner.dataDirectory])
                throw error
            }
            try await Self.command("umount", ["-l", joiner.dataDirectory])
        }
    }

    /// A table `bulk.t` of 2^`doublings` rows of 1 KiB that do not compress away, on `node`.
    static func fillBulk(_ node: LocalNode, doublings: Int) async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let writer = try await MySQLConnection.connect(node.sqlOptions, threadPool: threadPool)
        try await writer.execute("CREATE DATABASE IF NOT EXISTS bulk")
        try await writer.execute("CREATE TABLE IF NOT EXISTS bulk.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(1024))")
        try await writer.execute("INSERT INTO bulk.t (v) VALUES (REPEAT(MD5(RAND()), 32))")
        for _ in 0..<doublings { try await writer.execute("INSERT INTO bulk.t (v) SELECT REPEAT(MD5(RAND()), 32) FROM bulk.t") }
        await writer.close()
        try? await threadPool.shutdownGracefully()
    }

    /// Runs a command (mount, umount) and fails with its output if it fails.
    static func command(_ executable: String, _ arguments: [String]) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-command-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let exit = await (try ChildProcess.spawn(executable, arguments: arguments, outputPath: log)).wait()
        guard exit.isClean else {
            struct CommandFailed: Error, CustomStringConvertible { var description: String }
            throw CommandFailed(description: "\(executable) \(arguments.joined(separator: " ")): \(exit): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
    }

    /// The first process named `command` (its first 15 characters, as /proc has them; not a
    /// shell that runs it) whose command line holds every one of `words`, polled every 5 ms for
    /// up to 60 s: what aims a kill at a transfer's middle.
    static func hunt(_ command: String, _ words: [String]) async -> pid_t? {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            for process in ProcessStat.all() where !process.isZombie && process.command == String(command.prefix(15)) {
                guard let data = FileManager.default.contents(atPath: "/proc/\(process.pid)/cmdline") else { continue }
                let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                if words.allSatisfy(line.contains) { return process.pid }
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    static func lines(_ text: String, containing needle: String) -> String {
        text.split(separator: "\n").filter { $0.contains(needle) }.suffix(20).joined(separator: "\n")
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
