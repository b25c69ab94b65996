import AgentAPI
import Binlog
import Backup
import Clocks
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import QiniuAPI
import Synchronization

/// The seed's restore procedure (docs/backup.md), every step in the task's status:
///
/// 0. Verify: the backup exists, its sha256 matches, it is of this flavor and not of a newer
///    series, and it unpacks and prepares in a scratch directory on the bootstrap node. Nothing
///    changed yet: a bad backup is refused here and every node keeps serving.
/// 1. Back up the current state (skipped only with `skipSafetyBackup`): the way back.
/// 2. Pause every node: a graceful stop through the agents; the intent is `restoring` from here,
///    so fault recovery stands aside.
/// 3. Pick the bootstrap node: the request's, else `RestoreBootstrap.choose` over the node
///    states this controller publishes (the rule the wizard recommends with). It is chosen at
///    step 0, because the backup is staged there; step 3 records it.
/// 4. Restore on it: copy-back into its emptied datadir; bootstrap at the backup's position.
/// 5. Start the others, one at a time: their datadirs hold the old history, so they are emptied
///    and join by a full state transfer.
///
/// With `approval: Step` the task waits before each of steps 1 to 5 until the step is approved.
/// A failure stops at that step; once a node was touched the intent stays `restoring` and the
/// status says where the cluster stands and how to go on. A cancellation before step 2 changed
/// nothing; after it, the cluster is brought back from its own data (`bringBack`), or the
/// status says why it cannot be.
extension ClusterController {
    struct RestoreRefused: Error, CustomStringConvertible {
        var description: String
        /// About the backup itself (its flavor, series or contents): trying again cannot help.
        var permanent = false
        init(_ description: String, permanent: Bool = false) {
            self.description = description
            self.permanent = permanent
        }
    }

    /// A seeding restore is tried again unless what stopped it is about the backup (a wrong
    /// flavor, a newer series, a record that does not match, a checksum or a missing backup: the
    /// store's own errors) or a cancellation.
    static func worthRetrying(_ error: any Error) -> Bool {
        if error is Cancelled || error is CancellationError || error is BackupStoreError { return false }
        if let refused = error as? RestoreRefused { return !refused.permanent }
        return true
    }

    /// One restore as it runs: what its steps share and the catch needs.
    struct RestoreRun {
        let name: String
        let request: DataTaskRequest
        let id: String
        let source: String
        let store: any BackupStore
        /// Begun by a previous controller (its progress was in the state file).
        let resumed: Bool
        var progress: RestoreProgress
        /// The step running (or about to), for the status when it stops.
        var current: Int
        /// Unpacked at step 0 on the bootstrap node; a stage does not outlive the controller
        /// that sent it, so a resumed step 4 stages again.
        var stage: RestoreStage?
        /// The node holding a stage not yet applied: discarded when the restore stops.
        var staged: String?
        /// A point-in-time restore's replay, planned at step 0 (again at step 4 when resumed).
        var replayPlan: ReplayPlan?
        /// The last transaction of the restored history: where the archive's next history begins.
        var restoredThrough: UInt64?

        var seeding: Bool { progress.seeding }
    }

    func runRestoreTask(_ name: String) async throws -> String {
        var run = try beginRestoreRun(name)
        do {
            let metadata = try await run.store.metadata(cluster: run.source, id: run.id)
            data.update(name) { $0.backup = metadata.summary }
            let node = try await verifyAndStage(&run, metadata)
            data.update(name) { $0.node = node }
            try await takeSafetyBackup(&run)
            try await pauseNodes(&run)
            try await recordBootstrapNode(&run, node)
            try await restoreOnBootstrapNode(&run, node, metadata)
            try await startOtherNodes(&run, node, at: metadata.position)
            await beginArchiveHistory(after: run.restoredThrough ?? metadata.archiveSequence,
                                      parent: run.source == configuration.clusterName ? metadata.archiveHistory : nil)
            return restoreSucceeded(run, node, at: metadata.position)
        } catch {
            if let staged = run.staged { await access.discardStage(staged) }
            return try await settleStoppedRestore(&run, after: error)
        }
    }

