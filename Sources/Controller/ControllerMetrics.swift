import Foundation
import Galera
import Prometheus

/// The controller's Prometheus metrics, in a registry of its own (no global state): `/metrics`
/// renders exactly this registry.
public final class ControllerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let cluster: String
    private let nodeStates: [String: [NodeState: Gauge]]
    private let clusterStates: [ClusterState: Gauge]
    private let queueDepth: Gauge
    private let manualIntervention: Gauge
    private let detection: DurationHistogram
    private let recoveries: [FaultKind: (succeeded: Counter, failed: Counter)]
    private let recoveryDurations: [FaultKind: DurationHistogram]
    private let probeFailures: [String: (sql: Counter, agent: Counter)]
    private let backups: (succeeded: Counter, failed: Counter)
    private let backupLastSuccess: Gauge
    private let backupLastSize: Gauge
    private let backupLastDuration: Gauge
    private let backupInterval: Gauge

    static let detectionBuckets: [Duration] = [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16)]
    static let recoveryBuckets: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(160)]

    public init(cluster: String, nodes: [String], registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.cluster = cluster
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "qmysql", subsystem: "controller", metricName: metric, unitName: unit, helpText: help)
        }
        let nodeState = name("node_state", "", "1 for the state each node is in, 0 for the others")
        nodeStates = Dictionary(uniqueKeysWithValues: nodes.map { node in
            (node, Dictionary(uniqueKeysWithValues: NodeState.allCases.map { state in
                (state, registry.makeGauge(descriptor: nodeState, labels: [("cluster", cluster), ("node", node), ("state", state.rawValue)]))
            }))
        })
        let clusterState = name("cluster_state", "", "1 for the state the cluster is in, 0 for the others")
        clusterStates = Dictionary(uniqueKeysWithValues: ClusterState.allCases.map { state in
            (state, registry.makeGauge(descriptor: clusterState, labels: [("cluster", cluster), ("state", state.rawValue)]))
        })
        /// A gauge of the cluster as a whole.
        func gauge(_ metric: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: name(metric, unit, help), labels: [("cluster", cluster)])
        }
        queueDepth = gauge("task_queue_depth", "", "tasks waiting or running on the cluster's serial queue")
        manualIntervention = gauge("manual_intervention_required", "", "1 while the controller refuses to act and asks for a person")
        detection = registry.makeDurationHistogram(
            descriptor: name("detection", "seconds", "from the last observation of a node Green to the first observation of it not Green"),
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
        let probeName = name("probe_failures", "total", "failed active probes, by node and target (sql or agent)")
        probeFailures = Dictionary(uniqueKeysWithValues: nodes.map { node in
            (node, (registry.makeCounter(descriptor: probeName, labels: [("cluster", cluster), ("node", node), ("target", "sql")]),
                    registry.makeCounter(descriptor: probeName, labels: [("cluster", cluster), ("node", node), ("target", "agent")])))
        })
    }

    func record(_ snapshot: ClusterSnapshot) {
        for node in snapshot.nodes {
            for (state, gauge) in nodeStates[node.name] ?? [:] { gauge.set(to: state == node.state ? 1.0 : 0.0) }
        }
        let current = snapshot.clusterState
        for (state, gauge) in clusterStates { gauge.set(to: state == current ? 1.0 : 0.0) }
    }

    /// 1 while the status says ManualInterventionRequired: a refused plan, an escalated step, or
    /// a stopped restore.
    func recordManualIntervention(_ required: Bool) { manualIntervention.set(to: required ? 1 : 0) }

    func recordBackup(succeeded: Bool) {
        if succeeded { backups.succeeded.increment() } else { backups.failed.increment() }
    }

    /// The newest backup in the store (nil: none), and the schedule's longest gap (nil: off).
    func recordCatalog(newest: (finishedAt: Date, size: Int64, duration: TimeInterval)?, scheduleInterval: TimeInterval?) {
        backupLastSuccess.set(to: newest?.finishedAt.timeIntervalSince1970 ?? 0)
        backupLastSize.set(to: Double(newest?.size ?? 0))
        backupLastDuration.set(to: newest?.duration ?? 0)
        backupInterval.set(to: scheduleInterval ?? 0)
    }

    func recordQueueDepth(_ depth: Int) { queueDepth.set(to: Double(depth)) }
    func recordDetection(_ duration: Duration) { detection.record(duration) }
    func recordRecoveryStep(_ kind: FaultKind, succeeded: Bool) {
        if succeeded { recoveries[kind]?.succeeded.increment() } else { recoveries[kind]?.failed.increment() }
    }
    func recordRecovered(_ kind: FaultKind, after duration: Duration) { recoveryDurations[kind]?.record(duration) }
    func recordProbeFailure(node: String, sql: Bool) {
        if sql { probeFailures[node]?.sql.increment() } else { probeFailures[node]?.agent.increment() }
    }

    /// The Prometheus text exposition.
    public func render() -> String { registry.emitToString() }
}
