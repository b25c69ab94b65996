import ControllerAPI
import Foundation
import Galera
import Prometheus
import QiniuAPI
import Synchronization

/// The controller's Prometheus metrics, in a registry of its own (no global state): `/metrics`
/// renders exactly this registry.
public final class ControllerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let cluster: String
    /// Per node; the node set changes with the desired state (`setNodes`).
    private let perNode = Mutex<[String: NodeMetrics]>([:])
    private let clusterStates: [ClusterState: Gauge]
    private let clusterPhases: [ClusterPhase: Gauge]
    private let queueDepth: Gauge
    private let manualIntervention: Gauge
    private let unattended: Gauge
    private let detection: DurationHistogram
    private let recoveries: [FaultKind: (succeeded: Counter, failed: Counter)]
    private let recoveryDurations: [FaultKind: DurationHistogram]
    private let backups: (succeeded: Counter, failed: Counter)
    private let backupLastSuccess: Gauge
    private let backupLastSize: Gauge
    private let backupLastDuration: Gauge
    private let backupInterval: Gauge
    private let archivedSegments: Counter
    private let archivedBytes: Counter
    private let archiveLag: Histogram<Double>
    private let archiveThrough: Gauge
    private let archiveEnabled: Gauge
    private let archiveGaps: Gauge
    private let writerMoves: Counter
    private let writerAbsent: Gauge
    private let evictions: [Eviction.Result: Counter]

    static let detectionBuckets: [Duration] = [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16)]
    static let recoveryBuckets: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(160)]

    public init(cluster: String, nodes: [String], registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.cluster = cluster
        let name = Self.name
        let clusterState = name("cluster_state", "", "1 for the state the cluster is in, 0 for the others")
        clusterStates = Dictionary(uniqueKeysWithValues: ClusterState.allCases.map { state in
            (state, registry.makeGauge(descriptor: clusterState, labels: [("cluster", cluster), ("state", state.rawValue)]))
        })
        // The alert rules read it: a Red cluster that is forming, paused or restored is no outage.
        let clusterPhase = name("cluster_phase", "", "1 for what the cluster is meant to be doing (Forming, Serving, Paused, Restoring), 0 for the others")
        clusterPhases = Dictionary(uniqueKeysWithValues: ClusterPhase.allCases.map { phase in
            (phase, registry.makeGauge(descriptor: clusterPhase, labels: [("cluster", cluster), ("phase", phase.rawValue)]))
        })
        /// A gauge of the cluster as a whole.
        func gauge(_ metric: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: name(metric, unit, help), labels: [("cluster", cluster)])
        }
        queueDepth = gauge("task_queue_depth", "", "tasks waiting or running on the cluster's serial queue")
        manualIntervention = gauge("manual_intervention_required", "", "1 while the controller refuses to act and asks for a person")
        unattended = gauge("cluster_unattended", "", "1 while the cluster is not Green yet no step runs or is planned, no wait is named and no person is asked: a gap in the decision table")
        detection = registry.makeDurationHistogram(
            descriptor: name("detection", "seconds", "for a node lost (stopped, cut off, unknown), from when it was last heard alive to the first observation of the loss"),
            labels: [("cluster", cluster)], buckets: Self.detectionBuckets)
        let recoveriesName = name("recoveries", "total", "recovery steps performed, by fault kind and result")
        recoveries = Dictionary(uniqueKeysWithValues: FaultKind.allCases.map { kind in
            (kind, (registry.makeCounter(descriptor: recoveriesName, labels: [("cluster", cluster), ("kind", kind.rawValue), ("result", "succeeded")]),
                    registry.makeCounter(descriptor: recoveriesName, labels: [("cluster", cluster), ("kind", kind.rawValue), ("result", "failed")])))
        })
        let recoveryName = name("recovery", "seconds", "from detecting a fault until the cluster is Green again, by fault kind")
        recoveryDurations = Dictionary(uniqueKeysWithValues: FaultKind.allCases.map { kind in
            (kind, registry.makeDurationHistogram(descriptor: recoveryName, labels: [("cluster", cluster), ("kind", kind.rawValue)], buckets: Self.recoveryBuckets))
        })
        let backupsName = name("backups", "total", "backups taken by this controller (scheduled, manual, a restore's safety backup), by result")
        backups = (registry.makeCounter(descriptor: backupsName, labels: [("cluster", cluster), ("result", "succeeded")]),
                   registry.makeCounter(descriptor: backupsName, labels: [("cluster", cluster), ("result", "failed")]))
        backupLastSuccess = gauge("backup_last_success_timestamp", "seconds", "when the newest backup in the store finished (Unix time; 0: the store has none)")
        backupLastSize = gauge("backup_last_size", "bytes", "the newest backup's size in the store (compressed)")
        backupLastDuration = gauge("backup_last_duration", "seconds", "the newest backup's stream, from its start to its end")
        backupInterval = gauge("backup_schedule_interval", "seconds", "the longest time between two scheduled backups; 0: no scheduled backups")
        archivedSegments = registry.makeCounter(descriptor: name("binlog_archive_segments", "total", "binary log segments stored (point-in-time recovery)"), labels: [("cluster", cluster)])
        archivedBytes = registry.makeCounter(descriptor: name("binlog_archive", "bytes_total", "bytes of binary log segments stored"), labels: [("cluster", cluster)])
        archiveLag = registry.makeValueHistogram(
            descriptor: name("binlog_archive_lag", "seconds", "per stored segment, from its first transaction's commit until it was stored: the recovery point objective"),
            labels: [("cluster", cluster)], buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 30, 60])
        archiveThrough = gauge("binlog_archive_through_timestamp", "seconds", "every transaction committed before this time is in the archive (Unix time; 0: nothing archived yet)")
        archiveEnabled = gauge("binlog_archive_enabled", "", "1 while point-in-time recovery is on (spec.backup.pitr)")
        archiveGaps = gauge("binlog_archive_gaps", "", "breaks in the archive after the oldest kept backup of its history: a restore to a point after one is refused")
        writerMoves = registry.makeCounter(descriptor: name("writer_moves", "total", "times the writer endpoint moved from one node to another (a failure, a switchover, a planned stop)"), labels: [("cluster", cluster)])
        writerAbsent = gauge("writer_absent", "seconds", "how long the serving cluster has had no node fit to be the writer (0: it has one)")
        let evictionsName = name("evictions", "total", "members whose own agent saw mysqld die, evicted by every survivor at once instead of after Galera's suspect timeout, by result: dropped (every survivor's view dropped it), late (a survivor's view did not within its agent's wait), failed (a survivor could not be asked)")
        evictions = Dictionary(uniqueKeysWithValues: Eviction.Result.allCases.map { result in
            (result, registry.makeCounter(descriptor: evictionsName, labels: [("cluster", cluster), ("result", result.rawValue)]))
        })
        setNodes(nodes)
    }

    func recordEviction(_ result: Eviction.Result) { evictions[result]?.increment() }

    func recordWriterMove() { writerMoves.increment() }

    /// The writer now (nil: none), and for how long a serving cluster has had none.
    func recordWriter(_ writer: String?, absentFor: Duration?) {
        perNode.withLock { all in
            for (node, metrics) in all { metrics.writer.set(to: node == writer ? 1 : 0) }
        }
        writerAbsent.set(to: absentFor.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 0)
    }

    func recordArchivedSegment(bytes: Int, lagSeconds: Double) {
        archivedSegments.increment()
        archivedBytes.increment(by: Int64(bytes))
        archiveLag.record(max(0, lagSeconds))
    }

    func recordArchive(enabled: Bool, through: UInt32?, gaps: Int) {
        archiveEnabled.set(to: enabled ? 1 : 0)
        archiveThrough.set(to: Double(through ?? 0))
        archiveGaps.set(to: Double(gaps))
    }

    /// One node's series.
    private struct NodeMetrics {
        var states: [NodeState: Gauge]
        var sqlFailures: Counter
        var agentFailures: Counter
        var writer: Gauge
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "qmysql", subsystem: "controller", metricName: metric, unitName: unit, helpText: help)
    }

    /// The nodes now in the cluster: a new node's series appear, a removed node's disappear (a
    /// scaled-down node's last state would otherwise be reported for ever).
    func setNodes(_ nodes: [String]) {
        let nodeState = Self.name("node_state", "", "1 for the state each node is in, 0 for the others")
        let probeName = Self.name("probe_failures", "total", "failed active probes, by node and target (sql or agent)")
        let writerName = Self.name("writer", "", "1 for the node the writer endpoint (NAME-writer) sends to, 0 for the others")
        perNode.withLock { all in
            for (node, metrics) in all where !nodes.contains(node) {
                for gauge in metrics.states.values { registry.unregisterGauge(gauge) }
                registry.unregisterCounter(metrics.sqlFailures)
                registry.unregisterCounter(metrics.agentFailures)
                registry.unregisterGauge(metrics.writer)
                all[node] = nil
            }
            for node in nodes where all[node] == nil {
                all[node] = NodeMetrics(
                    states: Dictionary(uniqueKeysWithValues: NodeState.allCases.map { state in
                        (state, registry.makeGauge(descriptor: nodeState, labels: [("cluster", cluster), ("node", node), ("state", state.rawValue)]))
                    }),
                    sqlFailures: registry.makeCounter(descriptor: probeName, labels: [("cluster", cluster), ("node", node), ("target", "sql")]),
                    agentFailures: registry.makeCounter(descriptor: probeName, labels: [("cluster", cluster), ("node", node), ("target", "agent")]),
                    writer: registry.makeGauge(descriptor: writerName, labels: [("cluster", cluster), ("node", node)]))
            }
        }
    }

    func record(_ snapshot: ClusterSnapshot, phase: ClusterPhase) {
        perNode.withLock { all in
            for node in snapshot.nodes {
                for (state, gauge) in all[node.name]?.states ?? [:] { gauge.set(to: state == node.state ? 1.0 : 0.0) }
            }
        }
        let current = snapshot.clusterState
        for (state, gauge) in clusterStates { gauge.set(to: state == current ? 1.0 : 0.0) }
        for (each, gauge) in clusterPhases { gauge.set(to: each == phase ? 1.0 : 0.0) }
    }

    /// 1 while the status says ManualInterventionRequired: a refused plan, an escalated step, or
    /// a stopped restore.
    func recordManualIntervention(_ required: Bool) { manualIntervention.set(to: required ? 1 : 0) }
    func recordUnattended(_ value: Bool) { unattended.set(to: value ? 1 : 0) }

    func recordBackup(succeeded: Bool) {
        if succeeded { backups.succeeded.increment() } else { backups.failed.increment() }
    }

    /// The newest backup in the store (nil: none), and the schedule's longest gap (nil: off).
    func recordCatalog(newest: (finishedAt: Date, size: Int64, duration: TimeInterval)?, scheduleInterval: TimeInterval?) {
        backupLastSuccess.set(to: newest?.finishedAt.timeIntervalSince1970 ?? 0)
        backupLastSize.set(to: Double(newest?.size ?? 0))
        backupLastDuration.set(to: newest?.duration ?? 0)
        recordScheduleInterval(scheduleInterval)
    }

    func recordScheduleInterval(_ interval: TimeInterval?) { backupInterval.set(to: interval ?? 0) }

    func recordQueueDepth(_ depth: Int) { queueDepth.set(to: Double(depth)) }
    func recordDetection(_ duration: Duration) { detection.record(duration) }
    func recordRecoveryStep(_ kind: FaultKind, succeeded: Bool) {
        if succeeded { recoveries[kind]?.succeeded.increment() } else { recoveries[kind]?.failed.increment() }
    }
    func recordRecovered(_ kind: FaultKind, after duration: Duration) { recoveryDurations[kind]?.record(duration) }
    func recordProbeFailure(node: String, sql: Bool) {
        perNode.withLock { all in
            if sql { all[node]?.sqlFailures.increment() } else { all[node]?.agentFailures.increment() }
        }
    }

    /// The Prometheus text exposition.
    public func render() -> String { registry.emitToString() }
}
