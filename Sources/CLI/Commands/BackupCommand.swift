import ArgumentParser
import Galera
import KubeAPI
import QiniuAPI

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take a hot backup of a cluster now.",
        discussion: """
            Creates a QiniuMySQLData task with action backup; the cluster's controller runs it \
            on one node with mariabackup (or xtrabackup) while the cluster keeps serving.

              kubectl qmysql backup demo
              kubectl qmysql backup demo --wait
            """)

    @OptionGroup var kube: KubeOptions
    @OptionGroup var wait: WaitOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Option(name: .shortAndLong, help: "Output format: json, yaml or name.")
    var output: OutputFormat?

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.json, .yaml, .name], command: "backup")
    }

    func run() async throws {
        try await KubeSession.with(kube) { session in
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            let task = QiniuMySQLData(
                metadata: ObjectMeta(namespace: session.namespace, generateName: "\(name)-backup-",
                                     labels: [QiniuLabels.cluster: name]),
                spec: QiniuMySQLDataSpec(cluster: name, action: .backup))
            let created = try await session.client.create(task)
            // The previous backup's size is the progress bar's estimate of this one.
            try await DataTaskOutput.reportCreated(created, output: output, wait: wait, session: session,
                                                   expectedBytes: cluster.status?.lastBackup?.size)
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a cluster from a backup, at once or step by step with the wizard.",
        discussion: """
            Creates a QiniuMySQLData task with action restore. The controller then follows the \
            documented procedure: verify the backup (its sha256, and that it unpacks and prepares \
            on the bootstrap node) before touching anything, back up the current state, pause all \
            nodes, pick the bootstrap node, restore the backup on it and bootstrap it, and start \
            the others (they join by SST). Every write made after the backup is lost, so it asks \
            first; without a terminal it refuses unless --yes is given. With --approval Step the \
            task waits for approval (spec.approvedStep) before each step.

            --interactive walks the procedure with you: it shows the nodes and the backups, \
            recommends a bootstrap node (by the controller's own rule), then explains each step \
            and asks before it. "no", Ctrl-C or a lost terminal leave the restore waiting; \
            --resume goes on from any terminal, --cancel ends it (after step 2 the cluster comes \
            back from its own data). Only one wizard drives a restore at a time. See \
            docs/restore.md.

            --to-time and --to-gtid restore to a point (spec.backup.pitr archives the binary \
            log): after the backup, the bootstrap node replays the archive up to the last commit \
            at or before the time, or up to and including the GTID, before the others join. \
            Step 0 refuses a point the archive cannot reach without a gap, and names the gap. \
            Without --from the newest backup before the point is used; `kubectl qmysql backups` \
            shows the window. See docs/backup.md.

              kubectl qmysql backups demo                      # the backup ids
              kubectl qmysql restore demo --interactive
              kubectl qmysql restore demo --resume
              kubectl qmysql restore demo --cancel
              kubectl qmysql restore demo --from demo-20261129-010100
              kubectl qmysql restore demo --from demo-backup-x7k2p --yes --wait
              kubectl qmysql restore demo --to-time 2026-12-05T10:00:00Z --wait
              kubectl qmysql restore demo --from demo-20261129-010100 --to-gtid 1-1-1234
            """)

    @OptionGroup var kube: KubeOptions
    @OptionGroup var wait: WaitOptions

    @Argument(help: "The cluster's name.")
    var name: String

    @Option(name: .customLong("from"), help: ArgumentHelp("The backup to restore: an id from `kubectl qmysql backups`, or a finished backup task's name (the wizard asks when absent).", valueName: "backup"))
    var backup: String?

    @Flag(name: [.customShort("i"), .customLong("interactive")], help: "Walk the restore step by step, asking before each (the wizard).")
    var interactive = false

    @Flag(help: "Reattach the wizard to this cluster's waiting restore.")
    var resume = false

    @Flag(help: "End this cluster's unfinished restore (after step 2 the cluster comes back from its own data).")
    var cancel = false

    @Option(help: "The cluster whose backup it is (default: NAME).")
    var sourceCluster: String?

    @Flag(help: "Skip step 1, the backup of the current state (it is the way back).")
    var skipSafetyBackup = false

    @Option(help: "The node to restore on and bootstrap (chosen by the controller's rule when absent).")
    var bootstrapNode: String?

    @Option(name: .customLong("to-time"), help: ArgumentHelp("A point-in-time restore: after the backup, replay the archived binary log, keeping every transaction committed at or before this time (RFC 3339, like 2026-12-05T10:00:00Z). Without --from, the newest backup before it.", valueName: "time"))
    var toTime: String?

    @Option(name: .customLong("to-gtid"), help: ArgumentHelp("A point-in-time restore up to and including this transaction (DOMAIN-SERVER-SEQUENCE, like 1-1-1234).", valueName: "gtid"))
    var toGTID: String?

    @Option(help: "Auto runs every step; Step waits for approval before each.")
    var approval: ApprovalMode = .auto

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "Do not ask for confirmation (the wizard: run every step without asking).")
    var yes = false

    @Option(name: .shortAndLong, help: "Output format: json, yaml or name.")
    var output: OutputFormat?

    /// `--to-time` or `--to-gtid`, when given.
    var target: RestoreTarget? {
        toTime == nil && toGTID == nil ? nil : RestoreTarget(time: toTime, gtid: toGTID)
    }

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.json, .yaml, .name], command: "restore")
        if let target {
            if toTime != nil, toGTID != nil { throw ValidationError("--to-time and --to-gtid cannot be combined: choose one point.") }
            if let problem = target.problem {
                throw ValidationError(problem.replacingOccurrences(of: "restoreTo.time", with: "--to-time").replacingOccurrences(of: "restoreTo.gtid", with: "--to-gtid") + ".")
            }
            if resume || cancel {
                throw ValidationError("--resume and --cancel act on the restore that exists: --to-time and --to-gtid belong to a new one.")
            }
        }
        let modes = [interactive ? "--interactive" : nil, resume ? "--resume" : nil, cancel ? "--cancel" : nil].compactMap { $0 }
        guard modes.count <= 1 else { throw ValidationError("\(modes.joined(separator: " and ")) cannot be combined: choose one.") }
        if let mode = modes.first {
            if output != nil || wait.wait { throw ValidationError("\(mode) shows the restore as it goes: -o and --wait do not apply.") }
            if approval != .auto { throw ValidationError("\(mode) always approves one step at a time: --approval does not apply.") }
            if mode != "--interactive", backup != nil || sourceCluster != nil || bootstrapNode != nil || skipSafetyBackup {
                throw ValidationError("\(mode) acts on the restore that exists: --from, --source-cluster, --bootstrap-node and --skip-safety-backup belong to a new one.")
            }
        } else if target == nil {
            guard let backup, !backup.isEmpty else {
                throw ValidationError("--from needs a backup id (list them with `kubectl qmysql backups NAME`), or use --interactive to choose one.")
            }
        }
    }

    func run() async throws {
        if interactive || resume || cancel {
            try await runWizard()
            return
        }
        try await KubeSession.with(kube) { session in
            let cluster = try await session.client.get(QiniuMySQL.self, name: name, namespace: session.namespace)
            var backup = self.backup
            let losing: String
            if let target {
                var source = cluster
                if let sourceCluster { source = try await session.client.get(QiniuMySQL.self, name: sourceCluster, namespace: session.namespace) }
                let chosen = try Self.plan(target, backup: backup, source: source)
                backup = chosen.id
                losing = "to \(target.description) from backup \(chosen.id ?? "?") (\(chosen.time ?? "?"), GTID \(chosen.gtid ?? "?")) and the archived binary log after it, losing every write made after that point"
            } else {
                losing = "from \(backup ?? ""), losing every write made since that backup"
            }
            try Confirmation(assumeYes: yes, terminal: .current).confirm("restore \(session.namespace)/\(name) \(losing)")
            var spec = QiniuMySQLDataSpec(cluster: name, action: .restore, backupName: backup, sourceCluster: sourceCluster,
                                          bootstrapNode: bootstrapNode, approval: approval,
                                          skipSafetyBackup: skipSafetyBackup ? true : nil)
            spec.restoreTo = target
            let task = QiniuMySQLData(
                metadata: ObjectMeta(namespace: session.namespace, generateName: "\(name)-restore-",
                                     labels: [QiniuLabels.cluster: name]),
                spec: spec)
            let created = try await session.client.create(task)
            try await DataTaskOutput.reportCreated(created, output: output, wait: wait, session: session)
        }
    }

    /// A point-in-time restore's backup: the one named (it must have been taken with the
    /// archive on), or the newest before the point; refused with the recoverable window when
    /// there is none.
    static func plan(_ target: RestoreTarget, backup: String?, source: QiniuMySQL) throws(CLIError) -> BackupRecord {
        let backups = source.status?.backups ?? []
        let window = source.status?.archive.map { BackupsCommand.window($0) } ?? "point-in-time recovery is off (spec.backup.pitr.enable)\n"
        let name = source.metadata.name ?? "?"
        if let backup {
            guard let record = backups.first(where: { $0.id == backup }) else {
                throw CLIError("cluster \(name) has no backup \(backup)", hint: "`kubectl qmysql backups \(name)` lists them")
            }
            guard record.gtid != nil, record.archiveHistory != nil else {
                throw CLIError("backup \(backup) was taken while the binary log was not archived: no point after it can be reached",
                               hint: "choose a backup with a GTID in `kubectl qmysql backups \(name)`, or leave out --from")
            }
            return record
        }
        guard let chosen = target.newestBackup(in: backups) else {
            throw CLIError("cluster \(name) has no backup taken with the binary log archived before \(target.description)",
                           hint: "what can be reached:\n\(window)")
        }
        return chosen
    }

    private func runWizard() async throws {
        let terminal = Terminal.current
        guard yes || terminal.stdinIsTerminal else {
            throw CLIError("the restore wizard asks before every step, and standard input is not a terminal",
                           hint: "re-run with --yes to run every step without asking", status: .notConfirmed)
        }
        let mode: RestoreWizard.Mode = resume ? .resume : cancel ? .cancel
            : .start(.init(backup: backup, sourceCluster: sourceCluster, bootstrapNode: bootstrapNode, skipSafetyBackup: skipSafetyBackup, target: target))
        try await KubeSession.with(kube) { session in
            let wizard = RestoreWizard(session: session, cluster: name, terminal: terminal, assumeYes: yes,
                                       editor: terminal.stdinIsTerminal && !yes ? try LineEditor() : nil)
            try await wizard.run(mode)
        }
    }
}

