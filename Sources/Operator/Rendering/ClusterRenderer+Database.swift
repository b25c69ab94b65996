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
    var secret: Secret {
        var data = [
            ClusterSecrets.Key.monitorPassword: Data(secrets.monitorPassword.utf8),
            ClusterSecrets.Key.backupPassword: Data(secrets.backupPassword.utf8),
            ClusterSecrets.Key.agentToken: Data(secrets.agentToken.utf8),
        ].merging(ClusterSecrets.certificateData(secrets.tls)) { $1 }
        if let root = secrets.rootPassword { data[ClusterSecrets.Key.rootPassword] = Data(root.utf8) }
        return Secret(metadata: metadata(names.secret, component: QiniuLabels.database), type: "Opaque", data: data)
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

    var configMap: ConfigMap {
        ConfigMap(metadata: metadata(names.configMap, component: QiniuLabels.database),
                  data: [Paths.configFile: myCnf, Paths.peersFile: peersFile])
    }

    /// Peers reach each other through this headless Service (`NAME-N.NAME-peers`), ready or not:
    /// a joining node must be reachable before it is Synced.
    var peersService: Service {
        Service(metadata: metadata(names.peersService, component: QiniuLabels.database), spec: ServiceSpec(
            clusterIP: "None", selector: databaseSelector,
            ports: [
                Self.servicePort("mysql", DefaultPorts.mysql), Self.servicePort("galera", DefaultPorts.galera),
                Self.servicePort("ist", DefaultPorts.ist), Self.servicePort("sst", DefaultPorts.sst),
                Self.servicePort("agent", DefaultPorts.agent),
            ],
            publishNotReadyAddresses: true))
    }

    /// What clients connect to: ready nodes only (Synced and Primary), so a failed node drops out
    /// and comes back when it recovers: the seed's load balancer.
    var clientService: Service {
        Service(metadata: metadata(names.clientService, component: QiniuLabels.database), spec: ServiceSpec(
            type: "ClusterIP", selector: databaseSelector, ports: [Self.servicePort("mysql", DefaultPorts.mysql)]))
    }

    /// One node: the one the controller chose to take writes (docs/endpoints.md), by the label
    /// the operator moves. No node while none is fit: no endpoint rather than a wrong one.
    var writerService: Service {
        Service(metadata: metadata(names.writerService, component: QiniuLabels.database), spec: ServiceSpec(
            type: "ClusterIP", selector: databaseSelector.merging([QiniuLabels.writer: "true"]) { $1 },
            ports: [Self.servicePort("mysql", DefaultPorts.mysql)]))
    }

    /// Ready nodes but the writer while there are three or more (reads off the writer's load),
    /// every ready node otherwise: the label the operator keeps on them.
    var readersService: Service {
        Service(metadata: metadata(names.readersService, component: QiniuLabels.database), spec: ServiceSpec(
            type: "ClusterIP", selector: databaseSelector.merging([QiniuLabels.reader: "true"]) { $1 },
            ports: [Self.servicePort("mysql", DefaultPorts.mysql)]))
    }

    /// At most one node down for voluntary disruptions: a majority always stays.
    var podDisruptionBudget: PodDisruptionBudget {
        PodDisruptionBudget(metadata: metadata(names.cluster, component: QiniuLabels.database), spec: PodDisruptionBudgetSpec(
            selector: LabelSelector(matchLabels: databaseSelector), maxUnavailable: 1))
    }

    /// The agent's command line in a database pod. `$(POD_NAME)` and `$(POD_IP)` are expanded
    /// by the kubelet (and by the playground's runtime) from the container's environment: the
    /// node's identity is its stable name, its address the pod's current IP.
    public var agentOptions: AgentOptions {
        var options = AgentOptions(
            nodeName: "$(POD_NAME)", clusterName: names.cluster, dataDirectory: Paths.data, address: "$(POD_IP)", peers: [])
        options.peersFile = "\(Paths.configDirectory)/\(Paths.peersFile)"
        options.flavor = flavor
        options.stateTransfer = cluster.spec.effectiveStateTransfer
        options.runDirectory = Paths.run
        // The pod's own address, not 0.0.0.0: probes and Services reach a pod at its IP, and in
        // the playground every pod shares the host's network, each on its own loopback address.
        options.listenAddress = "$(POD_IP)"
        options.tokenFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.agentToken)"
        options.controllerURL = "https://\(names.controller):\(DefaultPorts.controller)" + ControllerPaths.report("$(POD_NAME)")
        options.tlsCertificateFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.certificate)"
        options.tlsKeyFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.key)"
        options.caFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.caCertificate)"
        options.replicationEncryption = EncryptionRollout.rendered(cluster)
        options.requireSecureTransport = cluster.spec.tls?.requireSecureTransport ?? false
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

    var podLabels: [String: String] {
        (cluster.spec.podLabels ?? [:]).merging(labels(QiniuLabels.database)) { _, ours in ours }
    }

    var image: String { cluster.spec.image ?? flavor.image(version: cluster.spec.version) }

    /// Preferred, not required: a cluster still schedules on fewer machines than nodes. JSON, as
    /// the user's `spec.affinity` it stands in for (passed through whole, fields we do not model included).
    var defaultAffinity: JSONValue {
        [
            "podAntiAffinity": [
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    [
                        "weight": 100,
                        "podAffinityTerm": [
                            "topologyKey": "kubernetes.io/hostname", "labelSelector": ["matchLabels": .object(databaseSelector.mapValues(JSONValue.string))],
                        ],
                    ]
                ],
            ],
        ]
    }

    var databaseContainer: Container {
        var mounts = [
            VolumeMount(name: "data", mountPath: Paths.data),
            VolumeMount(name: "run", mountPath: Paths.run),
            VolumeMount(name: "qmysql-bin", mountPath: Paths.binDirectory, readOnly: true),
            VolumeMount(name: "secret", mountPath: Paths.secretDirectory, readOnly: true),
            VolumeMount(name: "config", mountPath: Paths.configDirectory, readOnly: true),
        ]
        if cluster.spec.rootPasswordSecret != nil {
            mounts.append(VolumeMount(name: "root-password", mountPath: Paths.rootSecretDirectory, readOnly: true))
        }
        return Container(
            name: "mysql", image: image,
            command: ["\(Paths.binDirectory)/kubectl-qmysql", "agent"],
            args: agentOptions.arguments,
            env: [
                .fromField("POD_NAME", fieldPath: "metadata.name"), .fromField("POD_NAMESPACE", fieldPath: "metadata.namespace"),
                .fromField("POD_IP", fieldPath: "status.podIP"),
                // The image's client finds the server without options: `kubectl exec POD -- mariadb`.
                EnvVar(name: "MYSQL_UNIX_PORT", value: "\(Paths.run)/mysqld.sock"),
            ],
            ports: [
                Self.port("mysql", DefaultPorts.mysql), Self.port("galera", DefaultPorts.galera),
                Self.port("ist", DefaultPorts.ist), Self.port("sst", DefaultPorts.sst), Self.port("agent", DefaultPorts.agent),
            ],
            volumeMounts: mounts,
            resources: cluster.spec.resources,
            // Ready = Synced in the Primary component: what the client Service routes to.
            readinessProbe: Self.httpProbe(AgentPaths.readiness, port: "agent", period: 2, failures: 2),
            // The agent answers /livez whatever mysqld does: an SST or a long recovery never gets
            // the node killed. Only a hung agent does.
            livenessProbe: Self.httpProbe(AgentPaths.liveness, port: "agent", period: 10, failures: 6, timeout: 5),
            startupProbe: Self.httpProbe(AgentPaths.liveness, port: "agent", period: 2, failures: 60),
            securityContext: Self.restrictedContainer)
    }

    /// Copies the agent binary from the qmysql image into the pod, so the database image stays
    /// the flavor's own, unmodified.
    var installAgentContainer: Container {
        Container(
            name: "install-agent", image: settings.image, imagePullPolicy: settings.imagePullPolicy,
            command: [settings.binaryPath, "install-binary", "--to", "\(Paths.binDirectory)/kubectl-qmysql"],
            volumeMounts: [VolumeMount(name: "qmysql-bin", mountPath: Paths.binDirectory)],
            securityContext: Self.restrictedContainer)
    }

    var volumeClaimTemplate: PersistentVolumeClaimTemplate {
        let storage = cluster.spec.storage
        return PersistentVolumeClaimTemplate(
            metadata: ObjectMeta(name: "data", labels: labels(QiniuLabels.database)),
            spec: PersistentVolumeClaimSpec(
                accessModes: ["ReadWriteOnce"], storageClassName: storage?.storageClassName,
                resources: ResourceRequirements(requests: ["storage": storage?.size ?? Self.defaultStorageSize])))
    }

    var databaseVolumes: [Volume] {
        let spec = cluster.spec
        var volumes = [
            Volume(name: "run", emptyDir: EmptyDirVolumeSource()),
            Volume(name: "qmysql-bin", emptyDir: EmptyDirVolumeSource()),
            Volume(name: "secret", secret: SecretVolumeSource(
                secretName: names.secret,
                // The passwords: the agent keeps the TCP accounts equal to them (AccountSetup).
                items: Self.secretItems([
                    ClusterSecrets.Key.agentToken, ClusterSecrets.Key.caCertificate, ClusterSecrets.Key.certificate,
                    ClusterSecrets.Key.key, ClusterSecrets.Key.monitorPassword,
                ] + (spec.rootPasswordSecret == nil ? [ClusterSecrets.Key.rootPassword] : [])),
                defaultMode: 0o440)),
            Volume(name: "config", configMap: ConfigMapVolumeSource(name: names.configMap)),
        ]
        if let userSecret = spec.rootPasswordSecret {
            volumes.append(Volume(name: "root-password", secret: SecretVolumeSource(
                secretName: userSecret, items: [KeyToPath(key: "password", path: "root-password")], defaultMode: 0o440)))
        }
        return volumes
    }

    var statefulSet: StatefulSet {
        let spec = cluster.spec
        var podSpec = PodSpec(
            containers: [databaseContainer], initContainers: [installAgentContainer], volumes: databaseVolumes,
            // Database pods call no Kubernetes API.
            automountServiceAccountToken: false, enableServiceLinks: false,
            terminationGracePeriodSeconds: terminationGracePeriod,
            affinity: spec.affinity ?? defaultAffinity,
            securityContext: Self.restrictedPod(uid: flavor.imageUserID),
            priorityClassName: spec.priorityClassName)
        if let nodeSelector = spec.nodeSelector, !nodeSelector.isEmpty { podSpec.nodeSelector = nodeSelector }
        if let tolerations = spec.tolerations, !tolerations.isEmpty { podSpec.tolerations = .array(tolerations) }
        if let pullSecrets = spec.imagePullSecrets, !pullSecrets.isEmpty { podSpec.imagePullSecrets = pullSecrets }
        return StatefulSet(
            metadata: metadata(names.statefulSet, component: QiniuLabels.database, annotations: [Self.flavorAnnotation: flavor.rawValue]),
            spec: StatefulSetSpec(
                replicas: replicas,
                selector: LabelSelector(matchLabels: databaseSelector),
                template: PodTemplateSpec(metadata: ObjectMeta(labels: podLabels, annotations: podAnnotations), spec: podSpec),
                serviceName: names.peersService,
                volumeClaimTemplates: [volumeClaimTemplate],
                // Parallel: after a full stop every pod must come up at once, or the StatefulSet
                // waits for pod 0 to be Ready, which needs the cluster the others would form.
                podManagementPolicy: "Parallel",
                // The operator replaces pods itself, one at a time and only while the cluster is
                // Green (docs/operator.md, "Rolling changes").
                updateStrategy: StatefulSetUpdateStrategy(type: "OnDelete"),
                // Claims outlive the StatefulSet; the operator deletes them only when the user asked.
                persistentVolumeClaimRetentionPolicy: PersistentVolumeClaimRetentionPolicy(whenDeleted: "Retain", whenScaled: "Retain")))
    }
}
