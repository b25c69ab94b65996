import AgentAPI
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import QiniuAPI

/// The cluster's controller: a one-replica Deployment with its own ServiceAccount (no API
/// rights, no token mounted) and a Service that the agents report to and the operator reads.
extension ClusterRenderer {
    /// On the controller's pod template: the fingerprint of the CA the controller trusts.
    public static let authorityAnnotation = "mysql.qiniu.com/ca-fingerprint"

    /// The controller's command line: its identity, addresses and files only, which change
    /// only when the pod must be replaced. Everything a user changes while the cluster runs goes
    /// in `controllerSpec`, sent to the running controller (no restart).
    public var controllerOptions: ControllerOptions {
        var options = ControllerOptions(
            cluster: names.cluster, nodes: [],
            agentTokenFile: "\(Paths.secretDirectory)/\(ClusterSecrets.Key.agentToken)")
        options.monitorPasswordFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.monitorPassword)"
        // On the backup store's volume: it outlives the pod (an emptyDir would not).
        options.stateFile = Paths.controllerStateFile
        // The pod's address, as the agent does (see `agentOptions`).
        options.listen = "$(POD_IP):\(DefaultPorts.controller)"
        options.logFormat = AgentOptions.LogFormat(rawValue: settings.logFormat) ?? .json
        options.tlsCertificateFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.certificate)"
        options.tlsKeyFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.key)"
        options.caFile = "\(Paths.secretDirectory)/\(ClusterSecrets.Key.caCertificate)"
        // Backups: the store always (manual backups need no schedule).
        if let s3 = cluster.spec.backup?.s3 {
            options.backupS3 = Self.storeOptions(s3, namespace: namespace, mounts: .backup)
        } else {
            options.backupDirectory = Paths.backups
        }
        if let source = restoreSource {
            options.restoreFrom = "\(source.cluster)/\(source.backup)"
            if let s3 = source.s3 {
                options.restoreFromS3 = Self.storeOptions(s3, namespace: namespace, mounts: .restoreSource)
            } else if source.cluster != names.cluster {
                options.restoreFromDirectory = Paths.restoreSource
            }
        }
        return options
    }

    /// Where one S3 store's Secrets are mounted in the controller's pod: the cluster's own store
    /// and a restore source's each have their own directories.
    enum S3Mounts: String {
        case backup = "s3"
        case restoreSource = "restore-s3"

        var credentials: String { "/etc/qmysql/\(rawValue)/credentials" }
        var authority: String { "/etc/qmysql/\(rawValue)/ca" }
        var customerKey: String { "/etc/qmysql/\(rawValue)/sse" }
    }

    static func storeOptions(_ s3: S3StoreSpec, namespace: String, mounts: S3Mounts) -> S3StoreOptions {
        S3StoreOptions(
            endpoint: s3.endpoint, bucket: s3.bucket, prefix: s3.effectivePrefix(namespace: namespace),
            region: s3.region ?? S3StoreSpec.defaultRegion, virtualHost: s3.addressing == .virtualHost,
            credentialsDirectory: mounts.credentials,
            caFile: s3.caSecret.map { _ in mounts.authority + "/" + S3StoreSpec.caKey },
            encryption: s3.serverSideEncryption?.mode,
            customerKeyFile: s3.serverSideEncryption?.customerKeySecret.map { _ in mounts.customerKey + "/" + S3EncryptionSpec.customerKeyKey })
    }

    /// The store's Secrets as volumes, each only the keys it needs (read by the controller's user).
    static func storeVolumes(_ s3: S3StoreSpec, mounts: S3Mounts) -> [(Volume, VolumeMount)] {
        var secrets: [(String, String, String, [String])] = [
            ("credentials", s3.credentialsSecret, mounts.credentials, [S3StoreSpec.accessKeyIDKey, S3StoreSpec.secretAccessKeyKey]),
        ]
        if let ca = s3.caSecret { secrets.append(("ca", ca, mounts.authority, [S3StoreSpec.caKey])) }
        if let key = s3.serverSideEncryption?.customerKeySecret {
            secrets.append(("sse", key, mounts.customerKey, [S3EncryptionSpec.customerKeyKey]))
        }
        return secrets.map { part, secretName, path, keys in
            let name = "\(mounts.rawValue)-\(part)"
            return (Volume(name: name, secret: SecretVolumeSource(secretName: secretName, items: secretItems(keys), defaultMode: 0o440)),
                    VolumeMount(name: name, mountPath: path, readOnly: true))
        }
    }

    /// The desired state the operator sends to the running controller (`PUT /v1/spec`), from
    /// the QiniuMySQL's spec and generation, and the formed UUID from its status.
    public var controllerSpec: ControllerSpec { Self.controllerSpec(of: cluster) }

    /// `controllerSpec` without rendering anything else (it needs no credentials): a reconcile
    /// that finds every object as it last rendered it sends this and renders nothing.
    public static func controllerSpec(of cluster: QiniuMySQL) -> ControllerSpec {
        let names = ClusterNames(cluster: cluster.metadata.name ?? "")
        let backup = cluster.spec.backup
        return ControllerSpec(
            generation: cluster.metadata.generation ?? 0,
            owner: cluster.metadata.uid,
            nodes: (0..<cluster.spec.effectiveReplicas).map { ordinal in
                ControllerOptions.Node(
                    name: names.node(ordinal), agentURL: "https://\(names.nodeHost(ordinal)):\(DefaultPorts.agent)",
                    sqlAddress: "\(names.nodeHost(ordinal)):\(DefaultPorts.mysql)")
            },
            intent: cluster.spec.paused == true ? .paused : .serving,
            autoRecovery: cluster.spec.autoRecovery ?? true,
            formedUUID: cluster.status?.clusterUUID,
            backupSchedule: backup?.enable == true ? .init(times: backup?.backupTime ?? "01:01", timeZone: backup?.timeZone) : nil,
            reservedDays: backup?.reservedDays ?? BackupSpec.defaultReservedDays,
            pitrSegmentSeconds: backup?.pitr?.effectiveSegmentSeconds,
            preferredWriter: cluster.spec.preferredWriter)
    }

    /// `spec.restoreFrom` while it still matters: until the cluster was formed from it and the
    /// seeding restore ended. Kept through the formation (step 4 learns the UUID while step 5
    /// still runs): dropping it then would change the pod template and cut the restore.
    var restoreSource: (cluster: String, backup: String, s3: S3StoreSpec?)? {
        guard let from = cluster.spec.restoreFrom, !Self.isSeeded(cluster) else { return nil }
        return (from.cluster ?? names.cluster, from.backup, from.s3)
    }

    /// Whether the cluster was formed and serves: `spec.restoreFrom` no longer matters.
    public static func isSeeded(_ cluster: QiniuMySQL) -> Bool {
        cluster.status?.clusterUUID != nil && cluster.status?.phase == .serving
    }

    public static let stateOnlyClaimSize = "1Gi"

    /// The backup store's claim. It has no owner: backups outlive the cluster (the operator
    /// deletes it only with `spec.backup.storage.deleteClaimsOnDelete`).
    var backupClaim: PersistentVolumeClaim {
        let storage = cluster.spec.backup?.storage
        // With an S3 store the claim keeps only the controller's state file.
        let size = storage?.size ?? (cluster.spec.backup?.s3 != nil ? Self.stateOnlyClaimSize : cluster.spec.storage?.size ?? Self.defaultStorageSize)
        return PersistentVolumeClaim(
            metadata: ObjectMeta(name: names.backups, namespace: namespace, labels: labels("backups")),
            spec: PersistentVolumeClaimSpec(
                accessModes: ["ReadWriteOnce"], storageClassName: storage?.storageClassName,
                resources: ResourceRequirements(requests: ["storage": size])))
    }

    var controllerServiceAccount: ServiceAccount {
        ServiceAccount(metadata: metadata(names.controller, component: QiniuLabels.controller), automountServiceAccountToken: false)
    }

    var controllerService: Service {
        Service(metadata: metadata(names.controller, component: QiniuLabels.controller), spec: ServiceSpec(
            type: "ClusterIP", selector: controllerSelector, ports: [Self.servicePort("http", DefaultPorts.controller)]))
    }

    var controllerDeployment: Deployment {
        var mounts = [
            VolumeMount(name: "secret", mountPath: Paths.secretDirectory, readOnly: true),
            VolumeMount(name: "backups", mountPath: Paths.backups),
        ]
        var volumes = [
            Volume(name: "secret", secret: SecretVolumeSource(
                secretName: names.secret,
                items: Self.secretItems([
                    ClusterSecrets.Key.agentToken, ClusterSecrets.Key.monitorPassword,
                    ClusterSecrets.Key.caCertificate, ClusterSecrets.Key.certificate, ClusterSecrets.Key.key,
                ]),
                defaultMode: 0o440)),
            Volume(name: "backups", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: names.backups)),
        ]
        for (volume, mount) in cluster.spec.backup?.s3.map({ Self.storeVolumes($0, mounts: .backup) }) ?? [] {
            volumes.append(volume)
            mounts.append(mount)
        }
        // Another cluster's store, read-only, while this cluster is formed from one of its backups.
        if let source = restoreSource, let s3 = source.s3 {
            for (volume, mount) in Self.storeVolumes(s3, mounts: .restoreSource) {
                volumes.append(volume)
                mounts.append(mount)
            }
        } else if let source = restoreSource, source.cluster != names.cluster {
            mounts.append(VolumeMount(name: "restore-source", mountPath: Paths.restoreSource, readOnly: true))
            volumes.append(Volume(name: "restore-source", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(
                claimName: ClusterNames.backupClaim(of: source.cluster), readOnly: true)))
        }
        let container = Container(
            name: "controller", image: settings.image, imagePullPolicy: settings.imagePullPolicy,
            command: [settings.binaryPath, "controller"],
            args: controllerOptions.arguments,
            env: [.fromField("POD_IP", fieldPath: "status.podIP")],
            ports: [Self.port("http", DefaultPorts.controller)],
            volumeMounts: mounts,
            resources: ResourceRequirements(requests: ["cpu": "50m", "memory": "64Mi"], limits: ["memory": "256Mi"]),
            readinessProbe: Self.httpProbe(ControllerPaths.health, port: "http", period: 5, failures: 3),
            livenessProbe: Self.httpProbe(ControllerPaths.health, port: "http", period: 10, failures: 6, timeout: 5),
            securityContext: Self.restrictedContainer)
        return Deployment(metadata: metadata(names.controller, component: QiniuLabels.controller), spec: DeploymentSpec(
            replicas: 1,
            selector: LabelSelector(matchLabels: controllerSelector),
            template: PodTemplateSpec(
                // The controller's client to the agents trusts the CA it started with: a new
                // CA (only ever when the old one cannot go on, `CertificateRenewal`) restarts it.
                metadata: ObjectMeta(labels: labels(QiniuLabels.controller),
                                     annotations: [Self.authorityAnnotation: Self.fingerprint(secrets.tls.caCertificatePEM)]),
                spec: PodSpec(
                    containers: [container], volumes: volumes,
                    serviceAccountName: names.controller, automountServiceAccountToken: false, enableServiceLinks: false,
                    securityContext: Self.restrictedPod(uid: Self.qmysqlImageUserID))),
            // Never two controllers for one cluster, not even during a rollout.
            strategy: DeploymentStrategy(type: "Recreate")))
    }
}
