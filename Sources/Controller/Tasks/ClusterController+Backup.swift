import AgentAPI
import Backup
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import QiniuAPI
import Synchronization

/// Backups (docs/backup.md): manual ones (`POST /v1/tasks/data`, from a QiniuMySQLData) and
/// scheduled ones run on the serial queue, after fault recovery and restarts. A backup streams
/// from the highest-ordinal Synced node's agent through this controller into the store; it gives
/// way when fault recovery waits (it starts again once the cluster is Green), so a repair never
/// waits behind a long stream.
extension ClusterController {
    /// Thrown inside a stream when fault recovery is waiting: the backup gives way.
    struct YieldedToRecovery: Error, CustomStringConvertible {
        var description: String { "gave way to fault recovery" }
    }

    struct Cancelled: Error, CustomStringConvertible {
        var description: String { "the task was cancelled" }
    }

    // MARK: Requests

    /// Accepts a data task, or returns the one of that name that exists. Refusals change nothing.
    public func submit(_ request: DataTaskRequest) async throws(APIErrorBody) -> (task: DataTaskStatus, created: Bool) {
        var request = request
        if let existing = data.task(request.name) {
            if let step = request.approvedStep { approveRecorded(request.name, through: step) }
            return (data.task(request.name) ?? existing, false)
        }
        // A restore that ended before this controller restarted: the same task again is told
        // how it ended, never run a second time on a cluster that has served since.
        if let ended = finishedRestores.first(where: { $0.name == request.name }) { return (ended, false) }
        guard configuration.backupStore != nil else {
            throw APIErrorBody(status: 422, code: "noStore", reason: "cluster \(configuration.clusterName) has no backup store configured (the controller runs without --backup-dir)")
        }
        let names = desired.nodes.map(\.name)
        switch request.action {
        case .backup:
            if let restore = data.unfinished().first(where: { $0.action == .restore }) {
                throw APIErrorBody(status: 409, code: "taskRunning", reason: "restore \(restore.name) is running on cluster \(configuration.clusterName); back up after it ends")
            }
        case .restore:
            if let other = data.unfinished().first {
                throw APIErrorBody(status: 409, code: "taskRunning", reason: "\(other.action.rawValue) \(other.name) is \(other.phase.rawValue) on cluster \(configuration.clusterName); a restore waits until no other task runs")
            }
            if let target = request.restoreTo {
                if let problem = target.problem { throw APIErrorBody(status: 422, code: "badTarget", reason: problem) }
                if request.backupID == nil || request.backupID == "" {
                    let source = request.sourceCluster ?? configuration.clusterName
                    let catalog = source == configuration.clusterName ? data.catalog : ((try? await configuration.store(for: source)?.list(cluster: source)) ?? [])
                    guard let chosen = target.newestBackup(in: catalog.map(\.summary.record)), let id = chosen.id else {
                        throw APIErrorBody(status: 422, code: "noBackup", reason: "cluster \(source) has no backup taken with the binary log archived before \(target.description); kubectl qmysql backups \(source) shows the recoverable window")
                    }
                    request.backupID = id
                }
            }
            guard let id = request.backupID, !id.isEmpty else {
                throw APIErrorBody(status: 422, code: "noBackup", reason: "a restore needs the backup's id (kubectl qmysql backups \(configuration.clusterName) lists them)")
            }
            if let node = request.bootstrapNode, !names.contains(node) {
                throw APIErrorBody(status: 422, code: "unknownNode", reason: "bootstrapNode \(node) is not a node of \(configuration.clusterName); the nodes are \(names.joined(separator: ", "))")
            }
            let source = request.sourceCluster ?? configuration.clusterName
            do {
                _ = try await configuration.store(for: source)!.metadata(cluster: source, id: id)
            } catch let error as BackupStoreError {
                if case .notFound = error {
                    throw APIErrorBody(status: 404, code: "unknownBackup", reason: "cluster \(source) has no backup \(id); kubectl qmysql backups \(source) lists the ones it has")
                }
                throw APIErrorBody(status: 422, code: "badBackup", reason: "\(error)")
            } catch {
                throw APIErrorBody(status: 503, code: "storeUnavailable", reason: "the backup store cannot be read: \(error)")
            }
            // The store was read with the actor free: another request may have come in meanwhile.
            if let existing = data.task(request.name) { return (existing, false) }
            if let other = data.unfinished().first {
                throw APIErrorBody(status: 409, code: "taskRunning", reason: "\(other.action.rawValue) \(other.name) is \(other.phase.rawValue) on cluster \(configuration.clusterName); a restore waits until no other task runs")
            }
        }
        let status = Self.newTaskStatus(request)
        data.add(request, status: status)
        await enqueueData(request.name)
        logger.notice("data task accepted", metadata: ["task": "\(request.name)", "action": "\(request.action.rawValue)"])
        return (status, true)
    }

