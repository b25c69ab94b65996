import Galera
import QiniuAPI

/// Which replication encryption the database pods' template carries, so that a change between
/// plain TCP and TLS never splits the cluster. A node that requires TLS and one that speaks only
/// plain TCP cannot talk to each other; a node in `accepting` talks to both (measured on Galera
/// 4: plain TCP to a plain peer, TLS records only to a TLS peer). So a change goes through
/// `accepting` on every node first, rolled one node at a time while Green, and only then to
/// what was asked.
///
/// What every pod runs is `status.replicationEncryption`, written when a rollout is complete.
public enum EncryptionRollout {
    /// What the spec asks for: `spec.tls.replication`; without it, what the pods run, and
    /// `required` for a cluster whose pods run nothing yet. So a new cluster requires TLS from its
    /// first pod, and a cluster that formed before the setting existed keeps plain TCP until
    /// someone asks (turning it on restarts every node twice), also after its `off` is recorded.
    public static func desired(_ cluster: QiniuMySQL) -> ReplicationEncryption {
        cluster.spec.tls?.replication ?? running(cluster.status) ?? .required
    }

    /// What every database pod runs; nil for a cluster that never formed (no running node has
    /// anything to keep talking to).
    public static func running(_ status: QiniuMySQLStatus?) -> ReplicationEncryption? {
        if let recorded = status?.replicationEncryption { return recorded }
        return formedWithoutRecord(status) ? .off : nil
    }

    /// The template's value: the desired one when every pod can talk to a node running it, else
    /// `accepting`, which every mode can talk to.
    public static func rendered(desired: ReplicationEncryption, running: ReplicationEncryption?) -> ReplicationEncryption {
        guard let running, running != desired, running != .accepting else { return desired }
        return .accepting
    }

    public static func rendered(_ cluster: QiniuMySQL) -> ReplicationEncryption {
        rendered(desired: desired(cluster), running: running(cluster.status))
    }

    /// What to record as running after this reconcile: the template's value once every pod runs
    /// the current template (`rolledOut`) or while the cluster never formed, else what was recorded.
    public static func recorded(_ cluster: QiniuMySQL, rolledOut: Bool) -> ReplicationEncryption? {
        let current = running(cluster.status)
        return rolledOut || current == nil ? rendered(cluster) : current
    }

    /// Formed by an operator that did not record the encryption: its pods run plain TCP.
    static func formedWithoutRecord(_ status: QiniuMySQLStatus?) -> Bool {
        status?.replicationEncryption == nil && status?.clusterUUID != nil
    }
}
