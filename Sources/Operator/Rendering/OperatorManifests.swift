import KubeAPI
import QiniuAPI

/// The operator's own objects for users without Helm (`kubectl qmysql install --operator`): the
/// same objects charts/mysql-operator renders with the same values, minus Helm's labels and the
/// monitoring ConfigMaps (monitoring/ holds those files). The charts test holds the two equal.
public struct OperatorManifests: Sendable {
    public var namespace: String
    public var image: String
    /// Empty: every namespace (a ClusterRole). Otherwise the rules are granted per namespace by a
    /// Role, and only the CRD rule stays cluster-wide.
    public var watchNamespaces: [String]
    /// Several are safe: one holds the leader Lease.
    public var replicas: Int
    public var logLevel: String
    public var metricsPort: Int
    /// The objects' name; the chart's full name for the release `qmysql-operator`.
    public var name = "qmysql-operator"

    public init(namespace: String, image: String = OperatorSettings().image, watchNamespaces: [String] = [],
                replicas: Int = 1, logLevel: String = "info", metricsPort: Int = 8080) {
        self.namespace = namespace
        self.image = image
        self.watchNamespaces = watchNamespaces
        self.replicas = replicas
        self.logLevel = logLevel
        self.metricsPort = metricsPort
    }

    /// In the order to apply them: the namespace, the identity and its rights, then what runs.
    public var objects: [RenderedObject] {
        [RenderedObject(Namespace(metadata: ObjectMeta(name: namespace))), RenderedObject(serviceAccount)]
            + rbac + [RenderedObject(deployment), RenderedObject(service)]
    }

    var selectorLabels: [String: String] {
        ["app.kubernetes.io/name": "qmysql", "app.kubernetes.io/component": "operator", "app.kubernetes.io/instance": name]
    }

    func metadata(_ name: String, namespace: String?) -> ObjectMeta {
        ObjectMeta(name: name, namespace: namespace, labels: selectorLabels)
    }

    var serviceAccount: ServiceAccount {
        ServiceAccount(metadata: metadata(name, namespace: namespace))
    }

    var subjects: [Subject] { [.serviceAccount(name, namespace: namespace)] }

    func roleBinding(_ name: String, namespace: String) -> RenderedObject {
        RenderedObject(RoleBinding(metadata: metadata(name, namespace: namespace),
                                   roleRef: RoleRef(kind: Role.resourceType.kind, name: name), subjects: subjects))
    }

    func clusterRoleBinding(_ name: String) -> RenderedObject {
        RenderedObject(ClusterRoleBinding(metadata: metadata(name, namespace: nil),
                                          roleRef: RoleRef(kind: ClusterRole.resourceType.kind, name: name), subjects: subjects))
    }

    /// The leader Lease's rules, in the operator's own namespace only.
    var leaderElection: [RenderedObject] {
        [
            RenderedObject(Role(metadata: metadata(name + "-leader-election", namespace: namespace),
                                rules: OperatorRBAC.policyRules(OperatorRBAC.leaderElectionRules))),
            roleBinding(name + "-leader-election", namespace: namespace),
        ]
    }

    var rbac: [RenderedObject] {
        let rules = OperatorRBAC.policyRules()
        guard !watchNamespaces.isEmpty else {
            return [RenderedObject(ClusterRole(metadata: metadata(name, namespace: nil), rules: rules)), clusterRoleBinding(name)]
                + leaderElection
        }
        let crdRule = rules.filter { $0.apiGroups == ["apiextensions.k8s.io"] }
        var objects = [
            RenderedObject(ClusterRole(metadata: metadata(name + "-crds", namespace: nil), rules: crdRule)),
            clusterRoleBinding(name + "-crds"),
        ]
        var granted: [String] = []
        for watched in watchNamespaces where !granted.contains(watched) {
            granted.append(watched)
            objects.append(RenderedObject(Role(metadata: metadata(name, namespace: watched), rules: rules)))
            objects.append(roleBinding(name, namespace: watched))
        }
        return objects + leaderElection
    }

    var deployment: Deployment {
        let arguments: [String] = ["operator", "--image=\(image)", "--listen=0.0.0.0:\(metricsPort)", "--log-level=\(logLevel)",
                                   "--lease-namespace=\(namespace)"] + watchNamespaces.map { "--watch-namespace=\($0)" }
        let container = Container(
            name: "operator", image: image, imagePullPolicy: "IfNotPresent",
            args: arguments,
            env: [.fromField("POD_NAME", fieldPath: "metadata.name")],
            ports: [ContainerPort(name: "metrics", containerPort: metricsPort)],
            resources: ResourceRequirements(requests: ["cpu": "100m", "memory": "128Mi"], limits: ["memory": "512Mi"]),
            readinessProbe: Probe(httpGet: HTTPGetAction(path: OperatorPaths.readiness, port: "metrics")),
            livenessProbe: Probe(httpGet: HTTPGetAction(path: OperatorPaths.health, port: "metrics")),
            securityContext: SecurityContext(allowPrivilegeEscalation: false, capabilities: Capabilities(drop: ["ALL"])))
        return Deployment(metadata: metadata(name, namespace: namespace), spec: DeploymentSpec(
            replicas: replicas,
            selector: LabelSelector(matchLabels: selectorLabels),
            template: PodTemplateSpec(
                metadata: ObjectMeta(labels: selectorLabels),
                spec: PodSpec(
                    containers: [container], serviceAccountName: name,
                    securityContext: PodSecurityContext(runAsNonRoot: true, runAsUser: ClusterRenderer.qmysqlImageUserID,
                                                        seccompProfile: .runtimeDefault)))))
    }

    var service: Service {
        Service(metadata: metadata(name + "-metrics", namespace: namespace), spec: ServiceSpec(
            selector: selectorLabels, ports: [ServicePort(name: "metrics", port: metricsPort, targetPort: "metrics")]))
    }
}
