import AgentAPI
import Backup
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
        init(_ description: String) { self.description = description }
    }

    func runRestoreTask(_ name: String) async throws -> String {
        guard let request = data.request(name), let id = request.backupID else {
            throw ControllerError.refused(task: "restore \(name)", why: "the task is gone")
        }
        let source = request.sourceCluster ?? configuration.clusterName
        guard let store = configuration.store(for: source) else {
            throw ControllerError.refused(task: "restore \(name)", why: "no backup store is configured")
        }
        let seeding = configuration.restoreFrom != nil && name == "restore-from-\(id)" && formedUUID == nil
        data.update(name) {
            $0.phase = .running
            $0.startTime = KubeTime.format(wallClock())
        }
        var current = 0
        var touched = false
        var staged: String?
        // Nodes whose data the restore replaced (copied back, or emptied to join): a cancelled
        // restore must not bring the cluster back from them.
        var replaced: [String] = []
        do {
            // Step 0.
            markStep(name, 0, .running, "reading backup \(source)/\(id)")
            let metadata = try await store.metadata(cluster: source, id: id)
            data.update(name) { $0.backup = metadata.summary }
            let choice = bootstrapChoice(for: request)
            let node = choice.node
            data.update(name) { $0.node = node }
            let agent = try await answeringAgent(node, within: seeding ? .seconds(300) : .seconds(30))
            guard metadata.flavor == agent.flavor else {
                throw RestoreRefused("backup \(id) is of flavor \(metadata.flavor.rawValue); this cluster runs \(agent.flavor.rawValue)")
            }
            if let running = agent.serverVersion, let nodeSeries = ServerSeries(version: running),
               let backupSeries = ServerSeries(version: metadata.serverVersion), backupSeries > nodeSeries {
                throw RestoreRefused("backup \(id) is of server \(metadata.serverVersion) (series \(backupSeries)), newer than this cluster's \(running); restore it into a cluster of series \(backupSeries) or newer")
            }
            _ = try await store.verify(cluster: source, id: id, at: wallClock()) { @Sendable bytes in await self.noteBytes(name, bytes) }
            markStep(name, 0, .running, "sha256 matches (\(ByteCount.text(metadata.size))); unpacking and preparing on \(node)")
            staged = node
            let stage = try await stage(backup: metadata, from: source, on: node, task: name)
            guard stage.position == metadata.position else {
                throw RestoreRefused("backup \(id) unpacks to position \(stage.position), but its record says \(metadata.position): the store's record does not match its data")
            }
            markStep(name, 0, .succeeded, "backup \(id) verified: sha256 matches; unpacked and prepared on \(node) at \(stage.position)")

            // Step 1.
            current = 1
            try await gate(name, 1)
            if request.skipSafetyBackup == true {
                markStep(name, 1, .skipped, "skipSafetyBackup: true")
            } else {
                let safety = try await takeBackup(task: name, step: 1, yielding: false)
                data.update(name) { $0.safetyBackup = safety.summary }
                markStep(name, 1, .succeeded, "the current state is backup \(safety.id) (\(ByteCount.text(safety.size)) at \(safety.position)): restore it to go back")
            }

            // Step 2.
            current = 2
            try await gate(name, 2)
            markStep(name, 2, .running, "stopping every node gracefully")
            touched = true
            beginRestore(step: "PauseNodes")
            try await pauseEveryNode()
            markStep(name, 2, .succeeded, "every node stopped gracefully; their data is on disk")

            // Step 3.
            current = 3
            try await gate(name, 3)
            markStep(name, 3, .succeeded, "\(node) (\(choice.reason)); the backup is staged there")

            // Step 4.
            current = 4
            try await gate(name, 4)
            beginRestore(step: "RestoreOnBootstrapNode")
            markStep(name, 4, .running, "copying the backup back into \(node)'s emptied datadir")
            replaced.append(node)
            _ = try await access.applyRestore(node, timeout: .seconds(3600))
            staged = nil
            markStep(name, 4, .running, "bootstrapping \(node) at \(stage.position)")
            _ = try await access.start(node, StartRequest(mode: .bootstrap, position: stage.position))
            try await waitUntilSynced(node)
            markStep(name, 4, .succeeded, "\(node) restored and bootstrapped at \(stage.position)")

            // Step 5.
            current = 5
            try await gate(name, 5)
            beginRestore(step: "StartOtherNodes")
            for other in configuration.nodes.map(\.name) where other != node {
                // A cancellation between nodes still finds the old data on the ones not yet joined.
                if data.cancelled.contains(name) { throw Cancelled() }
                markStep(name, 5, .running, "\(other): emptying its datadir (old history), then joining by SST")
                replaced.append(other)
                _ = try await access.emptyForRejoin(other)
                _ = try await access.start(other, StartRequest(mode: .join))
                try await waitUntilSynced(other) { state in
                    self.markStep(name, 5, .running, "\(other): joining by SST: \(state)")
                }
            }
            markStep(name, 5, .succeeded, "every node joined the restored cluster")
            endRestore()
            restoreStopped = nil
            data.update(name) {
                $0.phase = .succeeded
                $0.message = "restored backup \(id) at \(stage.position) on \(node); every node Synced"
                $0.completionTime = KubeTime.format(wallClock())
            }
            logger.notice("restore finished", metadata: ["task": "\(name)", "backup": "\(source)/\(id)", "position": "\(stage.position)"])
            return "restored \(source)/\(id) at \(stage.position)"
        } catch {
            if let staged { await access.discardStage(staged) }
            if error is Cancelled, !seeding {
                return try await endCancelled(name, at: current, touched: touched, replaced: replaced)
            }
            let message = describe(error)
            markStep(name, current, .failed, message)
            let stepName = RestoreSteps.names[current]
            if touched || seeding {
                let advice = seeding
                    ? "The cluster is not formed (it never forms empty instead of the backup). Fix the cause, then delete the controller's pod to try again, or delete the cluster."
                    : "Fault recovery stands aside. To go on, restore again (from \(id), or from the step-1 safety backup to go back); the new restore starts from step 0."
                restoreStopped = ManualIntervention(
                    reason: seeding ? "RestoreFromBackupFailed" : "RestoreStopped",
                    seen: "restore \(name) stopped at step \(current) (\(stepName)): \(message)", advice: advice)
                beginRestore(step: "stopped at step \(current) (\(stepName))")
            } else {
                endRestore()
            }
            finishFailed(name, "step \(current) (\(stepName)): \(message)\(touched ? "" : "; nothing was changed, every node keeps serving")")
            throw error
        }
    }

    func noteBytes(_ name: String, _ bytes: Int64) {
        data.noteBytes(name, bytes, now: .now)
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
        Self.bootstrapChoice(requested: request.bootstrapNode, nodes: configuration.nodes, published: feed.latest?.nodes ?? [])
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
        for node in configuration.nodes where !replaced.contains(node.name) {
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
        let others = configuration.nodes.map(\.name).filter { $0 != best.node.name }
        var outcome = "the cluster is back on its own data: \(best.node.name) bootstrapped at \(best.position)"
        if !others.isEmpty { outcome += "; fault recovery joins \(others.joined(separator: ", "))" }
        if !replaced.isEmpty { outcome += " (\(replaced.joined(separator: ", ")) by SST: the restore had replaced their data)" }
        return outcome
    }

    private func answeringAgent(_ node: String, within: Duration) async throws -> AgentStatus {
        let deadline = ContinuousClock.now + within
        while true {
            do {
                return try await access.status(of: node)
            } catch {
                guard ContinuousClock.now < deadline else {
                    throw RestoreRefused("the agent of \(node) does not answer (\(error)); a restore needs every node's agent")
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
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
            try await Task.sleep(for: .milliseconds(200))
            if data.cancelled.contains(name) { throw Cancelled() }
        }
        markStep(name, step, .running, "approved")
    }

    /// Stops every running node gracefully, highest ordinal first, and checks none runs.
    private func pauseEveryNode() async throws {
        for node in configuration.nodes.reversed() {
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
        for node in configuration.nodes {
            guard try await access.status(of: node.name).process.running == false else {
                throw RestoreRefused("\(node.name) still runs after a graceful stop")
            }
        }
    }

    /// Waits until `node` is Synced in a Primary component (a joiner: after its SST). `progress`
    /// hears each new wsrep state on the way (`Joining: receiving State Transfer`, `Joined`).
    private func waitUntilSynced(_ node: String, progress: ((String) -> Void)? = nil) async throws {
        let deadline = ContinuousClock.now + configuration.recoveryStepDeadline
        var last = "no answer"
        var shown: String?
        let started = wallClock().addingTimeInterval(-5)  // the agent's clock may lag a little
        while ContinuousClock.now < deadline {
            if let status = try? await access.status(of: node) {
                if status.wsrep?.ready == true { return }
                last = status.stateReason
                // mysqld answers no SQL while it receives a full transfer: the agent's log reading says so.
                let transfer = status.stateTransferInProgress.map { $0.method.map { "receiving \($0)" } ?? "requesting a state transfer" }
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
            try await Task.sleep(for: .milliseconds(500))
        }
        throw RestoreRefused("\(node) was not Synced within \(configuration.recoveryStepDeadline): \(last)")
    }
}
