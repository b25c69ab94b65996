import Backup
import Controller
import ControllerAPI
import Foundation
import ObjectStorage
import S3TestServers
import Testing

/// The controller's backups and restores through an S3 bucket (moto's server on 127.0.46.7) on
/// real Galera: what the file store's scenario shows, through the object store instead.
extension ControllerScenarioTests {
    @Test("backups in a bucket: a flipped byte in the stored stream is refused at step 0 with nothing changed; the backup restores on every node")
    func backupAndRestoreThroughABucket() async throws {
        let server = try await MotoServer(address: "127.0.46.7", port: 7483)
        defer { server.terminate() }
        let client = try S3Client(location: S3Location(endpoint: server.endpoint, bucket: "qmysql-scenario"),
                                  credentials: .init(accessKey: "test", secretKey: "test-secret"))
        try await client.createBucket()
        let store = S3BackupStore(client: client, prefix: "scenario/", partSize: 5 << 20)
        try await withScenario("s3", options: .init(backupStore: store)) { scenario in
            let controller = scenario.controller
            let node0 = scenario.cluster.node(0).sqlOptions
            let checksumAtBackup = try await createFixedTable(node0, rows: 500)
            _ = try await controller.submit(DataTaskRequest(name: "b1", action: .backup))
            let backedUp = try await waitForTask(controller, "b1", timeout: .seconds(120))
            #expect(backedUp.phase == .succeeded, "\(backedUp)")
            let backup = try #require(backedUp.backup)
            let prefix = "scenario/demo/\(backup.id)/"
            #expect(try await client.listObjects(prefix: prefix).map(\.key) == [prefix + "backup.json", prefix + "data.xb.zst"])
            try await sql(node0, ["UPDATE \(Self.fixedTable) SET v = 'changed'"])
            let changed = try await checksum(node0)

            // A copy with one byte flipped in its stream, and a record that names it.
            var data = try await client.getObject(prefix + "data.xb.zst", limit: 256 << 20)
            data[data.count / 2] ^= 0x40
            try await client.putObject("scenario/demo/flipped/data.xb.zst", data)
            var record = try BackupMetadata.decodeRecord(try await client.getObject(prefix + "backup.json"), id: backup.id, location: prefix)
            record.id = "flipped"
            try await client.putObject("scenario/demo/flipped/backup.json", try BackupMetadata.encoder.encode(record))
            await controller.refreshCatalog()
            _ = try await controller.submit(DataTaskRequest(name: "r-flipped", action: .restore, backupID: "flipped", skipSafetyBackup: true))
            let refused = try await waitForTask(controller, "r-flipped", timeout: .seconds(60))
            #expect(refused.phase == .failed && refused.steps[0].state == .failed, "\(refused.steps)")
            #expect(refused.message?.contains("sha256") == true && refused.message?.contains("nothing was changed") == true, "\(refused.message ?? "")")
            #expect(try await checksum(node0) == changed, "the refused restore changed no data")

            // The backup itself: read from the bucket once, restored on every node.
            _ = try await controller.submit(DataTaskRequest(name: "r1", action: .restore, backupID: backup.id, skipSafetyBackup: true))
            let restored = try await waitForTask(controller, "r1", timeout: .seconds(300))
            #expect(restored.phase == .succeeded, "\(restored.message ?? "") \(restored.steps)")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(60))
            for node in scenario.cluster.nodes {
                #expect(try await checksum(node.sqlOptions) == checksumAtBackup, "\(node.name): the fixed table is as it was at the backup")
            }
        }
    }
}
