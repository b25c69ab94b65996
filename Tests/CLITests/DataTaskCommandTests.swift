import Foundation
import KubeAPI
import KubeClient
import QiniuAPI
import Testing

/// backup, restore and data: the tasks they create, and `--wait` following a task that a
/// stand-in controller (this test, writing status) moves through its phases.
@Suite struct DataTaskCommandTests {
    @Test func backupCreatesATaskThatDataLists() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        let result = try await bed.run("backup", "demo", "-o", "name")
        #expect(result.status == 0, "\(result.stderr)")
        let name = try #require(result.stdout.split(separator: "/").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(name.hasPrefix("demo-backup-"))
        let task = try await bed.client.get(QiniuMySQLData.self, name: name)
        #expect(task.spec.action == .backup)
        #expect(task.spec.cluster == "demo")
        #expect(task.spec.approval == .auto)  // schema default

        let list = try await bed.run("data")
        #expect(list.status == 0)
        #expect(list.stdout.contains(name) && list.stdout.contains("backup"))
        let one = try await bed.run("data", name, "-o", "yaml")
        #expect(one.stdout.contains("action: backup"))
    }

    @Test func backupOfAMissingClusterSaysSo() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        let result = try await bed.run("backup", "nope")
        #expect(result.status == 3)
        #expect(result.stderr.contains("\"nope\" not found"))
        #expect(try await bed.client.listAll(QiniuMySQLData.self).isEmpty)
    }

    @Test func backupWaitFollowsProgressUntilSucceeded() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        // The stand-in controller: as soon as a task appears, move it through its phases.
        let controller = Task {
            while true {
                if let task = try await bed.client.listAll(QiniuMySQLData.self).first {
                    let name = task.metadata.name!
                    for (phase, step) in [(DataPhase.running, DataStepState.running), (.succeeded, .succeeded)] {
                        try await Task.sleep(for: .milliseconds(300))
                        _ = try await bed.client.modifyStatus(QiniuMySQLData.self, name: name, retryOnConflict: 3) { task in
                            task.status = QiniuMySQLDataStatus(
                                phase: phase, steps: [DataStep(name: "stream-backup", state: step)],
                                backup: phase == .succeeded ? BackupRecord(id: name, location: "/backups/\(name).xb.gz", size: 2048, position: "u:7") : nil)
                        }
                    }
                    // The operator lists the backup in the cluster's status a moment later (a
                    // separate write): --wait returns only then. The time is taken before the
                    // write: the CLI may see it before this task hears the server's answer.
                    try await Task.sleep(for: .milliseconds(1500))
                    let listing = ContinuousClock.now
                    _ = try await bed.client.modifyStatus(QiniuMySQL.self, name: "demo", retryOnConflict: 3) { cluster in
                        var status = cluster.status ?? QiniuMySQLStatus()
                        status.backups = [BackupRecord(id: name, location: "/backups/\(name).xb.gz", size: 2048, position: "u:7")]
                        cluster.status = status
                    }
                    return listing
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let result = try await bed.run("backup", "demo", "--wait", "--timeout", "30s")
        let returned = ContinuousClock.now
        let listed = try await controller.value
        #expect(listed < returned, "--wait returned once `backups` lists the new backup")
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Running: step 1/1 stream-backup (Running)"))
        #expect(result.stderr.contains("Succeeded: step 1/1 stream-backup (Succeeded)"))
        #expect(result.stdout.contains("Phase:      Succeeded"))
        #expect(result.stdout.contains("position u:7"))
    }

    @Test func waitTimesOutWithItsOwnExitCode() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        let result = try await bed.run("backup", "demo", "--wait", "--timeout", "1s")
        #expect(result.status == 5)
        #expect(result.stderr.contains("did not finish within"))
    }

    @Test func restoreNeedsConfirmationAndRecordsTheBackup() async throws {
        let bed = try await CLITestBed.start()
        defer { Task { await bed.stop() } }
        #expect(try await bed.run("create", "demo").status == 0)
        let refused = try await bed.run("restore", "demo", "--from", "demo-backup-abc")
        #expect(refused.status == 4)
        #expect(try await bed.client.listAll(QiniuMySQLData.self).isEmpty)

        let result = try await bed.run("restore", "demo", "--from", "demo-backup-abc", "--approval", "Step", "--yes", "-o", "json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONValue.parse(Data(result.stdout.utf8))
        #expect(object[path: ["spec", "action"]] == "restore")
        #expect(object[path: ["spec", "backupName"]] == "demo-backup-abc")
        #expect(object[path: ["spec", "approval"]] == "Step")

        let missingFrom = try await bed.run("restore", "demo", "--yes")
        #expect(missingFrom.status == 64)
        #expect(missingFrom.stderr.contains("--from"))
    }
}