    /// The run of task `name`: resumed where a previous controller stopped (its progress is in
    /// the state file), or new at step 0.
    private func beginRestoreRun(_ name: String) throws -> RestoreRun {
        guard let request = data.request(name), let id = request.backupID else {
            throw ControllerError.refused(task: "restore \(name)", why: "the task is gone")
        }
        let source = request.sourceCluster ?? configuration.clusterName
        guard let store = configuration.store(for: source) else {
            throw ControllerError.refused(task: "restore \(name)", why: "no backup store is configured")
        }
        let resumed = restoreProgress?.request.name == name && restoreProgress?.stopped == nil
        var progress = resumed ? restoreProgress! : RestoreProgress(
            request: request, seeding: configuration.restoreFrom != nil && name == Self.seedingTaskName(backupID: id) && formedUUID == nil)
        progress.request = request
        progress.startTime = progress.startTime ?? KubeTime.format(wallClock())
        record(progress)
        data.update(name) {
            $0.phase = .running
            $0.startTime = progress.startTime
        }
        if resumed {
            logger.notice("resuming the restore a previous controller began", metadata: [
                "task": "\(name)", "step": "\(progress.nextStep)", "done": "\(progress.done)"])
        }
        return RestoreRun(name: name, request: request, id: id, source: source, store: store, resumed: resumed,
                          progress: progress, current: progress.nextStep)
    }

    /// Step 0: the backup is verified and unpacked on the bootstrap node, chosen here. Returns
    /// that node (the one recorded, when step 0 was done before a restart).
    private func verifyAndStage(_ run: inout RestoreRun, _ metadata: BackupMetadata) async throws -> String {
        let (name, id) = (run.name, run.id)
        if run.progress.isDone(0), let chosen = run.progress.node { return chosen }
        run.current = 0
        markStep(name, 0, .running, "reading backup \(run.source)/\(id)")
        let choice = bootstrapChoice(for: run.request)
        let node = choice.node
        run.progress.node = node
        run.progress.nodeReason = choice.reason
        let agent = try await answeringAgent(node, task: name, step: 0)
        guard metadata.flavor == agent.flavor else {
            throw RestoreRefused("backup \(id) is of flavor \(metadata.flavor.rawValue); this cluster runs \(agent.flavor.rawValue)", permanent: true)
        }
        if let running = agent.serverVersion, let nodeSeries = ServerSeries(version: running),
           let backupSeries = ServerSeries(version: metadata.serverVersion), backupSeries > nodeSeries {
            throw RestoreRefused("backup \(id) is of server \(metadata.serverVersion) (series \(backupSeries)), newer than this cluster's \(running); restore it into a cluster of series \(backupSeries) or newer", permanent: true)
        }
        _ = try await run.store.verify(cluster: run.source, id: id, at: wallClock()) { @Sendable bytes in await self.noteBytes(name, bytes) }
        var archived = ""
        if let target = run.request.restoreTo {
            let plan = try await planReplay(target, backup: metadata, source: run.source, store: run.store, task: name)
            run.replayPlan = plan
            archived = "; the archive holds every transaction from \(plan.start) to \(plan.target) (\(plan.segments.count) segments)"
        }
        markStep(name, 0, .running, "sha256 matches (\(ByteCount.exact(metadata.size)))\(archived); unpacking and preparing on \(node)")
        run.staged = node
        let stage = try await self.stage(backup: metadata, from: run.source, on: node, task: name)
        run.stage = stage
        guard stage.position == metadata.position else {
            throw RestoreRefused("backup \(id) unpacks to position \(stage.position), but its record says \(metadata.position): the store's record does not match its data", permanent: true)
        }
        run.progress.position = metadata.position.description
        run.progress.finished(0)
        record(run.progress)
        markStep(name, 0, .succeeded, "backup \(id) verified: sha256 matches\(archived); unpacked and prepared on \(node) at \(metadata.position)")
        return node
    }

    /// Step 1: the current state backed up (the way back), unless the request skips it.
    private func takeSafetyBackup(_ run: inout RestoreRun) async throws {
        let name = run.name
        guard !run.progress.isDone(1) else { return }
        run.current = 1
        try await gate(name, 1)
        if run.request.skipSafetyBackup == true {
            markStep(name, 1, .skipped, "skipSafetyBackup: true")
        } else {
            let safety = try await takeBackup(task: name, step: 1, yielding: false)
            run.progress.safetyBackup = safety.summary
            data.update(name) { $0.safetyBackup = safety.summary }
            markStep(name, 1, .succeeded, "the current state is backup \(safety.id) (\(ByteCount.exact(safety.size)) at \(safety.position)): restore it to go back")
        }
        run.progress.finished(1)
        record(run.progress)
    }

