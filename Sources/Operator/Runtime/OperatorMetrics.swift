import Synchronization

/// The operator's counters and gauges, served as Prometheus text on `/metrics`.
public final class OperatorMetrics: Sendable {
    public struct Values: Sendable, Hashable {
        public var reconciles = 0
        public var reconcileErrors = 0
        /// Objects applied because they differed from their rendering (server-side apply).
        public var objectWrites = 0
        public var statusWrites = 0
        public var controllerReplacements = 0
        /// Failed CRD checks and watches (retried with back-off).
        public var apiErrors = 0
        public var leader = false
        public var clusters = 0
        public var queueDepth = 0
    }

    private let values = Mutex(Values())

    public init() {}

    public var snapshot: Values { values.withLock { $0 } }

    func update(_ change: (inout Values) -> Void) { values.withLock { change(&$0) } }

    public func render() -> String {
        let v = snapshot
        let lines: [(String, String, String, Int)] = [
            ("qmysql_operator_reconciles_total", "counter", "Cluster reconciles run.", v.reconciles),
            ("qmysql_operator_reconcile_errors_total", "counter", "Reconciles that failed and were retried with back-off.", v.reconcileErrors),
            ("qmysql_operator_object_writes_total", "counter", "Objects applied because they differed from their rendering.", v.objectWrites),
            ("qmysql_operator_status_writes_total", "counter", "QiniuMySQL status writes.", v.statusWrites),
            ("qmysql_operator_controller_replacements_total", "counter", "Controller pods replaced because the controller stopped answering.", v.controllerReplacements),
            ("qmysql_operator_api_errors_total", "counter", "Failed CRD checks and watches, retried with back-off (403s included).", v.apiErrors),
            ("qmysql_operator_leader", "gauge", "1 while this operator holds the leader Lease.", v.leader ? 1 : 0),
            ("qmysql_operator_clusters", "gauge", "QiniuMySQL objects watched.", v.clusters),
            ("qmysql_operator_queue_depth", "gauge", "Clusters waiting to be reconciled.", v.queueDepth),
        ]
        return lines.map { "# HELP \($0.0) \($0.2)\n# TYPE \($0.0) \($0.1)\n\($0.0) \($0.3)\n" }.joined()
    }
}
