import AgentAPI
import Backup
import Controller
import ControllerAPI
import Foundation
import Galera
import LocalCluster
import MySQLClient
import QiniuAPI
import Testing

/// Backups and the seed's restore procedure on real Galera, through real agents, mariabackup
/// and the file store (docs/backup.md).
extension ControllerScenarioTests {
    /// A table with fixed contents: its checksum at the backup must come back with the restore.
    static let fixedTable = "qmysql_test.fixed"

    @Test("backup under load, restore: the backup's rows come back on every node, Green, steps in order; bad backups and bad requests are refused at step 0 with nothing changed")
    func backupAndRestore() async throws {
        let backupRoot = bed.root + "/backups"
        try await withScenario("backup", options: .init(backupRoot: backupRoot)) { scenario in
            let controller = scenario.controller
            let node0 = scenario.cluster.node(0).sqlOptions
            let checksumAtBackup = try await createFixedTable(node0, rows: 500)

            // A backup while a writer runs.
            let writer = scenario.startWriter()
            try await Task.sleep(for: .seconds(1))
            let committedBefore = try await maxWriteID(node0)
            let backupTask = try await controller.submit(DataTaskRequest(name: "b1", action: .backup)).task
            #expect(backupTask.phase == .pending)
            let backedUp = try await waitForTask(controller, "b1", timeout: .seconds(120))
            let committedAfter = try await maxWriteID(node0)
            #expect(backedUp.phase == .succeeded, "\(backedUp)")
            let backup = try #require(backedUp.backup)
            #expect(backedUp.node == "demo-2", "the highest-ordinal Synced node is backed up")
            print("timing: backup \(backup.id): \(backup.size) bytes at \(backup.position) in \(backedUp.steps[0].startTime ?? "?")..\(backedUp.steps[0].completionTime ?? "?")")
            let stored = try await FileBackupStore(root: backupRoot).metadata(cluster: "demo", id: backup.id)
            #expect(stored.sha256 == backup.sha256 && stored.size == backup.size && stored.size > 0)
            #expect(await controller.status().lastBackup?.id == backup.id)
            #expect(FileManager.default.fileExists(atPath: "\(backupRoot)/demo/\(backup.id)/data.xb.zst"))

            // More writes, and changes to the fixed table: all of it must be undone by the restore.
            try await Task.sleep(for: .seconds(1))
            try await sql(node0, ["DELETE FROM \(Self.fixedTable) WHERE id > 250", "UPDATE \(Self.fixedTable) SET v = 'changed'"])
            _ = await writer.finish()
            #expect(try await checksum(node0) != checksumAtBackup)

            // Bad requests: refused, nothing queued.
            await expectRefusal(controller, DataTaskRequest(name: "r-unknown", action: .restore, backupID: "demo-19700101-000000"), status: 404)
            await expectRefusal(controller, DataTaskRequest(name: "r-node", action: .restore, backupID: backup.id, bootstrapNode: "demo-7"), status: 422)

            // Bad backups: refused at step 0 while every node keeps serving.
            let store = "\(backupRoot)/demo"
            try copyBackup(store, backup.id, to: "flipped") { data in
                var data = data
                data[data.count / 2] ^= 0x40
                return data
            } record: { $0 }
            try copyBackup(store, backup.id, to: "truncated") { $0.prefix($0.count * 2 / 3) } record: { metadata, data in
                // A record that matches the cut data: only unpacking can tell.
                var metadata = metadata
                metadata.size = Int64(data.count)
                metadata.sha256 = FileBackupStore.sha256Hex(data)
                return metadata
            }
            await controller.refreshCatalog()
            let checksumBeforeBad = try await checksum(node0)
            for (id, expected) in [("flipped", "sha256"), ("truncated", "cannot be unpacked")] {
                _ = try await controller.submit(DataTaskRequest(name: "r-\(id)", action: .restore, backupID: id, skipSafetyBackup: true))
                let refused = try await waitForTask(controller, "r-\(id)", timeout: .seconds(60))
                #expect(refused.phase == .failed)
                #expect(refused.steps[0].state == .failed && refused.steps.dropFirst().allSatisfy { $0.state == .pending }, "\(refused.steps)")
                #expect(refused.message?.contains(expected) == true, "\(refused.message ?? "")")
                #expect(refused.message?.contains("nothing was changed") == true)
                let status = await controller.status()
                #expect(status.state == .green && status.nodes.allSatisfy(\.ready), "every node still serves after the refused \(id)")
                #expect(await controller.actions().contains { $0.summary.hasPrefix("stop") } == false)
            }
            #expect(try await checksum(node0) == checksumBeforeBad, "the refused restores changed no data")

            // Approval: waits before step 1 until step 1 is approved; a second restore meanwhile is refused.
            _ = try await controller.submit(DataTaskRequest(name: "r-step", action: .restore, backupID: backup.id, approval: .step))
            let waiting = try await waitForTaskState(controller, "r-step", "waiting before step 1", timeout: .seconds(60)) {
                $0.phase == .waitingForApproval && $0.steps[1].state == .waitingForApproval
            }
            #expect(waiting.steps[0].state == .succeeded)
            await expectRefusal(controller, DataTaskRequest(name: "r-second", action: .restore, backupID: backup.id), status: 409)
            let backupsWhileWaiting = await controller.backupCatalog().count
            try await Task.sleep(for: .seconds(2))
            #expect(await controller.dataTask("r-step")?.phase == .waitingForApproval, "no approval, no progress")
            #expect(await controller.backupCatalog().count == backupsWhileWaiting, "step 1 did not run unapproved")
            _ = try await controller.approve("r-step", step: 1)
            let atStep2 = try await waitForTaskState(controller, "r-step", "step 1 done, waiting before step 2", timeout: .seconds(120)) {
                $0.steps[1].state == .succeeded && $0.steps[2].state == .waitingForApproval
            }
            #expect(atStep2.phase == .waitingForApproval)
            #expect(await controller.backupCatalog().count == backupsWhileWaiting + 1, "step 1 took the safety backup")
            #expect(atStep2.safetyBackup?.id == (await controller.backupCatalog().last?.id), "the task names its safety backup")
            #expect(atStep2.node == "demo-0", "the safety backup (of demo-2) keeps the bootstrap node in the task")
            _ = try await controller.cancel("r-step")
            let cancelled = try await waitForTask(controller, "r-step", timeout: .seconds(10))
            #expect(cancelled.phase == .cancelled && cancelled.message?.contains("nothing was changed") == true, "\(cancelled.message ?? "")")
            #expect(cancelled.steps[2].state == .cancelled)
            #expect(await controller.status().state == .green)

            // The restore itself, with its safety backup.
            let clock = ContinuousClock()
            let restoreStarted = clock.now
            _ = try await controller.submit(DataTaskRequest(name: "r1", action: .restore, backupID: backup.id))
            let restored = try await waitForTask(controller, "r1", timeout: .seconds(300))
            print("timing: restore of \(backup.size) bytes (3 nodes, 2 SST joins) in \(clock.now - restoreStarted)")
            #expect(restored.phase == .succeeded, "\(restored.message ?? "") \(restored.steps)")
            #expect(restored.steps.map(\.name) == RestoreSteps.names)
            #expect(restored.steps.allSatisfy { $0.state == .succeeded }, "\(restored.steps.map { "\($0.number) \($0.state.rawValue) \($0.message ?? "")" })")
            let starts = restored.steps.compactMap(\.startTime)
            #expect(starts.count == 6 && starts == starts.sorted(), "steps ran in order: \(starts)")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(60))

            for node in scenario.cluster.nodes {
                #expect(try await checksum(node.sqlOptions) == checksumAtBackup, "\(node.name): the fixed table is as it was at the backup")
                let restoredMax = try await maxWriteID(node.sqlOptions)
                #expect(restoredMax >= committedBefore && restoredMax <= committedAfter,
                        "\(node.name): writes up to the backup are back, none after it (\(committedBefore) <= \(restoredMax) <= \(committedAfter))")
            }
            let position = try GaleraPosition(parsing: backup.position)
            for status in try await scenario.cluster.allStatuses() {
                #expect(status.wsrep?.clusterStateUUID.lowercased() == position.uuid, "\(status.node) continues the backup's history")
            }
        }
    }

    /// The hardest cancel: the bootstrap node already holds the backup's data and runs alone; the
    /// others hold the cluster's own, newer data. Cancelling must bring back the newer data (the
    /// restored node re-seeded from it), never the backup's.
    @Test("a restore cancelled after step 4 brings the cluster back from its own data; the restored node is re-seeded")
    func cancelAfterStep4BringsBackTheClustersOwnData() async throws {
        let backupRoot = bed.root + "/cancel-backups"
        try await withScenario("cancel", options: .init(backupRoot: backupRoot)) { scenario in
            let controller = scenario.controller
            let node0 = scenario.cluster.node(0).sqlOptions
            let checksumAtBackup = try await createFixedTable(node0, rows: 200)
            _ = try await controller.submit(DataTaskRequest(name: "b", action: .backup))
            let backup = try #require(try await waitForTask(controller, "b", timeout: .seconds(120)).backup)
            try await sql(node0, ["UPDATE \(Self.fixedTable) SET v = 'after the backup'"])
            let ownChecksum = try await checksum(node0)
            #expect(ownChecksum != checksumAtBackup)
            let uuid = await controller.status().clusterUUID

            _ = try await controller.submit(DataTaskRequest(name: "r", action: .restore, backupID: backup.id, approval: .step,
                                                            approvedStep: 4, skipSafetyBackup: true))
            _ = try await waitForTaskState(controller, "r", "waiting before step 5", timeout: .seconds(240)) {
                $0.steps[4].state == .succeeded && $0.steps[5].state == .waitingForApproval
            }
            #expect(try await checksum(node0) == checksumAtBackup, "demo-0 runs the backup's data alone")

            _ = try await controller.cancel("r")
            let cancelled = try await waitForTask(controller, "r", timeout: .seconds(240))
            #expect(cancelled.phase == .cancelled, "\(cancelled.message ?? "")")
            #expect(cancelled.message?.contains("the cluster is back on its own data: demo-1 bootstrapped") == true, "\(cancelled.message ?? "")")
            #expect(cancelled.message?.contains("demo-0 by SST") == true, "\(cancelled.message ?? "")")
            try await scenario.waitUntilSettledGreen(timeout: .seconds(180))
            for node in scenario.cluster.nodes {
                #expect(try await checksum(node.sqlOptions) == ownChecksum, "\(node.name) holds the cluster's own data, not the backup's")
            }
            #expect(await controller.status().clusterUUID == uuid)
            #expect(await controller.status().conditions.contains { $0.type == "ManualInterventionRequired" && $0.status == "True" } == false)
        }
    }

    @Test("a restore whose controller stops at every step boundary (after steps 0 to 4, and during 5) resumes where it stopped: never step 0 again, fault recovery stands aside, and every node ends on the backup's data")
    func restoreResumesAcrossControllerRestarts() async throws {
        let backupRoot = bed.root + "/resume-backups"
        // The packaged method: step 5's join must still run when the controller stops, and its
        // donor's 10 s sleep is that window (ours is over in about a second).
        try await withScenario("resume", options: .init(backupRoot: backupRoot, stateFile: true, stateTransfer: .packaged)) { scenario in
            let node0 = scenario.cluster.node(0).sqlOptions
            let checksumAtBackup = try await createFixedTable(node0, rows: 200)
            _ = try await scenario.controller.submit(DataTaskRequest(name: "b", action: .backup))
            let backup = try #require(try await waitForTask(scenario.controller, "b", timeout: .seconds(120)).backup)
            let history = String(backup.position.prefix { $0 != ":" })
            for boundary in 0...5 {
                let started = ContinuousClock.now
                // What the restore must undo.
                try await sql(node0, ["UPDATE \(Self.fixedTable) SET v = 'written before restore \(boundary)'"])
                #expect(try await checksum(node0) != checksumAtBackup)
                let name = "r\(boundary)"
                _ = try await scenario.controller.submit(DataTaskRequest(
                    name: name, action: .restore, backupID: backup.id, approval: .step, approvedStep: boundary,
                    skipSafetyBackup: boundary != 1))
                if boundary < 5 {
                    _ = try await waitForTaskState(scenario.controller, name, "waiting after step \(boundary)", timeout: .seconds(240)) {
                        $0.steps[boundary].state == .succeeded && $0.steps[boundary + 1].state == .waitingForApproval
                    }
                } else {
                    _ = try await waitForTaskState(scenario.controller, name, "joining a node in step 5", timeout: .seconds(240)) {
                        $0.steps[5].state == .running && ($0.steps[5].message ?? "").contains("joining by SST")
                    }
                }
                try await scenario.restartController()
                let controller = scenario.controller
                if boundary >= 2 {
                    let status = try await scenario.waitForStatus("the new controller's first status", timeout: .seconds(30)) { _ in true }
                    #expect(status.phase == .restoring, "a restore that paused the nodes owns them from the first evaluation: \(Scenario.describe(status))")
                }
                _ = try await controller.approve(name, step: 5)
                let finished = try await waitForTask(controller, name, timeout: .seconds(300))
                #expect(finished.phase == .succeeded, "after a restart at step \(boundary): \(finished.message ?? "") \(finished.steps.map { "\($0.number):\($0.state.rawValue) \($0.message ?? "")" })")
                for step in 0...min(boundary, 4) {
                    #expect(finished.steps[step].message == "done before the controller restarted", "step \(step) was not run again after a restart at \(boundary)")
                }
                try await scenario.waitUntilSettledGreen(timeout: .seconds(180))
                let actions = await scenario.actionSummaries()
                #expect(actions.isEmpty, "fault recovery started no node while the restore owned them (restart at \(boundary)): \(actions)")
                for node in scenario.cluster.nodes {
                    #expect(try await checksum(node.sqlOptions) == checksumAtBackup, "\(node.name) holds the backup's data after a restart at \(boundary)")
                }
                #expect(await controller.status().clusterUUID == history, "every node is in the backup's history")
                print("timing: restore with a controller restart after step \(boundary): \((ContinuousClock.now - started).readable)")
            }
        }
    }

    @Test("a full store: the backup fails saying where, its partial stream is removed, the cluster is untouched",
          .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func backupIntoAFullStore() async throws {
        let backupRoot = bed.root + "/full-backups"
        let clusterStore = backupRoot + "/demo"
        try FileManager.default.createDirectory(atPath: clusterStore, withIntermediateDirectories: true)
        try await Self.command("mount", ["-t", "tmpfs", "-o", "size=256k", "qmc-store", clusterStore])
        do {
            try await withScenario("full-store", options: .init(backupRoot: backupRoot)) { scenario in
                _ = try await scenario.controller.submit(DataTaskRequest(name: "b", action: .backup))
                let failed = try await waitForTask(scenario.controller, "b", timeout: .seconds(60))
                #expect(failed.phase == .failed)
                #expect(failed.message?.contains("cannot write the backup at \(clusterStore)/.partial-") == true, "\(failed.message ?? "")")
                #expect(try FileManager.default.contentsOfDirectory(atPath: clusterStore).isEmpty, "the partial stream is removed")
                #expect(await scenario.controller.backupCatalog().isEmpty)
                // mariabackup desyncs its node for the moment of BACKUP STAGE BLOCK_COMMIT; once it
                // is gone (killed when the store refused) the node is Synced again.
                try await scenario.waitForCluster(.green, timeout: .seconds(15))
                // The agent is free again: its backup operation ended with the stream.
                let agent = try await scenario.cluster.node(2).client.status()
                #expect(agent.operation == nil)
            }
        } catch {
            try? await Self.command("umount", ["-l", clusterStore])
            throw error
        }
        try await Self.command("umount", ["-l", clusterStore])
    }

    @Test("a cluster formed from a backup (restoreFrom) holds the backup's rows and is Green")
    func clusterFromBackup() async throws {
        let backupRoot = bed.root + "/clone-backups"
        // A backup of a cluster with a known table.
        var backup: BackupSummary?
        var checksumAtBackup = ""
        try await withScenario("clone-source", options: .init(backupRoot: backupRoot)) { scenario in
            let node0 = scenario.cluster.node(0).sqlOptions
            checksumAtBackup = try await createFixedTable(node0, rows: 300, label: "cloned")
            _ = try await scenario.controller.submit(DataTaskRequest(name: "b", action: .backup))
            backup = try await waitForTask(scenario.controller, "b", timeout: .seconds(120)).backup
        }
        let source = try #require(backup)

        // A new cluster on empty datadirs, told to form from that backup.
        let root = bed.root + "/clone"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var configuration = bed.clusterConfiguration(root: root, firstAddress: "127.0.31.2")
        configuration.name = "clone"
        let host = try await InProcessController.start(
            for: configuration, monitorUser: GaleraBed.monitorUser, monitorPassword: bed.monitorPassword, httpClient: bed.httpClient
        ) { controller in
            controller.backupStore = FileBackupStore(root: backupRoot)
            controller.restoreFrom = BackupReference(cluster: "demo", id: source.id)
        }
        configuration.controllerURLPrefix = host.reportURLPrefix
        let clone = LocalCluster(configuration: configuration)
        defer {
            clone.killAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        do {
            let clock = ContinuousClock()
            let started = clock.now
            try await clone.startAgents()
            host.run()
            let status = try await Scenario.waitForStatus(of: host.controller, "the clone Green", timeout: .seconds(240)) {
                ($0.state == .green && $0.nodes.allSatisfy(\.ready) && $0.clusterUUID != nil)
                    || $0.condition(ConditionType.manualInterventionRequired)?.status == "True"
            }
            #expect(status.condition(ConditionType.manualInterventionRequired)?.status == "False", "\(status.message)")
            print("timing: cluster of 3 from a backup of \(source.size) bytes (stage, bootstrap, 2 SST joins) in \(clock.now - started)")
            // The last join makes the cluster Green a moment before the task records its end.
            let task = try await waitForTask(host.controller, "restore-from-\(source.id)", timeout: .seconds(10))
            #expect(task.phase == .succeeded, "\(task.message ?? "")")
            #expect(task.steps[1].state == .skipped && task.steps[2].state == .succeeded)
            #expect(status.clusterUUID == (try GaleraPosition(parsing: source.position)).uuid, "the clone continues the backup's history")
            #expect(await host.controller.actions().contains { $0.summary.hasPrefix("bootstrap-new") } == false, "never formed empty")
            for node in clone.nodes {
                #expect(try await checksum(node.sqlOptions) == checksumAtBackup, "\(node.name) holds the backup's rows")
            }
        } catch {
            await host.stop()
            throw error
        }
        await host.stop()
    }

    // MARK: Helpers

    func sql(_ options: MySQLConnectionOptions, _ statements: [String]) async throws {
        let connection = try await MySQLConnection.connect(options, threadPool: bed.threadPool)
        defer { Task { await connection.close() } }
        for statement in statements { _ = try await connection.execute(statement) }
    }

    func query(_ options: MySQLConnectionOptions, _ statement: String) async throws -> String? {
        let connection = try await MySQLConnection.connect(options, threadPool: bed.threadPool)
        defer { Task { await connection.close() } }
        return try await connection.query(statement).rows.first?.last ?? nil
    }

    /// `fixedTable` with `rows` rows (`LABEL 1`, `LABEL 2`, ...); returns its checksum.
    func createFixedTable(_ options: MySQLConnectionOptions, rows: Int, label: String = "row") async throws -> String {
        try await sql(options, [
            "CREATE DATABASE IF NOT EXISTS qmysql_test",
            "CREATE TABLE \(Self.fixedTable) (id INT PRIMARY KEY, v VARCHAR(64) NOT NULL) ENGINE=InnoDB",
            "INSERT INTO \(Self.fixedTable) SELECT seq, CONCAT('\(label) ', seq) FROM qmysql_test.seq_1_to_\(rows)",
        ])
        return try await checksum(options)
    }

    func checksum(_ options: MySQLConnectionOptions) async throws -> String {
        try await query(options, "CHECKSUM TABLE \(Self.fixedTable)") ?? "none"
    }

    func maxWriteID(_ options: MySQLConnectionOptions) async throws -> Int64 {
        Int64(try await query(options, "SELECT COALESCE(MAX(id), 0) FROM \(BoundedWriter.table)") ?? "0") ?? 0
    }

    func waitForTask(_ controller: ClusterController, _ name: String, timeout: Duration) async throws -> DataTaskStatus {
        try await waitForTaskState(controller, name, "finished", timeout: timeout) { $0.phase.isFinished }
    }

    func waitForTaskState(
        _ controller: ClusterController, _ name: String, _ description: String, timeout: Duration, _ condition: (DataTaskStatus) -> Bool
    ) async throws -> DataTaskStatus {
        let deadline = ContinuousClock.now + timeout
        var last: DataTaskStatus?
        while ContinuousClock.now < deadline {
            last = await controller.dataTask(name)
            if let last, condition(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ScenarioFailure("task \(name) not \(description) within \(timeout); last: \(last.map { "\($0.phase.rawValue) \($0.message ?? "") \($0.steps.map { "\($0.number):\($0.state.rawValue)" })" } ?? "none")")
    }

    func expectRefusal(_ controller: ClusterController, _ request: DataTaskRequest, status: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await controller.submit(request)
            Issue.record("\(request.name) was accepted; expected HTTP \(status)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
            #expect(await controller.dataTask(request.name) == nil, "a refused task is not kept", sourceLocation: sourceLocation)
        }
    }

    /// Copies a stored backup under a new id, changing its data and record.
    func copyBackup(_ store: String, _ id: String, to newID: String, data change: (Data) -> Data, record: (BackupMetadata, Data) -> BackupMetadata) throws {
        let source = "\(store)/\(id)"
        let target = "\(store)/\(newID)"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let data = change(try Data(contentsOf: URL(fileURLWithPath: source + "/data.xb.zst")))
        try data.write(to: URL(fileURLWithPath: target + "/data.xb.zst"))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var metadata = try decoder.decode(BackupMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: source + "/backup.json")))
        metadata.id = newID
        metadata = record(metadata, data)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(metadata).write(to: URL(fileURLWithPath: target + "/backup.json"))
    }

    func copyBackup(_ store: String, _ id: String, to newID: String, data change: (Data) -> Data, record: (BackupMetadata) -> BackupMetadata) throws {
        try copyBackup(store, id, to: newID, data: change) { metadata, _ in record(metadata) }
    }
}
