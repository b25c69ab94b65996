import AgentAPI
import Backup
import Binlog
@testable import Controller
import ControllerAPI
import Foundation
import Galera
import LocalCluster
import MySQLClient
import QiniuAPI
import Synchronization
import Testing

/// Point-in-time recovery on real Galera (docs/backup.md): the controller archives the binary
/// log in segments, and a restore replays it up to a second or a GTID on the bootstrap node
/// before the others join.
extension ControllerScenarioTests {
    static let pitrTable = "qmysql_test.pitr"

    @Test("point in time: a restore to a second before a DROP keeps every row committed by then and none after, on every node; to a GTID, exactly; a deleted segment is a gap that refuses the restores across it")
    func pointInTimeRestore() async throws {
        let storeRoot = bed.root + "/pitr-store"
        try? FileManager.default.removeItem(atPath: storeRoot)
        let store = FileBackupStore(root: storeRoot)
        try await withScenario("pitr", options: .init(backupRoot: storeRoot, archiveSegmentSeconds: 1)) { scenario in
            let controller = scenario.controller
            let node0 = scenario.cluster.node(0).sqlOptions
            try await sql(node0, ["CREATE DATABASE IF NOT EXISTS qmysql_test", "CREATE TABLE \(Self.pitrTable) (id INT PRIMARY KEY, phase CHAR(1)) ENGINE=InnoDB"])
            _ = try await controller.submit(DataTaskRequest(name: "b1", action: .backup))
            let backedUp = try await waitForTask(controller, "b1", timeout: .seconds(120))
            #expect(backedUp.phase == .succeeded, "\(backedUp)")
            let backup = try #require(await controller.backupCatalog().last)
            let history = try #require(backup.archiveHistory, "the backup names the archive's history")
            #expect(backup.archiveSequence != nil, "the backup records its GTID: \(backup.gtidPosition ?? "none")")

            // Phase A, then a whole second with no commit (the target), then phase B, then the
            // drop. The pauses (over twice the segment time) put each phase in segments of its own.
            for id in 1...10 { try await sql(node0, ["INSERT INTO \(Self.pitrTable) VALUES (\(id), 'A')"]) }
            let lastA = try #require(try await gtidSequence(node0))
            let target = UInt32(Date().timeIntervalSince1970) + 1
            try await Task.sleep(for: .seconds(Double(target + 2) - Date().timeIntervalSince1970 + 0.5))
            for id in 11...20 { try await sql(node0, ["INSERT INTO \(Self.pitrTable) VALUES (\(id), 'B')"]) }
            let lastB = try #require(try await gtidSequence(node0))
            try await Task.sleep(for: .seconds(2.5))
            try await sql(node0, ["DROP TABLE \(Self.pitrTable)"])
            let dropped = try #require(try await gtidSequence(node0))
            // Everything is archived once a segment holds the drop.
            try await eventually("the drop is archived", timeout: .seconds(30)) { await controller.archive.last ?? 0 >= dropped }
            let segments = try await store.segments(cluster: "demo", history: history)
            #expect(!segments.isEmpty && ArchiveCoverage(segments).gaps(from: backup.archiveSequence ?? 0).isEmpty, "\(segments.map(\.name))")
            let status = await controller.status()
            #expect(status.archive?.history == history && status.archive?.gaps == nil, "\(String(describing: status.archive))")
            #expect(status.condition(ConditionType.binlogGap)?.status == "False")

            // To the second before phase B: the ten rows of phase A, on every node.
            let time = RecoveryTarget.format(target)
            _ = try await controller.submit(DataTaskRequest(name: "r-time", action: .restore, backupID: backup.id, skipSafetyBackup: true,
                                                            restoreTo: RestoreTarget(time: time)))
            let byTime = try await waitForTask(controller, "r-time", timeout: .seconds(300))
            #expect(byTime.phase == .succeeded, "\(byTime.message ?? "") \(byTime.steps)")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(60))
            for node in scenario.cluster.nodes {
                #expect(try await query(node.sqlOptions, "SELECT CONCAT(COUNT(*), ':', GROUP_CONCAT(DISTINCT phase)) FROM \(Self.pitrTable)") == "10:A",
                        "\(node.name) holds phase A only")
                #expect(try await gtidSequence(node.sqlOptions) == lastA, "\(node.name) continues the history at A's last GTID")
            }
            // A new history: the next transactions take numbers the old one has.
            let after = try #require(await controller.archive.history)
            #expect(after.id != history && after.parent == history && after.branchedAfter == lastA, "\(after)")

            // To phase B's last GTID (the backup is in the first history): twenty rows, no drop.
            _ = try await controller.submit(DataTaskRequest(name: "r-gtid", action: .restore, backupID: backup.id, skipSafetyBackup: true,
                                                            restoreTo: RestoreTarget(gtid: "\(BinaryLog.clusterDomain)-1-\(lastB)")))
            let byGTID = try await waitForTask(controller, "r-gtid", timeout: .seconds(300))
            #expect(byGTID.phase == .succeeded, "\(byGTID.message ?? "") \(byGTID.steps)")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(60))
            for node in scenario.cluster.nodes {
                #expect(try await query(node.sqlOptions, "SELECT COUNT(*) FROM \(Self.pitrTable)") == "20", "\(node.name) holds phases A and B")
            }

            // A gap made on purpose: the segment holding phase B removed from the store.
            let holdingB = try #require(segments.first { $0.first <= lastB && $0.last >= lastB })
            #expect(holdingB.first > lastA && holdingB.last < dropped, "phase B is in a segment of its own: \(segments.map(\.name))")
            try await store.deleteSegment(cluster: "demo", history: history, holdingB)
            _ = try await controller.submit(DataTaskRequest(name: "r-gap", action: .restore, backupID: backup.id, skipSafetyBackup: true,
                                                            restoreTo: RestoreTarget(gtid: "\(BinaryLog.clusterDomain)-1-\(dropped)")))
            let refused = try await waitForTask(controller, "r-gap", timeout: .seconds(120))
            #expect(refused.phase == .failed && refused.steps[0].state == .failed, "\(refused.steps)")
            #expect(refused.message?.contains("gap") == true && refused.message?.contains("after \(lastA)") == true, "\(refused.message ?? "")")
            #expect(try await query(node0, "SELECT COUNT(*) FROM \(Self.pitrTable)") == "20", "the refused restore changed nothing")
            // Before the gap a restore still works.
            _ = try await controller.submit(DataTaskRequest(name: "r-before-gap", action: .restore, backupID: backup.id, skipSafetyBackup: true,
                                                            restoreTo: RestoreTarget(gtid: "\(BinaryLog.clusterDomain)-1-\(lastA)")))
            let beforeGap = try await waitForTask(controller, "r-before-gap", timeout: .seconds(300))
            #expect(beforeGap.phase == .succeeded, "\(beforeGap.message ?? "") \(beforeGap.steps)")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(60))
            #expect(try await query(node0, "SELECT COUNT(*) FROM \(Self.pitrTable)") == "10")
        }
    }

    /// The node's sequence in the cluster's GTID domain.
    func gtidSequence(_ options: MySQLConnectionOptions) async throws -> UInt64? {
        try await query(options, "SELECT @@gtid_binlog_pos").flatMap { GTID.entry(of: BinaryLog.clusterDomain, inList: $0)?.sequence }
    }

    func eventually(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ScenarioFailure("not \(what) within \(timeout)")
    }
}

