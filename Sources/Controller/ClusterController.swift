import AgentAPI
import AsyncHTTPClient
import Clocks
import Foundation
import Galera
import KubeAPI
import Logging
import RoleNetwork
import QiniuAPI
import Synchronization

/// One controller for one MySQL cluster: observe → decide (pure) → act once → observe again.
///
/// - `run()` probes every node on an interval (SQL and agent, in parallel), evaluates after every
///   probe round and every pushed report, and runs the cluster's serial task queue.
/// - Evaluating builds one snapshot, computes the status (published upward only when it changed),
///   decides, and, if a recovery step is due and automatic recovery is on, enqueues a recovery task.
/// - A recovery task observes again, decides again, performs that one step through the node's agent
///   and waits until the step's effect is observed.
public actor ClusterController {
    public nonisolated let configuration: ControllerConfiguration
    public nonisolated let metrics: ControllerMetrics
    /// The upward status path (latest only); the operator consumes `feed.updates`.
    public nonisolated let feed: StatusFeed<ClusterStatus>
    public nonisolated let table: NodeTable
    public nonisolated let queue: TaskQueue

    let logger: Logger
    /// Set once `run()` is cancelled (the controller stops): a task interrupted then is not
    /// failed, it is left for the next controller (a restore resumes from its progress).
    /// Read through `isStopping`: the cancellation reaches the running task before this is set.
    nonisolated let stopping = Atomic<Bool>(false)
    /// Probe rounds completed (see `RoundCounter`): what a test's "nothing happens" counts.
    public nonisolated let probeRounds = RoundCounter()
    /// The hands and eyes: agents and mysqld (real), or an in-memory Galera (tests).
    let access: any NodeAccess
    /// What every interval, deadline and bound of the loop is measured on; the time of day
    /// (`wallClock`) is apart.
    nonisolated let clock: RoleClock
    var history = ActionHistory()
    private var lastPlan: FaultPlan?
    var recoveringFault: FaultKind?
    private var outage: (since: ContinuousClock.Instant, fault: FaultKind?)?
    private var lastCycle: ContinuousClock.Instant?
    /// Reports that arrive before `run()` are recorded but not acted on.
    var started = false
    /// Failed recovery steps and the back-off they impose (see `RetryState`).
    var retries = RetryState()
    let wallClock: @Sendable () -> Date
    /// The cluster's Galera UUID once it was formed: given, read from the state file, or learned
    /// from a Primary component. A formed cluster is never formed again from empty datadirs.
    var formedUUID: String?
    /// Set by a restore task while it owns the nodes (fault recovery stands aside).
    var restoreStep: String?
    /// A restore that failed after it changed the nodes: fault recovery keeps standing aside and
    /// the status asks a person (a new restore is the way on).
    var restoreStopped: ManualIntervention?
    /// Backups and restores: their statuses, approvals, and the store's catalog.
    var data = DataTaskBook()
    /// When `run()` began: an agent that has not answered since is starting, not failing.
    var startedAt: ContinuousClock.Instant?
    /// Joiners whose donor is confirmed stopped, and since when (see `markDonorsGone`).
    var donorsGone: [String: (donor: String, since: ContinuousClock.Instant)] = [:]
    /// Which nodes were ever members of the formed cluster (see `MemberRecord`).
    var members: MemberRecord
    /// When a node was last seen in a Primary component (the stalled-transfer rule times it).
    var lastPrimarySeen: ContinuousClock.Instant?
    /// What `saveState` last wrote (nil: nothing yet this run).
    var lastSavedState: ControllerState?
    /// The wait the plan has been in since when (`Waiting.key`): a wait that need not end by
    /// itself asks a person once it lasts too long.
    var currentWait: (key: String, since: ContinuousClock.Instant)?
    /// Since when the cluster has been neither Green nor attended (no step, no wait, nothing
    /// asked of a person): the invariant docs/controller.md states; logged when it lasts.
    var unattendedSince: ContinuousClock.Instant?
    /// Whether the cluster has been Green since it was formed (or was formed before this
    /// controller started): until then its phase is still Forming, although its intent is
    /// serving from the moment its UUID is known (a new cluster's first SSTs are no outage).
    var formationComplete: Bool
    /// The running restore's progress, kept in the state file (see `RestoreProgress`).
    var restoreProgress: RestoreProgress?
    /// The newest restores that ended, kept in the state file (see `finishRestore`).
    var finishedRestores: [DataTaskStatus]
    static let finishedRestoresKept = 5
    /// The decide step's trigger (see `evaluate`): whether one runs, and the latest ask meanwhile.
    var evaluation = (running: false, requested: String?.none)
    /// The settings that change in place: the command line's, then the operator's latest spec.
    var desired: DesiredState
    /// The binary log archive (point-in-time recovery): its history and how far it reaches.
    var archive = BinlogArchiveState()
    /// The writer endpoint's node (`WriterChoice`).
    var writer = WriterState()
    /// Each node's gcomm UUID from while it ran Synced, until evicted (`Eviction`).
    var identities = Eviction.Identities()
    /// Failed attempts of a seeding restore (`spec.restoreFrom`), and the pending next one.
    var seedingFailures = 0
    var seedingRetry: Task<Void, Never>?

    /// - Parameters:
    ///   - access: how nodes are reached; `AgentNodeAccess` for real agents.
    ///   - logger: metadata `cluster` is added here, `node` and `task` where they apply.
    ///   - wallClock: the time of day (schedules, retention, status times); tests inject one.
    ///   - clock: intervals, deadlines and bounds (the continuous clock; tests may move their own).
    public init(configuration: ControllerConfiguration, access: any NodeAccess, logger: Logger,
                wallClock: @escaping @Sendable () -> Date = { Date() }, clock: RoleClock = .continuous) {
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "cluster"] = "\(configuration.clusterName)"
        self.logger = logger
        let state = ControllerState.read(from: configuration.stateFile)
        // The last spec accepted is newer than the command line (which, under the operator,
        // carries no settings at all).
        let desired = state?.spec.flatMap { try? DesiredState(spec: $0) } ?? DesiredState(configuration: configuration)
        self.desired = desired
        metrics = ControllerMetrics(cluster: configuration.clusterName, nodes: desired.nodes.map(\.name))
        feed = StatusFeed(capacity: 4)
        var current = configuration
        current.nodes = desired.nodes
        current.replicas = desired.replicas
        table = NodeTable(configuration: current)
        queue = TaskQueue(logger: logger, clock: clock)
        access.setNodes(desired.nodes)
        self.access = access
        self.wallClock = wallClock
        restoreProgress = state?.restore
        finishedRestores = state?.finishedRestores ?? []
        archive.history = state?.archiveHistory
        writer.last = state?.writer
        // A restore the previous controller left owns the nodes from the first look on, and its
        // task is in the book before any request is answered (the operator asking for it again
        // finds it, and never starts it anew).
        (restoreStep, restoreStopped) = Self.recordedRestoreIntent(state?.restore)
        if let progress = state?.restore {
            data.add(progress.request, status: progress.recordedTask(from: Self.newTaskStatus(progress.request), now: KubeTime.format(wallClock())))
        }
        // What the controller learnt itself (kept in its state file) before what it was told.
        let formed = state?.clusterUUID ?? desired.formedUUID
        formedUUID = formed
        // Formed before this controller, unless its own state says the formation is unfinished.
        formationComplete = formed != nil && !(state?.clusterUUID == formed && state?.formationComplete == false)
        if let formedUUID {
            // A complete record only when the state file kept one for this very UUID.
            let kept = state?.clusterUUID == formedUUID ? state?.members : nil
            members = MemberRecord(names: Set(kept ?? []), complete: kept != nil)
        } else {
            // Never formed: this controller watches the formation itself.
            members = MemberRecord(complete: true)
        }
    }

    /// A controller of real agents: `httpClient` is owned by the caller, who shuts it down.
    public init(configuration: ControllerConfiguration, httpClient: HTTPClient, logger: Logger) {
        self.init(configuration: configuration, access: AgentNodeAccess(configuration: configuration, httpClient: httpClient), logger: logger)
    }

    // MARK: - Running

    /// Probes, evaluates and runs tasks until cancelled.
    public func run() async {
        started = true
        startedAt = clock.now
        logger.info("controller started", metadata: [
            "nodes": "\(desired.nodes.map(\.name).joined(separator: ","))",
            "autoRecovery": "\(desired.autoRecovery)", "replicas": "\(desired.replicas)",
            "generation": "\(desired.generation.map(String.init) ?? "none")",
        ])
        // A restore the previous controller began goes on before anything else is queued.
        await resumeRecordedRestore()
        await awaitNodes()
        if !Task.isCancelled { await prepareData() }
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.queue.run { finished in await self.taskFinished(finished) } }
                group.addTask { await self.probeLoop() }
                if let certificates = configuration.certificates {
                    group.addTask { await self.certificateLoop(certificates) }
                }
                if configuration.backupStore != nil {
                    group.addTask { await self.scheduleLoop() }
                    group.addTask { await self.archiveLoop() }
                }
                await group.waitForAll()
            }
        } onCancel: {
            stopping.store(true, ordering: .relaxed)
        }
        seedingRetry?.cancel()
        await access.shutdown()
        feed.finish()
        logger.info("controller stopped")
    }

    /// A controller started without nodes (under the operator, before its first spec) watches
    /// nothing and says so in its status, which also proves it alive to the operator. A poll,
    /// not a wait for `apply`: each look is a cycle `isHealthy` counts, so a controller waiting
    /// for its spec is not taken for a hung one.
    private func awaitNodes() async {
        guard desired.nodes.isEmpty else { return }
        logger.notice("waiting for the desired state (PUT /v1/spec): no nodes yet")
        feed.publish(status())
        while desired.nodes.isEmpty, !Task.isCancelled {
            let now = clock.now
            lastCycle = now
            // With no nodes, a round is one look at the desired state.
            probeRounds.add(nextRoundAt: now + .milliseconds(100))
            try? await clock.sleep(until: now + .milliseconds(100))
        }
    }

    /// Whether the controller is stopping, asked by a task that stopped. Its own cancellation
    /// counts before `stopping` is set: the runtime cancels `run()`'s children before its
    /// cancellation handler sets the flag, so a task woken by that cancellation may get here
    /// first. A task is cancelled only by its deadline or by the controller stopping (a person's
    /// cancel is cooperative, `Cancelled`), and a deadline that passed says so.
    nonisolated var isStopping: Bool {
        stopping.load(ordering: .relaxed) || (Task.isCancelled && !DeadlineScope.passed)
    }

    private func probeLoop() async {
        while !Task.isCancelled {
            let started = clock.now
            await probeAll()
            await evaluate(origin: "probe")
            probeRounds.add(nextRoundAt: started + configuration.probeInterval)
            try? await clock.sleep(until: started + configuration.probeInterval)
        }
    }

    /// Reads the certificate files again every `certificateCheckInterval`: the probe pins a
    /// renewed certificate and the endpoints present it from the next handshake. A new CA is
    /// trusted by the agents' client only after a restart, which the operator brings about
    /// (the controller's pod template names the CA's fingerprint).
    private func certificateLoop(_ certificates: CertificateFiles) async {
        while !Task.isCancelled {
            guard (try? await clock.sleep(for: configuration.certificateCheckInterval)) != nil else { return }
            switch certificates.check() {
            case .unchanged:
                break
            case .changed(let change):
                logger.notice("the cluster's \(change) changed in its files; loaded", metadata: [
                    "sha1": "\(certificates.current.sha1Fingerprint ?? "-")"])
            case .unusable(let problem, let repeated):
                if repeated { logger.warning("the certificate files cannot be used; keeping the loaded ones", metadata: ["error": "\(problem)"]) }
            }
        }
    }

    // MARK: - Observing

    /// Asks every node, in parallel, bounded by the probe timeout.
    func probeAll() async {
        await withTaskGroup(of: Void.self) { group in
            for node in desired.nodes {
                group.addTask { await self.probe(node: node.name) }
            }
        }
    }

    /// Asks one node's mysqld and agent at once; records what answers.
    func probe(node: String) async {
        let timeout = configuration.probeTimeout
        async let agentAnswer: Void = probeAgent(node: node, timeout: timeout)
        async let sqlAnswer: Void = probeSQL(node: node, timeout: timeout)
        _ = await (agentAnswer, sqlAnswer)
    }

    private func probeAgent(node: String, timeout: Duration) async {
        do {
            // The agent client's own request timeout is the probe timeout too; the outer bound
            // keeps a round bounded whatever the access does (a connect that hangs, a fake).
            let status = try await withDeadline(timeout + .milliseconds(500), "agent probe of \(node)", clock: clock) { [access] in
                try await access.status(of: node)
            }
            await table.offer(status, at: clock.now)
        } catch {
            metrics.recordProbeFailure(node: node, sql: false)
            await table.recordAgentFailure(node: node, error: "\(error)")
        }
    }

    private func probeSQL(node: String, timeout: Duration) async {
        let asked = clock.now
        do {
            // libmariadb's timeouts count whole seconds; the outer deadline keeps a round bounded.
            let status = try await withDeadline(timeout + .milliseconds(500), "SQL probe of \(node)", clock: clock) { [access] in
                try await access.probeSQL(of: node)
            }
            await table.recordSQL(node: node, status: status, at: asked)
        } catch {
            metrics.recordProbeFailure(node: node, sql: true)
            await table.recordSQLFailure(node: node, error: "\(error)")
        }
    }

    /// A report an agent pushed (state change or heartbeat). Returns false when it is not ours.
    public func receive(_ report: AgentStatus) async -> Bool {
        guard await table.offer(report, at: clock.now) else {
            // Not newer than what we hold, or not ours.
            return report.cluster == configuration.clusterName && knows(node: report.node)
        }
        if started { await evaluate(origin: "report from \(report.node)") }
        return true
    }

    // MARK: - Deciding

    /// The one way into the decide step, like moco's `clustering/process.go`: a probe round, a
    /// pushed report, a finished task and a new desired state all ask here. One evaluation runs
    /// at a time; asks that come while it runs coalesce into one more (the latest origin wins),
    /// so two evaluations never interleave at their suspension points.
    func evaluate(origin: String) async {
        evaluation.requested = origin
        guard !evaluation.running else { return }
        evaluation.running = true
        defer { evaluation.running = false }
        while let next = evaluation.requested {
            evaluation.requested = nil
            await evaluateNow(origin: next)
        }
    }

    /// Builds the snapshot, publishes the status if it changed, and enqueues a recovery task when
    /// a step is due. Never acts itself: health checks only enqueue.
    private func evaluateNow(origin: String) async {
        let now = clock.now
        lastCycle = now
        let snapshot = await observe(at: now)
        for detection in await table.takeDetections() { metrics.recordDetection(detection) }
        let plan = FaultDecision.decide(snapshot)
        let recoveryPending = await queue.isPending(.faultRecovery)
        if !recoveryPending { recoveringFault = nil }

        learnFormation(snapshot)
        learnMembers(snapshot)
        evictDeadMembers(snapshot, phase: phase(of: intent))
        if formedUUID != nil, !formationComplete, snapshot.clusterState == .green {
            formationComplete = true
            saveState()
        }
        // A node that failed is Green again (by itself, or a person's hand): its failures go.
        retries.nodesGreen(snapshot.nodes.filter { $0.state == .green }.map(\.name))
        let escalated = escalation(for: plan) ?? restoreStopped ?? waitEscalation(plan, stepRunning: recoveryPending, now: now)
            ?? automaticRecoveryOff(plan)
        trackOutage(snapshot.clusterState, plan: plan, now: now)
        // The phase as it is after this observation: the evaluation that learns the cluster's
        // UUID already shows Serving (the snapshot's intent was taken before it was learnt).
        let phase = phase(of: intent)
        metrics.record(snapshot, phase: phase)
        var manual = escalated != nil
        if case .manual = plan { manual = true }
        metrics.recordManualIntervention(manual)
        metrics.recordQueueDepth(await queue.depth)

        if plan != lastPlan { logPlan(plan, snapshot: snapshot, origin: origin) }
        lastPlan = plan

        var backingOff = retries.backingOff(at: now)
        // An escalated step is tried again only every escalatedRetryInterval, whatever succeeded
        // in between (a recovered position must not restart the loop into the same wall).
        if escalated != nil, case .step(let step) = plan, let entry = retries.entry(for: step.action),
           now - entry.lastInstant < configuration.escalatedRetryInterval {
            backingOff = true
        }
        // A pause is the user's own request: it runs even with automatic recovery off.
        if started, case .step(let step) = plan, desired.autoRecovery || step.fault == .pausing, !recoveryPending, !backingOff {
            if await queue.enqueue(recoveryTask()) {
                recoveringFault = step.fault
            }
        }
        var retry: ClusterStatusBuilder.Retry?
        if let pending = retries.pendingRetry {
            retry = .init(step: pending.step, failures: pending.failures, lastError: pending.lastError, nextAttempt: pending.nextAttempt)
        }
        let activity = ClusterStatusBuilder.Activity(
            plan: plan, autoRecovery: desired.autoRecovery, recovering: recoveringFault, retry: retry, escalation: escalated)
        var status = ClusterStatusBuilder.build(snapshot, activity: activity, previous: feed.latest, now: KubeTime.format(wallClock()))
        status.clusterUUID = formedUUID
        status.phase = phase
        status.observedGeneration = desired.generation
        trackAttention(status, now: now)
        updateWriter(snapshot, phase: phase, now: now)
        status.writer = writer.current
        let recent = history.records.suffix(ActionSummary.kept).map(\.summaryForStatus)
        status.actions = recent.isEmpty ? nil : Array(recent)
        decorateWithData(&status)
        decorateWithArchive(&status)
        if feed.publish(status) {
            logger.info("cluster status changed", metadata: [
                "state": "\(status.state.rawValue)",
                "nodes": "\(status.nodes.map { "\($0.name)=\($0.state.rawValue)" }.joined(separator: " "))",
            ])
        }
        await resumeYieldedBackups(green: status.state == .green, recoveryPending: recoveryPending)
    }

    /// The escalation rule: the step the plan wants has failed `escalateAfterFailures` times (in
    /// any order with other steps). Then the cluster needs a person: the status says what failed,
    /// how often, the last error and what to do; the step is tried again only every
    /// `escalatedRetryInterval`, so a fixed cause is still picked up by itself.
    func escalation(for plan: FaultPlan) -> ManualIntervention? {
        guard case .step(let step) = plan, let entry = retries.entry(for: step.action),
              entry.count >= configuration.escalateAfterFailures else { return nil }
        return ManualIntervention(
            reason: "RecoveryStepFailing",
            seen: "\(entry.step) failed \(entry.count) times; the last error: \(entry.lastError)",
            advice: "Look at \(entry.node)'s agent log and mysqld error log (on Kubernetes: kubectl logs \(entry.node)) and fix the cause; the controller tries the step again every \(configuration.escalatedRetryInterval) and clears this once it succeeds.")
    }

    /// A wait that need not end by itself, once it has lasted past its bound
    /// (`Waiting.escalationBound`): the cluster asks a person, and keeps waiting. What a running
    /// step waits for is not escalated here (its deadline bounds it: a bootstrap node's InnoDB
    /// recovery, say); the wait is timed afresh once the step ends.
    func waitEscalation(_ plan: FaultPlan, stepRunning: Bool, now: ContinuousClock.Instant) -> ManualIntervention? {
        guard case .wait(let waiting) = plan, !stepRunning else {
            currentWait = nil
            return nil
        }
        if currentWait?.key != waiting.key { currentWait = (waiting.key, now) }
        let lasted = now - (currentWait?.since ?? now)
        guard let bound = waiting.escalationBound(waitEscalateAfter: configuration.waitEscalateAfter,
                                                  agentStartDeadline: configuration.agentStartDeadline),
              lasted >= bound else { return nil }
        return waiting.escalation(lasted: lasted)
    }

    /// With automatic recovery off, a step that is due waits for a person: that is asked.
    func automaticRecoveryOff(_ plan: FaultPlan) -> ManualIntervention? {
        guard case .step(let step) = plan, !desired.autoRecovery, step.fault != .pausing else { return nil }
        return ManualIntervention(
            reason: "AutomaticRecoveryOff",
            seen: "automatic recovery is off; it would \(step.action): \(step.reason)",
            advice: "Set spec.autoRecovery to true and the controller does it, or do it by hand.")
    }

    /// The invariant (docs/controller.md): a cluster that is not Green always has a step running
    /// or planned, a wait it names, or asks a person. A status that says none of these while it
    /// should serve is counted (`qmysql_controller_cluster_unattended`) and logged.
    func trackAttention(_ status: ClusterStatus, now: ContinuousClock.Instant) {
        let unattended = ClusterStatusBuilder.unattended(status)
        metrics.recordUnattended(unattended)
        guard unattended else {
            unattendedSince = nil
            return
        }
        if unattendedSince == nil { unattendedSince = now }
        if let since = unattendedSince, now - since >= configuration.waitEscalateAfter {
            logger.error("the cluster has been \(status.state.rawValue) for \((now - since).readable) with no step, no wait and nothing asked of a person: a gap in the decision table", metadata: ["message": "\(status.message)"])
            unattendedSince = now
        }
    }

    /// Every node's observation now, with what the cluster is meant to be doing.
    func observe(at instant: ContinuousClock.Instant? = nil) async -> ClusterSnapshot {
        let now = instant ?? clock.now
        var snapshot = await table.snapshot(at: now)
        snapshot.intent = intent
        for index in snapshot.nodes.indices {
            snapshot.nodes[index].membership = members.membership(of: snapshot.nodes[index], clusterUUID: formedUUID)
        }
        markDonorsGone(&snapshot, now: now)
        if snapshot.hasPrimary { lastPrimarySeen = now }
        if !snapshot.hasPrimary, let since = lastPrimarySeen ?? startedAt { snapshot.primaryAbsentFor = now - since }
        snapshot.stalledTransferAfter = configuration.stalledTransferAfter
        return snapshot
    }

    /// What the cluster is meant to be doing; the decision table's first input.
    var intent: ClusterIntent {
        if desired.paused { return .paused }
        if let restoreStep { return .restoring(step: restoreStep) }
        return formedUUID == nil ? .forming : .serving
    }

    /// The phase shown upward: the intent's, except that a restore which stopped and asks a
    /// person is no planned outage: the cluster should serve, and the alerts say it does not.
    func phase(of intent: ClusterIntent) -> ClusterPhase {
        if case .restoring = intent, restoreStopped != nil { return .serving }
        if intent == .serving, !formationComplete { return .forming }
        return intent.phase
    }

    /// A joiner's transfer whose donor is confirmed stopped cannot finish: MariaDB's joiner waits
    /// for the stream without a timeout once it began. Times how long each such donor has been
    /// gone, per joiner.
    func markDonorsGone(_ snapshot: inout ClusterSnapshot, now: ContinuousClock.Instant) {
        var gone: [String: (donor: String, since: ContinuousClock.Instant)] = [:]
        for index in snapshot.nodes.indices {
            let joiner = snapshot.nodes[index]
            guard joiner.observation.processRunning == true, let donor = joiner.observation.stateTransfer?.donor,
                  snapshot.node(named: donor)?.role == .stopped else { continue }
            let since = donorsGone[joiner.name].flatMap { $0.donor == donor ? $0.since : nil } ?? now
            gone[joiner.name] = (donor, since)
            snapshot.nodes[index].donorGoneFor = now - since
        }
        donorsGone = gone
    }

    /// A restore task takes the nodes: until `endRestore()` the intent is `restoring(step)` and
    /// fault recovery stands aside (ClusterController+Restore drives these).
    func beginRestore(step: String) { restoreStep = step }
    func endRestore() { restoreStep = nil }

    /// Records the cluster's UUID once a Primary component shows it: from then on the cluster
    /// was formed, and empty datadirs everywhere mean lost data, never a new cluster.
    private func learnFormation(_ snapshot: ClusterSnapshot) {
        let uuids = Set(snapshot.primaryMembers.compactMap(\.clusterUUID))
        guard uuids.count == 1, let uuid = uuids.first, uuid != formedUUID else { return }
        if let formedUUID {
            logger.warning("the Primary component's cluster UUID changed", metadata: ["was": "\(formedUUID)", "now": "\(uuid)"])
        } else {
            logger.notice("cluster formed", metadata: ["uuid": "\(uuid)"])
        }
        formedUUID = uuid
        // Under a new UUID the controller watches from the start: the record is complete.
        members = MemberRecord(complete: true)
        _ = members.learn(from: snapshot, clusterUUID: uuid)
        saveState()
    }

    /// Adds the nodes now Synced (or marked) as members; the state file follows.
    private func learnMembers(_ snapshot: ClusterSnapshot) {
        guard let uuid = formedUUID else { return }
        let forgot = members.forgetReseeded(in: snapshot)
        guard members.learn(from: snapshot, clusterUUID: uuid) || forgot else { return }
        logger.info("members of the cluster", metadata: ["members": "\(members.names.sorted().joined(separator: ","))"])
        saveState()
    }

    func saveState() {
        guard let path = configuration.stateFile else { return }
        let uuid = formedUUID
        do {
            var state = ControllerState(clusterUUID: uuid, members: members.stored, spec: desired.spec,
                                        formationComplete: uuid == nil ? nil : formationComplete)
            state.restore = restoreProgress
            state.finishedRestores = finishedRestores.isEmpty ? nil : finishedRestores
            state.archiveHistory = archive.history
            state.writer = writer.last
            // Many paths record after a change that may have changed nothing: write only news.
            guard state != lastSavedState else { return }
            try state.write(to: path)
            lastSavedState = state
        } catch {
            logger.error("cannot record the cluster's UUID, members and desired state in the state file: \(error)", metadata: ["file": "\(path)"])
        }
    }

    func logPlan(_ plan: FaultPlan, snapshot: ClusterSnapshot, origin: String) {
        switch plan {
        case .none(let reason):
            logger.info("nothing to do", metadata: ["reason": "\(reason)", "origin": "\(origin)"])
        case .step(let step):
            var log = logger
            log[metadataKey: "node"] = "\(step.action.node)"
            if desired.autoRecovery {
                log.notice("fault detected: next step \(step.action)", metadata: ["fault": "\(step.fault.rawValue)", "reason": "\(step.reason)"])
            } else {
                log.warning("fault detected; automatic recovery is off, not acting: would \(step.action)", metadata: ["fault": "\(step.fault.rawValue)", "reason": "\(step.reason)"])
            }
        case .wait(let waiting):
            logger.info("waiting", metadata: ["reason": "\(waiting.reason)", "origin": "\(origin)"])
        case .manual(let intervention):
            logger.error("manual intervention required: \(intervention.message)", metadata: ["reason": "\(intervention.reason)"])
        }
    }

    /// Times an outage from the first non-Green snapshot to Green again, by the fault repaired.
    private func trackOutage(_ state: ClusterState, plan: FaultPlan, now: ContinuousClock.Instant) {
        if state == .green {
            if let outage, let fault = outage.fault {
                metrics.recordRecovered(fault, after: now - outage.since)
                logger.notice("cluster Green again", metadata: ["fault": "\(fault.rawValue)", "after": "\((now - outage.since).readable)"])
            }
            outage = nil
            return
        }
        if outage == nil { outage = (now, nil) }
        // An outage is named after the most severe fault seen during it (two killed nodes first
        // look like node-down, until the survivor loses quorum).
        if case .step(let step) = plan, step.fault.severity > (outage?.fault?.severity ?? -1) { outage?.fault = step.fault }
    }

    // MARK: - Reading

    /// Every action performed (bounded), oldest first.
    public func actions() -> [ActionRecord] { history.records }

    /// The latest status. Before the first probe round completed there is none: then a Red
    /// status that says so (deciding on no observations would only produce false alarms).
    public func status() -> ClusterStatus {
        if let latest = feed.latest { return latest }
        let waiting = desired.nodes.isEmpty
            ? "no nodes yet: waiting for the operator's desired state (PUT /v1/spec)"
            : "no observation yet (the first probe round has not completed)"
        // A wait it names (the invariant): for the operator, or for the first probe round.
        let now = KubeTime.format(wallClock())
        var status = ClusterStatus(
            cluster: configuration.clusterName, state: .red,
            nodes: desired.nodes.map { NodeStatus(name: $0.name, state: .unknown, wsrepState: nil, seqno: nil, ready: false) },
            conditions: [
                Condition(type: ConditionType.ready, status: "False", reason: "NotObserved", message: waiting, lastTransitionTime: now),
                Condition(type: ConditionType.recovering, status: "True",
                          reason: desired.nodes.isEmpty ? "WaitingForDesiredState" : "WaitingForFirstProbe",
                          message: waiting, lastTransitionTime: now),
            ],
            message: "cluster \(configuration.clusterName): \(waiting)", clusterUUID: formedUUID)
        status.observedGeneration = desired.generation
        status.phase = phase(of: intent)
        return status
    }

    /// Whether the loop is alive: a cycle ran within three probe intervals (plus a probe timeout).
    public func isHealthy(now instant: ContinuousClock.Instant? = nil) -> Bool {
        let now = instant ?? clock.now
        guard let lastCycle else { return false }
        return now - lastCycle <= configuration.probeInterval * 3 + configuration.probeTimeout * 2
    }
}
