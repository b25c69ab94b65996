import AgentAPI
import Backup
import ControllerAPI
import Foundation
import Galera
import Testing
@testable import Controller

/// A slow backup on the fake cluster: a stream of 64 KiB chunks every 20 ms of the controller's
/// clock (8 s of it), with the position of the node's data. Only this file's tests call it.
extension FakeGalera {
    static let backupChunks = 400

    func backup(_ node: String, timeout: Duration, _ consume: (Data) async throws -> Void) async throws -> BackupOutcome {
        let started = Date()
        let chunk = Data(repeating: 7, count: 64 << 10)
        for _ in 0..<Self.backupChunks {
            try await consume(chunk)
            try await clock.sleep(for: .milliseconds(20))
        }
        let status = try await self.status(of: node)
        let position = status.wsrep.flatMap { wsrep in
            try? GaleraPosition(uuid: wsrep.clusterStateUUID, seqno: wsrep.lastCommitted ?? 0)
        } ?? (try! GaleraPosition(parsing: "8a8e6b44-ec2f-11f1-990a-4bfa0aa167bf:1"))
        return BackupOutcome(node: node, flavor: .mariadb, position: position, serverVersion: "10.11.19-MariaDB",
                             bytes: Int64(Self.backupChunks * chunk.count), rawBytes: Int64(Self.backupChunks * chunk.count), startedAt: started, finishedAt: Date())
    }
}

@Suite("a backup on the controller's queue")
struct BackupYieldLoopTests {
    @Test("it gives way when fault recovery is due: the repair does not wait for the stream, and the backup starts again once Green")
    func aBackupGivesWayToFaultRecovery() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qmysql-yield-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fake = FakeGalera()
        try await Loop.run(fake, configure: { $0.backupStore = FileBackupStore(root: root) }) { loop in
            _ = try await loop.controller.submit(DataTaskRequest(name: "b", action: .backup))
            // The stream flows from n2 (the highest ordinal).
            try await loop.waitUntil("the stream flowing", within: .seconds(10)) { (await loop.controller.dataTask("b")?.bytes ?? 0) > 0 }
            #expect(await loop.controller.dataTask("b")?.node == "n2")

            fake.kill("n0")
            // (waitGreen counts published statuses, and the backup's progress publishes too.)
            try await loop.waitStatus("the killed node noticed") { $0.state != .green }
            try await loop.waitStatus("Green again") {
                $0.state == .green && $0.nodes.allSatisfy(\.ready) && $0.condition(ConditionType.recovering)?.status == "False"
            }
            #expect(fake.calls.contains("recover n0"))
            // The repair did not wait for the stream: the first attempt ended before a whole stream
            // could have flowed (400 chunks 20 ms apart: 8 s of the controller's time), and the
            // repair started after it ended.
            let actions = await loop.controller.actions()
            let cut = try #require(actions.first { $0.verb == "backup" })
            let cutAt = try #require(cut.finishedAt)
            #expect(cutAt.timeIntervalSince(cut.startedAt) < 8, "the first attempt ran \(cutAt.timeIntervalSince(cut.startedAt)) s")
            let repair = try #require(actions.first { $0.node == "n0" && $0.verb != "backup" })
            #expect(repair.startedAt >= cutAt, "\(repair.summary) started before the stream was cut")

            // Then the backup runs again, whole, and is stored.
            try await loop.waitUntil("the second backup finished", within: .seconds(60)) {
                await loop.controller.dataTask("b")?.phase.isFinished == true
            }
            let task = try #require(await loop.controller.dataTask("b"))
            #expect(task.phase == .succeeded, "\(task.message ?? "")")
            let backups = await loop.controller.actions().filter { $0.verb == "backup" }
            #expect(backups.count == 2, "one that gave way, one whole: \(backups.map(\.summary))")
            if case .failed(let reason) = backups.first?.outcome {
                #expect(reason.contains("gave way"), "\(reason)")
            } else {
                Issue.record("the first backup did not give way: \(String(describing: backups.first?.outcome))")
            }
            let stored = try await FileBackupStore(root: root).list(cluster: "demo")
            #expect(stored.count == 1 && stored.first?.size == Int64(FakeGalera.backupChunks * 64 << 10), "only the whole backup is kept: \(stored.map(\.id))")
        }
    }
}