extension ControllerScenarioTests {
    @Test("point in time under writes: a backup from the archiver's own node goes on archiving; the archiver's node killed mid-segment, the next node continues without a gap; a restore to a second after the kill keeps every row")
    func archiverFailover() async throws {
        let storeRoot = bed.root + "/pitr-kill-store"
        try? FileManager.default.removeItem(atPath: storeRoot)
        let store = FileBackupStore(root: storeRoot)
        try await withScenario("pitr-kill", options: .init(backupRoot: storeRoot, archiveSegmentSeconds: 1)) { scenario in
            let controller = scenario.controller
            let node0 = scenario.cluster.node(0).sqlOptions
            try await sql(node0, ["CREATE DATABASE IF NOT EXISTS qmysql_test", "CREATE TABLE \(Self.pitrTable) (id INT PRIMARY KEY, phase CHAR(1)) ENGINE=InnoDB",
                                  // 40 MB that do not compress, so that the backup streams for seconds while
                                  // segments close every second.
                                  "CREATE TABLE qmysql_test.bulk (id INT PRIMARY KEY, v VARBINARY(1024)) ENGINE=InnoDB",
                                  "INSERT INTO qmysql_test.bulk SELECT seq, RANDOM_BYTES(1024) FROM qmysql_test.seq_1_to_40000"])
            try await eventually("the archiver reads demo-2", timeout: .seconds(30)) { await controller.archive.node == "demo-2" }
            // A row every 50 ms through demo-0 until cancelled; it returns the last id written.
            let writer = Task { () throws -> Int in
                var id = 0
                while !Task.isCancelled {
                    try await sql(node0, ["INSERT INTO \(Self.pitrTable) VALUES (\(id + 1), 'W')"])
                    id += 1
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return id
            }
            // The backup's donor is the archiver's node (both take the highest ordinal); the
            // archive's position is watched moving while the backup streams.
            let written = try #require(try await gtidSequence(node0))
            try await eventually("the archive holds the bulk load", timeout: .seconds(60)) { await controller.archivedSequence ?? 0 >= written }
            _ = try await controller.submit(DataTaskRequest(name: "b1", action: .backup))
            let watcher = Task { () -> Set<UInt64> in
                var seen: Set<UInt64> = []
                while await controller.dataTask("b1")?.phase.isFinished == false {
                    if let last = await controller.archivedSequence { seen.insert(last) }
                    try? await Task.sleep(for: .milliseconds(50))
                }
                return seen
            }
            let backedUp = try await waitForTask(controller, "b1", timeout: .seconds(120))
            let positions = await watcher.value
            #expect(positions.count >= 2, "the archive moved on while demo-2 was the backup's donor: \(positions.sorted())")
            #expect(backedUp.phase == .succeeded && backedUp.node == "demo-2", "\(backedUp)")
            let backup = try #require(await controller.backupCatalog().last)
            #expect(await controller.archive.node == "demo-2", "the archiver stayed on the donor")

            // Killed in the middle of a segment: rows arrive every 50 ms, segments close every second.
            try await Task.sleep(for: .milliseconds(700))
            _ = try await scenario.cluster.kill(2)
            try await eventually("the archiver reads another node", timeout: .seconds(30)) {
                let node = await controller.archive.node
                return node != nil && node != "demo-2"
            }
            try await Task.sleep(for: .seconds(2))
            writer.cancel()
            let last = try await writer.value
            let sequence = try #require(try await gtidSequence(node0))
            try await Task.sleep(for: .seconds(1.1))
            let target = UInt32(Date().timeIntervalSince1970)
            try await eventually("every row is archived", timeout: .seconds(30)) { await controller.archive.last ?? 0 >= sequence }
            let history = try #require(backup.archiveHistory)
            let segments = try await store.segments(cluster: "demo", history: history)
            #expect(ArchiveCoverage(segments).gaps(from: backup.archiveSequence ?? 0).isEmpty, "no gap across the kill: \(segments.map(\.name))")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(90))

            _ = try await controller.submit(DataTaskRequest(name: "r-after-kill", action: .restore, skipSafetyBackup: true,
                                                            restoreTo: RestoreTarget(time: RecoveryTarget.format(target))))
            let restored = try await waitForTask(controller, "r-after-kill", timeout: .seconds(300))
            #expect(restored.phase == .succeeded && restored.backup?.id == backup.id, "the newest backup before the point: \(restored.message ?? "") \(restored.steps)")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(60))
            for node in scenario.cluster.nodes {
                #expect(try await query(node.sqlOptions, "SELECT CONCAT(COUNT(*), ':', MAX(id)) FROM \(Self.pitrTable)") == "\(last):\(last)",
                        "\(node.name) holds every row written, across the kill")
            }
        }
    }