    /// Step 2: every agent answers first (a pod may still be starting): nothing is stopped until
    /// each node can be. Stopping is idempotent: a resumed step 2 stops what still runs.
    private func pauseNodes(_ run: inout RestoreRun) async throws {
        let name = run.name
        guard !run.progress.isDone(2) else { return }
        run.current = 2
        try await gate(name, 2)
        for other in desired.nodes.map(\.name) { _ = try await answeringAgent(other, task: name, step: 2) }
        markStep(name, 2, .running, "stopping every node gracefully")
        run.progress.touched = true
        record(run.progress)
        beginRestore(step: "PauseNodes")
        try await pauseEveryNode()
        run.progress.finished(2)
        record(run.progress)
        markStep(name, 2, .succeeded, "every node stopped gracefully; their data is on disk")
    }

    /// Step 3: the bootstrap node, chosen at step 0 (the backup is staged there), is recorded.
    private func recordBootstrapNode(_ run: inout RestoreRun, _ node: String) async throws {
        guard !run.progress.isDone(3) else { return }
        run.current = 3
        try await gate(run.name, 3)
        run.progress.finished(3)
        record(run.progress)
        markStep(run.name, 3, .succeeded, "\(node) (\(run.progress.nodeReason ?? "chosen at step 0")); the backup is staged there")
    }

    /// Step 4: the backup copied back into the node's emptied datadir, which bootstraps at its
    /// position. Resumed, the node may already run the backup's history (the previous
    /// controller stopped after bootstrapping it): then it is done; otherwise the backup is
    /// staged again.
    private func restoreOnBootstrapNode(_ run: inout RestoreRun, _ node: String, _ metadata: BackupMetadata) async throws {
        let (name, position) = (run.name, metadata.position)
        guard !run.progress.isDone(4) else { return }
        run.current = 4
        try await gate(name, 4)
        beginRestore(step: "RestoreOnBootstrapNode")
        if run.resumed, await runsHistory(node, of: position, synced: true) {
            markStep(name, 4, .running, "\(node) already runs the backup's history (restored before the controller restarted)")
        } else {
            if run.stage == nil {
                markStep(name, 4, .running, "staging the backup on \(node) again (the controller restarted since step 0)")
                if try await access.status(of: node).process.running {
                    _ = try await access.stop(node, StopRequest(mode: .graceful))
                }
                run.staged = node
                run.stage = try await self.stage(backup: metadata, from: run.source, on: node, task: name)
            }
            markStep(name, 4, .running, "copying the backup back into \(node)'s emptied datadir")
            if !run.progress.replaced.contains(node) { run.progress.replaced.append(node) }
            record(run.progress)
            _ = try await access.applyRestore(node, timeout: .seconds(3600))
            run.staged = nil
            markStep(name, 4, .running, "bootstrapping \(node) at \(position)")
            _ = try await access.start(node, StartRequest(mode: .bootstrap, position: position))
        }
        try await waitUntilSynced(node)
        var replayed = ""
        if let target = run.request.restoreTo {
            let plan: ReplayPlan
            if let planned = run.replayPlan {
                plan = planned
            } else {
                plan = try await planReplay(target, backup: metadata, source: run.source, store: run.store, task: name)
            }
            markStep(name, 4, .running, "replaying the archived binary log on \(node) up to \(plan.target) (\(plan.segments.count) segments)")
            let outcome = try await replay(plan, source: run.source, store: run.store, on: node, task: name)
            run.restoredThrough = outcome.lastSequence ?? GTID.entry(of: BinaryLog.clusterDomain, inList: outcome.gtidPosition)?.sequence
            replayed = "; replayed \(outcome.applied) transactions in \(String(format: "%.1f", outcome.seconds)) s to \(outcome.gtidPosition)"
                + (outcome.lastCommit.map { " (last committed \(KubeTime.format($0)))" } ?? "")
        }
        run.progress.finished(4)
        record(run.progress)
        markStep(name, 4, .succeeded, "\(node) restored and bootstrapped at \(position)\(replayed)")
    }

