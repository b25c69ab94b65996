import AgentAPI
import Foundation
import Galera
import Prometheus
import Synchronization

/// The agent's Prometheus metrics, refreshed from a status snapshot at every scrape. A registry per
/// agent (no global metrics system), so several agents in one process never mix.
final class AgentMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let stateGauges: [NodeState: Gauge]
    private let mysqldUp: Gauge
    private let starts: Counter
    private let reportsDropped: Counter
    private let wsrepGauges: [(name: String, gauge: Gauge)]
    private let clusterSize, localState, ready, connected, primary, lastCommitted: Gauge
    private let diskFree, diskSize, diskFull: Gauge
    private let sstInProgress, istInProgress, sstBytes: Gauge
    private let certificateExpiry: Gauge
    private let counted = Mutex<(starts: Int, dropped: Int)>((0, 0))

    /// Numeric wsrep values exported as they are.
    static let exportedWsrep = [
        "wsrep_local_recv_queue", "wsrep_local_send_queue", "wsrep_flow_control_paused",
        "wsrep_flow_control_sent", "wsrep_local_cert_failures", "wsrep_local_bf_aborts",
    ]

    init(node: String) {
        let labels = [("node", node)]
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        stateGauges = Dictionary(uniqueKeysWithValues: NodeState.allCases.map { state in
            (state, registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_node_state", "1 for the node's current state (Green, Yellow, Red-clean, Red-unclean, Unknown), else 0"), labels: labels + [("state", state.rawValue)]))
        })
        mysqldUp = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_mysqld_up", "1 while the supervised mysqld process runs"), labels: labels)
        starts = registry.makeCounter(descriptor: Self.descriptor("qmysql_agent_mysqld_starts_total", "mysqld launches since the agent started"), labels: labels)
        reportsDropped = registry.makeCounter(descriptor: Self.descriptor("qmysql_agent_reports_dropped_total", "reports dropped because the controller did not take them in time"), labels: labels)
        clusterSize = registry.makeGauge(descriptor: Self.descriptor("qmysql_wsrep_cluster_size", "wsrep_cluster_size"), labels: labels)
        localState = registry.makeGauge(descriptor: Self.descriptor("qmysql_wsrep_local_state", "wsrep_local_state (4 = Synced)"), labels: labels)
        ready = registry.makeGauge(descriptor: Self.descriptor("qmysql_wsrep_ready", "wsrep_ready as 1/0"), labels: labels)
        connected = registry.makeGauge(descriptor: Self.descriptor("qmysql_wsrep_connected", "wsrep_connected as 1/0"), labels: labels)
        primary = registry.makeGauge(descriptor: Self.descriptor("qmysql_wsrep_cluster_status_primary", "1 when wsrep_cluster_status is Primary"), labels: labels)
        lastCommitted = registry.makeGauge(descriptor: Self.descriptor("qmysql_wsrep_last_committed", "wsrep_last_committed"), labels: labels)
        diskFree = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_datadir_free_bytes", "free bytes on the datadir's filesystem"), labels: labels)
        diskSize = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_datadir_size_bytes", "size of the datadir's filesystem"), labels: labels)
        diskFull = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_mysqld_disk_full", "1 when mysqld's current or last run said its disk is full"), labels: labels)
        sstInProgress = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_sst_in_progress", "1 while this node receives a full state transfer (SST)"), labels: labels)
        istInProgress = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_ist_in_progress", "1 while this node receives an incremental state transfer (IST), also the catch-up after an SST"), labels: labels)
        sstBytes = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_sst_received_bytes", "Bytes of the full copy this node has received so far (our state transfer; 0 when none runs)"), labels: labels)
        certificateExpiry = registry.makeGauge(descriptor: Self.descriptor("qmysql_agent_certificate_expiry_timestamp_seconds", "When the cluster certificate the agent loaded last expires (Unix time; 0 without one)"), labels: labels)
        wsrepGauges = Self.exportedWsrep.map { name in
            (name, registry.makeGauge(descriptor: Self.descriptor("qmysql_\(name)", name), labels: labels))
        }
    }

    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The exposition text after updating every value from `status`.
    /// - Parameter certificateExpiry: when the loaded certificate expires (nil: none loaded).
    func render(_ status: AgentStatus, reportsDroppedTotal: Int, certificateExpiry expiry: Date? = nil) -> String {
        certificateExpiry.set(to: expiry?.timeIntervalSince1970 ?? 0)
        for (state, gauge) in stateGauges { gauge.set(to: state == status.state ? 1 : 0) }
        mysqldUp.set(to: status.process.running ? 1 : 0)
        let (startDelta, droppedDelta) = counted.withLock { counted in
            defer { counted = (status.process.launches, reportsDroppedTotal) }
            return (status.process.launches - counted.starts, reportsDroppedTotal - counted.dropped)
        }
        if startDelta > 0 { starts.increment(by: Int64(startDelta)) }
        if droppedDelta > 0 { reportsDropped.increment(by: Int64(droppedDelta)) }
        let wsrep = status.wsrep
        clusterSize.set(to: Double(wsrep?.clusterSize ?? 0))
        localState.set(to: Double(wsrep?.localState ?? 0))
        ready.set(to: wsrep?.ready == true ? 1 : 0)
        connected.set(to: wsrep?.connected == true ? 1 : 0)
        primary.set(to: wsrep?.clusterStatus == .primary ? 1 : 0)
        lastCommitted.set(to: Double(wsrep?.lastCommitted ?? -1))
        diskFree.set(to: Double(status.disk?.freeBytes ?? -1))
        diskSize.set(to: Double(status.disk?.totalBytes ?? -1))
        diskFull.set(to: status.diskFullError == nil ? 0 : 1)
        let transfer = status.stateTransferInProgress?.method
        sstInProgress.set(to: transfer == StateTransferLog.Method.sst.rawValue ? 1 : 0)
        istInProgress.set(to: transfer == StateTransferLog.Method.ist.rawValue ? 1 : 0)
        sstBytes.set(to: Double(status.stateTransferInProgress?.bytes ?? 0))
        for (name, gauge) in wsrepGauges {
            gauge.set(to: wsrep?.raw[name].flatMap(Double.init) ?? 0)
        }
        return registry.emitToString()
    }
}
