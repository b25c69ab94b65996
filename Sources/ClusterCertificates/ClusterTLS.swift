import Crypto
import Foundation
import SwiftASN1
import X509

/// One cluster's TLS material: a CA of its own and one serving certificate that its agents and
/// its controller present. Callers trust only this cluster's CA, so a certificate of another
/// cluster (or anything else) is refused even inside the same Kubernetes cluster.
///
/// Generated with the cluster's Secret and kept there (`ca.crt`, `ca.key`, `tls.crt`, `tls.key`);
/// P-256 keys; the CA is valid for ten years, the serving certificate for one and renewed by the
/// operator with the same CA when a third of it is left (`CertificateRenewal`, docs/encryption.md).
public struct ClusterTLS: Sendable, Hashable {
    public var caCertificatePEM: String
    /// The CA's private key: what renews the serving certificate without changing what anyone
    /// trusts. nil for a cluster made before it was kept (its CA cannot sign again).
    public var caKeyPEM: String?
    public var certificatePEM: String
    public var keyPEM: String

    /// How long a new CA is valid.
    public static let authorityValidity: TimeInterval = 10 * 365 * 86400
    /// How long a new serving certificate is valid (at most as long as its CA).
    public static let leafValidity: TimeInterval = 365 * 86400

    public init(caCertificatePEM: String, caKeyPEM: String? = nil, certificatePEM: String, keyPEM: String) {
        self.caCertificatePEM = caCertificatePEM
        self.caKeyPEM = caKeyPEM
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    /// The names the serving certificate is valid for: every node through the peers Service
    /// (`*.NAME-peers...`), the controller's Service, the client Service (`NAME...`: mysqld
    /// serves clients TLS with it), and loopback (the playground).
    public static func serverNames(cluster: String, namespace: String) -> [String] {
        let peers = "\(cluster)-peers"
        let controller = "\(cluster)-controller"
        return ["*.\(peers)", "*.\(peers).\(namespace)", "*.\(peers).\(namespace).svc", "*.\(peers).\(namespace).svc.cluster.local",
                controller, "\(controller).\(namespace)", "\(controller).\(namespace).svc",
                "\(controller).\(namespace).svc.cluster.local",
                cluster, "\(cluster).\(namespace)", "\(cluster).\(namespace).svc", "\(cluster).\(namespace).svc.cluster.local",
                "localhost"]
    }

    /// Whether the certificate in `pem` names `host` (a DNS name, exactly or by a one-label
    /// wildcard, or an IPv4 address): what a client that checks host names accepts. false for
    /// anything unreadable.
    public static func certificate(_ pem: String, names host: String) -> Bool {
        guard let certificate = try? Certificate(pemEncoded: pem),
              let names = try? certificate.extensions.subjectAlternativeNames else { return false }
        let wanted = host.lowercased()
        let octets = wanted.split(separator: ".").compactMap { UInt8($0) }
        for name in names {
            switch name {
            case .dnsName(let dns):
                let dns = dns.lowercased()
                if dns == wanted { return true }
                if dns.hasPrefix("*."), let dot = wanted.firstIndex(of: "."), wanted[wanted.index(after: dot)...] == dns.dropFirst(2) {
                    return true
                }
            case .ipAddress(let address):
                if octets.count == 4, Array(address.bytes) == octets { return true }
            default:
                continue
            }
        }
        return false
    }

    /// When the serving certificate expires; nil if it cannot be read.
    public var leafNotAfter: Date? { Self.notAfter(ofCertificatePEM: certificatePEM) }

    /// When the first certificate in `pem` expires; nil if it cannot be read.
    public static func notAfter(ofCertificatePEM pem: String) -> Date? {
        certificates(inPEM: pem)?.first?.notValidAfter
    }

    /// The certificates of a PEM bundle, in order; nil if any cannot be read. `ca.crt` is one:
    /// the CA that signs first, then older CAs still trusted while a new one takes over.
    public static func certificates(inPEM pem: String) -> [Certificate]? {
        guard let documents = try? PEMDocument.parseMultiple(pemString: pem), !documents.isEmpty else { return nil }
        return try? documents.map { try Certificate(pemDocument: $0) }
    }

    /// Whether `keyPEM` is the private key of the first certificate in `certificatePEM`: a pair
    /// read while the kubelet swaps a Secret's files, or written by hand, may not be.
    public static func key(_ keyPEM: String, belongsTo certificatePEM: String) -> Bool {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM),
              let key = try? Certificate.PrivateKey(pemEncoded: keyPEM) else { return false }
        return key.publicKey == certificate.publicKey
    }