    /// Steps up to `step` of restore `name` may run.
    public func approve(_ name: String, step: Int) throws(APIErrorBody) -> DataTaskStatus {
        guard data.task(name) != nil else { throw unknownTask(name) }
        approveRecorded(name, through: step)
        return data.task(name)!
    }

    /// Approves and, for the running restore, records the approval with its progress.
    func approveRecorded(_ name: String, through step: Int) {
        data.approve(name, through: step)
        if restoreProgress?.request.name == name, let request = data.request(name) {
            restoreProgress?.request = request
            saveState()
        }
    }

    /// Stops task `name` at its next step boundary (a restore) or chunk (a backup).
    public func cancel(_ name: String) throws(APIErrorBody) -> DataTaskStatus {
        guard let task = data.task(name) else { throw unknownTask(name) }
        if !task.phase.isFinished { data.cancelled.insert(name) }
        return task
    }

    public func dataTask(_ name: String) -> DataTaskStatus? { data.task(name) }
    public func dataTasks() -> [DataTaskStatus] { data.published }
    public func backupCatalog() -> [BackupMetadata] { data.catalog }

    private func unknownTask(_ name: String) -> APIErrorBody {
        APIErrorBody(status: 404, code: "unknownTask", reason: "no data task \(name) on this controller (a restarted controller forgets finished tasks)")
    }

    static func newTaskStatus(_ request: DataTaskRequest) -> DataTaskStatus {
        let steps: [DataTaskStatus.Step] = switch request.action {
        case .backup: [.init(number: 1, name: "Backup", state: .pending)]
        case .restore: RestoreSteps.names.enumerated().map { .init(number: $0.offset, name: $0.element, state: .pending) }
        }
        return DataTaskStatus(name: request.name, action: request.action, phase: .pending, steps: steps)
    }

    /// Queues task `name`, in the order of the calls (awaited, never a detached enqueue).
    func enqueueData(_ name: String) async {
        guard let request = data.request(name) else { return }
        let task: ClusterTask = switch request.action {
        case .backup:
            ClusterTask(kind: .backup, key: "backup \(name)", summary: "backup \(name)", deadline: configuration.backupDeadline) {
                try await self.runBackupTask(name)
            }
        case .restore:
            ClusterTask(kind: .restore, key: "restore \(name)", summary: "restore \(name)", deadline: configuration.restoreDeadline) {
                try await self.runRestoreTask(name)
            }
        }
        await queue.enqueue(task)
    }

    // MARK: Status

    /// Adds the data tasks and the catalog to a status being published.
    func decorateWithData(_ status: inout ClusterStatus) {
        let tasks = data.published
        status.tasks = tasks.isEmpty ? nil : tasks
        status.backups = data.catalog.isEmpty ? nil : data.catalog.map(\.summary)
        status.lastBackup = data.catalog.last?.summary
    }

    /// Reads the catalog, and starts the seeding restore of a cluster made from a backup.
    func prepareData() async {
        await refreshCatalog()
        data.scheduledSince = data.catalog.last?.startedAt ?? wallClock()
        if let source = configuration.restoreFrom, let name = seedingTaskName, formedUUID == nil, !seedingUnderWay(name) {
            let request = DataTaskRequest(name: name, action: .restore, backupID: source.id, sourceCluster: source.cluster,
                                          bootstrapNode: desired.nodes.first?.name, skipSafetyBackup: true)
            // Nothing may form an empty cluster meanwhile: the intent is `restoring` from now.
            restoreStep = "seeding from \(source)"
            data.add(request, status: Self.newTaskStatus(request))
            await enqueueData(name)
            logger.notice("the cluster is formed from a backup", metadata: ["backup": "\(source)"])
        }
    }

