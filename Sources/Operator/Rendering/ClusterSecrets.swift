import ClusterCertificates
import Foundation
import KubeAPI

/// The generated credentials of one cluster. Created once with the cluster's Secret: the
/// operator reads them back from the Secret, and only a missing Secret gets new ones (see
/// `ClusterReconciler`). The passwords and token are never rotated by a reconcile; the
/// certificates are renewed in place when `CertificateRenewal` says so.
public struct ClusterSecrets: Sendable, Hashable {
    /// nil when the user names `spec.rootPasswordSecret`: that Secret is used as given.
    public var rootPassword: String?
    public var monitorPassword: String
    public var backupPassword: String
    public var agentToken: String
    /// The cluster's CA and the certificate its agents and controller serve HTTPS with.
    public var tls: ClusterTLS

    public init(rootPassword: String?, monitorPassword: String, backupPassword: String, agentToken: String, tls: ClusterTLS) {
        self.rootPassword = rootPassword
        self.monitorPassword = monitorPassword
        self.backupPassword = backupPassword
        self.agentToken = agentToken
        self.tls = tls
    }

    /// The keys in the cluster's Secret.
    public enum Key {
        public static let rootPassword = "root-password"
        public static let monitorPassword = "monitor-password"
        public static let backupPassword = "backup-password"
        public static let agentToken = "agent-token"
        public static let caCertificate = "ca.crt"
        /// The CA's private key: only the operator reads it (no pod mounts it).
        public static let caKey = "ca.key"
        public static let certificate = "tls.crt"
        public static let key = "tls.key"
    }

    /// Fresh random credentials (32 characters from a 62-letter alphabet, about 190 bits) and a
    /// new CA and certificate for `cluster` in `namespace`.
    public static func generate(withRootPassword: Bool, cluster: String, namespace: String) throws -> ClusterSecrets {
        var generator = SystemRandomNumberGenerator()
        return ClusterSecrets(
            rootPassword: withRootPassword ? random(using: &generator) : nil,
            monitorPassword: random(using: &generator), backupPassword: random(using: &generator),
            agentToken: random(using: &generator), tls: try ClusterTLS.generate(cluster: cluster, namespace: namespace))
    }

    /// The certificate keys of a Secret's `data` for `tls` (base64 is the API's encoding).
    public static func certificateData(_ tls: ClusterTLS) -> [String: Data] {
        var data = [Key.caCertificate: Data(tls.caCertificatePEM.utf8), Key.certificate: Data(tls.certificatePEM.utf8),
                    Key.key: Data(tls.keyPEM.utf8)]
        if let caKey = tls.caKeyPEM { data[Key.caKey] = Data(caKey.utf8) }
        return data
    }

    static func random(length: Int = 32, using generator: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// Every key the operator writes, in the order docs/operator.md lists them.
    public static func keys(withRootPassword: Bool) -> [String] {
        (withRootPassword ? [Key.rootPassword] : [])
            + [Key.monitorPassword, Key.backupPassword, Key.agentToken, Key.caCertificate, Key.caKey, Key.certificate, Key.key]
    }

    /// The credentials stored in a Secret's `data` (base64), or nil if any key is missing or
    /// undecodable (then the reconciler reports it and changes nothing). `ca.key` may be missing:
    /// a cluster made before it was kept.
    public init?(secret: Secret, expectsRootPassword: Bool) {
        guard let monitor = secret.string(forKey: Key.monitorPassword), let backup = secret.string(forKey: Key.backupPassword),
              let token = secret.string(forKey: Key.agentToken), let ca = secret.string(forKey: Key.caCertificate),
              let certificate = secret.string(forKey: Key.certificate), let key = secret.string(forKey: Key.key) else { return nil }
        let root = secret.string(forKey: Key.rootPassword)
        if expectsRootPassword, root == nil { return nil }
        self.init(rootPassword: expectsRootPassword ? root : nil, monitorPassword: monitor, backupPassword: backup, agentToken: token,
                  tls: ClusterTLS(caCertificatePEM: ca, caKeyPEM: secret.string(forKey: Key.caKey), certificatePEM: certificate, keyPEM: key))
    }
}
