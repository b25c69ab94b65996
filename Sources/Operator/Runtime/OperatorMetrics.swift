import KubeClient
import Synchronization

/// The operator's counters and gauges, served as Prometheus text on `/metrics`.
public final class OperatorMetrics: Sendable {
    public struct Values: Sendable, Hashable {
        public var reconciles = 0
        public var reconcileErrors = 0
        /// How long reconciles took (a cluster's objects, its status and its data tasks). A
        /// steady-state reconcile reads only caches: about a millisecond, hence the fine low end.
        public var reconcileDurations = Histogram(bounds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
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

    /// A Prometheus histogram: cumulative counts per upper bound, the sum and the count.
    public struct Histogram: Sendable, Hashable {
        public let bounds: [Double]
        /// `counts[i]`: observations ≤ `bounds[i]` and > the bound before (not cumulative).
        public private(set) var counts: [Int]
        public private(set) var sum = 0.0
        public private(set) var count = 0

        public init(bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }

        public mutating func observe(_ value: Double) {
            if let index = bounds.firstIndex(where: { value <= $0 }) { counts[index] += 1 }
            sum += value
            count += 1
        }

        /// The exposition lines of `name`, buckets cumulative and `+Inf` last.
        func lines(_ name: String) -> [String] {
            var cumulative = 0
            var lines: [String] = []
            for (bound, count) in zip(bounds, counts) {
                cumulative += count
                lines.append("\(name)_bucket{le=\"\(bound)\"} \(cumulative)")
            }
            lines.append("\(name)_bucket{le=\"+Inf\"} \(count)")
            lines.append("\(name)_sum \(sum)")
            lines.append("\(name)_count \(count)")
            return lines
        }
    }

    private let values = Mutex(Values())

    public init() {}

    public var snapshot: Values { values.withLock { $0 } }

    func update(_ change: (inout Values) -> Void) { values.withLock { change(&$0) } }

    /// The exposition text; `requests` are the API client's counts (`KubeClient.requestCounts`).
    public func render(requests: [RequestCounts.Key: Int] = [:]) -> String {
        let v = snapshot
        let lines: [(String, String, String, Int)] = [
            ("qmysql_operator_reconciles_total", "counter", "Cluster reconciles run.", v.reconciles),
            ("qmysql_operator_reconcile_errors_total", "counter", "Reconciles that failed and were retried with back-off.", v.reconcileErrors),
            ("qmysql_operator_object_writes_total", "counter", "Objects applied because they differed from their rendering.", v.objectWrites),
            ("qmysql_operator_status_writes_total", "counter", "QiniuMySQL and QiniuMySQLData status writes.", v.statusWrites),
            ("qmysql_operator_controller_replacements_total", "counter", "Controller pods replaced because the controller stopped answering.", v.controllerReplacements),
            ("qmysql_operator_api_errors_total", "counter", "Failed CRD checks and watches, retried with back-off (403s included).", v.apiErrors),
            ("qmysql_operator_leader", "gauge", "1 while this operator holds the leader Lease.", v.leader ? 1 : 0),
            ("qmysql_operator_clusters", "gauge", "QiniuMySQL objects watched.", v.clusters),
            ("qmysql_operator_queue_depth", "gauge", "Clusters waiting to be reconciled.", v.queueDepth),
        ]
        var text = lines.map { "# HELP \($0.0) \($0.2)\n# TYPE \($0.0) \($0.1)\n\($0.0) \($0.3)\n" }.joined()
        let duration = "qmysql_operator_reconcile_duration_seconds"
        text += "# HELP \(duration) How long cluster reconciles took (objects, status, data tasks).\n# TYPE \(duration) histogram\n"
        text += v.reconcileDurations.lines(duration).map { $0 + "\n" }.joined()
        let requestsName = "qmysql_operator_api_requests_total"
        text += "# HELP \(requestsName) Requests to the Kubernetes API by verb (apply: server-side apply) and HTTP code (<error>: no answer).\n# TYPE \(requestsName) counter\n"
        let sorted = requests.sorted { ($0.key.verb, $0.key.code) < ($1.key.verb, $1.key.code) }
        text += sorted.map { "\(requestsName){verb=\"\($0.key.verb)\",code=\"\($0.key.code)\"} \($0.value)\n" }.joined()
        return text
    }
}