    /// Step 5: the others, one at a time, emptied (their history is the old one) and joined by
    /// SST. Resumed, the restored node must still serve, and a node already Synced in the
    /// backup's history (or finishing its transfer) is not emptied again.
    private func startOtherNodes(_ run: inout RestoreRun, _ node: String, at position: GaleraPosition) async throws {
        let name = run.name
        run.current = 5
        try await gate(name, 5)
        beginRestore(step: "StartOtherNodes")
        if run.resumed, await !runsHistory(node, of: position) {
            throw RestoreRefused("\(node), restored at step 4, no longer runs the backup's history (\(position)); the other nodes cannot join it")
        }
        for other in desired.nodes.map(\.name) where other != node {
            // A cancellation between nodes still finds the old data on the ones not yet joined.
            if data.cancelled.contains(name) { throw Cancelled() }
            if run.resumed, run.progress.replaced.contains(other), try await access.status(of: other).process.running {
                markStep(name, 5, .running, "\(other): still joining (it began before the controller restarted)")
                do {
                    try await waitUntilSynced(other) { state in self.markStep(name, 5, .running, "\(other): joining by SST: \(state)") }
                    continue
                } catch {
                    // A stopping controller leaves the join to the next one.
                    if isStopping { throw error }
                    // Its join did not finish: it is emptied and joins again below.
                    if try await access.status(of: other).process.running {
                        _ = try await access.stop(other, StopRequest(mode: .kill))
                    }
                }
            }
            markStep(name, 5, .running, "\(other): emptying its datadir (old history), then joining by SST")
            if !run.progress.replaced.contains(other) { run.progress.replaced.append(other) }
            record(run.progress)
            _ = try await access.emptyForRejoin(other)
            _ = try await access.start(other, StartRequest(mode: .join))
            try await waitUntilSynced(other) { state in
                self.markStep(name, 5, .running, "\(other): joining by SST: \(state)")
            }
        }
        run.progress.finished(5)
        markStep(name, 5, .succeeded, "every node joined the restored cluster")
    }

    /// Between attempts of a seeding restore that failed before the cluster formed: 10 s,
    /// doubling to 5 minutes.
    static let seedingBackoff = Backoff(initial: .seconds(10), cap: .seconds(300), jitter: 0)

    private func restoreSucceeded(_ run: RestoreRun, _ node: String, at position: GaleraPosition) -> String {
        endRestore()
        restoreStopped = nil
        seedingFailures = 0
        data.update(run.name) {
            $0.phase = .succeeded
            $0.message = "restored backup \(run.id) at \(position) on \(node); every node Synced"
            $0.completionTime = KubeTime.format(wallClock())
        }
        finishRestore(run.name)
        logger.notice("restore finished", metadata: ["task": "\(run.name)", "backup": "\(run.source)/\(run.id)", "position": "\(position)"])
        return "restored \(run.source)/\(run.id) at \(position)"
    }

    /// What a restore that stopped at `run.current` leaves, by what stopped it: a stopping
    /// controller leaves it to the next one; a cancellation brings the cluster back from its
    /// own data; a never-formed cluster's seeding starts again; anything else stops and asks
    /// (once a node was touched) or ends with nothing changed. Returns the outcome of a
    /// cancellation or a new seeding; throws otherwise.
    private func settleStoppedRestore(_ run: inout RestoreRun, after error: any Error) async throws -> String {
        let (name, current) = (run.name, run.current)
        // The controller is stopping (its pod deleted, a new leader's rollout): the restore is
        // not failed, it is interrupted. Its progress stays in the state file and the next
        // controller resumes it; nothing here may record it as failed or bring the old data back.
        if isStopping {
            logger.notice("restore interrupted: the controller stops; the next one resumes it", metadata: [
                "task": "\(name)", "step": "\(current)", "done": "\(run.progress.done)"])
            throw error
        }
        if error is Cancelled, !run.seeding {
            do {
                let outcome = try await endCancelled(name, at: current, touched: run.progress.touched, replaced: run.progress.replaced)
                finishRestore(name)
                return outcome
            } catch {
                // It could not be brought back: a restarted controller keeps asking too.
                if let stopped = restoreStopped {
                    run.progress.stopped = .init(step: current, intervention: stopped, message: data.task(name)?.message ?? stopped.seen)
                    record(run.progress)
                }
                throw error
            }
        }
        // A cluster made from a backup that never formed holds nothing but what the backup
        // gave it: the seeding starts again from step 0, with back-off, whatever stopped it
        // (an agent that answered late, a full scratch disk). Never a person's job for that.
        if run.seeding, formedUUID == nil, Self.worthRetrying(error) {
            restoreProgress = nil
            saveState()
            return seedAgain(name, failedAt: current, because: describe(error), source: "\(run.source)/\(run.id)")
        }
        let message = describe(error)
        markStep(name, current, .failed, message)
        let stepName = RestoreSteps.names[current]
        if run.progress.touched || run.seeding {
            let advice = run.seeding
                ? "The cluster is not formed (it never forms empty instead of the backup), and this backup would stop it the same way again. Point spec.restoreFrom at another backup (kubectl qmysql backups \(run.source) lists them): the controller forms the cluster from that one. Or delete the cluster."
                : "Fault recovery stands aside. To go on, restore again (from \(run.id), or from the step-1 safety backup to go back); the new restore starts from step 0."
            let stopped = ManualIntervention(
                reason: run.seeding ? "RestoreFromBackupFailed" : "RestoreStopped",
                seen: "restore \(name) stopped at step \(current) (\(stepName)): \(message)", advice: advice)
            restoreStopped = stopped
            beginRestore(step: "stopped at step \(current) (\(stepName))")
            finishFailed(name, "step \(current) (\(stepName)): \(message)")
            // Kept: a restarted controller still asks instead of repairing from the old data.
            run.progress.stopped = .init(step: current, intervention: stopped, message: data.task(name)?.message ?? message)
            record(run.progress)
        } else {
            endRestore()
            finishFailed(name, "step \(current) (\(stepName)): \(message); nothing was changed, every node keeps serving")
            finishRestore(name)
        }
        throw error
    }

