import AgentAPI
import ArgumentParser
import AsyncHTTPClient
import Foundation
import KubeClient
import KubeRuntime
import Logging
import Operator
import ServiceLifecycle

/// `kubectl-qmysql operator`: reconciles QiniuMySQL objects into running clusters.
public struct OperatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Run the operator: turn QiniuMySQL objects into running, self-healing clusters.",
        discussion: """
            Runs until SIGTERM or SIGINT. In a pod it uses the pod's service account; outside a \
            cluster it reads kubeconfig like kubectl (--kubeconfig, --context). It ensures the CRDs, \
            takes the leader Lease, and while leading renders and applies each cluster's objects, \
            follows each cluster's controller, and writes status (docs/operator.md).

              kubectl-qmysql operator --kubeconfig ~/.kube/config --lease-namespace qmysql-system \\
                --watch-namespace rds --watch-namespace rds-test
            """)

    @Option(help: "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then the pod's service account).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: .customLong("watch-namespace"), help: "A namespace to watch; repeat for several. Default: all namespaces.")
    var watchNamespaces: [String] = []

    @Option(help: "Namespace of the leader Lease (default: the pod's namespace, else the context's).")
    var leaseNamespace: String?

    @Option(help: "This replica's identity in the Lease (default: $POD_NAME, else the host name).")
    var identity: String?

    @Option(help: "The qmysql image the controllers and the agents' init containers run.")
    var image: String = OperatorSettings().image

    @Option(help: "Concurrent reconciles (one cluster is never reconciled twice at once).")
    var workers: Int = 4

    @Option(help: "Seconds between full resyncs of every cluster.")
    var resyncInterval: Double = 300

    @Option(help: "Seconds a controller may stay silent before it is declared unavailable and replaced.")
    var controllerUnavailableAfter: Double = 45

    @Option(help: ArgumentHelp(
        "Where each cluster's controller answers, with {name} and {namespace} filled in. Default: its Service, https://{name}-controller.{namespace}.svc:9810 (in a cluster). Outside a cluster, point it at a reachable address.",
        valueName: "url"))
    var controllerURLTemplate: String?

    @Option(help: "Where /healthz, /readyz and /metrics listen, HOST:PORT.")
    var listen: String = "0.0.0.0:8080"

    @OptionGroup var logging: LogOptions

    public init() {}

    public func validate() throws {
        if !(1...64).contains(workers) { throw ValidationError("--workers \(workers) must be 1...64") }
        if !(resyncInterval >= 10) { throw ValidationError("--resync-interval must be at least 10 seconds") }
        if !(controllerUnavailableAfter >= 15) {
            throw ValidationError("--controller-unavailable-after must be at least 15 seconds (the controller's heartbeat is 10 s)")
        }
        if let template = controllerURLTemplate, !(template.hasPrefix("http://") || template.hasPrefix("https://")) || !template.contains("{name}") {
            throw ValidationError("--controller-url-template '\(template)' must be an http(s) URL containing {name}, e.g. https://127.0.0.1:9810/{namespace}/{name}")
        }
        if parseListenAddress(listen) == nil { throw ValidationError("--listen '\(listen)' is not HOST:PORT, e.g. 0.0.0.0:8080") }
        // Every watched namespace holds one watch connection per kind (nine kinds) for as long as
        // the operator runs; past 20 namespaces watch them all instead (one connection per kind).
        if watchNamespaces.count > 20 {
            throw ValidationError("--watch-namespace is given \(watchNamespaces.count) times; the limit is 20 (each holds 9 watch connections): omit it to watch every namespace")
        }
        for namespace in watchNamespaces where namespace.isEmpty || namespace.contains("/") {
            throw ValidationError("--watch-namespace '\(namespace)' is not a namespace name")
        }
    }


    public func run() async throws {
        let logger = logging.logger(label: "qmysql.operator")
        var options = ClientOptions()
        options.kubeconfig = kubeconfig
        options.context = context
        let client: KubeClient
        do {
            client = try KubeClient.make(options: options, logger: logger)
        } catch {
            throw ValidationError("cannot configure the Kubernetes client: \(error)")
        }
        var settings = OperatorSettings()
        settings.image = image
        settings.watchNamespaces = watchNamespaces
        settings.workers = workers
        settings.resyncInterval = .milliseconds(Int64(resyncInterval * 1000))
        settings.controllerUnavailableAfter = .milliseconds(Int64(controllerUnavailableAfter * 1000))
        let environment = ProcessInfo.processInfo.environment
        let me = identity ?? environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName
        let controllerURL: @Sendable (ObjectKey) -> String
        if let template = controllerURLTemplate {
            controllerURL = { key in
                template.replacingOccurrences(of: "{name}", with: key.name).replacingOccurrences(of: "{namespace}", with: key.namespace)
            }
        } else {
            controllerURL = ClusterReconciler.serviceURL
        }
        let qmysqlOperator = QMySQLOperator(
            client: client, settings: settings, leaseNamespace: leaseNamespace ?? client.namespace, identity: me, logger: logger,
            controllerURL: controllerURL)
        let (host, port) = parseListenAddress(listen)!
        let server = OperatorServer.application(for: qmysqlOperator, host: host, port: port, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: OperatorService(qmysqlOperator)), .init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.notice("operator starting", metadata: [
            "server": "\(client.serverURL)", "identity": "\(me)",
            "namespaces": "\(watchNamespaces.isEmpty ? "all" : watchNamespaces.joined(separator: ","))",
        ])
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}

/// Runs the operator inside a ServiceGroup; graceful shutdown cancels it (leadership ends with it).
struct OperatorService: Service {
    let qmysqlOperator: QMySQLOperator

    init(_ qmysqlOperator: QMySQLOperator) { self.qmysqlOperator = qmysqlOperator }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await qmysqlOperator.run()
        }
    }
}
