import AgentAPI
import Galera

/// Everything the controller has heard about one node, from every source, with when it heard it.
/// `NodeTable` keeps one per node; `observation(at:staleAfter:)` merges them into the Galera
/// module's `NodeObservation`.
struct NodeRecord: Sendable {
    typealias Instant = ContinuousClock.Instant

    var endpoint: NodeEndpoint
    /// The newest agent report (pushed or polled), by the agent's own `observedAt`.
    var agentReport: AgentStatus?
    /// When the kept report arrived, on the controller's clock (staleness is judged on one clock).
    var agentHeardAt: Instant?
    var lastAgentError: String?
    /// When the agent's reports began to say "mysqld is not running" (nil while they say it runs).
    var agentStoppedSince: Instant?
    /// The newest successful SQL probe.
    var sqlStatus: WsrepStatus?
    var sqlHeardAt: Instant?
    var lastSQLError: String?

    init(endpoint: NodeEndpoint) { self.endpoint = endpoint }

    /// The age given to a node never heard from: older than any staleness bound.
    static let neverHeardAge = Duration.seconds(86_400 * 365)

    /// Keeps `report` only if it is newer than the one held: a slow poll answer never overwrites a
    /// newer pushed report. Returns whether it was kept.
    mutating func offer(_ report: AgentStatus, at instant: Instant) -> Bool {
        if let held = agentReport, held.observedAt > report.observedAt { return false }
        if report.process.running {
            agentStoppedSince = nil
        } else if agentStoppedSince == nil || agentReport?.process.running == true {
            agentStoppedSince = instant
        }
        agentReport = report
        agentHeardAt = instant
        lastAgentError = nil
        return true
    }

    /// The agent says mysqld is not running, yet mysqld answered a SQL probe sent after the agent
    /// began to say so (and the last probe succeeded): the agent has lost track of a running
    /// mysqld (an agent restarted beside it). Neither word is believed; the node is shown as
    /// disputed and never acted on. A killed node never looks like this: the probes after the
    /// kill fail, and a probe answered before it was sent before the agent's report. A probe sent
    /// at the very instant of the report (one round on a clock that stands still within it) is
    /// not "before": two answers at once that contradict each other are not acted on.
    func disagreement(at now: Instant, staleAfter: Duration) -> String? {
        guard let report = agentReport, !report.process.running, let stoppedSince = agentStoppedSince,
              agentFresh(at: now, staleAfter: staleAfter),
              let sqlAt = sqlHeardAt, sqlAt >= stoppedSince, now - sqlAt <= staleAfter, lastSQLError == nil,
              let sql = sqlStatus else { return nil }
        return "its agent says mysqld is not running (\(report.stateReason)) but mysqld answers SQL (\(sql.clusterStatus), \(sql.localStateComment)): the agent has lost track of a running mysqld (was it restarted?)"
    }

    mutating func recordSQL(_ status: WsrepStatus, at instant: Instant) {
        if let held = sqlHeardAt, held > instant { return }
        sqlStatus = status
        sqlHeardAt = instant
        lastSQLError = nil
    }

    /// The newest time anything was heard from the node.
    var lastHeard: Instant? {
        switch (agentHeardAt, sqlHeardAt) {
        case (let a?, let s?): max(a, s)
        case (let a?, nil): a
        case (nil, let s?): s
        case (nil, nil): nil
        }
    }

    func agentFresh(at now: Instant, staleAfter: Duration) -> Bool {
        guard let heard = agentHeardAt else { return false }
        return now - heard <= staleAfter
    }

    /// Merges the agent's report and the SQL probe, newest first:
    /// - whether mysqld runs comes from the agent, unless a newer SQL answer proves it runs;
    /// - the wsrep status is the newest of the agent's (nil when its mysqld did not answer) and the
    ///   probe's, so a Synced answer from before a crash never outlives the agent's exit report;
    /// - SQL failures prove nothing when the agent speaks (the agent knows whether mysqld runs).
    func observation(at now: Instant, staleAfter: Duration) -> NodeObservation {
        guard let heard = lastHeard else {
            return NodeObservation(processRunning: nil, grastate: .absent, age: Self.neverHeardAge, staleAfter: staleAfter)
        }
        let age = now - heard
        let sqlIsNewer: Bool = {
            guard let sql = sqlHeardAt else { return false }
            guard let agent = agentHeardAt else { return true }
            return sql > agent
        }()
        guard let report = agentReport, agentFresh(at: now, staleAfter: staleAfter) else {
            // Only mysqld speaks: it runs, and its wsrep status is all there is.
            let sqlFresh = sqlHeardAt.map { now - $0 <= staleAfter } ?? false
            return NodeObservation(processRunning: sqlFresh ? true : nil, grastate: .absent,
                                   wsrep: sqlFresh ? sqlStatus : nil, age: age, staleAfter: staleAfter)
        }
        var running = report.process.running
        var wsrep = running ? report.wsrep : nil
        if sqlIsNewer, let sql = sqlStatus {
            running = true
            wsrep = sql
        }
        let transfer = running ? report.stateTransferInProgress.map {
            StateTransferProgress.Current(method: $0.method.flatMap(StateTransferLog.Method.init(rawValue:)), since: $0.since, donor: $0.donor,
                                          bytes: $0.bytes)
        } : nil
        return NodeObservation(processRunning: running, lastExit: running ? nil : report.lastExit?.exit,
                               grastate: Self.grastate(of: report), wsrep: wsrep, age: age, staleAfter: staleAfter,
                               stateTransfer: transfer)
    }

    /// A position recovered since mysqld last ran, per the agent.
    var recoveredPosition: GaleraPosition? {
        guard let recovered = agentReport?.recovered, recovered.current else { return nil }
        return recovered.position
    }

    static func grastate(of report: AgentStatus) -> GrastateObservation {
        if let problem = report.grastateError { return .unreadable(problem) }
        guard let grastate = report.grastate else { return .absent }
        return .present(GaleraState(position: grastate.position, safeToBootstrap: grastate.safeToBootstrap))
    }
}
