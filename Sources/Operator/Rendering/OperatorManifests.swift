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
        [RenderedObject(type: Namespace.resourceType, body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]),
         serviceAccount] + rbac + [deployment, service]
    }

    var selectorLabels: JSONValue {
        ["app.kubernetes.io/name": "qmysql", "app.kubernetes.io/component": "operator", "app.kubernetes.io/instance": .string(name)]
    }

    func metadata(_ name: String, namespace: String?) -> JSONValue {
        var metadata: JSONValue = ["name": .string(name), "labels": selectorLabels]
        if let namespace { metadata["namespace"] = .string(namespace) }
        return metadata
    }

    var serviceAccount: RenderedObject {
        RenderedObject(type: ServiceAccount.resourceType, body: [
            "apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(name, namespace: namespace),
        ])
    }

    var subjects: JSONValue { [["kind": "ServiceAccount", "name": .string(name), "namespace": .string(namespace)]] }

    func binding(_ type: ResourceType, role: ResourceType, name: String, namespace: String?) -> RenderedObject {
        RenderedObject(type: type, body: [
            "apiVersion": .string(type.apiVersion), "kind": .string(type.kind), "metadata": metadata(name, namespace: namespace),
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(role.kind), "name": .string(name)],
            "subjects": subjects,
        ])
    }

    /// The leader Lease's rules, in the operator's own namespace only.
    var leaderElection: [RenderedObject] {
        [
            RenderedObject(type: Role.resourceType, body: [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": metadata(name + "-leader-election", namespace: namespace),
                "rules": OperatorRBAC.policyRules(OperatorRBAC.leaderElectionRules),
            ]),
            binding(RoleBinding.resourceType, role: Role.resourceType, name: name + "-leader-election", namespace: namespace),
        ]
    }

    var rbac: [RenderedObject] {
        let rules = OperatorRBAC.policyRules()
        guard !watchNamespaces.isEmpty else {
            return [
                RenderedObject(type: ClusterRole.resourceType, body: [
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": metadata(name, namespace: nil), "rules": rules,
                ]),
                binding(ClusterRoleBinding.resourceType, role: ClusterRole.resourceType, name: name, namespace: nil),
            ] + leaderElection
        }
        let crdRule = rules.arrayValue?.filter { $0["apiGroups"] == ["apiextensions.k8s.io"] } ?? []
        var objects = [
            RenderedObject(type: ClusterRole.resourceType, body: [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": metadata(name + "-crds", namespace: nil),
                "rules": .array(crdRule),
            ]),
            binding(ClusterRoleBinding.resourceType, role: ClusterRole.resourceType, name: name + "-crds", namespace: nil),
        ]
        var granted: [String] = []
        for watched in watchNamespaces where !granted.contains(watched) {
            granted.append(watched)
            objects.append(RenderedObject(type: Role.resourceType, body: [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": metadata(name, namespace: watched), "rules": rules,
            ]))
            objects.append(binding(RoleBinding.resourceType, role: Role.resourceType, name: name, namespace: watched))
        }
        return objects + leaderElection
    }

    var deployment: RenderedObject {
        let arguments: [String] = ["operator", "--image=\(image)", "--listen=0.0.0.0:\(metricsPort)", "--log-level=\(logLevel)",
                                   "--lease-namespace=\(namespace)"] + watchNamespaces.map { "--watch-namespace=\($0)" }
        let container: JSONValue = [
            "name": "operator", "image": .string(image), "imagePullPolicy": "IfNotPresent",
            "args": .array(arguments.map { .string($0) }),
            "env": [["name": "POD_NAME", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]]],
            "ports": [["name": "metrics", "containerPort": .int(Int64(metricsPort))]],
            "livenessProbe": ["httpGet": ["path": .string(OperatorPaths.health), "port": "metrics"]],
            "readinessProbe": ["httpGet": ["path": .string(OperatorPaths.readiness), "port": "metrics"]],
            "resources": ["requests": ["cpu": "100m", "memory": "128Mi"], "limits": ["memory": "512Mi"]],
            "securityContext": ["allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]],
        ]
        return RenderedObject(type: Deployment.resourceType, body: [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(name, namespace: namespace),
            "spec": [
                "replicas": .int(Int64(replicas)),
                "selector": ["matchLabels": selectorLabels],
                "template": [
                    "metadata": ["labels": selectorLabels],
                    "spec": [
                        "serviceAccountName": .string(name),
                        "securityContext": ["runAsNonRoot": true, "runAsUser": .int(Int64(ClusterRenderer.qmysqlImageUserID)), "seccompProfile": ["type": "RuntimeDefault"]],
                        "containers": [container],
                    ],
                ],
            ],
        ])
    }

    var service: RenderedObject {
        RenderedObject(type: Service.resourceType, body: [
            "apiVersion": "v1", "kind": "Service", "metadata": metadata(name + "-metrics", namespace: namespace),
            "spec": [
                "selector": selectorLabels,
                "ports": [["name": "metrics", "port": .int(Int64(metricsPort)), "targetPort": "metrics"]],
            ],
        ])
    }
}
