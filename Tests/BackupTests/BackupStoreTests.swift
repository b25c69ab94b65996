import Foundation
import Synchronization
import Galera
import Testing
@testable import Backup

@Suite("the file backup store")
struct FileBackupStoreTests {
    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "qmysql-backups-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func record(_ id: String, finished: Date = Date()) -> BackupMetadata {
        BackupMetadata(id: id, cluster: "demo", node: "demo-2", flavor: .mariadb, serverVersion: "10.11.19-MariaDB",
                     startedAt: finished.addingTimeInterval(-2), finishedAt: finished, size: 0, sha256: "",
                     position: try! GaleraPosition(uuid: "d2d801e7-e5a6-11f1-9afc-6b810ccbd5f1", seqno: 162))
    }

    @Test func aBackupIsListedOnlyOnceCompleteAndReadsBackVerified() async throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = FileBackupStore(root: root)
        let writer = try await store.beginWrite(cluster: "demo", id: "demo-20261129-180000")
        let chunks = (0..<5).map { Data(repeating: UInt8($0), count: 300_000) }
        for chunk in chunks { try await writer.append(chunk) }
        #expect(try await store.list(cluster: "demo").isEmpty, "half a backup is never listed")
        let stored = try await writer.finish(Self.record("demo-20261129-180000"))
        #expect(stored.size == 1_500_000)
        #expect(stored.sha256.count == 64)
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20261129-180000"])
        #expect(try await store.metadata(cluster: "demo", id: stored.id) == stored)
        let read = Mutex(Data())
        try await store.read(cluster: "demo", id: stored.id) { chunk in read.withLock { $0.append(chunk) } }
        #expect(read.withLock { $0 } == chunks.reduce(Data(), +))
    }

    @Test func aFlippedByteAndATruncationAreCaughtOnRead() async throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = FileBackupStore(root: root)
        for id in ["flipped", "truncated"] {
            let writer = try await store.beginWrite(cluster: "demo", id: id)
            try await writer.append(Data(repeating: 7, count: 4096))
            _ = try await writer.finish(Self.record(id))
        }
        let flipped = root + "/demo/flipped/data.xb.zst"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: flipped))
        bytes[100] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: flipped))
        try Data(repeating: 7, count: 4000).write(to: URL(fileURLWithPath: root + "/demo/truncated/data.xb.zst"))
        for (id, words) in [("flipped", "sha256"), ("truncated", "truncated")] {
            do {
                try await store.read(cluster: "demo", id: id) { _ in }
                Issue.record("\(id) read as good")
            } catch let error as BackupStoreError {
                guard case .corrupt(let name, let reason) = error else { Issue.record("\(error)"); continue }
                #expect(name == id && reason.contains(words), "\(error)")
            }
        }
    }

    @Test func abortRemovesEverythingAndBadNamesAreRefused() async throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = FileBackupStore(root: root)
        let writer = try await store.beginWrite(cluster: "demo", id: "gone")
        try await writer.append(Data(count: 10))
        await writer.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/demo").isEmpty)
        await #expect(throws: BackupStoreError.invalidID("../etc")) { _ = try await store.beginWrite(cluster: "demo", id: "../etc") }
        await #expect(throws: BackupStoreError.invalidID(".partial-x")) { _ = try await store.metadata(cluster: "demo", id: ".partial-x") }
        await #expect(throws: BackupStoreError.notFound(id: "nope")) { _ = try await store.metadata(cluster: "demo", id: "nope") }
        await #expect(throws: BackupStoreError.notFound(id: "nope")) { try await store.delete(cluster: "demo", id: "nope") }
        let done = try await store.beginWrite(cluster: "demo", id: "kept")
        _ = try await done.finish(Self.record("kept"))
        await #expect(throws: BackupStoreError.alreadyExists(id: "kept")) { _ = try await store.beginWrite(cluster: "demo", id: "kept") }
        try await store.delete(cluster: "demo", id: "kept")
        #expect(try await store.list(cluster: "demo").isEmpty)
    }

    @Test func whatADeadWriterLeftIsRemovedOnceOldNeverSooner() async throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = FileBackupStore(root: root)
        // A controller killed mid-backup leaves its partial directory; one begun now is running.
        let old = try await store.beginWrite(cluster: "demo", id: "demo-20261129-180000")
        try await old.append(Data(repeating: 1, count: 1000))
        let current = try await store.beginWrite(cluster: "demo", id: "demo-20261130-180000")
        try await current.append(Data(repeating: 2, count: 1000))
        let stale = "\(root)/demo/.partial-demo-20261129-180000"
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-2 * 86400)], ofItemAtPath: stale)
        let removed = try await store.removeAbandoned(cluster: "demo", startedBefore: Date().addingTimeInterval(-86400))
        #expect(removed == [stale])
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: "\(root)/demo/.partial-demo-20261130-180000"), "a write begun a day ago or later stays")
        _ = try await current.finish(Self.record("demo-20261130-180000"))
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20261130-180000"])
    }

    @Test("a full store: the write fails naming the path, the partial backup is removed",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullStore() async throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=1m", "qmysql-backup-test", root]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0)
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = ["-l", root]
            try? umount.run()
            umount.waitUntilExit()
        }
        let store = FileBackupStore(root: root)
        let writer = try await store.beginWrite(cluster: "demo", id: "big")
        do {
            for _ in 0..<8 { try await writer.append(Data(repeating: 1, count: 256 * 1024)) }
            _ = try await writer.finish(Self.record("big"))
            Issue.record("2 MiB fit into a 1 MiB store")
        } catch let error as BackupStoreError {
            guard case .writeFailed(let path, _) = error else { Issue.record("\(error)"); return }
            #expect(path.hasSuffix("/demo/.partial-big"))
            #expect(error.description.contains("nothing of it is listed"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/demo").isEmpty, "nothing left behind")
        #expect(try await store.list(cluster: "demo").isEmpty)
    }
}

