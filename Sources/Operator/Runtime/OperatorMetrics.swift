import KubeClient
import Prometheus
import Synchronization

/// The operator's Prometheus metrics, in a registry of its own (as the agent's and the
/// controller's): `/metrics` renders exactly this registry.
public final class OperatorMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let reconciles: Counter
    let reconcileErrors: Counter
    /// How long reconciles took (a cluster's objects, its status and its data tasks). A
    /// steady-state reconcile reads only caches: about a millisecond, hence the fine low end.
    let reconcileDurations: DurationHistogram
    /// Objects applied because they differed from their rendering (server-side apply).
    let objectWrites: Counter
    let statusWrites: Counter
    let controllerReplacements: Counter
    /// Desired states sent to controllers (`PUT /v1/spec`), each acknowledged.
    let specDeliveries: Counter
    /// Certificates replaced in clusters' Secrets (`CertificateRenewal`).
    let certificateRenewals: Counter
    /// Failed CRD checks and watches (retried with back-off).
    let apiErrors: Counter
    let leader: Gauge
    let clusters: Gauge
    let queueDepth: Gauge
    /// Writer label moves (`EndpointLabels`), and the clusters whose last one failed.
    let writerLabelMoves: Counter
    private let writerMovesPending: Gauge
    private let pendingWriterMoves = Mutex<Set<String>>([])
    /// The API client's request counts (`KubeClient.requestCounts`) are its own; each scrape adds
    /// what they grew by since the last one to a counter per verb and code.
    private let requests = Mutex<[RequestCounts.Key: (counter: Counter, exported: Int)]>([:])

    static let reconcileBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func counter(_ metric: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: Self.name(metric, "total", help))
        }
        func gauge(_ metric: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: Self.name(metric, "", help))
        }
        reconciles = counter("reconciles", "Cluster reconciles run.")
        reconcileErrors = counter("reconcile_errors", "Reconciles that failed and were retried with back-off.")
        reconcileDurations = registry.makeDurationHistogram(
            descriptor: Self.name("reconcile_duration", "seconds", "How long cluster reconciles took (objects, status, data tasks)."),
            buckets: Self.reconcileBuckets)
        objectWrites = counter("object_writes", "Objects applied because they differed from their rendering.")
        statusWrites = counter("status_writes", "QiniuMySQL and QiniuMySQLData status writes.")
        controllerReplacements = counter("controller_replacements", "Controller pods replaced because the controller stopped answering.")
        specDeliveries = counter("spec_deliveries", "Desired states sent to controllers and acknowledged (PUT /v1/spec).")
        certificateRenewals = counter("certificate_renewals", "Serving certificates renewed (or CAs replaced) in clusters' Secrets.")
        apiErrors = counter("api_errors", "Failed CRD checks and watches, retried with back-off (403s included).")
        leader = gauge("leader", "1 while this operator holds the leader Lease.")
        clusters = gauge("clusters", "QiniuMySQL objects watched.")
        queueDepth = gauge("queue_depth", "Clusters waiting to be reconciled.")
        writerLabelMoves = counter("writer_label_moves", "Writer labels moved onto a database pod (the writer endpoint follows the controller's writer).")
        writerMovesPending = gauge("writer_moves_pending", "Clusters whose writer label is not yet where their controller's writer is (the last move failed; it is retried).")
    }

    /// Whether `cluster`'s writer label is where its controller put the writer.
    func recordWriterLabel(_ cluster: String, pending: Bool) {
        let count = pendingWriterMoves.withLock { set in
            if pending { set.insert(cluster) } else { set.remove(cluster) }
            return set.count
        }
        writerMovesPending.set(to: Double(count))
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "qmysql", subsystem: "operator", metricName: metric, unitName: unit, helpText: help)
    }

    /// The exposition text; `requests` are the API client's counts (`KubeClient.requestCounts`).
    public func render(requests counts: [RequestCounts.Key: Int] = [:]) -> String {
        let descriptor = Self.name(
            "api_requests", "total", "Requests to the Kubernetes API by verb (apply: server-side apply) and HTTP code (<error>: no answer).")
        requests.withLock { exported in
            for (key, count) in counts {
                let entry = exported[key] ?? (registry.makeCounter(descriptor: descriptor, labels: [("verb", key.verb), ("code", key.code)]), 0)
                if count > entry.exported { entry.counter.increment(by: Int64(count - entry.exported)) }
                exported[key] = (entry.counter, max(count, entry.exported))
            }
        }
        return registry.emitToString()
    }

    /// One sample of the exposition (`name` with its labels as rendered, e.g.
    /// `qmysql_operator_reconciles_total`): what a scrape would read, for tests and benches.
    public func sample(_ series: String) -> Double? {
        Self.sample(series, in: render())
    }

    public static func sample(_ series: String, in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), line[..<space] == series else { continue }
            return Double(line[line.index(after: space)...])
        }
        return nil
    }
}
