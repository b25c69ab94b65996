import AgentAPI
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import QiniuAPI

/// The database side: credentials, my.cnf, the two Services, the PodDisruptionBudget and the
/// StatefulSet whose pods run the agent as PID 1.
extension ClusterRenderer {
    /// Keys and values; Kubernetes stores them base64-encoded in `data`.
    var secret: RenderedObject {
        var data: [String: JSONValue] = [
            ClusterSecrets.Key.monitorPassword: .string(Data(secrets.monitorPassword.utf8).base64EncodedString()),
            ClusterSecrets.Key.backupPassword: .string(Data(secrets.backupPassword.utf8).base64EncodedString()),
            ClusterSecrets.Key.agentToken: .string(Data(secrets.agentToken.utf8).base64EncodedString()),
            ClusterSecrets.Key.caCertificate: .string(Data(secrets.tls.caCertificatePEM.utf8).base64EncodedString()),
            ClusterSecrets.Key.certificate: .string(Data(secrets.tls.certificatePEM.utf8).base64EncodedString()),
            ClusterSecrets.Key.key: .string(Data(secrets.tls.keyPEM.utf8).base64EncodedString()),
        ]
        if let root = secrets.rootPassword {
            data[ClusterSecrets.Key.rootPassword] = .string(Data(root.utf8).base64EncodedString())
        }
        return RenderedObject(type: Secret.resourceType, body: [
            "apiVersion": "v1", "kind": "Secret", "metadata": metadata(names.secret, component: QiniuLabels.database),
            "type": "Opaque", "data": .object(data),
        ])
    }