/// Labels the CLI puts on the tasks it creates, so they can be listed per cluster.
/// `--wait` and `--timeout`, shared by every command that starts a task.
struct WaitOptions: ParsableArguments {
    @Flag(help: "Follow the task with progress until it ends.")
    var wait = false

    @Option(help: "How long --wait waits, like 30m.")
    var timeout: String = "1h"

    func validate() throws {
        guard DurationText.parse(timeout) != nil else { throw ValidationError("--timeout \"\(timeout)\" is not a duration, like 30m or 2h.") }
    }
}

enum DataTaskOutput {
    /// A finished backup is in the task's status before the operator has written it into the
    /// cluster's `status.backups` (a separate write): `--wait` returns once `kubectl qmysql
    /// backups` lists it, so a script's next command sees it (a user once waited 5 s for that).
    static func waitUntilListed(_ id: String, cluster: String, session: KubeSession, within limit: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let listed = try await session.client.get(QiniuMySQL.self, name: cluster, namespace: session.namespace).status?.backups ?? []
            if listed.contains(where: { $0.id == id }) { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        StandardError.write("warning: backup \(id) succeeded, but cluster \(cluster)'s status does not list it after \(Int(limit.inSeconds)) s (the operator has not mirrored it yet); `kubectl qmysql backups \(cluster)` shows it once it does\n")
    }

    static func reportCreated(_ task: QiniuMySQLData, output: OutputFormat?, wait: WaitOptions, session: KubeSession,
                              expectedBytes: Int64? = nil) async throws {
        let name = task.metadata.name ?? ""
        if !wait.wait {
            if let output {
                try ObjectOutput.print(try JSONValue(encoding: task), format: output, resource: QiniuMySQLData.resourceType)
            } else {
                print("qiniumysqldata.mysql.qiniu.com/\(name) created")
            }
            return
        }
        StandardError.write("qiniumysqldata.mysql.qiniu.com/\(name) created; waiting for it to finish\n")
        let final = try await TaskFollower(session: session, timeout: DurationText.parse(wait.timeout) ?? .seconds(3600), expectedBytes: expectedBytes)
            .follow(name: name)
        if final.spec.action == .backup, final.status?.phase == .succeeded, let id = final.status?.backup?.id {
            try await waitUntilListed(id, cluster: final.spec.cluster, session: session)
        }
        if let output {
            try ObjectOutput.print(try JSONValue(encoding: final), format: output, resource: QiniuMySQLData.resourceType)
        } else {
            print(DataTaskReport.render(final, terminal: .current), terminator: "")
        }
        if final.status?.phase == .failed {
            throw CLIError("task \(name) failed: \(final.status?.message ?? "no message")", status: .taskFailed)
        }
    }
}
