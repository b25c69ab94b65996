import Foundation
import ControllerAPI
import Galera
import KubeAPI
import QiniuAPI

/// What the schema cannot catch, decided before anything is applied. A refused spec changes
/// nothing: the condition `SpecRejected` says why and what to do, and the objects stay as they are.
public enum SpecCheck {
    /// What the live objects say about the cluster as it runs now.
    public struct Live: Sendable, Hashable {
        public var flavor: String?
        public var storageSize: String?
        public var storageClassName: String?
        public var replicas: Int?
        public var state: ClusterState?
        public var rootPasswordSecretExists: Bool?
        /// The keys of each Secret `referencedSecrets` names, as read; a name that is absent here
        /// was not found.
        public var secretKeys: [String: Set<String>] = [:]

        /// Whether `secretKeys` was filled (the operator read the referenced Secrets).
        public var checkedSecrets = false

        public init(flavor: String? = nil, storageSize: String? = nil, storageClassName: String? = nil, replicas: Int? = nil,
                    state: ClusterState? = nil, rootPasswordSecretExists: Bool? = nil) {
            self.flavor = flavor
            self.storageSize = storageSize
            self.storageClassName = storageClassName
            self.replicas = replicas
            self.state = state
            self.rootPasswordSecretExists = rootPasswordSecretExists
        }
    }

    /// my.cnf settings the agent owns: changing them would cut the node off its cluster or its data.
    public static let reservedSettings: Set<String> = [
        "user", "datadir", "socket", "bind-address", "port", "tmpdir", "pid-file", "log-error",
        "wsrep_on", "wsrep_provider", "wsrep_cluster_name", "wsrep_cluster_address", "wsrep_node_name",
        "wsrep_node_address", "wsrep_node_incoming_address", "wsrep_sst_method", "wsrep_sst_receive_address",
        "wsrep_provider_options", "binlog_format", "innodb_autoinc_lock_mode",
    ]

    /// ...and on MariaDB, the binary log point-in-time recovery reads (Galera.BinaryLog),
    /// which the agent purges itself.
    public static let binaryLogSettings: Set<String> = [
        "log_bin", "log_slave_updates", "server_id", "gtid_domain_id", "wsrep_gtid_mode", "wsrep_gtid_domain_id",
        "binlog_expire_logs_seconds", "expire_logs_days",
    ]

    /// A Secret the spec names (a user's, not ours), the field that names it and the keys it must have.
    public struct SecretReference: Sendable, Hashable {
        public var field: String
        public var name: String
        public var keys: [String]
    }

    /// The object stores' Secrets: the operator reads each (one GET; they are not ours, so not
    /// cached) and refuses the spec while one is missing, rather than leave a controller pod
    /// that cannot mount it. A restore source's only while it still matters
    /// (`ClusterRenderer.restoreSource`).
    public static func referencedSecrets(_ cluster: QiniuMySQL) -> [SecretReference] {
        var references: [SecretReference] = []
        let spec = cluster.spec
        let restoreStore = ClusterRenderer.isSeeded(cluster) ? nil : spec.restoreFrom?.s3
        for (path, store) in [("spec.backup.s3", spec.backup?.s3), ("spec.restoreFrom.s3", restoreStore)] {
            guard let store else { continue }
            references.append(.init(field: "\(path).credentialsSecret", name: store.credentialsSecret,
                                    keys: [S3StoreSpec.accessKeyIDKey, S3StoreSpec.secretAccessKeyKey]))
            if let ca = store.caSecret { references.append(.init(field: "\(path).caSecret", name: ca, keys: [S3StoreSpec.caKey])) }
            if let key = store.serverSideEncryption?.customerKeySecret {
                references.append(.init(field: "\(path).serverSideEncryption.customerKeySecret", name: key, keys: [S3EncryptionSpec.customerKeyKey]))
            }
        }
        return references
    }

