import Crypto
import Foundation
import X509

/// Whether a cluster's certificates need replacing, and how: a pure decision over the Secret's
/// PEM text and the time, which the operator acts on (docs/encryption.md, "Rotation").
///
/// - A serving certificate is renewed **from the same CA** once a third of its life is left, or
///   at once if it expired, lacks one of the cluster's names, or does not belong to its key or
///   its CA. Nothing restarts: the agents and the controller reload the files the kubelet
///   updates (`CertificateFiles`), mysqld by `FLUSH SSL`, Galera by `socket.ssl_reload`.
/// - A **new CA** is made only when the old one cannot go on: it expired, is about to (less than
///   a third of a serving certificate's life left), cannot be read, or its key was never kept
///   (a cluster made before `ca.key`) when its serving certificate must be renewed. Everything
///   that trusted the old CA reloads too; only the controller restarts (its HTTPS client's trust
///   is fixed at start), which the operator does by a template annotation.
public enum CertificateRenewal {
    public enum Action: Sendable, Equatable {
        /// Good until `until` (then a renewal or, without the CA key, a new CA is due).
        case keep(until: Date)
        /// A new serving certificate from the same CA.
        case renewLeaf(Reason)
        /// A new CA and serving certificate.
        case reissue(Reason)
    }

    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case leafExpiring(notAfter: Date)
        case leafExpired(notAfter: Date)
        case leafLacksNames([String])
        case leafNotFromAuthority
        case leafUnreadable
        case authorityExpiring(notAfter: Date)
        case authorityExpired(notAfter: Date)
        case authorityUnreadable

        public var description: String {
            switch self {
            case .leafExpiring(let date): "the serving certificate expires at \(stamp(date)), with less than a third of its life left"
            case .leafExpired(let date): "the serving certificate expired at \(stamp(date))"
            case .leafLacksNames(let names): "the serving certificate does not name \(names.joined(separator: ", "))"
            case .leafNotFromAuthority: "the serving certificate was not signed by the cluster's CA"
            case .leafUnreadable: "the serving certificate or its key cannot be read, or they do not belong together"
            case .authorityExpiring(let date): "the cluster's CA expires at \(stamp(date)), sooner than a serving certificate would be renewed"
            case .authorityExpired(let date): "the cluster's CA expired at \(stamp(date))"
            case .authorityUnreadable: "the cluster's CA certificate cannot be read"
            }
        }

        private func stamp(_ date: Date) -> String { date.formatted(.iso8601) }
    }

    /// The decision for `tls`, whose serving certificate must name every one of `names` (DNS
    /// names; `ClusterTLS.serverNames`), at `now`.
    public static func decide(_ tls: ClusterTLS, names: [String], now: Date) -> Action {
        // The first certificate of ca.crt signs; any others are older CAs still trusted.
        guard let authority = ClusterTLS.certificates(inPEM: tls.caCertificatePEM)?.first else { return .reissue(.authorityUnreadable) }
        if authority.notValidAfter <= now { return .reissue(.authorityExpired(notAfter: authority.notValidAfter)) }
        let canSign = tls.caKeyPEM.flatMap { try? Certificate.PrivateKey(pemEncoded: $0) }.map { $0.publicKey == authority.publicKey } ?? false
        // A CA that would outlive its next leaf by less than a renewal's margin is replaced
        // with the leaf rather than signing ever shorter ones.
        if authority.notValidAfter.timeIntervalSince(now) < ClusterTLS.leafValidity / 3 {
            return .reissue(.authorityExpiring(notAfter: authority.notValidAfter))
        }
        let renew: (Reason) -> Action = { canSign ? .renewLeaf($0) : .reissue($0) }
        guard let leaf = try? Certificate(pemEncoded: tls.certificatePEM), ClusterTLS.key(tls.keyPEM, belongsTo: tls.certificatePEM) else {
            return renew(.leafUnreadable)
        }
        guard leaf.issuer == authority.subject, authority.publicKey.isValidSignature(leaf.signature, for: leaf) else {
            return renew(.leafNotFromAuthority)
        }
        if leaf.notValidAfter <= now { return renew(.leafExpired(notAfter: leaf.notValidAfter)) }
        let lifetime = leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore)
        let renewAt = leaf.notValidAfter.addingTimeInterval(-lifetime / 3)
        guard canSign else {
            // Without the CA's key a renewal is a new CA: done when it is due, not before.
            return now >= renewAt ? .reissue(.leafExpiring(notAfter: leaf.notValidAfter)) : .keep(until: renewAt)
        }
        if now >= renewAt { return .renewLeaf(.leafExpiring(notAfter: leaf.notValidAfter)) }
        let missing = names.filter { !ClusterTLS.certificate(tls.certificatePEM, names: $0) }
        if !missing.isEmpty { return .renewLeaf(.leafLacksNames(missing)) }
        return .keep(until: renewAt)
    }
}
