import Foundation
import KubeAPI
import KubeClient
import QiniuAPI
import Synchronization

/// `kubectl qmysql restore NAME --interactive | --resume | --cancel`: the seed's restore
/// procedure walked with a person, one confirmation per step (docs/restore.md).
///
/// The wizard holds no state of its own: the QiniuMySQLData (`approval: Step`) is the restore,
/// the controller runs it, and the wizard only shows, asks and writes `spec.approvedStep` (or
/// `spec.cancel`). So leaving at any point ("no", Ctrl-C, a lost terminal) leaves the task
/// waiting in the cluster, and `--resume` from any terminal picks it up where it stands.
struct RestoreWizard: Sendable {
    struct Choices: Sendable {
        var backup: String?
        var sourceCluster: String?
        var bootstrapNode: String?
        var skipSafetyBackup: Bool
        /// `--to-time` or `--to-gtid`: a point-in-time restore, its backup the newest before.
        var target: RestoreTarget? = nil
    }

    enum Mode: Sendable {
        case start(Choices)
        case resume
        case cancel
    }

    let session: KubeSession
    let cluster: String
    let terminal: Terminal
    /// `--yes`: every question answered yes (and every default taken) without asking.
    let assumeYes: Bool
    /// nil with `--yes` off a terminal: nothing is ever read.
    let editor: LineEditor?
    /// How long the wizard waits for the cluster to be Green after a restore or a cancel.
    var greenTimeout: Duration = .seconds(900)

    /// Declined at a prompt: the restore waits where it is.
    struct Declined: Error {}

    /// Runs the wizard; signals leave the restore waiting and end with `ExitStatus.interrupted`.
    func run(_ mode: Mode) async throws {
        let interrupts = Interrupts()
        let state = WizardState()
        let body = Task { try await self.drive(mode, state: state) }
        interrupts.watch(body)
        defer { interrupts.stop() }
        do {
            try await body.value
        } catch {
            editor?.restoreTerminal()
            // What follows runs outside the cancelled task, so its requests are not cancelled too.
            let signal = interrupts.receivedSignal
            try await Task {
                await state.lease?.release()
                if signal != nil || error is Declined, let name = state.task {
                    let task = try? await session.client.get(QiniuMySQLData.self, name: name, namespace: session.namespace)
                    let clusterObject = try? await session.client.get(QiniuMySQL.self, name: cluster, namespace: session.namespace)
                    if let task { write(RestoreScreens.leaving(task, cluster: clusterObject, interrupted: signal != nil)) }
                }
                if let signal {
                    throw CLIError("interrupted (\(signal == SIGINT ? "Ctrl-C" : "signal \(signal)")): the restore was left as it is",
                                   status: .interrupted)
                }
                if error is Declined {
                    throw CLIError("not confirmed: the restore waits for approval", status: .notConfirmed)
                }
                throw error
            }.value
        }
        await state.lease?.release()
    }

    /// What the cleanup needs to know: the task and the lease, once there are.
    final class WizardState: Sendable {
        private let state = Mutex<(task: String?, lease: WizardLease?)>((nil, nil))
        var task: String? {
            get { state.withLock { $0.task } }
            set { state.withLock { $0.task = newValue } }
        }
        var lease: WizardLease? {
            get { state.withLock { $0.lease } }
            set { state.withLock { $0.lease = newValue } }
        }
    }