    /// Keeps `progress` as the running restore's, in the state file.
    func record(_ progress: RestoreProgress) {
        restoreProgress = progress
        saveState()
    }

    /// The restore ended (succeeded, cancelled, or failed before it changed anything): its
    /// progress is dropped and its outcome kept, so that the operator asking again for the same
    /// task (it may not have seen the end) is told it ended instead of starting it again.
    func finishRestore(_ name: String) {
        if restoreProgress?.request.name == name { restoreProgress = nil }
        if let task = data.task(name) {
            finishedRestores.removeAll { $0.name == name }
            finishedRestores.append(task)
            finishedRestores = Array(finishedRestores.suffix(Self.finishedRestoresKept))
        }
        saveState()
    }

    /// Whether `node` runs in a Primary component under the history of `position` (and, with
    /// `synced`, is Synced: a donor serving a joiner is Desynced, and still the restored node).
    func runsHistory(_ node: String, of position: GaleraPosition, synced: Bool = false) async -> Bool {
        guard let status = try? await access.status(of: node), status.process.running, let wsrep = status.wsrep else { return false }
        guard wsrep.clusterStatus == .primary, GaleraPosition.normalizedUUID(wsrep.clusterStateUUID) == position.uuid else { return false }
        return !synced || wsrep.isSyncedPrimary
    }

    /// The intent a restore the previous controller left in the state file imposes, set when
    /// the controller is made (before any request or evaluation): a stopped one keeps asking a
    /// person, one that touched the nodes or seeds a new cluster owns them. Pure.
    static func recordedRestoreIntent(_ progress: RestoreProgress?) -> (step: String?, stopped: ManualIntervention?) {
        guard let progress else { return (nil, nil) }
        if let stopped = progress.stopped {
            return ("stopped at step \(stopped.step) (\(RestoreSteps.names[stopped.step]))",
                    stopped.intervention)
        }
        guard progress.touched || progress.seeding else { return (nil, nil) }
        let next = progress.nextStep
        return ("resuming at step \(next) (\(RestoreSteps.names[next])) after a controller restart", nil)
    }

    /// Queues the restore the previous controller left running (its task was put back in the
    /// book when this controller was made, see `init`), to resume where it stopped.
    func resumeRecordedRestore() async {
        guard let progress = restoreProgress, progress.stopped == nil else { return }
        await enqueueData(progress.request.name)
        logger.notice("a restore was running when the controller stopped; resuming it", metadata: [
            "task": "\(progress.request.name)", "step": "\(progress.nextStep)", "touched": "\(progress.touched)"])
    }

    func noteBytes(_ name: String, _ bytes: Int64) {
        data.noteBytes(name, bytes, now: clock.now)
    }

    private func describe(_ error: any Error) -> String {
        if let failure = error as? AgentClient.Failure, let body = failure.apiError { return body.reason }
        return "\(error)"
    }

    /// The node to restore on: `RestoreBootstrap.choose` over the states in the status this
    /// controller last published, which is what the wizard read when it recommended a node.
    /// Before any status (a cluster seeded from a backup, its agents still starting): the lowest
    /// ordinal, whose agent step 0 then waits for.
    func bootstrapChoice(for request: DataTaskRequest) -> RestoreBootstrap.Choice {
        Self.bootstrapChoice(requested: request.bootstrapNode, nodes: desired.nodes, published: feed.latest?.nodes ?? [])
    }

