import Crypto
import Foundation
import SwiftASN1
import X509

/// One cluster's TLS material: a CA of its own and one serving certificate that its agents and
/// its controller present. Callers trust only this cluster's CA, so a certificate of another
/// cluster (or anything else) is refused even inside the same Kubernetes cluster.
///
/// Generated once with the cluster's Secret and kept there (`ca.crt`, `tls.crt`, `tls.key`); P-256
/// keys; the CA is valid for ten years, the serving certificate for five (rotation is future work,
/// docs/operator.md).
public struct ClusterTLS: Sendable, Hashable {
    public var caCertificatePEM: String
    public var certificatePEM: String
    public var keyPEM: String

    public init(caCertificatePEM: String, certificatePEM: String, keyPEM: String) {
        self.caCertificatePEM = caCertificatePEM
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

    /// The SHA-1 fingerprint (upper-case hex) of the first certificate in `pem`: what libmariadb
    /// pins a server's certificate by (`MySQLConnectionOptions.pinnedCertificateSHA1`). nil for
    /// anything unreadable.
    public static func sha1Fingerprint(ofCertificatePEM pem: String) -> String? {
        guard let certificate = try? Certificate(pemEncoded: pem) else { return nil }
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return nil }
        return Insecure.SHA1.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined()
    }

    public static func generate(cluster: String, namespace: String, now: Date = Date()) throws -> ClusterTLS {
        let ca = try CertificateIssuer.generate(
            subject: try DistinguishedName {
                OrganizationName("qmysql")
                CommonName("\(namespace)/\(cluster) cluster CA")
            },
            validity: 10 * 365 * 86400, maxPathLength: 0, now: now)
        let key = P256.Signing.PrivateKey()
        var alternativeNames = serverNames(cluster: cluster, namespace: namespace).map { GeneralName.dnsName($0) }
        alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        let leaf = try ca.sign(
            publicKey: .init(key.publicKey),
            subject: try DistinguishedName {
                OrganizationName("qmysql")
                CommonName("\(cluster).\(namespace)")
            },
            validity: 5 * 365 * 86400, usages: [.serverAuth, .clientAuth],
            subjectAlternativeNames: SubjectAlternativeNames(alternativeNames), now: now)
        return ClusterTLS(caCertificatePEM: ca.certificatePEM, certificatePEM: try leaf.serializeAsPEM().pemString,
                          keyPEM: key.pemRepresentation)
    }
}
