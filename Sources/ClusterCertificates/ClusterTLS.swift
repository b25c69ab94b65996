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
    /// (`*.NAME-peers...`), the controller's Service, and loopback (the playground).
    public static func serverNames(cluster: String, namespace: String) -> [String] {
        let peers = "\(cluster)-peers"
        let controller = "\(cluster)-controller"
        return ["*.\(peers)", "*.\(peers).\(namespace)", "*.\(peers).\(namespace).svc", "*.\(peers).\(namespace).svc.cluster.local",
                controller, "\(controller).\(namespace)", "\(controller).\(namespace).svc",
                "\(controller).\(namespace).svc.cluster.local", "localhost"]
    }

    public static func generate(cluster: String, namespace: String, now: Date = Date()) throws -> ClusterTLS {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("qmysql")
            CommonName("\(namespace)/\(cluster) cluster CA")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(caKey.publicKey))
            },
            issuerPrivateKey: .init(caKey))

        let key = P256.Signing.PrivateKey()
        var alternativeNames = serverNames(cluster: cluster, namespace: namespace).map { GeneralName.dnsName($0) }
        alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(5 * 365 * 86400),
            issuer: caName,
            subject: try DistinguishedName {
                OrganizationName("qmysql")
                CommonName("\(cluster).\(namespace)")
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                AuthorityKeyIdentifier(keyIdentifier: try ca.extensions.subjectKeyIdentifier?.keyIdentifier)
                SubjectAlternativeNames(alternativeNames)
            },
            issuerPrivateKey: .init(caKey))
        return ClusterTLS(caCertificatePEM: try ca.serializeAsPEM().pemString,
                          certificatePEM: try leaf.serializeAsPEM().pemString, keyPEM: key.pemRepresentation)
    }
}