    /// The reasons `cluster` cannot be applied as it is, each saying what to do; empty when it can.
    public static func problems(_ cluster: QiniuMySQL, live: Live) -> [String] {
        var problems: [String] = []
        let spec = cluster.spec
        if let name = cluster.metadata.name, let problem = ClusterNames.problem(with: name) { problems.append(problem) }
        let replicas = spec.effectiveReplicas
        if replicas < 1 || replicas % 2 == 0 {
            problems.append("spec.replicas \(replicas) must be odd (1, 3, 5, 7 or 9) so that a majority survives one failure")
        }
        let reserved = spec.effectiveFlavor == .mariadb ? reservedSettings.union(binaryLogSettings) : reservedSettings
        for key in (spec.config ?? [:]).keys.sorted() {
            let normalized = key.replacingOccurrences(of: "-", with: "_").lowercased()
            if reserved.contains(normalized) || reserved.contains(key.lowercased()) {
                problems.append("spec.config.\(key) is set by the agent and cannot be overridden; remove it")
            } else if key.contains("\n") || key.contains("=") || (spec.config?[key] ?? "").contains("\n") {
                problems.append("spec.config.\(key) must be one line without '=' in the name")
            }
        }
        if let preferred = spec.preferredWriter, let name = cluster.metadata.name,
           !(0..<replicas).map({ ClusterNames(cluster: name).node($0) }).contains(preferred) {
            problems.append("spec.preferredWriter \(preferred) is not a node of \(name) (\(ClusterNames(cluster: name).node(0)) to \(ClusterNames(cluster: name).node(max(0, replicas - 1)))); name one, or remove it")
        }
        if spec.backup?.pitr?.enable == true, spec.effectiveFlavor == .percona {
            problems.append("spec.backup.pitr is not available for flavor percona yet: its binary log numbers transactions per server UUID, which the archive does not read; remove spec.backup.pitr or use flavor mariadb")
        }
        if spec.rootPasswordSecret != nil, live.rootPasswordSecretExists == false {
            problems.append("spec.rootPasswordSecret \"\(spec.rootPasswordSecret!)\" does not exist in namespace \(cluster.metadata.namespace ?? "default"); create it with key 'password' or remove the field to have one generated")
        }
        for (path, store) in [("spec.backup.s3", spec.backup?.s3), ("spec.restoreFrom.s3", spec.restoreFrom?.s3)] {
            problems += store?.problems(at: path) ?? []
        }
        if live.checkedSecrets {
            let namespace = cluster.metadata.namespace ?? "default"
            for reference in referencedSecrets(cluster) {
                guard let keys = live.secretKeys[reference.name] else {
                    problems.append("\(reference.field) \"\(reference.name)\" does not exist in namespace \(namespace); create it with \(reference.keys.map { "key '\($0)'" }.joined(separator: " and "))")
                    continue
                }
                for key in reference.keys where !keys.contains(key) {
                    problems.append("\(reference.field) \"\(reference.name)\" has no key '\(key)'; add it (it has \(keys.isEmpty ? "none" : keys.sorted().joined(separator: ", ")))")
                }
            }
        }
        if let liveFlavor = live.flavor, liveFlavor != spec.effectiveFlavor.rawValue {
            problems.append("spec.flavor cannot change (the cluster runs \(liveFlavor)); restore a backup into a new cluster instead")
        }
        let wanted = spec.storage?.size ?? ClusterRenderer.defaultStorageSize
        if let liveSize = live.storageSize, wanted != liveSize {
            if let a = Quantity.bytes(wanted), let b = Quantity.bytes(liveSize), a < b {
                problems.append("spec.storage.size cannot shrink from \(liveSize) to \(wanted); volumes only grow")
            } else if Quantity.bytes(wanted) != Quantity.bytes(liveSize) {
                problems.append("spec.storage.size change from \(liveSize) to \(wanted) is not supported yet; expand the PersistentVolumeClaims directly and set the size back to \(liveSize)")
            }
        }
        if let liveClass = live.storageClassName, spec.storage?.storageClassName != liveClass {
            problems.append("spec.storage.storageClassName cannot change (the volumes use \(liveClass))")
        }
        if let liveReplicas = live.replicas, liveReplicas != replicas, live.state == .red {
            problems.append("spec.replicas cannot change from \(liveReplicas) to \(replicas) while the cluster is Red; wait for it to recover (or repair it) first")
        }
        return problems
    }
}

/// Kubernetes quantities, as far as comparing them needs: the API server stores a quantity in its
/// canonical form ("1024Mi" comes back as "1Gi", "1000m" as "1"), so sizes and resources are
/// compared by value, never by spelling.
enum Quantity {
    static func bytes(_ text: String) -> Double? {
        guard let first = text.unicodeScalars.first, CharacterSet.decimalDigits.contains(first) else { return nil }
        let suffixes: [(String, Double)] = [
            ("Ki", 0x1p10), ("Mi", 0x1p20), ("Gi", 0x1p30), ("Ti", 0x1p40), ("Pi", 0x1p50), ("Ei", 0x1p60),
            ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }
}
