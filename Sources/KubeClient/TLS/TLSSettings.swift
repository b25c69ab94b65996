import Foundation
import NIOSSL

/// How the client trusts the server and proves who it is, already parsed and checked.
public struct TLSSettings: Sendable {
    /// The certificate authorities to trust; nil means the system's store. When a kubeconfig
    /// names a CA only that CA is trusted, as with kubectl.
    public var trustRoots: [NIOSSLCertificate]?
    /// Where `trustRoots` came from, for the message of a failed verification.
    public var trustRootsOrigin: String?
    public var insecureSkipVerify: Bool = false
    /// `tls-server-name`: the name to send (SNI) and to check the server certificate against.
    public var serverName: String?
    /// A static client certificate from the kubeconfig (exec plugins may supply their own).
    public var clientIdentity: ClientIdentity?

    public init(trustRoots: [NIOSSLCertificate]? = nil, trustRootsOrigin: String? = nil, insecureSkipVerify: Bool = false,
                serverName: String? = nil, clientIdentity: ClientIdentity? = nil) {
        self.trustRoots = trustRoots
        self.trustRootsOrigin = trustRootsOrigin
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
        self.clientIdentity = clientIdentity
    }

    /// The NIOSSL configuration for one connection, with `identity` (from an exec plugin)
    /// taking precedence over the static one.
    public func configuration(identity: ClientIdentity? = nil) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        // Closing a connection waits this long for the server's close_notify. A server busy
        // writing a watch we abandoned may never send it; waiting the default 5 s would delay
        // every cancelled watch and the client's shutdown.
        tls.shutdownTimeout = .milliseconds(300)
        if let trustRoots { tls.trustRoots = .certificates(trustRoots) }
        if insecureSkipVerify { tls.certificateVerification = .none }
        if let identity = identity ?? clientIdentity {
            tls.certificateChain = identity.certificateChain.map { .certificate($0) }
            tls.privateKey = .privateKey(identity.privateKey)
        }
        return tls
    }

    /// Parses PEM certificate authorities.
    public static func certificates(fromPEM data: Data) throws(PEMError) -> [NIOSSLCertificate] {
        let blocks = try PEMBlock.parseAll(data)
        let certificates = blocks.filter { $0.label == "CERTIFICATE" }
        guard !certificates.isEmpty else { throw .noCertificate(found: blocks.map(\.label)) }
        do {
            return try certificates.map { try NIOSSLCertificate(bytes: Array($0.der), format: .der) }
        } catch {
            throw .invalidBase64("CERTIFICATE")
        }
    }
}

/// A client certificate chain and its private key.
public struct ClientIdentity: Sendable, Hashable {
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey
    public var keyFormat: PrivateKeyFormat

    /// Parses and cross-checks PEM certificate and key; the key may be RSA PKCS#1, PKCS#8 or
    /// EC SEC 1. Throws a message naming which half is wrong.
    public init(certificatePEM: Data, keyPEM: Data) throws(ClientIdentityError) {
        do {
            self.certificateChain = try TLSSettings.certificates(fromPEM: certificatePEM)
        } catch {
            throw .certificate(error.description)
        }
        let format: PrivateKeyFormat
        let block: PEMBlock
        do {
            (format, block) = try PrivateKeyFormat.find(in: try PEMBlock.parseAll(keyPEM))
        } catch {
            throw .key(error.description)
        }
        do {
            self.privateKey = try NIOSSLPrivateKey(bytes: Array(Self.pem(block)), format: .pem)
        } catch {
            throw .key("holds a \(format.rawValue) block that cannot be parsed (\(error))")
        }
        self.keyFormat = format
        // Building a context makes BoringSSL check that the key belongs to the certificate.
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateChain = certificateChain.map { .certificate($0) }
        tls.privateKey = .privateKey(privateKey)
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw .mismatch("\(error)")
        }
    }

    private static func pem(_ block: PEMBlock) -> Data {
        let body = block.der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return Data("-----BEGIN \(block.label)-----\n\(body)\n-----END \(block.label)-----\n".utf8)
    }
}

public enum ClientIdentityError: Error, Sendable, Hashable, CustomStringConvertible {
    case certificate(String)
    case key(String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .certificate(let problem): "the client certificate \(problem)"
        case .key(let problem): "the client key \(problem)"
        case .mismatch(let detail): "the client key does not belong to the client certificate (\(detail))"
        }
    }
}