    /// The choice for the node states of a published status (pure; the tests compare it with
    /// the wizard's recommendation for the same status).
    public static func bootstrapChoice(requested: String?, nodes: [NodeEndpoint], published: [NodeStatus]) -> RestoreBootstrap.Choice {
        let states = Dictionary(published.map { ($0.name, $0.state) }, uniquingKeysWith: { first, _ in first })
        let candidates = nodes.map { RestoreBootstrap.Candidate(name: $0.name, ordinal: $0.ordinal, state: states[$0.name] ?? .unknown) }
        return RestoreBootstrap.choose(requested: requested, among: candidates)
            ?? RestoreBootstrap.Choice(node: nodes[0].name, reason: "no agent had answered yet; the lowest ordinal")
    }

    /// A restore cancelled at `step`: before step 2 nothing changed; after it, the cluster comes
    /// back from its own data, or it stays stopped with the reason in the status.
    private func endCancelled(_ name: String, at step: Int, touched: Bool, replaced: [String]) async throws -> String {
        let stepName = RestoreSteps.names[step]
        // At a gate the step had not begun; in step 5 (between two nodes) or in step 1's stream it had.
        let began = data.task(name)?.steps.first { $0.number == step }.map { $0.state == .running || $0.state == .cancelled } ?? false
        markStep(name, step, .cancelled, began ? "cancelled while it ran" : "cancelled before this step ran")
        guard touched else {
            endRestore()
            finish(name, .cancelled, "cancelled at step \(step) (\(stepName)); nothing was changed, every node keeps serving")
            logger.notice("restore cancelled before any change", metadata: ["task": "\(name)", "step": "\(step)"])
            return "cancelled before any change"
        }
        beginRestore(step: "cancelled at step \(step): bringing the cluster back from its own data")
        data.update(name) { $0.message = "cancelled at step \(step) (\(stepName)); bringing the cluster back from its own data" }
        do {
            let outcome = try await bringBack(replaced: replaced)
            endRestore()
            restoreStopped = nil
            finish(name, .cancelled, "cancelled at step \(step) (\(stepName)); \(outcome)")
            logger.notice("restore cancelled; the cluster comes back from its own data", metadata: ["task": "\(name)", "outcome": "\(outcome)"])
            return "cancelled; \(outcome)"
        } catch {
            let why = describe(error)
            restoreStopped = ManualIntervention(
                reason: "RestoreCancelled",
                seen: "restore \(name) was cancelled at step \(step) (\(stepName)) and the cluster cannot be brought back from its own data: \(why)",
                advice: "Fault recovery stands aside. Restore a backup to go on: the one this restore used, or its step-1 safety backup (the state before the restore).")
            beginRestore(step: "cancelled at step \(step) (\(stepName))")
            finish(name, .cancelled, "cancelled at step \(step) (\(stepName)); the cluster cannot be brought back from its own data: \(why); restore a backup to go on")
            throw error
        }
    }

    /// After a cancellation past step 2: the nodes whose data the restore replaced are stopped
    /// and emptied; the most advanced of the others (the rule of the decision table's row 17)
    /// bootstraps from its own data; then the intent is `serving` again and fault recovery joins
    /// the rest (the emptied ones by SST). When no node was replaced and a position is unknown,
    /// the decision table does it all (it recovers positions first).
    private func bringBack(replaced: [String]) async throws -> String {
        for node in replaced {
            if try await access.status(of: node).process.running {
                _ = try await access.stop(node, StopRequest(mode: .graceful))
            }
            _ = try await access.emptyForRejoin(node)
        }
        var candidates: [(node: NodeEndpoint, position: GaleraPosition, safe: Bool)] = []
        var unknown: [String] = []
        for node in desired.nodes where !replaced.contains(node.name) {
            let status: AgentStatus
            do {
                status = try await access.status(of: node.name)
            } catch {
                throw RestoreRefused("the agent of \(node.name) does not answer (\(describe(error)))")
            }
            if status.process.running { throw RestoreRefused("\(node.name) runs, though step 2 paused it") }
            if let grastate = status.grastate, grastate.seqno >= 0 {
                candidates.append((node, grastate.position, grastate.safeToBootstrap))
            } else {
                unknown.append(node.name)
            }
        }
        if replaced.isEmpty, !unknown.isEmpty {
            return "every node holds its own data; fault recovery recovers the positions of \(unknown.joined(separator: ", ")) and restarts the cluster"
        }
        guard unknown.isEmpty else {
            throw RestoreRefused("the positions of \(unknown.joined(separator: ", ")) are unknown, and \(replaced.joined(separator: ", ")) no longer hold the cluster's data")
        }
        guard let best = FaultDecision.mostAdvanced(candidates, seqno: \.position.seqno, safe: \.safe, ordinal: \.node.ordinal) else {
            throw RestoreRefused("every node's data was replaced by the restore (\(replaced.joined(separator: ", ")))")
        }
        _ = try await access.perform(.bootstrap(node: best.node.name, position: best.position))
        try await waitUntilSynced(best.node.name)
        let others = desired.nodes.map(\.name).filter { $0 != best.node.name }
        var outcome = "the cluster is back on its own data: \(best.node.name) bootstrapped at \(best.position)"
        if !others.isEmpty { outcome += "; fault recovery joins \(others.joined(separator: ", "))" }
        if !replaced.isEmpty { outcome += " (\(replaced.joined(separator: ", ")) by SST: the restore had replaced their data)" }
        return outcome
    }