    /// The SHA-1 fingerprint (upper-case hex) of the first certificate in `pem`: what libmariadb
    /// pins a server's certificate by (`MySQLConnectionOptions.pinnedCertificateSHA1`). nil for
    /// anything unreadable.
    public static func sha1Fingerprint(ofCertificatePEM pem: String) -> String? {
        guard let certificate = try? Certificate(pemEncoded: pem) else { return nil }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return nil }
        return Insecure.SHA1.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined()
    }

    /// A new CA and a serving certificate from it.
    public static func generate(cluster: String, namespace: String, now: Date = Date()) throws -> ClusterTLS {
        let ca = try CertificateIssuer.generate(
            subject: try DistinguishedName {
                OrganizationName("qmysql")
                CommonName("\(namespace)/\(cluster) cluster CA")
            },
            validity: authorityValidity, maxPathLength: 0, now: now)
        return try issueLeaf(from: ca, cluster: cluster, namespace: namespace, now: now)
    }

    /// The same CA with a new serving certificate (and key): what a renewal writes. Throws
    /// `RenewalFailure.noAuthorityKey` without the CA's key.
    public func renewingLeaf(cluster: String, namespace: String, now: Date = Date()) throws -> ClusterTLS {
        guard let caKeyPEM else { throw RenewalFailure.noAuthorityKey }
        guard let bundle = Self.certificates(inPEM: caCertificatePEM) else { throw RenewalFailure.unreadableAuthority }
        var renewed = try Self.issueLeaf(from: CertificateIssuer(certificate: bundle[0], keyPEM: caKeyPEM),
                                         cluster: cluster, namespace: namespace, now: now)
        // The signing CA first; older CAs stay trusted until they expire. The text is kept as
        // it is unless one goes (the controller's pod template names the CA text's fingerprint).
        let trusted = [bundle[0]] + bundle.dropFirst().filter { $0.notValidAfter > now }
        renewed.caCertificatePEM = trusted.count == bundle.count ? caCertificatePEM : try Self.bundle(trusted)
        return renewed
    }

    /// A new CA and serving certificate, still trusting the CAs of `self` that have not expired:
    /// a peer that has not loaded the new files yet is still believed (its certificate is from
    /// an old CA) while every peer that has loaded them presents a certificate the others will
    /// trust once they load them too.
    public func reissuing(cluster: String, namespace: String, now: Date = Date()) throws -> ClusterTLS {
        var fresh = try Self.generate(cluster: cluster, namespace: namespace, now: now)
        let older = (Self.certificates(inPEM: caCertificatePEM) ?? []).filter { $0.notValidAfter > now }
        if !older.isEmpty { fresh.caCertificatePEM = try Self.bundle(Self.certificates(inPEM: fresh.caCertificatePEM)! + older) }
        return fresh
    }

    static func bundle(_ certificates: [Certificate]) throws -> String {
        try certificates.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
    }

    public enum RenewalFailure: Error, CustomStringConvertible {
        case noAuthorityKey
        case unreadableAuthority
        public var description: String {
            switch self {
            case .noAuthorityKey: "the cluster's CA key (ca.key) is not kept, so the CA cannot sign a new certificate"
            case .unreadableAuthority: "the cluster's CA certificate (ca.crt) cannot be read"
            }
        }
    }

    static func issueLeaf(from ca: CertificateIssuer, cluster: String, namespace: String, now: Date) throws -> ClusterTLS {
        let key = P256.Signing.PrivateKey()
        var alternativeNames = serverNames(cluster: cluster, namespace: namespace).map { GeneralName.dnsName($0) }
        alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        // Never past the CA: a chain is only as valid as its shortest link.
        let validity = min(leafValidity, ca.certificate.notValidAfter.timeIntervalSince(now))
        let leaf = try ca.sign(
            publicKey: .init(key.publicKey),
            subject: try DistinguishedName {
                OrganizationName("qmysql")
                CommonName("\(cluster).\(namespace)")
            },
            validity: validity, usages: [.serverAuth, .clientAuth],
            subjectAlternativeNames: SubjectAlternativeNames(alternativeNames), now: now)
        return ClusterTLS(caCertificatePEM: ca.certificatePEM, caKeyPEM: ca.keyPEM,
                          certificatePEM: try leaf.serializeAsPEM().pemString, keyPEM: key.pemRepresentation)
    }
}