    /// The seeding restore's task name (`spec.restoreFrom`, one per backup).
    var seedingTaskName: String? { configuration.restoreFrom.map { Self.seedingTaskName(backupID: $0.id) } }
    static func seedingTaskName(backupID: String) -> String { "restore-from-\(backupID)" }

    /// Whether a restore already owns the unformed cluster: a resumed one, or this backup's
    /// seeding that stopped and asks a person (trying the same backup again would stop the same
    /// way). A seeding from another backup that stopped is dropped: the spec now names this one.
    func seedingUnderWay(_ name: String) -> Bool {
        guard let progress = restoreProgress else { return false }
        guard progress.stopped != nil, progress.request.name != name else { return true }
        restoreProgress = nil
        restoreStopped = nil
        saveState()
        logger.notice("a stopped seeding from another backup is dropped: the spec names a new one", metadata: [
            "stopped": "\(progress.request.name)", "now": "\(name)"])
        return false
    }

    /// Reads this cluster's backups from the store again.
    public func refreshCatalog() async {
        guard let store = configuration.backupStore else { return }
        do {
            data.catalog = try await store.list(cluster: configuration.clusterName)
            if let history = archive.history, desired.archiveSegmentSeconds != nil {
                try await relistArchive(store, history)
            }
            updateArchiveGaps()
            metrics.recordCatalog(
                newest: data.catalog.last.map { ($0.finishedAt, $0.size, $0.finishedAt.timeIntervalSince($0.startedAt)) },
                scheduleInterval: desired.backupSchedule?.longestGap)
        } catch {
            logger.warning("cannot list the backup store", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Schedule

    /// How often the schedule is looked at: a backup starts at most this long after its time.
    static var scheduleCheckInterval: Duration { .seconds(15) }

    /// Checks the schedule every `scheduleCheckInterval`; a due instant enqueues one backup
    /// (several missed instants, one backup).
    func scheduleLoop() async {
        while !Task.isCancelled {
            await scheduleTick()
            try? await clock.sleep(for: Self.scheduleCheckInterval)
        }
    }

    /// One look at the schedule: enqueues a backup if an instant passed since the last one acted on.
    func scheduleTick() async {
        guard let schedule = desired.backupSchedule, let since = data.scheduledSince,
              let due = schedule.due(since: since, now: wallClock()) else { return }
        data.scheduledSince = due
        let name = "scheduled-" + BackupMetadata.makeID(cluster: configuration.clusterName, at: due)
        guard data.task(name) == nil, data.unfinished().allSatisfy({ $0.action != .restore }) else {
            logger.warning("scheduled backup skipped: a restore runs", metadata: ["due": "\(KubeTime.format(due))"])
            return
        }
        let request = DataTaskRequest(name: name, action: .backup)
        data.add(request, status: Self.newTaskStatus(request))
        await enqueueData(name)
        logger.notice("scheduled backup due", metadata: ["due": "\(KubeTime.format(due))"])
    }

    // MARK: Backup

    func runBackupTask(_ name: String) async throws -> String {
        let started = wallClock()
        data.update(name) {
            $0.phase = .running
            $0.startTime = $0.startTime ?? KubeTime.format(started)
        }
        do {
            let record = try await takeBackup(task: name, step: 1)
            data.update(name) {
                $0.phase = .succeeded
                $0.backup = record.summary
                $0.bytes = record.size
                $0.message = "backup \(record.id) of \(record.node): \(ByteCount.exact(record.size)) at \(record.position)"
                $0.completionTime = KubeTime.format(wallClock())
            }
            await applyRetention()
            return "backup \(record.id) of \(record.node): \(record.size) bytes at \(record.position)"
        } catch is YieldedToRecovery {
            let yields = (data.yields[name] ?? 0) + 1
            data.yields[name] = yields
            guard yields <= DataTaskBook.maxYields else {
                finishFailed(name, "the backup gave way to fault recovery \(DataTaskBook.maxYields) times; the cluster is not stable enough to back up")
                throw YieldedToRecovery()
            }
            data.update(name) {
                $0.phase = .pending
                $0.message = "gave way to fault recovery; it starts again once the cluster is Green"
                $0.steps = $0.steps.map { var step = $0; step.state = .pending; step.message = nil; return step }
            }
            // Started again by the evaluation that sees the cluster Green with no recovery
            // pending (`resumeYieldedBackups`): no task of its own polls for that.
            data.yielded.insert(name)
            return "gave way to fault recovery"
        } catch is Cancelled {
            finish(name, .cancelled, "cancelled: the partial backup was removed")
            return "cancelled"
        } catch {
            finishFailed(name, "\(error)")
            throw error
        }
    }

    func finishFailed(_ name: String, _ message: String) {
        finish(name, .failed, message)
    }

    func finish(_ name: String, _ phase: DataPhase, _ message: String) {
        data.update(name) {
            $0.phase = phase
            $0.message = message
            $0.completionTime = KubeTime.format(wallClock())
        }
    }

    /// Starts the backups that gave way to fault recovery again, once the cluster is Green and
    /// no recovery is pending (called by every evaluation); a cancelled one ends here.
    func resumeYieldedBackups(green: Bool, recoveryPending: Bool) async {
        for name in data.yielded.sorted() {
            if data.cancelled.contains(name) {
                data.yielded.remove(name)
                finish(name, .cancelled, "cancelled while it waited to start again")
            } else if green, !recoveryPending {
                data.yielded.remove(name)
                await enqueueData(name)
            }
        }
    }

    /// Streams one backup into the store as step `step` of task `name`; returns its record.
    /// The store holds it completely or not at all.
    func takeBackup(task name: String, step: Int, yielding: Bool = true) async throws -> BackupMetadata {
        guard let store = configuration.backupStore else { throw ControllerError.refused(task: "backup", why: "no backup store is configured") }
        await probeAll()
        let snapshot = await observe()
        // The highest ordinal Synced node: by convention the least loaded (clients prefer the
        // lowest), and never the donor of a running state transfer.
        guard let node = snapshot.nodes.filter({ $0.state == .green && $0.agentReachable && $0.agentOperation == nil })
            .max(by: { $0.ordinal < $1.ordinal }) else {
            throw ControllerError.refused(task: "backup", why: "no node is Synced and idle (\(snapshot.nodes.map { "\($0.name)=\($0.state.rawValue)" }.joined(separator: ", ")))")
        }
        let startedAt = wallClock()
        var id = BackupMetadata.makeID(cluster: configuration.clusterName, at: startedAt)
        if data.catalog.contains(where: { $0.id == id }) { id += "-\(name.suffix(5))" }
        markStep(name, step, .running, "streaming from \(node.name) into \(id)")
        data.update(name) {
            // A restore's safety backup keeps the restore's node (the bootstrap node) in the task.
            if $0.action == .backup { $0.node = node.name }
            $0.bytes = 0
        }
        let writer = try await store.beginWrite(cluster: configuration.clusterName, id: id)
        let actionID = history.start(task: .backup, fault: nil, verb: "backup", node: node.name, detail: "backup \(id) from \(node.name)",
                                     reason: "data task \(name)", at: startedAt)
        let bytes = Atomic<Int64>(0)
        do {
            let outcome = try await access.backup(node.name, timeout: configuration.backupDeadline) { @Sendable chunk in
                try await writer.append(chunk)
                let total = bytes.add(Int64(chunk.count), ordering: .relaxed).newValue
                try await self.backupMayGoOn(name, bytes: total, yielding: yielding)
            }
            var stored = BackupMetadata(
                id: id, cluster: configuration.clusterName, node: node.name, flavor: outcome.flavor, serverVersion: outcome.serverVersion,
                startedAt: startedAt, finishedAt: wallClock(), size: 0, sha256: "", position: outcome.position)
            // Where a point-in-time restore from it starts: its GTID, in the archive's history.
            stored.gtidPosition = outcome.gtidPosition
            stored.archiveHistory = outcome.gtidPosition == nil ? nil : archive.history?.id
            let written = try await writer.finish(stored)
            // Read back once: what the store's disk returns is what was streamed.
            markStep(name, step, .running, "reading \(id) back to verify its sha256")
            let record = try await store.verify(cluster: configuration.clusterName, id: written.id, at: wallClock()) { _ in }
            history.finish(actionID, outcome: .succeeded("\(record.size) bytes at \(record.position)"), at: wallClock())
            metrics.recordBackup(succeeded: true)
            markStep(name, step, .succeeded, "backup \(id) of \(node.name): \(ByteCount.exact(record.size)) at \(record.position)")
            await refreshCatalog()
            logger.notice("backup stored", metadata: ["id": "\(id)", "node": "\(node.name)", "bytes": "\(record.size)", "position": "\(record.position)"])
            return record
        } catch {
            await writer.abort()
            history.finish(actionID, outcome: .failed("\(error)"), at: wallClock())
            // Giving way to a repair, or a cancel, is not a failed backup.
            if !(error is YieldedToRecovery || error is Cancelled) { metrics.recordBackup(succeeded: false) }
            markStep(name, step, error is YieldedToRecovery ? .pending : error is Cancelled ? .cancelled : .failed, "\(error)")
            throw error
        }
    }

    /// Called for every chunk: records progress (throttled), and stops the stream when fault
    /// recovery waits or the task was cancelled.
    func backupMayGoOn(_ name: String, bytes: Int64, yielding: Bool) async throws {
        data.noteBytes(name, bytes, now: clock.now)
        if data.cancelled.contains(name) { throw Cancelled() }
        if yielding, await queue.isWaiting(.faultRecovery) { throw YieldedToRecovery() }
    }

    func markStep(_ name: String, _ number: Int, _ state: DataStepState, _ message: String? = nil) {
        let now = KubeTime.format(wallClock())
        data.update(name) { task in
            guard let index = task.steps.firstIndex(where: { $0.number == number }) else { return }
            var step = task.steps[index]
            if state != .pending, step.startTime == nil { step.startTime = now }
            if state == .succeeded || state == .failed || state == .skipped || state == .cancelled { step.completionTime = now }
            step.state = state
            step.message = message
            task.steps[index] = step
            if state == .waitingForApproval {
                task.phase = .waitingForApproval
            } else if state == .running {
                task.phase = .running
            }
        }
    }

    /// `reservedDays`: after a backup succeeded, those finished longer ago go (never the newest).
    func applyRetention() async {
        guard let store = configuration.backupStore else { return }
        let expired = BackupRetention.expired(data.catalog, reservedDays: desired.reservedDays, now: wallClock())
        for id in expired {
            do {
                try await store.delete(cluster: configuration.clusterName, id: id)
                logger.notice("backup expired and deleted", metadata: ["id": "\(id)", "reservedDays": "\(desired.reservedDays)"])
            } catch {
                logger.warning("cannot delete an expired backup", metadata: ["id": "\(id)", "error": "\(error)"])
            }
        }
        if !expired.isEmpty { await refreshCatalog() }
        await applyArchiveRetention(store)
        // What a writer that died left behind (a controller killed mid-backup): never listed, but
        // it takes space. Only what began a day ago: no backup of this controller runs now (one
        // task at a time), and a day keeps clear of one that a replaced controller may still write.
        do {
            let removed = try await store.removeAbandoned(cluster: configuration.clusterName, startedBefore: wallClock().addingTimeInterval(-86400))
            if !removed.isEmpty { logger.notice("removed what failed backups left behind", metadata: ["removed": "\(removed.joined(separator: ", "))"]) }
        } catch {
            logger.warning("cannot look for what failed backups left behind", metadata: ["error": "\(error)"])
        }
    }
}