    private func drive(_ mode: Mode, state: WizardState) async throws {
        let name: String
        switch mode {
        case .start(let choices):
            name = try await create(choices, state: state)
        case .resume:
            let task = try await unfinishedRestore()
            state.task = task.metadata.name
            state.lease = try await WizardLease.acquire(client: session.client, namespace: session.namespace, task: task.metadata.name ?? "")
            name = task.metadata.name ?? ""
            write("Resuming restore \(name) of \(cluster):\n\n" + DataTaskReport.render(task, terminal: terminal))
        case .cancel:
            try await cancelRestore(state: state)
            return
        }
        guard let lease = state.lease else { return }
        // The lease is renewed while the steps are driven; losing it ends the wizard.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await lease.renewWhileRunning() }
            group.addTask { try await self.approveSteps(name) }
            try await group.next()
            group.cancelAll()
        }
    }

    // MARK: Starting

    private func create(_ choices: Choices, state: WizardState) async throws -> String {
        let clusterObject = try await session.client.get(QiniuMySQL.self, name: cluster, namespace: session.namespace)
        if let existing = try await unfinishedRestores().first {
            throw CLIError("restore \(existing.metadata.name ?? "") of \(cluster) is not finished (\(TaskFollower.progressLine(existing)))",
                           hint: "go on with `kubectl qmysql restore \(cluster) --resume`, or end it with `kubectl qmysql restore \(cluster) --cancel`")
        }
        write(RestoreScreens.overview(clusterObject, terminal: terminal))

        // The backup, and with the archive on, the point after it.
        let source = choices.sourceCluster ?? cluster
        let sourceObject = source == cluster ? clusterObject : try await session.client.get(QiniuMySQL.self, name: source, namespace: session.namespace)
        let records = sourceObject.status?.backups ?? []
        guard !records.isEmpty else {
            throw CLIError("\(source) has no backups to restore", hint: "take one with `kubectl qmysql backup \(source) --wait`", status: .notFound)
        }
        let defaultIndex = RestoreScreens.defaultBackup(records)
        write(RestoreScreens.backups(records, source: source, defaultIndex: defaultIndex, now: Date(), terminal: terminal))
        let archive = sourceObject.status?.archive
        if let archive { write(BackupsCommand.window(archive)) }
        let backup: BackupRecord
        var target = choices.target
        if let chosen = target {
            backup = try RestoreCommand.plan(chosen, backup: choices.backup, source: sourceObject)
            write("\n" + RestoreScreens.pointChosen(chosen, backup: backup))
        } else if let wanted = choices.backup {
            guard let found = records.first(where: { $0.id == wanted }) else {
                throw CLIError("\(source) has no backup \(wanted)", hint: "the ones it has are listed above", status: .notFound)
            }
            backup = found
        } else {
            // With the archive on, a time or a GTID answers too: the newest backup before it.
            let question = archive == nil ? "Backup to restore" : "Backup to restore, or a time (RFC 3339) or GTID to restore to"
            (backup, target) = try await choose(question, default: defaultIndex.map { String($0 + 1) } ?? "") { answer throws(CLIError) in
                if let number = Int(answer), records.indices.contains(number - 1) { return (records[number - 1], nil) }
                if let record = records.first(where: { $0.id == answer }) { return (record, nil) }
                guard archive != nil else { return nil }
                // A GTID is in the backups' domain (a date like 2026-12-05 is not one).
                let domain = records.lazy.compactMap(\.gtid).first?.split(separator: "-").first.map(String.init)
                let point = answer.split(separator: "-").first.map(String.init) == domain ? RestoreTarget(gtid: answer) : RestoreTarget(time: answer)
                guard point.problem == nil else { return nil }
                return (try RestoreCommand.plan(point, backup: nil, source: sourceObject), point)
            }
            if let target { write(RestoreScreens.pointChosen(target, backup: backup)) }
        }

        // The bootstrap node: the controller's rule, and the person may choose another.
        let nodes = nodeNames(clusterObject)
        let recommended = RestoreScreens.recommendation(clusterObject)
        if let recommended {
            write("\nRecommended bootstrap node: \(recommended.node): \(recommended.reason).\n")
        } else {
            write("\nNo node's agent answers, so none can be recommended; the restore needs every node's agent.\n")
        }
        let bootstrap: String
        if let wanted = choices.bootstrapNode {
            guard nodes.contains(wanted) else {
                throw CLIError("\(wanted) is not a node of \(cluster)", hint: "its nodes are \(RestoreScreens.list(nodes))", status: .usage)
            }
            bootstrap = wanted
        } else {
            bootstrap = try await choose("Bootstrap node", default: recommended?.node ?? "") { nodes.contains($0) ? $0 : nil }
        }

        write(RestoreScreens.plan(cluster: cluster, nodes: nodes, backup: backup, target: target, bootstrap: bootstrap,
                                  skipSafetyBackup: choices.skipSafetyBackup, terminal: terminal))
        guard try await ask("Create the restore task?") else { throw CLIError("not confirmed: nothing was created", status: .notConfirmed) }

        // Created with the lease already in it: no other wizard can take it in between. The
        // node is written only when it is not the recommendation, so that the controller's own
        // choice (the same rule) is what runs when the person agreed with it.
        let me = WizardLease.me
        let now = Date()
        var spec = QiniuMySQLDataSpec(cluster: cluster, action: .restore, backupName: backup.id, sourceCluster: choices.sourceCluster,
                                      bootstrapNode: bootstrap == recommended?.node ? nil : bootstrap, approval: .step,
                                      skipSafetyBackup: choices.skipSafetyBackup ? true : nil)
        spec.restoreTo = target
        let object = QiniuMySQLData(
            metadata: ObjectMeta(namespace: session.namespace, generateName: "\(cluster)-restore-",
                                 labels: [QiniuLabels.cluster: cluster],
                                 annotations: WizardLease.annotations(holder: me, since: now, now: now)),
            spec: spec)
        let created = try await session.client.create(object)
        let name = created.metadata.name ?? ""
        state.task = name
        state.lease = WizardLease(client: session.client, namespace: session.namespace, task: name, holder: me, since: now)
        write("\nqiniumysqldata.mysql.qiniu.com/\(name) created. Step 0 verifies the backup; nothing changes yet.\n")
        return name
    }

    // MARK: The steps

    /// Before each waiting step: explain, ask, approve, follow. Ends when the task does.
    private func approveSteps(_ name: String) async throws {
        var seen = try await session.client.get(QiniuMySQLData.self, name: name, namespace: session.namespace)
        var approved = seen.spec.approvedStep ?? 0
        while true {
            let floor = approved
            // No deadline: a restore of terabytes takes hours, and Ctrl-C leaves at any time.
            let follower = TaskFollower(session: session, timeout: .seconds(86400 * 7))
            let task = try await follower.follow(name: name, shown: TaskFollower.progressLine(seen)) { task in
                (Self.waitingStep(task) ?? -1) > floor
            }
            seen = task
            if task.status?.phase?.isFinished == true { return try await finish(task) }
            guard let step = Self.waitingStep(task) else { continue }
            let nodes = try await nodeNames(session.client.get(QiniuMySQL.self, name: cluster, namespace: session.namespace))
            write(RestoreScreens.step(step, task: task, nodes: nodes, terminal: terminal))
            guard try await ask("Run step \(step) (\(RestoreSteps.name(step)))?") else { throw Declined() }
            _ = try await session.client.mergePatch(QiniuMySQLData.self, name: name, namespace: session.namespace,
                                                    patch: ["spec": ["approvedStep": .int(Int64(step))]])
            approved = step
        }
    }

    /// The step waiting for approval, if one is.
    static func waitingStep(_ task: QiniuMySQLData) -> Int? {
        task.status?.steps?.first { $0.state == .waitingForApproval }?.number
    }

    private func finish(_ task: QiniuMySQLData) async throws {
        let name = task.metadata.name ?? ""
        switch task.status?.phase {
        case .succeeded?:
            write("\nEvery step done; waiting for \(cluster) to be Green.\n")
            try await ClusterFollower(client: session.client, namespace: session.namespace, timeout: greenTimeout)
                .follow(name: cluster, hint: "the restore finished; `kubectl qmysql status \(cluster)` shows what the cluster waits for")
            let clusterObject = try await session.client.get(QiniuMySQL.self, name: cluster, namespace: session.namespace)
            write(RestoreScreens.finished(task, cluster: clusterObject, terminal: terminal))
        case .cancelled?:
            write("\n" + DataTaskReport.render(task, terminal: terminal))
            throw CLIError("restore \(name) was cancelled: \(task.status?.message ?? "")", status: .taskFailed)
        default:
            write("\n" + DataTaskReport.render(task, terminal: terminal))
            throw CLIError("restore \(name) failed: \(task.status?.message ?? "no message")",
                           hint: "`kubectl qmysql status \(cluster)` says where the cluster stands and how to go on", status: .taskFailed)
        }
    }

    // MARK: Cancelling

    private func cancelRestore(state: WizardState) async throws {
        let task = try await unfinishedRestore()
        let name = task.metadata.name ?? ""
        state.task = name
        state.lease = try await WizardLease.acquire(client: session.client, namespace: session.namespace, task: name)
        let clusterObject = try? await session.client.get(QiniuMySQL.self, name: cluster, namespace: session.namespace)
        let touched = RestoreScreens.touched(task)
        write(DataTaskReport.render(task, terminal: terminal))
        write(touched
              ? "\nCancelling brings \(cluster) back from its own data: the nodes the restore replaced are emptied and re-seeded from the others.\n"
              : "\nCancelling changes nothing: \(cluster) was not touched.\n")
        guard try await ask("Cancel restore \(name)?") else { throw CLIError("not confirmed: the restore still waits", status: .notConfirmed) }
        _ = try await session.client.mergePatch(QiniuMySQLData.self, name: name, namespace: session.namespace, patch: ["spec": ["cancel": true]])
        let ended = try await TaskFollower(session: session, timeout: greenTimeout).follow(name: name)
        write("\n" + DataTaskReport.render(ended, terminal: terminal))
        guard ended.status?.phase == .cancelled else {
            throw CLIError("restore \(name) ended \(ended.status?.phase?.rawValue ?? "") before the cancel took effect", status: .taskFailed)
        }
        if touched || clusterObject?.status?.state != .green {
            write("\nWaiting for \(cluster) to be Green again.\n")
            try await ClusterFollower(client: session.client, namespace: session.namespace, timeout: greenTimeout)
                .follow(name: cluster, hint: "`kubectl qmysql status \(cluster)` says what the cluster waits for")
        }
        write("\(cluster) is Green; restore \(name) is cancelled.\n")
    }

    // MARK: Reading

    private func unfinishedRestores() async throws -> [QiniuMySQLData] {
        try await session.client.listAll(QiniuMySQLData.self, namespace: session.namespace)
            .filter { $0.spec.cluster == cluster && $0.spec.action == .restore && $0.status?.phase?.isFinished != true }
            .sorted { ($0.metadata.creationTimestamp ?? "") < ($1.metadata.creationTimestamp ?? "") }
    }

    private func unfinishedRestore() async throws -> QiniuMySQLData {
        _ = try await session.client.get(QiniuMySQL.self, name: cluster, namespace: session.namespace)
        guard let task = try await unfinishedRestores().last else {
            throw CLIError("no restore of \(cluster) is waiting or running",
                           hint: "start one with `kubectl qmysql restore \(cluster) --interactive`", status: .notFound)
        }
        return task
    }

    private func nodeNames(_ cluster: QiniuMySQL) -> [String] {
        let names = (cluster.status?.nodes ?? []).map(\.name)
        if !names.isEmpty { return names }
        return (0..<(cluster.spec.effectiveReplicas)).map(ClusterNames(cluster: self.cluster).node)
    }

    // MARK: Asking

    /// A yes/no question; end of input is no.
    private func ask(_ question: String) async throws -> Bool {
        if assumeYes {
            write("\(question) [y/N] yes (--yes)\n")
            return true
        }
        while true {
            guard let line = await editor?.readLine(prompt: "\(question) [y/N] ") else {
                try Task.checkCancellation()
                write("\n")
                return false
            }
            switch line.trimmingCharacters(in: .whitespaces).lowercased() {
            case "y", "yes": return true
            case "", "n", "no": return false
            default: write("Answer yes or no.\n")
            }
        }
    }

    /// A choice with a default (Enter); an answer `parse` rejects (nil, or an error saying why)
    /// asks again.
    private func choose<T>(_ question: String, default defaultAnswer: String, parse: (String) throws(CLIError) -> T?) async throws -> T {
        if assumeYes, let value = try? parse(defaultAnswer) {
            write("\(question) [\(defaultAnswer)]: \(defaultAnswer) (--yes)\n")
            return value
        }
        while true {
            guard let line = await editor?.readLine(prompt: "\(question) [\(defaultAnswer)]: ") else {
                try Task.checkCancellation()
                throw CLIError("not confirmed: nothing was created", status: .notConfirmed)
            }
            let answer = line.trimmingCharacters(in: .whitespaces)
            do throws(CLIError) {
                if let value = try parse(answer.isEmpty ? defaultAnswer : answer) { return value }
                write("\"\(answer)\" is not one of the choices above.\n")
            } catch {
                write("\(error.message)\(error.hint.map { "\n\($0)" } ?? "")\n")
            }
        }
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
