import AgentAPI
import AsyncHTTPClient
import Foundation
import Galera
import KubeAPI
import Logging

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
    /// The hands and eyes: agents and mysqld (real), or an in-memory Galera (tests).
    let access: any NodeAccess
    var history = ActionHistory()
    private var lastPlan: FaultPlan?
    var recoveringFault: FaultKind?
    private var outage: (since: ContinuousClock.Instant, fault: FaultKind?)?
    private var lastCycle: ContinuousClock.Instant?
    /// Reports that arrive before `run()` are recorded but not acted on.
    var started = false
    /// After a failed recovery step, the next one waits: 1 s, 2 s, 4 s ... up to 30 s (by
    /// default), so a refusing agent or a failing start is never hammered.
    var failedSteps = 0
    var retryNotBefore: ContinuousClock.Instant?
    /// `retryNotBefore` on the wall clock, for the status (fixed when the step failed).
    var retryNotBeforeText: String?
    /// Failures per step, across other steps' successes: the escalation rule counts these.
    var stepFailures = StepFailures()
    /// The last failed step, for the retry shown in the status and for the escalated back-off.
    var lastFailure: StepFailures.Entry?
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

    /// - Parameters:
    ///   - access: how nodes are reached; `AgentNodeAccess` for real agents.
    ///   - logger: metadata `cluster` is added here, `node` and `task` where they apply.
    ///   - wallClock: the time of day (schedules, retention, status times); tests inject one.
    public init(configuration: ControllerConfiguration, access: any NodeAccess, logger: Logger,
                wallClock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "cluster"] = "\(configuration.clusterName)"
        self.logger = logger
        metrics = ControllerMetrics(cluster: configuration.clusterName, nodes: configuration.nodes.map(\.name))
        feed = StatusFeed(capacity: 4)
        table = NodeTable(configuration: configuration)
        queue = TaskQueue(logger: logger)
        self.access = access
        self.wallClock = wallClock
        formedUUID = configuration.formedUUID ?? ControllerState.read(from: configuration.stateFile)?.clusterUUID
    }

    /// A controller of real agents: `httpClient` is owned by the caller, who shuts it down.
    public init(configuration: ControllerConfiguration, httpClient: HTTPClient, logger: Logger) {
        self.init(configuration: configuration, access: AgentNodeAccess(configuration: configuration, httpClient: httpClient), logger: logger)
    }

    // MARK: - Running

    /// Probes, evaluates and runs tasks until cancelled.
    public func run() async {
        started = true
        logger.info("controller started", metadata: [
            "nodes": "\(configuration.nodes.map(\.name).joined(separator: ","))",
            "autoRecovery": "\(configuration.autoRecovery)", "replicas": "\(configuration.replicas)",
        ])
        await prepareData()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.queue.run { finished in await self.taskFinished(finished) } }
            group.addTask { await self.probeLoop() }
            if configuration.backupSchedule != nil, configuration.backupStore != nil {
                group.addTask { await self.scheduleLoop() }
            }
            await group.waitForAll()
        }
        await access.shutdown()
        feed.finish()
        logger.info("controller stopped")
    }

    private func probeLoop() async {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let started = clock.now
            await probeAll()
            await evaluate(origin: "probe")
            try? await clock.sleep(until: started + configuration.probeInterval)
        }
    }

    // MARK: - Observing

    /// Asks every node, in parallel, bounded by the probe timeout.
    func probeAll() async {
        await withTaskGroup(of: Void.self) { group in
            for node in configuration.nodes {
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
            let status = try await access.status(of: node)
            await table.offer(status)
        } catch {
            metrics.recordProbeFailure(node: node, sql: false)
            await table.recordAgentFailure(node: node, error: "\(error)")
        }
    }

    private func probeSQL(node: String, timeout: Duration) async {
        let asked = ContinuousClock.now
        do {
            // libmariadb's timeouts count whole seconds; the outer deadline keeps a round bounded.
            let status = try await withDeadline(timeout + .milliseconds(500), "SQL probe of \(node)") { [access] in
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
        guard await table.offer(report) else {
            // Not newer than what we hold, or not ours.
            return report.cluster == configuration.clusterName && configuration.nodes.contains { $0.name == report.node }
        }
        if started { await evaluate(origin: "report from \(report.node)") }
        return true
    }

    // MARK: - Deciding

    /// Builds the snapshot, publishes the status if it changed, and enqueues a recovery task when
    /// a step is due. Never acts itself: health checks only enqueue.
    func evaluate(origin: String) async {
        let now = ContinuousClock.now
        lastCycle = now
        let snapshot = await observe(at: now)
        for detection in await table.takeDetections() { metrics.recordDetection(detection) }
        let plan = FaultDecision.decide(snapshot)
        let recoveryPending = await queue.isPending(.faultRecovery)
        if !recoveryPending { recoveringFault = nil }

        learnFormation(snapshot)
        for node in snapshot.nodes where node.state == .green { stepFailures.nodeRecovered(node.name) }
        if let failure = lastFailure, stepFailures.entries.values.contains(where: { $0.node == failure.node }) == false {
            // The node that failed is Green again (by itself, or a person's hand): start afresh.
            lastFailure = nil
            failedSteps = 0
            retryNotBefore = nil
            retryNotBeforeText = nil
        }
        let escalated = escalation(for: plan) ?? restoreStopped
        trackOutage(snapshot.clusterState, plan: plan, now: now)
        metrics.record(snapshot)
        var manual = escalated != nil
        if case .manual = plan { manual = true }
        metrics.recordManualIntervention(manual)
        metrics.recordQueueDepth(await queue.depth)

        if plan != lastPlan { logPlan(plan, snapshot: snapshot, origin: origin) }
        lastPlan = plan

        var backingOff = retryNotBefore.map { now < $0 } ?? false
        // An escalated step is tried again only every escalatedRetryInterval, whatever succeeded
        // in between (a recovered position must not restart the loop into the same wall).
        if escalated != nil, case .step(let step) = plan, let entry = stepFailures.entry(for: step.action),
           wallClock().timeIntervalSince(entry.lastAt) < configuration.escalatedRetryInterval.timeInterval {
            backingOff = true
        }
        // A pause is the user's own request: it runs even with automatic recovery off.
        if started, case .step(let step) = plan, configuration.autoRecovery || step.fault == .pausing, !recoveryPending, !backingOff {
            if await queue.enqueue(recoveryTask()) {
                recoveringFault = step.fault
            }
        }
        var retry: ClusterStatusBuilder.Retry?
        if failedSteps > 0, let failure = lastFailure, let next = retryNotBeforeText {
            retry = .init(step: failure.step, failures: failure.count, lastError: failure.lastError, nextAttempt: next)
        }
        let activity = ClusterStatusBuilder.Activity(
            plan: plan, autoRecovery: configuration.autoRecovery, recovering: recoveringFault, retry: retry, escalation: escalated)
        var status = ClusterStatusBuilder.build(snapshot, activity: activity, previous: feed.latest, now: KubeTime.format(wallClock()))
        status.clusterUUID = formedUUID
        let recent = history.records.suffix(ActionSummary.kept).map(\.summaryForStatus)
        status.actions = recent.isEmpty ? nil : Array(recent)
        decorateWithData(&status)
        if feed.publish(status) {
            logger.info("cluster status changed", metadata: [
                "state": "\(status.state.rawValue)",
                "nodes": "\(status.nodes.map { "\($0.name)=\($0.state.rawValue)" }.joined(separator: " "))",
            ])
        }
    }

    /// The escalation rule: the step the plan wants has failed `escalateAfterFailures` times (in
    /// any order with other steps). Then the cluster needs a person: the status says what failed,
    /// how often, the last error and what to do; the step is tried again only every
    /// `escalatedRetryInterval`, so a fixed cause is still picked up by itself.
    func escalation(for plan: FaultPlan) -> ManualIntervention? {
        guard case .step(let step) = plan, let entry = stepFailures.entry(for: step.action),
              entry.count >= configuration.escalateAfterFailures else { return nil }
        return ManualIntervention(
            reason: "RecoveryStepFailing",
            seen: "\(entry.step) failed \(entry.count) times; the last error: \(entry.lastError)",
            advice: "Look at \(entry.node)'s agent log and mysqld error log (on Kubernetes: kubectl logs \(entry.node)) and fix the cause; the controller tries the step again every \(configuration.escalatedRetryInterval) and clears this once it succeeds.")
    }

    /// Every node's observation now, with what the cluster is meant to be doing.
    func observe(at now: ContinuousClock.Instant = .now) async -> ClusterSnapshot {
        var snapshot = await table.snapshot(at: now)
        snapshot.intent = intent
        return snapshot
    }

    /// What the cluster is meant to be doing; the decision table's first input.
    var intent: ClusterIntent {
        if configuration.paused { return .paused }
        if let restoreStep { return .restoring(step: restoreStep) }
        return formedUUID == nil ? .forming : .serving
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
        if let path = configuration.stateFile {
            do {
                try ControllerState(clusterUUID: uuid).write(to: path)
            } catch {
                logger.error("cannot record the cluster's UUID in the state file: \(error)", metadata: ["file": "\(path)"])
            }
        }
    }

    func logPlan(_ plan: FaultPlan, snapshot: ClusterSnapshot, origin: String) {
        switch plan {
        case .none(let reason):
            logger.info("nothing to do", metadata: ["reason": "\(reason)", "origin": "\(origin)"])
        case .step(let step):
            var log = logger
            log[metadataKey: "node"] = "\(step.action.node)"
            if configuration.autoRecovery {
                log.notice("fault detected: next step \(step.action)", metadata: ["fault": "\(step.fault.rawValue)", "reason": "\(step.reason)"])
            } else {
                log.warning("fault detected; automatic recovery is off, not acting: would \(step.action)", metadata: ["fault": "\(step.fault.rawValue)", "reason": "\(step.reason)"])
            }
        case .manual(let intervention):
            logger.error("manual intervention required: \(intervention.message)", metadata: ["reason": "\(intervention.reason)"])
        }
    }

    /// Times an outage from the first non-Green snapshot to Green again, by the fault repaired.
    private func trackOutage(_ state: ClusterState, plan: FaultPlan, now: ContinuousClock.Instant) {
        if state == .green {
            if let outage, let fault = outage.fault {
                metrics.recordRecovered(fault, after: now - outage.since)
                logger.notice("cluster Green again", metadata: ["fault": "\(fault.rawValue)", "after": "\(now - outage.since)"])
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
        return ClusterStatus(
            cluster: configuration.clusterName, state: .red,
            nodes: configuration.nodes.map { NodeStatus(name: $0.name, state: .unknown, wsrepState: nil, seqno: nil, ready: false) },
            conditions: [], message: "cluster \(configuration.clusterName): no observation yet (the first probe round has not completed)")
    }

    /// Whether the loop is alive: a cycle ran within three probe intervals (plus a probe timeout).
    public func isHealthy(now: ContinuousClock.Instant = .now) -> Bool {
        guard let lastCycle else { return false }
        return now - lastCycle <= configuration.probeInterval * 3 + configuration.probeTimeout * 2
    }
}
