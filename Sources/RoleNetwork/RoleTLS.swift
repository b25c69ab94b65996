import Foundation
import NIOCore
import NIOSSL

/// TLS between the roles (agents, controller, operator): servers present the cluster's
/// certificate; clients trust the cluster's CA and nothing else.
///
/// Clients check the chain but not the host name: every certificate the per-cluster CA ever signs
/// belongs to that cluster (the one made at creation and its renewals), and the same name-free check works where
/// the roles reach each other by pod DNS names (Kubernetes) and by loopback addresses (the
/// playground). The bearer token stays on top.
public enum RoleTLS {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(option: String, path: String, problem: String)

        public var description: String {
            switch self {
            case .unreadable(let option, let path, let problem): "\(option) '\(path)' cannot be used: \(problem)"
            }
        }
    }

    /// What a server presents: the certificate chain and key in PEM files.
    public static func server(certificateFile: String, keyFile: String) throws(Failure) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw .unreadable(option: "--tls-cert-file", path: certificateFile, problem: "\(error)")
        }
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw .unreadable(option: "--tls-key-file", path: keyFile, problem: "\(error)")
        }
        return server(chain: chain, key: key)
    }

    static func server(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.shutdownTimeout = closeNotifyWait
        return configuration
    }

    /// What a client trusts: the CA in a PEM file, and only it.
    public static func client(caFile: String) throws(Failure) -> TLSConfiguration {
        let roots: [NIOSSLCertificate]
        do {
            roots = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw .unreadable(option: "--ca-file", path: caFile, problem: "\(error)")
        }
        return client(trusting: roots)
    }

    /// A client configuration trusting the CA given as PEM text (the operator reads it from the
    /// cluster's Secret).
    public static func client(caPEM: String) throws -> TLSConfiguration {
        client(trusting: try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
    }

    static func client(trusting roots: [NIOSSLCertificate]) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(roots)
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        configuration.shutdownTimeout = closeNotifyWait
        return configuration
    }

    /// How long closing a connection waits for the peer's TLS close_notify. NIOSSL waits 5 s by
    /// default, and a peer busy streaming (the controller's status feed) or already gone never
    /// answers: every role's shutdown then took 5 s longer. Nothing is lost by closing sooner.
    static let closeNotifyWait: TimeAmount = .milliseconds(500)
}
