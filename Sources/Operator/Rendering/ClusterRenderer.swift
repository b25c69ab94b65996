import AgentAPI
import ControllerAPI
import Foundation
import Galera
import KubeAPI
import QiniuAPI

/// `render(QiniuMySQL, OperatorSettings) -> [objects]`: every Kubernetes object of one cluster,
/// as a pure function of the resource, the operator's settings and the cluster's credentials.
/// No clock, no randomness, no lookups: the same input gives the same bytes, which is what makes
/// "nothing changed, send nothing" and "an operator upgrade restarts no pod" hold. Golden files in
/// Tests/OperatorTests pin the output for both flavors.
public struct ClusterRenderer: Sendable {
    public let cluster: QiniuMySQL
    public let settings: OperatorSettings
    public let secrets: ClusterSecrets

    let names: ClusterNames
    let namespace: String
    let flavor: Flavor
    let replicas: Int

    /// On the StatefulSet: the flavor it was created with (`spec.flavor` cannot change).
    public static let flavorAnnotation = "mysql.qiniu.com/flavor"

    /// The data volume of a node when `spec.storage.size` is absent.
    public static let defaultStorageSize = "10Gi"

    /// Paths inside the pods (docs/operator.md lists them).
    enum Paths {
        static let data = "/var/lib/mysql"
        static let run = "/run/mysqld"
        static let binDirectory = "/qmysql/bin"
        static let secretDirectory = "/etc/qmysql/secret"
        /// The user's own root password Secret (`spec.rootPasswordSecret`), when there is one.
        static let rootSecretDirectory = "/etc/qmysql/root"
        static let configDirectory = "/etc/qmysql/config"
        static let configFile = "my.cnf"
        /// Every member's name, one a line, in the same ConfigMap (`peersFile`).
        static let peersFile = "peers"
        /// The backup store (the `<cluster>-backups` claim), and another cluster's store that
        /// `spec.restoreFrom` names, read-only.
        static let backups = "/var/lib/qmysql-backups"
        /// The controller's state file: on the store's volume, which outlives the controller's
        /// pod (a dot name: never taken for a cluster's backups).
        static let controllerStateFile = "/var/lib/qmysql-backups/.qmysql-controller-state.json"
        static let restoreSource = "/var/lib/qmysql-restore-source"
    }

    public init(cluster: QiniuMySQL, settings: OperatorSettings, secrets: ClusterSecrets) {
        self.cluster = cluster
        self.settings = settings
        self.secrets = secrets
        names = ClusterNames(cluster: cluster.metadata.name ?? "")
        namespace = cluster.metadata.namespace ?? "default"
        flavor = cluster.spec.effectiveFlavor
        replicas = cluster.spec.effectiveReplicas
    }

    /// Every object, in the order they are applied: what others refer to comes first.
    public func render() -> [RenderedObject] {
        [RenderedObject(secret), RenderedObject(configMap), RenderedObject(peersService), RenderedObject(clientService),
         RenderedObject(writerService), RenderedObject(readersService), RenderedObject(controllerServiceAccount), RenderedObject(controllerService), RenderedObject(podDisruptionBudget),
         RenderedObject(statefulSet), RenderedObject(backupClaim), RenderedObject(controllerDeployment)]
    }

    // MARK: - Shared pieces

    /// The labels that select the database pods: fixed forever (a StatefulSet's selector cannot change).
    var databaseSelector: [String: String] {
        [QiniuLabels.name: "qmysql", QiniuLabels.instance: names.cluster, QiniuLabels.component: QiniuLabels.database]
    }

    var controllerSelector: [String: String] {
        [QiniuLabels.name: "qmysql", QiniuLabels.instance: names.cluster, QiniuLabels.component: QiniuLabels.controller]
    }

    func labels(_ component: String) -> [String: String] {
        QiniuLabels.common(cluster: names.cluster, component: component)
    }

    var ownerReference: OwnerReference {
        OwnerReference(apiVersion: QiniuMySQL.resourceType.apiVersion, kind: QiniuMySQL.resourceType.kind,
                       name: names.cluster, uid: cluster.metadata.uid ?? "", controller: true, blockOwnerDeletion: true)
    }

    func metadata(_ name: String, component: String, annotations: [String: String] = [:]) -> ObjectMeta {
        ObjectMeta(name: name, namespace: namespace, labels: labels(component),
                   annotations: annotations.isEmpty ? nil : annotations, ownerReferences: [ownerReference])
    }

    /// The restricted Pod Security Standard, for a container.
    static let restrictedContainer = SecurityContext(
        allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: Capabilities(drop: ["ALL"]))

    /// The qmysql image's user (the Dockerfile's `USER 65532:65532`): the operator's and the
    /// controllers' pods run as it.
    public static let qmysqlImageUserID = 65532

    /// The restricted Pod Security Standard, for a pod running as `uid`.
    static func restrictedPod(uid: Int) -> PodSecurityContext {
        PodSecurityContext(runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: .runtimeDefault)
    }

    static func port(_ name: String, _ number: Int) -> ContainerPort {
        ContainerPort(name: name, containerPort: number, protocol: "TCP")
    }

    static func servicePort(_ name: String, _ number: Int) -> ServicePort {
        ServicePort(name: name, port: number, targetPort: .string(name), protocol: "TCP")
    }

    /// Only the keys a pod needs, each a file named after its key.
    static func secretItems(_ keys: [String]) -> [KeyToPath] {
        keys.map { KeyToPath(key: $0, path: $0) }
    }

    /// Every role's API is HTTPS; the kubelet does not verify a probe's certificate.
    static func httpProbe(_ path: String, port: String, period: Int, failures: Int, timeout: Int = 2) -> Probe {
        Probe(httpGet: HTTPGetAction(path: path, port: .string(port), scheme: "HTTPS"),
              periodSeconds: period, timeoutSeconds: timeout, failureThreshold: failures)
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a stable fingerprint of a rendered input (never a secret).
    public static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
