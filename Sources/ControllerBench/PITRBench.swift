import ArgumentParser
import Backup
import Binlog
import Controller
import ControllerAPI
import Foundation
import Galera
import MySQLClient
import QiniuAPI
import Synchronization

/// `ControllerBench pitr`: point-in-time recovery's two numbers (docs/benchmarks.md).
///
/// - **Recovery point objective.** A writer commits a row at a steady rate for the given
///   minutes and notes each one's GTID (`@@last_gtid`) and when its commit was acknowledged; the
///   controller's archive position is polled every 50 ms. A transaction's lag is from its
///   acknowledgement to the first poll that finds it archived (stored in a segment).
/// - **Replay speed.** The load's transactions are then replayed by a point-in-time restore
///   from a backup taken before the load (the controller's step 4, as its message says), and by
///   hand on the same data: the same backup restored, then `mariadb-binlog` over the archived
///   segments, rewritten as the agent does, into `mariadb` on the bootstrap node.
enum PITRBench {
    struct Arguments: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ControllerBench pitr", abstract: "Archive lag and replay speed of point-in-time recovery (docs/benchmarks.md).")

        @Option(help: "Minutes of write load.")
        var minutes = 10.0
        @Option(help: "Segment seconds (spec.backup.pitr.segmentSeconds).")
        var segmentSeconds = 5
        @Option(help: "Transactions per second the writer commits.")
        var rate = 50.0
    }

    static func main(_ arguments: Arguments) async -> Int32 {
        guard geteuid() == 0 else {
            FileHandle.standardError.write(Data("ControllerBench runs mariadbd as root (user=root); run it as root\n".utf8))
            return 77
        }
        do {
            let bed = try BenchBed()
            do {
                say("building the snapshot (initialise, bootstrap, 2 SST joins) ...")
                try await bed.buildSnapshot()
                let storeRoot = bed.root + "/pitr-store"
                let store = FileBackupStore(root: storeRoot)
                let run = try await bed.startRun("pitr") { configuration in
                    configuration.backupStore = store
                    configuration.archiveSegmentSeconds = arguments.segmentSeconds
                }
                defer { Task { await run.stop() } }
                let node0 = run.cluster.node(0).sqlOptions
                let connection = try await MySQLConnection.connect(node0, threadPool: bed.threadPool)
                for statement in ["CREATE DATABASE IF NOT EXISTS bench", "CREATE TABLE bench.pitr (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=InnoDB"] {
                    _ = try await connection.execute(statement)
                }
                _ = try await run.controller.submit(DataTaskRequest(name: "before", action: .backup))
                try await waitFinished(run.controller, "before")
                guard let backup = await run.controller.backupCatalog().last else { throw BenchFailure("no backup") }

                // The load, and the poller that sees each segment land.
                let archived = Mutex<[(last: UInt64, at: ContinuousClock.Instant)]>([])
                let poller = Task {
                    while !Task.isCancelled {
                        let last = await run.controller.archivedSequence ?? 0
                        archived.withLock { if $0.last?.last != last { $0.append((last, .now)) } }
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
                say("writing \(arguments.rate) transactions/s for \(arguments.minutes) minutes, segments of \(arguments.segmentSeconds) s ...")
                var commits: [(sequence: UInt64, at: ContinuousClock.Instant)] = []
                let start = ContinuousClock.now
                let end = start + .seconds(arguments.minutes * 60)
                let interval = Duration.seconds(1 / arguments.rate)
                var next = start
                var id = 0
                while ContinuousClock.now < end {
                    id += 1
                    _ = try await connection.execute("INSERT INTO bench.pitr VALUES (\(id), REPEAT('x', 100))")
                    let acknowledged = ContinuousClock.now
                    let gtid = try await connection.query("SELECT @@last_gtid").rows.first?.first ?? nil
                    guard let sequence = gtid.flatMap({ GTID($0)?.sequence }) else { throw BenchFailure("no @@last_gtid after an insert") }
                    commits.append((sequence, acknowledged))
                    next += interval
                    if next > ContinuousClock.now { try await Task.sleep(until: next) }
                }
                let lastSequence = commits.last?.sequence ?? 0
                while await (run.controller.archivedSequence ?? 0) < lastSequence {
                    guard ContinuousClock.now < end + .seconds(60) else { throw BenchFailure("the archive did not reach \(lastSequence)") }
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .milliseconds(100))
                poller.cancel()
                let landings = archived.withLock { $0 }
                let lags = commits.compactMap { commit in
                    landings.first { $0.last >= commit.sequence }.map { ($0.at - commit.at).seconds }
                }.sorted()
                func quantile(_ q: Double) -> Double { lags[min(lags.count - 1, Int(Double(lags.count) * q))] }
                let segments = try await store.segments(cluster: "bench", history: backup.archiveHistory ?? "")
                say(String(format: "archive lag over %d transactions in %d segments: p50 %.2f s, p99 %.2f s, max %.2f s (goal: p99 <= %d s)",
                           lags.count, segments.count, quantile(0.5), quantile(0.99), lags.last ?? 0, arguments.segmentSeconds + 1))

                // Replay by the controller: a point-in-time restore to the load's last transaction.
                let target = RestoreTarget(gtid: "\(BinaryLog.clusterDomain)-1-\(lastSequence)")
                _ = try await run.controller.submit(DataTaskRequest(name: "replay", action: .restore, backupID: backup.id, skipSafetyBackup: true, restoreTo: target))
                let restored = try await waitFinished(run.controller, "replay")
                let step4 = restored.steps.first { $0.number == 4 }?.message ?? ""
                say("controller replay: \(step4)")
                try await run.waitSettledGreen(timeout: .seconds(120))

                // By hand, on the same data: the backup again, then mariadb-binlog | mariadb.
                _ = try await run.controller.submit(DataTaskRequest(name: "plain", action: .restore, backupID: backup.id, skipSafetyBackup: true))
                try await waitFinished(run.controller, "plain")
                try await run.waitSettledGreen(timeout: .seconds(120))
                let files = segments.map { "\(storeRoot)/bench/binlog/\(backup.archiveHistory ?? "")/\($0.name)" }
                let script = """
                    mariadb-binlog --start-position=\(BinaryLog.clusterDomain)-1-\(backup.archiveSequence ?? 0) --stop-position=\(target.gtid ?? "") \(files.joined(separator: " ")) \
                    | sed -e '/SET @@session.server_id=/d' -e '/SET @@SESSION.SERVER_ID=@@GLOBAL.SERVER_ID/d' \
                      -e 's|^/\\*M!100001 SET @@session.gtid_seq_no=\\([0-9]*\\)\\*//\\*!\\*/;$|SET @@session.wsrep_gtid_seq_no=\\1/*!*/;|' \
                    | mariadb --socket=\(run.cluster.node(0).socketPath) --user=root --binary-mode
                    """
                let handStart = ContinuousClock.now
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = ["-c", script]
                try process.run()
                process.waitUntilExit()
                let hand = (ContinuousClock.now - handStart).seconds
                guard process.terminationStatus == 0 else { throw BenchFailure("the replay by hand failed (\(process.terminationStatus))") }
                say(String(format: "by hand: %d transactions in %.1f s (%.0f/s)", commits.count, hand, Double(commits.count) / hand))
                // The restores replaced the server the load wrote to: a new connection counts.
                await connection.close()
                let check = try await MySQLConnection.connect(node0, threadPool: bed.threadPool)
                let rows = try await check.query("SELECT COUNT(*) FROM bench.pitr").rows.first?.first ?? nil
                await check.close()
                say("rows after the replay by hand: \(rows ?? "?") of \(commits.count)")
            } catch {
                await bed.tearDown()
                throw error
            }
            await bed.tearDown()
            return 0
        } catch {
            FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
            return 1
        }
    }

    @discardableResult
    static func waitFinished(_ controller: ClusterController, _ name: String) async throws -> DataTaskStatus {
        let deadline = ContinuousClock.now + .seconds(1800)
        while ContinuousClock.now < deadline {
            if let task = await controller.dataTask(name), task.phase.isFinished {
                guard task.phase == .succeeded else { throw BenchFailure("\(name): \(task.message ?? "failed")") }
                return task
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchFailure("\(name) did not finish")
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