@Suite("backup schedule and retention")
struct BackupScheduleTests {
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func nextAndDueInUTC() throws {
        let schedule = try BackupSchedule(parsing: "13:01,01:01,13:01")
        #expect(schedule.times.count == 2)
        #expect(schedule.next(after: Self.utc("2026-11-29T00:00:00Z")) == Self.utc("2026-11-29T01:01:00Z"))
        #expect(schedule.next(after: Self.utc("2026-11-29T01:01:00Z")) == Self.utc("2026-11-29T13:01:00Z"))
        #expect(schedule.next(after: Self.utc("2026-11-29T23:59:00Z")) == Self.utc("2026-11-30T01:01:00Z"))
        // One backup for each listed time, and nothing in between.
        let last = Self.utc("2026-11-29T01:01:00Z")
        #expect(schedule.due(since: last, now: Self.utc("2026-11-29T13:00:59Z")) == nil)
        #expect(schedule.due(since: last, now: Self.utc("2026-11-29T13:01:00Z")) == Self.utc("2026-11-29T13:01:00Z"))
        // A controller down for a day and a half: one backup, for the latest missed time.
        #expect(schedule.due(since: last, now: Self.utc("2026-11-30T20:00:00Z")) == Self.utc("2026-11-30T13:01:00Z"))
    }

    @Test func inATimeZone() throws {
        let schedule = try BackupSchedule(parsing: "02:30", timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        #expect(schedule.next(after: Self.utc("2026-11-29T00:00:00Z")) == Self.utc("2026-11-29T18:30:00Z"))
    }

    @Test(arguments: ["25:00", "1:00", "01:60", "", "01:00,", "noon"])
    func refusesWhatIsNotATime(_ text: String) {
        #expect(throws: BackupSchedule.Problem.self) { try BackupSchedule(parsing: text) }
    }

    @Test func retentionKeepsTheNewestWhateverItsAge() {
        let now = Self.utc("2026-11-29T12:00:00Z")
        let records = [
            FileBackupStoreTests.record("a", finished: now.addingTimeInterval(-10 * 86_400)),
            FileBackupStoreTests.record("b", finished: now.addingTimeInterval(-8 * 86_400)),
            FileBackupStoreTests.record("c", finished: now.addingTimeInterval(-2 * 86_400)),
        ]
        #expect(BackupRetention.expired(records, reservedDays: 7, now: now) == ["a", "b"])
        #expect(BackupRetention.expired(Array(records.prefix(2)), reservedDays: 7, now: now) == ["a"], "b is the newest: kept")
        #expect(BackupRetention.expired([], reservedDays: 7, now: now).isEmpty)
    }

    @Test func idsSortByTime() {
        #expect(BackupMetadata.makeID(cluster: "demo", at: Self.utc("2026-11-29T01:02:03Z")) == "demo-20261129-010203")
    }
}
