import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority that signs leaf certificates: one P-256 key and its self-signed
/// certificate. Both the local API server's CA and each cluster's CA are one of these.
public struct CertificateIssuer: Sendable {
    public let certificate: Certificate
    /// Kept as PEM: the Crypto key type is not Sendable.
    public let keyPEM: String

    public init(certificate: Certificate, keyPEM: String) {
        self.certificate = certificate
        self.keyPEM = keyPEM
    }

    /// A new CA named `subject`, valid for `validity` from an hour ago (clock skew).
    public static func generate(subject: DistinguishedName, validity: TimeInterval, maxPathLength: Int? = nil,
                                now: Date = Date()) throws -> CertificateIssuer {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(validity),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: maxPathLength))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        return CertificateIssuer(certificate: certificate, keyPEM: key.pemRepresentation)
    }

    public var certificatePEM: String { (try? certificate.serializeAsPEM().pemString) ?? "" }

    /// A leaf certificate for `publicKey`, signed by this CA, valid for `validity` from five
    /// minutes ago.
    public func sign(publicKey: Certificate.PublicKey, subject: DistinguishedName, validity: TimeInterval,
                     usages: [ExtendedKeyUsage.Usage], subjectAlternativeNames: SubjectAlternativeNames?,
                     now: Date = Date()) throws -> Certificate {
        let key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage(usages)
                AuthorityKeyIdentifier(keyIdentifier: try certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
                if let subjectAlternativeNames { subjectAlternativeNames }
            },
            issuerPrivateKey: .init(key))
    }
}
