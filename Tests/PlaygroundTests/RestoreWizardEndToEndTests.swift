import Foundation
import KubeAPI
import KubeClient
import MySQLClient
import NIOPosix
import QiniuAPI
import Testing
@testable import Playground

/// The restore wizard driven from a real pseudo-terminal against a whole playground (API
/// server, operator, controller, three real nodes): a person's keys, libedit reading them, the
/// line discipline turning Ctrl-C into SIGINT.
///
/// - "no" at step 2 leaves demo Green, serving and untouched, the task waiting; a second wizard
///   is told who holds the restore; `--cancel` ends it without a change.
/// - Past step 2, "no" says exactly what is stopped; `--cancel` brings demo back from its own
///   data (every row written after the backup is still there).
/// - Every step approved, Ctrl-C during step 5, `--resume` from another terminal: the backup's
///   rows and only those, demo Green, and the screens docs/restore.md shows.
extension PlaygroundEndToEndTests {
    @Test func restoreWizardOnAPseudoTerminal() async throws {
        try await Self.withOwnPlayground("wizard") { root, threadPool in try await wizardScenario(root: root, threadPool: threadPool) }
    }

    func wizardScenario(root: String, threadPool: NIOThreadPool) async throws {
        let layout = PlaygroundLayout(root: root)
        let up = try await Self.run(["playground", "up", "--dir", root], in: root, timeout: .seconds(400))
        try #require(up.status == .exited(code: 0), "\(up.output)")
        let client = try KubeClient.make(options: ClientOptions(kubeconfig: layout.kubeconfig))
        defer { Task { try? await client.shutdown() } }
        let endpoint = try await Self.endpoint(client)
        let kube = ["--kubeconfig", layout.kubeconfig]
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = nil
        environment["NO_COLOR"] = nil

        func sql(_ statement: String) async throws -> [[String?]] {
            let connection = try await MySQLConnection.connect(endpoint, threadPool: threadPool)
            defer { Task { await connection.close() } }
            if statement.hasPrefix("SELECT") { return try await connection.query(statement).rows }
            _ = try await connection.execute(statement)
            return []
        }
        func count(_ phase: String) async throws -> Int {
            let rows = try await sql("SELECT COUNT(*) FROM wizard.rows WHERE phase = '\(phase)'")
            return Int((rows.first?.first ?? nil) ?? "") ?? -1
        }
        func restoreTask() async throws -> QiniuMySQLData? {
            try await client.listAll(QiniuMySQLData.self, namespace: "default")
                .filter { $0.spec.action == .restore }
                .max { ($0.metadata.creationTimestamp ?? "", $0.metadata.name ?? "") < ($1.metadata.creationTimestamp ?? "", $1.metadata.name ?? "") }
        }
        func wizard(_ arguments: [String]) throws -> PseudoTerminal {
            try PseudoTerminal(Self.executable, arguments + kube, environment: environment)
        }

        // 50 rows, the backup, then 10 rows it does not have.
        _ = try await sql("CREATE DATABASE wizard")
        _ = try await sql("CREATE TABLE wizard.rows (id INT PRIMARY KEY, phase VARCHAR(16)) ENGINE=InnoDB")
        _ = try await sql("INSERT INTO wizard.rows SELECT seq, 'before' FROM wizard.seq_1_to_50")
        let backup = try await Self.run(["backup", "demo", "--wait"] + kube, in: root, timeout: .seconds(300))
        try #require(backup.status == .exited(code: 0), "\(backup.output)")
        _ = try await sql("INSERT INTO wizard.rows SELECT seq, 'after' FROM wizard.seq_51_to_60")

        // A. "no" at step 2.
        let a = try wizard(["restore", "demo", "--interactive"])
        try await a.expect("Backup to restore [1]: ", within: .seconds(60))
        a.type("\r")
        try await a.expect("Bootstrap node [demo-0]: ", within: .seconds(10))
        a.type("\r")
        try await a.expect("Create the restore task? [y/N] ", within: .seconds(10))
        a.type("y\r")
        try await a.expect("Run step 1 (BackupCurrentState)? [y/N] ", within: .seconds(180))
        a.type("y\r")
        let atStep2 = try await a.expect("Run step 2 (PauseNodes)? [y/N] ", within: .seconds(180))
        let second = try await Self.run(["restore", "demo", "--resume", "--yes"] + kube, in: root, timeout: .seconds(60))
        #expect(second.status == .exited(code: 7), "\(second.output)")
        #expect(second.output.contains("driven by another wizard") && second.output.contains("since"), "\(second.output)")
        a.type("n\r")
        try await a.expect("Nothing has changed: demo is untouched and serving.", after: atStep2, within: .seconds(30))
        #expect(await a.exitCode(within: .seconds(30)) == 4, "\(a.screen)")
        let waiting = try #require(try await restoreTask())
        #expect(waiting.status?.phase == .waitingForApproval)
        #expect(waiting.status?.steps?.first { $0.number == 2 }?.state == .waitingForApproval, "\(String(describing: waiting.status))")
        // Green again: the safety backup of step 1 desyncs its node for BACKUP STAGE BLOCK_COMMIT
        // (Yellow for a moment, docs/backup.md), and the status may show that moment still.
        try await Self.eventually("demo is Green after step 1", within: .seconds(30)) {
            try await Self.cluster(client).status?.state == .green
        }
        _ = try await sql("INSERT INTO wizard.rows VALUES (61, 'during')")
        let (afterA, duringA) = (try await count("after"), try await count("during"))
        #expect(afterA == 10 && duringA == 1, "untouched and serving")
        let cancelA = try await Self.run(["restore", "demo", "--cancel", "--yes"] + kube, in: root, timeout: .seconds(120))
        #expect(cancelA.status == .exited(code: 0), "\(cancelA.output)")
        let cancelledA = try #require(try await restoreTask())
        #expect(cancelledA.status?.phase == .cancelled && cancelledA.status?.message?.contains("nothing was changed") == true,
                "\(String(describing: cancelledA.status))")