    /// The user's `spec.config` as a my.cnf the agent includes after its own settings.
    var myCnf: String {
        let settings = (cluster.spec.config ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return (["# spec.config of QiniuMySQL \(names.cluster), included by the agent after its own settings.", "[mysqld]"]
            + settings).joined(separator: "\n") + "\n"
    }

    /// Every member's stable name, one a line: the agents read it at every mysqld start. In the
    /// ConfigMap, not in the pod template, so a scale rolls no node that stays (and outside the
    /// config fingerprint, which is my.cnf's alone).
    var peersFile: String {
        (0..<replicas).map(names.nodeHost).joined(separator: "\n") + "\n"
    }

    var configMap: RenderedObject {
        RenderedObject(type: ConfigMap.resourceType, body: [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(names.configMap, component: QiniuLabels.database),
            "data": .object([Paths.configFile: .string(myCnf), Paths.peersFile: .string(peersFile)]),
        ])
    }

    /// Peers reach each other through this headless Service (`NAME-N.NAME-peers`), ready or not:
    /// a joining node must be reachable before it is Synced.
    var peersService: RenderedObject {
        RenderedObject(type: Service.resourceType, body: [
            "apiVersion": "v1", "kind": "Service", "metadata": metadata(names.peersService, component: QiniuLabels.database),
            "spec": [
                "clusterIP": "None", "publishNotReadyAddresses": true, "selector": databaseSelector,
                "ports": [
                    Self.servicePort("mysql", DefaultPorts.mysql), Self.servicePort("galera", DefaultPorts.galera),
                    Self.servicePort("ist", DefaultPorts.ist), Self.servicePort("sst", DefaultPorts.sst),
                    Self.servicePort("agent", DefaultPorts.agent),
                ],
            ],
        ])
    }

    /// What clients connect to: ready nodes only (Synced and Primary), so a failed node drops out
    /// and comes back when it recovers: the seed's load balancer.
    var clientService: RenderedObject {
        RenderedObject(type: Service.resourceType, body: [
            "apiVersion": "v1", "kind": "Service", "metadata": metadata(names.clientService, component: QiniuLabels.database),
            "spec": [
                "type": "ClusterIP", "selector": databaseSelector,
                "ports": [Self.servicePort("mysql", DefaultPorts.mysql)],
            ],
        ])
    }

    /// At most one node down for voluntary disruptions: a majority always stays.
    var podDisruptionBudget: RenderedObject {
        RenderedObject(type: PodDisruptionBudget.resourceType, body: [
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": metadata(names.cluster, component: QiniuLabels.database),
            "spec": ["maxUnavailable": 1, "selector": ["matchLabels": databaseSelector]],
        ])
    }

    /// The agent's command line in a database pod. `$(POD_NAME)` and `$(POD_IP)` are expanded
    /// by the kubelet (and by the playground's runtime) from the container's environment: the
    /// node's identity is its stable name, its address the pod's current IP.
    public var agentOptions: AgentOptions {
        var options = AgentOptions(
            nodeName: "$(POD_NAME)", clusterName: names.cluster, dataDirectory: Paths.data, address: "$(POD_IP)", peers: [])
        options.peersFile = "\(Paths.configDirectory)/\(Paths.peersFile)"
        options.flavor = flavor
        options.runDirectory = Paths.run
        // The pod's own address, not 0.0.0.0: probes and Services reach a pod at its IP, and in
        // the playground every pod shares the host's network, each on its own loopback address.
        options.listenAddress = "$(POD_IP)"
        options.tokenFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.agentToken)"
        options.controllerURL = "https://\(names.controller):\(DefaultPorts.controller)" + ControllerPaths.report("$(POD_NAME)")
        options.tlsCertificateFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.certificate)"
        options.tlsKeyFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.key)"
        options.caFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.caCertificate)"
        // No --monitor-user: the agent reads status as the socket account of whatever user it
        // runs as (mysql in the image, the invoking user in the playground).
        options.rootPasswordFile = rootPasswordPath
        options.controllerPasswordFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.monitorPassword)"
        options.configFile = "\(Paths.configDirectory)/\(Paths.configFile)"
        options.logFormat = .json
        return options
    }

    /// Where the database pod finds root's password: the cluster's Secret, or the user's own
    /// (`spec.rootPasswordSecret`, key `password`) in a volume of its own.
    var rootPasswordPath: String {
        cluster.spec.rootPasswordSecret == nil
            ? "\(Paths.secretDirectory)/\(ClusterSecrets.Key.rootPassword)" : "\(Paths.rootSecretDirectory)/root-password"
    }

    /// Long enough for the agent's own graceful stop (mysqld's shutdown), plus the agent's exit.
    var terminationGracePeriod: Int64 {
        Int64(agentOptions.stopTimeout.components.seconds) + 30
    }

    var podAnnotations: [String: String] {
        var annotations = cluster.spec.podAnnotations ?? [:]
        // A changed my.cnf changes the template, so a config change rolls the nodes.
        annotations["mysql.qiniu.com/config-fingerprint"] = Self.fingerprint(myCnf)
        return annotations
    }

    var podLabels: JSONValue {
        var labels = (cluster.spec.podLabels ?? [:]).mapValues { JSONValue.string($0) }
        for (key, value) in QiniuLabels.common(cluster: names.cluster, component: QiniuLabels.database) { labels[key] = .string(value) }
        return .object(labels)
    }

    var image: String { cluster.spec.image ?? flavor.image(version: cluster.spec.version) }

    /// Preferred, not required: a cluster still schedules on fewer machines than nodes.
    var defaultAffinity: JSONValue {
        [
            "podAntiAffinity": [
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    [
                        "weight": 100,
                        "podAffinityTerm": [
                            "topologyKey": "kubernetes.io/hostname", "labelSelector": ["matchLabels": databaseSelector],
                        ],
                    ]
                ],
            ],
        ]
    }

    var databaseContainer: JSONValue {
        var container: JSONValue = [
            "name": "mysql", "image": .string(image),
            "command": .array(["\(Paths.binDirectory)/kubectl-qmysql", "agent"].map { .string($0) }),
            "args": .array(agentOptions.arguments.map { .string($0) }),
            "env": [
                Self.env("POD_NAME", field: "metadata.name"), Self.env("POD_NAMESPACE", field: "metadata.namespace"),
                Self.env("POD_IP", field: "status.podIP"),
                // The image's client finds the server without options: `kubectl exec POD -- mariadb`.
                ["name": "MYSQL_UNIX_PORT", "value": .string("\(Paths.run)/mysqld.sock")],
            ],
            "ports": [
                Self.port("mysql", DefaultPorts.mysql), Self.port("galera", DefaultPorts.galera),
                Self.port("ist", DefaultPorts.ist), Self.port("sst", DefaultPorts.sst), Self.port("agent", DefaultPorts.agent),
            ],
            "volumeMounts": .array([
                ["name": "data", "mountPath": .string(Paths.data)],
                ["name": "run", "mountPath": .string(Paths.run)],
                ["name": "qmysql-bin", "mountPath": .string(Paths.binDirectory), "readOnly": true],
                ["name": "secret", "mountPath": .string(Paths.secretDirectory), "readOnly": true],
                ["name": "config", "mountPath": .string(Paths.configDirectory), "readOnly": true],
            ] + (cluster.spec.rootPasswordSecret == nil ? [] : [
                ["name": "root-password", "mountPath": .string(Paths.rootSecretDirectory), "readOnly": true],
            ])),
            // Ready = Synced in the Primary component: what the client Service routes to.
            "readinessProbe": Self.httpProbe(AgentPaths.readiness, port: "agent", period: 2, failures: 2),
            // The agent answers /livez whatever mysqld does: an SST or a long recovery never gets
            // the node killed. Only a hung agent does.
            "livenessProbe": Self.httpProbe(AgentPaths.liveness, port: "agent", period: 10, failures: 6, timeout: 5),
            "startupProbe": Self.httpProbe(AgentPaths.liveness, port: "agent", period: 2, failures: 60),
            "securityContext": Self.restrictedContainer,
        ]
        if let resources = cluster.spec.resources, let value = try? JSONValue.parse(JSONEncoder().encode(resources)) {
            container["resources"] = value
        }
        return container
    }

    /// Copies the agent binary from the qmysql image into the pod, so the database image stays
    /// the flavor's own, unmodified.
    var installAgentContainer: JSONValue {
        var container: JSONValue = [
            "name": "install-agent", "image": .string(settings.image),
            "command": .array([settings.binaryPath, "install-binary", "--to", "\(Paths.binDirectory)/kubectl-qmysql"].map { .string($0) }),
            "volumeMounts": [["name": "qmysql-bin", "mountPath": .string(Paths.binDirectory)]],
            "securityContext": Self.restrictedContainer,
        ]
        if let policy = settings.imagePullPolicy { container["imagePullPolicy"] = .string(policy) }
        return container
    }

    var volumeClaimTemplate: JSONValue {
        let storage = cluster.spec.storage
        var spec: JSONValue = [
            "accessModes": ["ReadWriteOnce"],
            "resources": ["requests": ["storage": .string(storage?.size ?? Self.defaultStorageSize)]],
        ]
        if let storageClass = storage?.storageClassName { spec["storageClassName"] = .string(storageClass) }
        return [
            "metadata": ["name": "data", "labels": labels(QiniuLabels.database)],
            "spec": spec,
        ]
    }

    var statefulSet: RenderedObject {
        let spec = cluster.spec
        var podSpec: JSONValue = [
            "initContainers": [installAgentContainer],
            "containers": [databaseContainer],
            "volumes": .array([
                ["name": "run", "emptyDir": [:]],
                ["name": "qmysql-bin", "emptyDir": [:]],
                [
                    "name": "secret",
                    "secret": [
                        "secretName": .string(names.secret), "defaultMode": 0o440,
                        // The passwords: the agent keeps the TCP accounts equal to them (AccountSetup).
                        "items": Self.secretItems([
                            ClusterSecrets.Key.agentToken, ClusterSecrets.Key.caCertificate, ClusterSecrets.Key.certificate,
                            ClusterSecrets.Key.key, ClusterSecrets.Key.monitorPassword,
                        ] + (spec.rootPasswordSecret == nil ? [ClusterSecrets.Key.rootPassword] : [])),
                    ],
                ],
                ["name": "config", "configMap": ["name": .string(names.configMap)]],
            ] + (spec.rootPasswordSecret.map { userSecret in
                [[
                    "name": "root-password",
                    "secret": [
                        "secretName": .string(userSecret), "defaultMode": 0o440,
                        "items": [["key": "password", "path": "root-password"]],
                    ],
                ]]
            } ?? [])),
            // Database pods call no Kubernetes API.
            "automountServiceAccountToken": false,
            "enableServiceLinks": false,
            "terminationGracePeriodSeconds": .int(terminationGracePeriod),
            "securityContext": Self.restrictedPod(uid: flavor.imageUserID),
            "affinity": spec.affinity ?? defaultAffinity,
        ]
        if let nodeSelector = spec.nodeSelector, !nodeSelector.isEmpty {
            podSpec["nodeSelector"] = .object(nodeSelector.mapValues { .string($0) })
        }
        if let tolerations = spec.tolerations, !tolerations.isEmpty { podSpec["tolerations"] = .array(tolerations) }
        if let priority = spec.priorityClassName { podSpec["priorityClassName"] = .string(priority) }
        if let pullSecrets = spec.imagePullSecrets, !pullSecrets.isEmpty {
            podSpec["imagePullSecrets"] = .array(pullSecrets.map { ["name": .string($0.name)] })
        }
        return RenderedObject(type: StatefulSet.resourceType, body: [
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": metadata(names.statefulSet, component: QiniuLabels.database, annotations: [Self.flavorAnnotation: flavor.rawValue]),
            "spec": [
                "replicas": .int(Int64(replicas)),
                "serviceName": .string(names.peersService),
                "selector": ["matchLabels": databaseSelector],
                // Parallel: after a full stop every pod must come up at once, or the StatefulSet
                // waits for pod 0 to be Ready, which needs the cluster the others would form.
                "podManagementPolicy": "Parallel",
                // The operator replaces pods itself, one at a time and only while the cluster is
                // Green (docs/operator.md, "Rolling changes").
                "updateStrategy": ["type": "OnDelete"],
                "template": [
                    "metadata": ["labels": podLabels, "annotations": .object(podAnnotations.mapValues { .string($0) })],
                    "spec": podSpec,
                ],
                "volumeClaimTemplates": [volumeClaimTemplate],
                // Claims outlive the StatefulSet; the operator deletes them only when the user asked.
                "persistentVolumeClaimRetentionPolicy": ["whenDeleted": "Retain", "whenScaled": "Retain"],
            ],
        ])
    }
}
