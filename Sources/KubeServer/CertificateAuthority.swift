import ClusterCertificates
import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// The server's own certificate authority: it signs the serving certificate and the client
/// certificates tests and the playground use, and is the only issuer the server trusts for
/// client-certificate authentication. P-256 keys throughout, like a kubeadm-made cluster's
/// modern defaults. Keep `keyPEM` to restart a server with the same CA (kubeconfigs stay valid).
public struct CertificateAuthority: Sendable {
    let issuer: CertificateIssuer
    public var certificate: Certificate { issuer.certificate }
    /// Kept as PEM: the Crypto key type is not Sendable.
    public var keyPEM: String { issuer.keyPEM }

    /// A new CA, valid for ten years.
    public static func generate(commonName: String = "qmysql-local-ca") throws -> CertificateAuthority {
        CertificateAuthority(issuer: try CertificateIssuer.generate(
            subject: try DistinguishedName { CommonName(commonName) }, validity: 10 * 365 * 86400))
    }

    /// A CA saved earlier with `certificatePEM` and `keyPEM`.
    public init(certificatePEM: String, keyPEM: String) throws {
        _ = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        issuer = CertificateIssuer(certificate: try Certificate(pemEncoded: certificatePEM), keyPEM: keyPEM)
    }

    init(issuer: CertificateIssuer) { self.issuer = issuer }

    public var certificatePEM: String { issuer.certificatePEM }

    /// The serving certificate: for 127.0.0.1 and localhost (plus any extra names), valid one year.
    func issueServerCertificate(extraNames: [String] = []) throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        var names: [GeneralName] = [.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])), .dnsName("localhost")]
        names += extraNames.map { GeneralName.dnsName($0) }
        let certificate = try sign(publicKey: .init(key.publicKey),
                                   subject: try DistinguishedName { CommonName("qmysql-local-apiserver") },
                                   validity: 365 * 86400, usage: .serverAuth,
                                   subjectAlternativeNames: SubjectAlternativeNames(names))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    /// A client certificate for `user` in `groups` (CN and O, as kube reads them).
    func issueClientCertificate(user: String, groups: [String], keyType: ClientKeyType,
                                validity: TimeInterval) throws -> ClientCertificate {
        let subject = try DistinguishedName {
            for group in groups { OrganizationName(group) }
            CommonName(user)
        }
        let publicKey: Certificate.PublicKey
        let keyPEM: String
        switch keyType {
        case .rsaPKCS1, .rsaPKCS8:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            publicKey = .init(key.publicKey)
            keyPEM = keyType == .rsaPKCS1 ? Self.pkcs1PEM(key) : key.pkcs8PEMRepresentation
        case .ecPKCS8, .ecSEC1:
            let key = P256.Signing.PrivateKey()
            publicKey = .init(key.publicKey)
            keyPEM = keyType == .ecPKCS8 ? key.pemRepresentation : try Self.sec1PEM(key)
        }
        let certificate = try sign(publicKey: publicKey, subject: subject, validity: validity, usage: .clientAuth,
                                   subjectAlternativeNames: nil)
        return ClientCertificate(user: user, groups: groups, certificatePEM: try certificate.serializeAsPEM().pemString,
                                 keyPEM: keyPEM, keyType: keyType)
    }

    private func sign(publicKey: Certificate.PublicKey, subject: DistinguishedName, validity: TimeInterval,
                      usage: ExtendedKeyUsage.Usage, subjectAlternativeNames: SubjectAlternativeNames?) throws -> Certificate {
        try issuer.sign(publicKey: publicKey, subject: subject, validity: validity, usages: [usage],
                        subjectAlternativeNames: subjectAlternativeNames)
    }

    /// Whether a presented client certificate chains to this CA, is valid now and is for client auth.
    func verifiesClient(_ leaf: Certificate, intermediates: [Certificate]) async -> Bool {
        var verifier = Verifier(rootCertificates: CertificateStore([certificate])) {
            RFC5280Policy()
        }
        guard case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) else {
            return false
        }
        if let usage = try? leaf.extensions.extendedKeyUsage {
            return usage.contains(.clientAuth) || usage.contains(.any)
        }
        return true
    }

    // MARK: Key encodings the client must read

    /// PKCS#1 `RSA PRIVATE KEY`: the inner RSAPrivateKey of the PKCS#8 document.
    static func pkcs1PEM(_ key: _RSA.Signing.PrivateKey) -> String {
        let pem = key.pemRepresentation
        if pem.contains("BEGIN RSA PRIVATE KEY") { return pem }
        // PKCS#8: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING(RSAPrivateKey) }
        let der = Array(key.derRepresentation)
        guard let node = try? DER.parse(der), case .constructed(let children) = node.content else { return pem }
        for child in children where child.identifier == .octetString {
            if case .primitive(let bytes) = child.content {
                return PEMDocument(type: "RSA PRIVATE KEY", derBytes: Array(bytes)).pemString
            }
        }
        return pem
    }

    /// SEC1 `EC PRIVATE KEY`: ECPrivateKey { 1, key, [0] prime256v1, [1] public key }.
    static func sec1PEM(_ key: P256.Signing.PrivateKey) throws -> String {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(key.rawRepresentation)))
            try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { inner in
                try inner.serialize(ASN1ObjectIdentifier.NamedCurves.secp256r1)
            }
            try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { inner in
                try inner.serialize(ASN1BitString(bytes: ArraySlice(key.publicKey.x963Representation)))
            }
        }
        return PEMDocument(type: "EC PRIVATE KEY", derBytes: serializer.serializedBytes).pemString
    }
}

/// The private key encodings a kubeconfig may carry, so the client's key parser can be tested
/// against each.
public enum ClientKeyType: String, Sendable, CaseIterable {
    /// RSA 2048, PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`).
    case rsaPKCS1
    /// RSA 2048, PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    case rsaPKCS8
    /// P-256, PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    case ecPKCS8
    /// P-256, SEC1 (`-----BEGIN EC PRIVATE KEY-----`).
    case ecSEC1
}

/// A client certificate issued by the server's CA, with its private key, both PEM.
public struct ClientCertificate: Sendable, Hashable {
    public var user: String
    public var groups: [String]
    public var certificatePEM: String
    public var keyPEM: String
    public var keyType: ClientKeyType
}