        // C. Past step 2, then cancelled: demo comes back from its own data.
        // A's safety backup is the newest now (the default); the first backup is chosen by its number.
        let c = try wizard(["restore", "demo", "--interactive", "--skip-safety-backup"])
        for (prompt, answer) in [("Backup to restore [2]: ", "1\r"), ("Bootstrap node [demo-0]: ", "\r"), ("Create the restore task? [y/N] ", "y\r"),
                                 ("Run step 1 (BackupCurrentState)? [y/N] ", "y\r"), ("Run step 2 (PauseNodes)? [y/N] ", "y\r")] {
            try await c.expect(prompt, within: .seconds(180))
            c.type(answer)
        }
        let atStep3 = try await c.expect("Run step 3 (PickBootstrapNode)? [y/N] ", within: .seconds(180))
        c.type("n\r")
        try await c.expect("Stopped: demo-0, demo-1 and demo-2 (their data is on disk).", after: atStep3, within: .seconds(30))
        try await c.expect("Running: none: demo does not serve.", after: atStep3, within: .seconds(5))
        #expect(await c.exitCode(within: .seconds(30)) == 4, "\(c.screen)")
        let cancelC = try await Self.run(["restore", "demo", "--cancel", "--yes"] + kube, in: root, timeout: .seconds(400))
        #expect(cancelC.status == .exited(code: 0), "\(cancelC.output)")
        #expect(cancelC.output.contains("the cluster is back on its own data"), "\(cancelC.output)")
        try #require(try await Self.waitGreen(client, within: .seconds(180)), "Green again after the cancel")
        let (afterC, duringC) = (try await count("after"), try await count("during"))
        #expect(afterC == 10 && duringC == 1, "its own data: every row written after the backup")

        // B. Every step approved; Ctrl-C during step 5; --resume from another terminal finishes.
        let b = try wizard(["restore", "demo", "--interactive"])
        for (prompt, answer) in [("Backup to restore [2]: ", "1\r"), ("Bootstrap node [demo-0]: ", "\r"), ("Create the restore task? [y/N] ", "y\r")] {
            try await b.expect(prompt, within: .seconds(60))
            b.type(answer)
        }
        var offset = 0
        for step in 1...5 {
            offset = try await b.expect("Run step \(step) (\(RestoreSteps.name(step)))? [y/N] ", after: offset, within: .seconds(300))
            b.type("y\r")
        }
        try await b.expect("StartOtherNodes (Running)", after: offset, within: .seconds(120))
        b.type("\u{03}")
        #expect(await b.exitCode(within: .seconds(30)) == 130, "\(b.screen)")
        #expect(b.screen.contains("is running step 5 (StartOtherNodes)") && b.screen.contains("goes on in the cluster without this terminal"),
                "\(b.screen)")
        let resumed = try wizard(["restore", "demo", "--resume"])
        try await resumed.expect("Restore finished: demo is Green.", within: .seconds(400))
        #expect(await resumed.exitCode(within: .seconds(30)) == 0, "\(resumed.screen)")
        #expect(resumed.screen.contains("Safety backup: demo-") && resumed.screen.contains("To go back:"), "\(resumed.screen)")
        try #require(try await Self.waitGreen(client, within: .seconds(120)), "Green after the restore")
        #expect(try await count("before") == 50, "every row of the backup")
        let (afterB, duringB) = (try await count("after"), try await count("during"))
        #expect(afterB == 0 && duringB == 0, "no row written after the backup")
        let restored = try #require(try await restoreTask())
        #expect(restored.status?.phase == .succeeded && restored.status?.safetyBackup?.id != nil, "\(String(describing: restored.status))")

        try RestoreDocs.check(wizard: b.screen, resume: resumed.screen)
    }
}