    /// The node's agent, once it answers. An agent that has not answered since this controller
    /// started is *starting* (an image pull, a volume attach on a real node): the restore waits
    /// for it, says so in the step, and gives it `agentStartDeadline` from the controller's
    /// start. One that answered before and does not now gets 30 s. (A restore once failed at
    /// step 2 because it began 1.4 s before a new clone's third agent listened.)
    private func answeringAgent(_ node: String, task name: String, step: Int) async throws -> AgentStatus {
        let asked = clock.now
        var shown = false
        while true {
            do {
                return try await access.status(of: node)
            } catch {
                let starting = await table.report(of: node) == nil
                let since = startedAt ?? asked
                let deadline = starting ? since + configuration.agentStartDeadline : asked + .seconds(30)
                guard clock.now < deadline else {
                    throw RestoreRefused(starting
                        ? "the agent of \(node) has not answered since the controller started \((clock.now - since).readable) ago (the limit for a starting pod is \(configuration.agentStartDeadline.readable)): is its pod running? (kubectl describe pod \(node)); last error: \(describe(error))"
                        : "the agent of \(node) does not answer (\(describe(error))); a restore needs every node's agent")
                }
                if starting, !shown {
                    markStep(name, step, .running, "waiting for \(node)'s agent to start (it has not answered since the controller started; up to \(configuration.agentStartDeadline.readable))")
                    logger.notice("restore waits for a starting agent", metadata: ["task": "\(name)", "node": "\(node)"])
                    shown = true
                }
                try await clock.sleep(for: .seconds(1))
            }
        }
    }

    /// A seeding restore (`spec.restoreFrom`) that stopped before the cluster was ever formed:
    /// tried again from step 0 after 10 s, doubling to 5 minutes. The intent stays `restoring`,
    /// so nothing forms an empty cluster meanwhile; the task and the cluster's status say which
    /// attempt failed, why, and when the next one runs. From the fifth failure on the cluster
    /// also asks a person (`RestoreFromBackupFailing`, cleared when an attempt succeeds), as an
    /// escalated recovery step does: tried again, never silent.
    private func seedAgain(_ name: String, failedAt step: Int, because reason: String, source: String) -> String {
        seedingFailures += 1
        let delay = Self.seedingBackoff.pause(afterFailures: seedingFailures)
        if seedingFailures >= configuration.escalateAfterFailures {
            restoreStopped = ManualIntervention(
                reason: "RestoreFromBackupFailing",
                seen: "forming the cluster from backup \(source) failed \(seedingFailures) times; the last stopped at step \(step) (\(RestoreSteps.names[step])): \(reason)",
                advice: "Fix the cause (the controller's and the first node's logs say more: kubectl logs \(desired.nodes.first?.name ?? "NAME-0")); it tries again every few minutes by itself, or delete the cluster.")
        }
        let next = KubeTime.format(wallClock().addingTimeInterval(delay.inSeconds))
        let stepName = RestoreSteps.names[step]
        markStep(name, step, .failed, reason)
        data.update(name) {
            $0.phase = .pending
            $0.message = "attempt \(seedingFailures) stopped at step \(step) (\(stepName)): \(reason); the cluster was never formed, so nothing is lost: trying again at \(next)"
        }
        beginRestore(step: "seeding from \(source): attempt \(seedingFailures) failed at step \(step), the next at \(next)")
        logger.warning("seeding restore failed before the cluster formed; trying again", metadata: [
            "task": "\(name)", "step": "\(step)", "error": "\(reason)", "retry in": "\(delay.readable)"])
        seedingRetry?.cancel()
        seedingRetry = Task { [weak self] in
            try? await self?.clock.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.enqueueData(name)
        }
        return "attempt \(seedingFailures) failed; trying again at \(next)"
    }