    @Test("retention on the nodes: a file goes once the archive holds it, and stays while the store refuses segments, then goes once they are stored")
    func binaryLogsKeptUntilArchived() async throws {
        let storeRoot = bed.root + "/pitr-keep-store"
        try? FileManager.default.removeItem(atPath: storeRoot)
        let store = RefusingStore(FileBackupStore(root: storeRoot))
        // A retention of nothing: age never keeps a file, so only the archive can.
        try await withScenario("pitr-keep", options: .init(backupStore: store, archiveSegmentSeconds: 1, binlogRetention: .zero)) { scenario in
            let controller = scenario.controller
            let node0 = scenario.cluster.node(0).sqlOptions
            let nodes = scenario.cluster.nodes
            func files(_ node: LocalNode) -> [String] {
                ((try? String(contentsOfFile: node.dataDirectory + "/binlog.index", encoding: .utf8)) ?? "")
                    .split(separator: "\n").map { URL(fileURLWithPath: String($0)).lastPathComponent }
            }
            func rotate() async throws {
                for node in nodes { try await sql(node.sqlOptions, ["FLUSH LOCAL BINARY LOGS"]) }
            }
            try await sql(node0, ["CREATE DATABASE IF NOT EXISTS qmysql_test", "CREATE TABLE \(Self.pitrTable) (id INT PRIMARY KEY, phase CHAR(1)) ENGINE=InnoDB"])
            try await rotate()
            let created = try #require(try await gtidSequence(node0))
            try await eventually("archived, every older file is purged on every node", timeout: .seconds(60)) {
                await controller.archive.last ?? 0 >= created && nodes.allSatisfy { files($0).count == 1 }
            }
            // The controller's word reached every agent, which recorded it with the datadir.
            try await eventually("every agent records what the archive holds", timeout: .seconds(10)) {
                nodes.allSatisfy { node in
                    FileManager.default.contents(atPath: node.dataDirectory + "/qmysql-binlog-keep")
                        .flatMap { try? JSONDecoder().decode(BinlogKeep.self, from: $0) }?.after ?? 0 >= created
                }
            }

            // How often each agent has said a purge pass held a file back for the archive.
            func heldBackWarnings(_ node: LocalNode) -> Int {
                ((try? String(contentsOfFile: node.agentLog, encoding: .utf8)) ?? "")
                    .components(separatedBy: "a binary log file past its retention is kept").count - 1
            }
            let warnedBefore = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, heldBackWarnings($0)) })

            // The store refuses: what is written now stays on every node, whatever its age.
            store.refusing(true)
            try await sql(node0, ["INSERT INTO \(Self.pitrTable) VALUES (1, 'A')"])
            try await rotate()
            try await sql(node0, ["INSERT INTO \(Self.pitrTable) VALUES (2, 'B')"])
            try await rotate()
            let written = try #require(try await gtidSequence(node0))
            let held = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, files($0)) })
            #expect(held.values.allSatisfy { $0.count == 3 }, "two closed files and the current one on each node: \(held)")
            // Not a wait on the clock: each agent says, once a file, that a purge pass found it past
            // its retention and kept it for the archive; a new warning means a pass ran and held back.
            try await eventually("every agent's purge pass holds a file back", timeout: .seconds(30)) {
                nodes.allSatisfy { heldBackWarnings($0) > warnedBefore[$0.name] ?? 0 }
            }
            for node in nodes {
                #expect(files(node) == held[node.name], "\(node.name) keeps every file the archive does not hold")
                for file in held[node.name] ?? [] {
                    #expect(FileManager.default.fileExists(atPath: node.dataDirectory + "/" + file), "\(node.name): \(file)")
                }
            }
            #expect(await controller.archive.last ?? 0 < written, "nothing after the refusal was archived")

            // Stored again: the archive catches up without a gap, and the files go.
            store.refusing(false)
            try await eventually("archived again, the held files are purged on every node", timeout: .seconds(60)) {
                await controller.archive.last ?? 0 >= written && nodes.allSatisfy { files($0).count == 1 }
            }
            let history = try #require(await controller.archive.history)
            let segments = try await store.segments(cluster: "demo", history: history.id)
            #expect(ArchiveCoverage(segments).gaps(from: created).isEmpty, "no gap: \(segments.map(\.name))")
        }
    }
}