/// docs/restore.md shows a captured run (the wizard until Ctrl-C in step 5, then `--resume`).
/// The test compares it with this run's screens, with what changes from run to run (ids,
/// times, sizes, positions, column widths, progress lines) set aside; `QMYSQL_UPDATE_GOLDEN=1`
/// writes this run's screens into the page.
enum RestoreDocs {
    static let path = PlaygroundEndToEndTests.packageRoot.appendingPathComponent("docs/restore.md").path
    static let markers = ["wizard", "resume"]

    static func check(wizard: String, resume: String) throws {
        var page = try String(contentsOfFile: path, encoding: .utf8)
        for (marker, screen) in zip(markers, [wizard, resume]) {
            let begin = "<!-- captured: \(marker) -->\n```text\n"
            let captured = trimmed(screen)
            guard let start = page.range(of: begin), let end = page.range(of: "\n```", range: start.upperBound..<page.endIndex) else {
                Issue.record("docs/restore.md has no block \(begin)")
                continue
            }
            if ProcessInfo.processInfo.environment["QMYSQL_UPDATE_GOLDEN"] == "1" {
                page.replaceSubrange(start.upperBound..<end.lowerBound, with: captured)
            } else {
                let documented = String(page[start.upperBound..<end.lowerBound])
                #expect(normalize(documented) == normalize(captured),
                        "docs/restore.md's \(marker) screen is not what the wizard shows now; re-run with QMYSQL_UPDATE_GOLDEN=1:\n\(captured)")
            }
        }
        if ProcessInfo.processInfo.environment["QMYSQL_UPDATE_GOLDEN"] == "1" { try page.write(toFile: path, atomically: true, encoding: .utf8) }
    }

    static func trimmed(_ screen: String) -> String {
        screen.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    /// What stays the same from run to run.
    static func normalize(_ screen: String) -> String {
        let replacements: [(String, String)] = [
            ("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9]+", "POSITION"),
            ("demo-[0-9]{8}-[0-9]{6}(-[a-z0-9]+)?", "BACKUP"),
            ("demo-restore-[a-z0-9]+", "TASK"),
            ("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", "TIME"),
            ("\\([0-9]+[smhd]( [0-9]+[smhd])? ago\\)", "(AGO)"),
            ("[0-9]+(\\.[0-9]+)? (B|KiB|MiB|GiB|TiB)\\b( \\([0-9]+ bytes\\))?", "SIZE"),
            ("[0-9]+/[0-9]+ nodes ready", "N/N nodes ready"),
        ]
        return screen.split(separator: "\n").compactMap { raw -> String? in
            var line = String(raw)
            // Progress lines come and go with timing.
            if line.range(of: "^\\s*\\[[0-9.]+ ?s\\]", options: .regularExpression) != nil { return nil }
            // Which nodes run at the moment of Ctrl-C, and which one step 5 joins, is timing too.
            if line.hasPrefix("Stopped:") || line.hasPrefix("Running:") { return String(line.prefix(8)) }
            if line.range(of: "^5\\. StartOtherNodes +Running", options: .regularExpression) != nil { return "5. StartOtherNodes Running" }
            line = line.replacingOccurrences(of: "demo-[0-9]: ", with: "NODE: ", options: .regularExpression)
            for (pattern, replacement) in replacements {
                line = line.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
            }
            line = line.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression).trimmingCharacters(in: .whitespaces)
            return line.isEmpty ? nil : line
        }.joined(separator: "\n")
    }
}