    /// Streams the backup from the store to `node`, which unpacks and prepares it.
    private func stage(backup metadata: BackupMetadata, from source: String, on node: String, task name: String) async throws -> RestoreStage {
        guard let store = configuration.store(for: source) else { throw RestoreRefused("no backup store") }
        let pipe = ChunkPipe()
        let access = self.access
        let staging = Task { try await access.stageRestore(node, from: pipe, timeout: .seconds(3600)) }
        let sent = Atomic<Int64>(0)
        do {
            try await store.read(cluster: source, id: metadata.id) { @Sendable chunk in
                try await pipe.send(chunk)
                let total = sent.add(Int64(chunk.count), ordering: .relaxed).newValue
                await self.noteBytes(name, total)
            }
            await pipe.finish()
        } catch {
            await pipe.fail(error)
            // The node's answer says more than a closed pipe (it refused: busy, a bad backup).
            if case .failure(let refusal) = await staging.result, error is ChunkPipe.Closed { throw refusal }
            throw error
        }
        return try await staging.value
    }

    /// Waits before step `step` until it is approved (with `approval: Step`); throws if the task
    /// was cancelled meanwhile.
    private func gate(_ name: String, _ step: Int) async throws {
        if data.cancelled.contains(name) { throw Cancelled() }
        // The bytes shown belong to the step that streams (0 stages, 1 backs up), not to the next.
        data.update(name) { $0.bytes = nil }
        guard data.request(name)?.approval == .step else { return }
        var announced = false
        while (data.request(name)?.approvedStep ?? -1) < step {
            if !announced {
                markStep(name, step, .waitingForApproval, "waiting for approval of step \(step) (\(RestoreSteps.names[step]))")
                logger.notice("restore waits for approval", metadata: ["task": "\(name)", "step": "\(step)"])
                announced = true
            }
            try await clock.sleep(for: .milliseconds(200))
            if data.cancelled.contains(name) { throw Cancelled() }
        }
        markStep(name, step, .running, "approved")
    }

    /// Stops every running node gracefully, highest ordinal first, and checks none runs.
    private func pauseEveryNode() async throws {
        for node in desired.nodes.reversed() {
            let status: AgentStatus
            do {
                status = try await access.status(of: node.name)
            } catch {
                throw RestoreRefused("cannot pause \(node.name): its agent does not answer (\(error))")
            }
            if status.process.running {
                _ = try await access.stop(node.name, StopRequest(mode: .graceful))
            }
        }
        for node in desired.nodes {
            guard try await access.status(of: node.name).process.running == false else {
                throw RestoreRefused("\(node.name) still runs after a graceful stop")
            }
        }
    }

    /// Waits until `node` is Synced in a Primary component (a joiner: after its SST). `progress`
    /// hears each new wsrep state on the way (`Joining: receiving State Transfer`, `Joined`).
    private func waitUntilSynced(_ node: String, progress: ((String) -> Void)? = nil) async throws {
        let deadline = clock.now + configuration.recoveryStepDeadline
        var last = "no answer"
        var shown: String?
        let started = wallClock().addingTimeInterval(-5)  // the agent's clock may lag a little
        while clock.now < deadline {
            if let status = try? await access.status(of: node) {
                if status.wsrep?.ready == true { return }
                last = status.stateReason
                // mysqld answers no SQL while it receives a full transfer: the agent's log reading says so.
                let transfer = status.stateTransferInProgress.map { current in
                    current.method.map { "receiving \($0)" + (current.bytes.map { ", \(ByteCount.short($0)) so far" } ?? "") } ?? "requesting a state transfer"
                }
                    ?? status.lastStateTransfer.flatMap { $0.at >= started ? "received \($0.method)" : nil }
                let state = status.wsrep?.localStateComment ?? transfer ?? (status.process.running ? "mysqld starting" : "mysqld not running")
                if state != shown {
                    progress?(state)
                    shown = state
                }
                if !status.process.running, status.operation == nil {
                    throw RestoreRefused("mysqld on \(node) exited: \(status.lastExit?.description ?? last)")
                }
            }
            try await clock.sleep(for: .milliseconds(500))
        }
        throw RestoreRefused("\(node) was not Synced within \(configuration.recoveryStepDeadline): \(last)")
    }
}