/// The file store, refusing every segment while told to, as an unreachable bucket would.
final class RefusingStore: BackupStore {
    private let store: FileBackupStore
    private let refuse = Mutex(false)

    init(_ store: FileBackupStore) { self.store = store }

    func refusing(_ value: Bool) { refuse.withLock { $0 = value } }

    struct Refused: Error, CustomStringConvertible {
        var description: String { "the store refuses segments (the test's fault)" }
    }

    func list(cluster: String) async throws -> [BackupMetadata] { try await store.list(cluster: cluster) }
    func metadata(cluster: String, id: String) async throws -> BackupMetadata { try await store.metadata(cluster: cluster, id: id) }
    func beginWrite(cluster: String, id: String) async throws -> any BackupWriter { try await store.beginWrite(cluster: cluster, id: id) }
    func read(cluster: String, id: String, _ consume: @Sendable (Data) async throws -> Void) async throws {
        try await store.read(cluster: cluster, id: id, consume)
    }
    func delete(cluster: String, id: String) async throws { try await store.delete(cluster: cluster, id: id) }
    func verify(cluster: String, id: String, at date: Date, _ progress: @Sendable (Int64) async -> Void) async throws -> BackupMetadata {
        try await store.verify(cluster: cluster, id: id, at: date, progress)
    }
    func removeAbandoned(cluster: String, startedBefore cutoff: Date) async throws -> [String] {
        try await store.removeAbandoned(cluster: cluster, startedBefore: cutoff)
    }
    func histories(cluster: String) async throws -> [ArchiveHistory] { try await store.histories(cluster: cluster) }
    func putHistory(cluster: String, _ history: ArchiveHistory) async throws { try await store.putHistory(cluster: cluster, history) }
    func segments(cluster: String, history: String) async throws -> [ArchivedSegment] { try await store.segments(cluster: cluster, history: history) }
    func putSegment(cluster: String, history: String, _ segment: ArchivedSegment, _ bytes: Data) async throws {
        if refuse.withLock({ $0 }) { throw Refused() }
        try await store.putSegment(cluster: cluster, history: history, segment, bytes)
    }
    func readSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws -> Data {
        try await store.readSegment(cluster: cluster, history: history, segment)
    }
    func deleteSegment(cluster: String, history: String, _ segment: ArchivedSegment) async throws {
        try await store.deleteSegment(cluster: cluster, history: history, segment)
    }
}
