import ArgumentParser
import Foundation
import KubeAPI
import KubeClient
import Operator
import QiniuAPI

struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install or update the CRDs, and with --operator the operator itself (without Helm).",
        discussion: """
            Applies both CRDs with server-side apply and waits until the API server serves them. \
            With --operator it also applies the operator: its namespace, ServiceAccount, \
            least-privilege RBAC, Deployment and metrics Service, the same objects as the Helm chart \
            charts/mysql-operator with the same values (the chart also ships the alerts and the \
            Grafana dashboard; without it, take them from monitoring/). Running it again is safe: \
            an unchanged object is left as it is.

              kubectl qmysql install
              kubectl qmysql install --dry-run -o yaml > crds.yaml
              kubectl qmysql install --operator -n qmysql-system
              kubectl qmysql install --operator --watch-namespace rds --dry-run -o yaml > qmysql.yaml
            """)

    @OptionGroup var kube: KubeOptions

    @Flag(help: "Also install the operator (namespace, RBAC, Deployment, metrics Service); its namespace is -n, default qmysql-system.")
    var `operator` = false

    @Option(help: ArgumentHelp("With --operator: the qmysql image (default: this version's).", valueName: "image"))
    var image: String?

    @Option(name: .customLong("watch-namespace"), help: ArgumentHelp("With --operator: a namespace whose clusters it manages; repeat for several (default: every namespace).", valueName: "namespace"))
    var watchNamespaces: [String] = []

    @Option(help: ArgumentHelp("With --operator: operator replicas (one leads, the others wait).", valueName: "n"))
    var replicas: Int?

    @Option(help: ArgumentHelp("With --operator: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String?

    @Flag(help: "Print the objects instead of applying them.")
    var dryRun = false

    @Option(name: .shortAndLong, help: "Output format: yaml or json (with --dry-run), or name.")
    var output: OutputFormat?

    @Option(help: "How long to wait for the CRDs to be served, like 30s.")
    var timeout: String = "30s"

    static let defaultOperatorNamespace = "qmysql-system"
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    func validate() throws {
        try OutputFormat.validate(output, allowed: [.yaml, .json, .name], command: "install")
        guard DurationText.parse(timeout) != nil else { throw ValidationError("--timeout \"\(timeout)\" is not a duration, like 30s or 2m.") }
        guard `operator` else {
            let stray = [image.map { _ in "--image" }, watchNamespaces.isEmpty ? nil : "--watch-namespace",
                         replicas.map { _ in "--replicas" }, logLevel.map { _ in "--log-level" }].compactMap { $0 }
            if let first = stray.first { throw ValidationError("\(first) configures the operator: add --operator, or leave it out to install only the CRDs.") }
            return
        }
        for namespace in watchNamespaces + [kube.namespace].compactMap({ $0 }) {
            // A DNS-1123 label, as Kubernetes requires of namespace names.
            let valid = namespace.count <= 63 && namespace.range(of: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", options: .regularExpression) != nil
            if !valid { throw ValidationError("namespace \"\(namespace)\" is not valid: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit.") }
        }
        if let replicas, replicas < 0 { throw ValidationError("--replicas must be 0 or more, not \(replicas).") }
        if let logLevel, !Self.logLevels.contains(logLevel) {
            throw ValidationError("--log-level \"\(logLevel)\" is not one of \(Self.logLevels.joined(separator: ", ")).")
        }
        if let image, image.isEmpty || image.contains(where: \.isWhitespace) { throw ValidationError("--image \"\(image)\" is not an image reference, like ghcr.io/qiniu/qmysql:\(QMySQLVersion.current).") }
    }

    /// The operator's objects, when asked for.
    var manifests: OperatorManifests? {
        guard `operator` else { return nil }
        var manifests = OperatorManifests(namespace: kube.namespace ?? Self.defaultOperatorNamespace, watchNamespaces: watchNamespaces)
        if let image { manifests.image = image }
        if let replicas { manifests.replicas = replicas }
        if let logLevel { manifests.logLevel = logLevel }
        return manifests
    }

    /// The CRDs first: the operator needs them, and a cluster manifest applied right after must find them.
    var objects: [(type: ResourceType, body: JSONValue)] {
        QiniuCRDs.all.map { (CustomResourceDefinition.resourceType, $0) } + (manifests?.objects.map { ($0.type, $0.body) } ?? [])
    }

    func run() async throws {
        if dryRun {
            switch output ?? .yaml {
            case .json: print(try DataPrinter.renderList(objects.map(\.body), as: .json), terminator: "")
            case .name: objects.forEach { print(Self.reference($0.type, $0.body)) }
            default: print(try objects.map { try DataPrinter.render($0.body, as: .yaml) }.joined(separator: "---\n"), terminator: "")
            }
            return
        }
        try await KubeSession.with(kube) { session in
            if let manifests { try await requireWatchedNamespaces(manifests, session: session) }
            for crd in QiniuCRDs.all {
                try await apply(CustomResourceDefinition.resourceType, crd, session: session)
            }
            let deadline = ContinuousClock.now + (DurationText.parse(timeout) ?? .seconds(30))
            for crd in QiniuCRDs.all {
                let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
                try await waitEstablished(name, session: session, deadline: deadline)
            }
            guard let manifests else { return }
            for object in manifests.objects {
                try await apply(object.type, object.body, session: session)
            }
            guard output != .name else { return }
            print("""

                The operator is installed in namespace \(manifests.namespace), managing \
                \(manifests.watchNamespaces.isEmpty ? "every namespace" : manifests.watchNamespaces.joined(separator: ", ")).
                Check it runs: kubectl -n \(manifests.namespace) rollout status deployment/\(manifests.name)
                Alerts and the Grafana dashboard: monitoring/ (docs/monitoring.md).
                """)
        }
    }

    /// `customresourcedefinition.apiextensions.k8s.io/NAME`, as kubectl names objects.
    static func reference(_ type: ResourceType, _ body: JSONValue) -> String {
        let kind = type.kind.lowercased() + (type.group.isEmpty ? "" : ".\(type.group)")
        return "\(kind)/\(body[path: ["metadata", "name"]]?.stringValue ?? "")"
    }

    private func apply(_ type: ResourceType, _ body: JSONValue, session: KubeSession) async throws {
        _ = try await session.client.applyRaw(
            type, body, namespace: body[path: ["metadata", "namespace"]]?.stringValue, fieldManager: KubeSession.fieldManager, force: true)
        print(output == .name ? Self.reference(type, body) : "\(Self.reference(type, body)) applied")
    }

    /// The operator's RBAC goes into each watched namespace: a missing one would stop the install
    /// halfway, so all are checked before anything is applied.
    private func requireWatchedNamespaces(_ manifests: OperatorManifests, session: KubeSession) async throws {
        for namespace in manifests.watchNamespaces where namespace != manifests.namespace {
            do {
                _ = try await session.client.getRaw(Namespace.resourceType, name: namespace, namespace: nil)
            } catch let error as KubeError where error.isNotFound {
                throw CLIError("--watch-namespace \(namespace): the namespace does not exist; nothing was installed",
                               hint: "create it first (kubectl create namespace \(namespace)), then run this again", status: .notFound)
            }
        }
    }

    /// A CRD is usable only once the server has accepted its names and established it.
    private func waitEstablished(_ name: String, session: KubeSession, deadline: ContinuousClock.Instant) async throws {
        while true {
            let crd = try await session.client.get(CustomResourceDefinition.self, name: name, namespace: nil)
            if crd.isEstablished { return }
            guard ContinuousClock.now < deadline else {
                throw CLIError("customresourcedefinition \(name) was applied but is not Established after \(timeout)",
                               hint: "check it with `kubectl get crd \(name) -o yaml`", status: .timedOut)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
