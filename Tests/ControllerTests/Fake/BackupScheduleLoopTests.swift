import Backup
import ControllerAPI
import Foundation
import Galera
import Logging
import Synchronization
import Testing
@testable import Controller

/// The controller's schedule and retention with an injected clock: a backup task at each listed
/// time (and one for several missed), expiry after `reservedDays` that keeps the newest.
@Suite("backup schedule and retention in the controller")
struct BackupScheduleLoopTests {
    final class Clock: Sendable {
        let now: Mutex<Date>
        init(_ date: Date) { now = Mutex(date) }
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var date: Date { now.withLock { $0 } }
    }

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static func controller(store: FileBackupStore, clock: Clock, times: String, zone: String = "UTC", reservedDays: Int = 7) throws -> ClusterController {
        var configuration = Loop.configuration()
        configuration.backupStore = store
        configuration.backupSchedule = try BackupSchedule(parsing: times, timeZone: TimeZone(identifier: zone)!)
        configuration.backupReservedDays = reservedDays
        var logger = Logger(label: "qmysql.controller.schedule-test")
        logger.logLevel = .critical
        return ClusterController(configuration: configuration, access: FakeGalera(), logger: logger, wallClock: { clock.date })
    }

    @Test func aBackupAtEachListedTimeAndOneForMissedTimes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-schedule-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clock = Clock(Self.date("2026-11-29T00:00:00Z"))
        let controller = try Self.controller(store: FileBackupStore(root: root), clock: clock, times: "01:01,13:30")
        await controller.prepareData()
        // Two days in five-minute steps.
        for _ in 0..<(2 * 24 * 12) {
            clock.advance(300)
            await controller.scheduleTick()
        }
        let scheduled = await controller.dataTasks().map(\.name).filter { $0.hasPrefix("scheduled-") }
        #expect(scheduled == [
            "scheduled-demo-20261129-010100", "scheduled-demo-20261129-133000",
            "scheduled-demo-20261130-010100", "scheduled-demo-20261130-133000",
        ])
        // The controller was away for a day and a half: one backup, for the latest missed time.
        clock.advance(36 * 3600)
        await controller.scheduleTick()
        await controller.scheduleTick()
        let after = await controller.dataTasks().map(\.name).filter { $0.hasPrefix("scheduled-") }
        #expect(after.count == 5)
        #expect(after.last == "scheduled-demo-20261202-010100")
    }

    @Test func inTheConfiguredTimeZone() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-schedule-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let clock = Clock(Self.date("2026-11-29T00:00:00Z"))
        // 02:00 in Shanghai (UTC+8) is 18:00 UTC the day before.
        let controller = try Self.controller(store: FileBackupStore(root: root), clock: clock, times: "02:00", zone: "Asia/Shanghai")
        await controller.prepareData()
        for _ in 0..<(24 * 12) {
            clock.advance(300)
            await controller.scheduleTick()
        }
        #expect(await controller.dataTasks().map(\.name) == ["scheduled-demo-20261129-180000"])
    }

    @Test func retentionDeletesOldBackupsButNeverTheNewest() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-retention-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = FileBackupStore(root: root)
        let position = try GaleraPosition(parsing: "8a8e6b44-ec2f-11f1-990a-4bfa0aa167bf:10")
        for day in [1, 5, 9] {
            let finished = Self.date(String(format: "2026-11-%02dT01:02:00Z", day))
            let writer = try await store.beginWrite(cluster: "demo", id: BackupMetadata.makeID(cluster: "demo", at: finished))
            try await writer.append(Data("backup of day \(day)".utf8))
            _ = try await writer.finish(BackupMetadata(
                id: BackupMetadata.makeID(cluster: "demo", at: finished), cluster: "demo", node: "n2", flavor: .mariadb,
                serverVersion: "10.11.19-MariaDB", startedAt: finished, finishedAt: finished, size: 0, sha256: "", position: position))
        }
        let clock = Clock(Self.date("2026-11-12T00:00:00Z"))
        let controller = try Self.controller(store: store, clock: clock, times: "01:01", reservedDays: 5)
        await controller.prepareData()
        await controller.applyRetention()
        // Day 1 and 5 are older than 5 days on day 12; day 9 stays.
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20261109-010200"])
        #expect(await controller.backupCatalog().map(\.id) == ["demo-20261109-010200"])
        // Long after: the newest stays, however old.
        clock.advance(400 * 86_400)
        await controller.applyRetention()
        #expect(try await store.list(cluster: "demo").map(\.id) == ["demo-20261109-010200"])
        #expect(await controller.status().lastBackup?.id == nil, "no status published yet: the loop did not run")
    }
}
