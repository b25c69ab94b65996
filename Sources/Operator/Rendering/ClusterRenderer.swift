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
        [secret, configMap, peersService, clientService, controllerServiceAccount, controllerService,
         podDisruptionBudget, statefulSet, backupClaim, controllerDeployment]
    }

    // MARK: - Shared pieces

    /// The labels that select the database pods: fixed forever (a StatefulSet's selector cannot change).
    var databaseSelector: JSONValue {
        .object([
            QiniuLabels.name: "qmysql", QiniuLabels.instance: .string(names.cluster), QiniuLabels.component: .string(QiniuLabels.database),
        ])
    }

    var controllerSelector: JSONValue {
        .object([
            QiniuLabels.name: "qmysql", QiniuLabels.instance: .string(names.cluster), QiniuLabels.component: .string(QiniuLabels.controller),
        ])
    }

    func labels(_ component: String) -> JSONValue {
        .object(QiniuLabels.common(cluster: names.cluster, component: component).mapValues { .string($0) })
    }

    var ownerReference: JSONValue {
        [
            "apiVersion": .string(QiniuMySQL.resourceType.apiVersion), "kind": .string(QiniuMySQL.resourceType.kind),
            "name": .string(names.cluster), "uid": .string(cluster.metadata.uid ?? ""),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }

    func metadata(_ name: String, component: String, annotations: [String: String] = [:]) -> JSONValue {
        var metadata: JSONValue = [
            "name": .string(name), "namespace": .string(namespace), "labels": labels(component),
            "ownerReferences": [ownerReference],
        ]
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations.mapValues { .string($0) }) }
        return metadata
    }

    /// The restricted Pod Security Standard, for a container.
    static let restrictedContainer: JSONValue = [
        "allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]], "readOnlyRootFilesystem": false,
    ]

    /// The qmysql image's user (the Dockerfile's `USER 65532:65532`): the operator's and the
    /// controllers' pods run as it.
    public static let qmysqlImageUserID = 65532

    /// The restricted Pod Security Standard, for a pod running as `uid`.
    static func restrictedPod(uid: Int) -> JSONValue {
        [
            "runAsNonRoot": true, "runAsUser": .int(Int64(uid)), "runAsGroup": .int(Int64(uid)), "fsGroup": .int(Int64(uid)),
            "seccompProfile": ["type": "RuntimeDefault"],
        ]
    }

    static func env(_ name: String, field: String) -> JSONValue {
        ["name": .string(name), "valueFrom": ["fieldRef": ["fieldPath": .string(field)]]]
    }

    static func port(_ name: String, _ number: Int) -> JSONValue {
        ["name": .string(name), "containerPort": .int(Int64(number)), "protocol": "TCP"]
    }

    static func servicePort(_ name: String, _ number: Int) -> JSONValue {
        ["name": .string(name), "port": .int(Int64(number)), "targetPort": .string(name), "protocol": "TCP"]
    }

    /// Only the keys a pod needs, each a file named after its key.
    static func secretItems(_ keys: [String]) -> JSONValue {
        .array(keys.map { ["key": .string($0), "path": .string($0)] })
    }

    /// Every role's API is HTTPS; the kubelet does not verify a probe's certificate.
    static func httpProbe(_ path: String, port: String, period: Int64, failures: Int64, timeout: Int64 = 2) -> JSONValue {
        [
            "httpGet": ["path": .string(path), "port": .string(port), "scheme": "HTTPS"],
            "periodSeconds": .int(period), "failureThreshold": .int(failures), "timeoutSeconds": .int(timeout),
        ]
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
